import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { type AwsError, awsError } from '@bosun/protocol';
import type { ApiPipeline, ApiRequest, ApiResponse } from './pipeline.ts';

export interface HttpServerOptions {
  readonly pipeline: ApiPipeline;
  /** Largest request body accepted, in bytes. Default 2 MiB (AWS's largest SSM inputs, e.g. PutInventory, stay under it). */
  readonly bodyLimit?: number;
  /** Fastify plugins of capabilities with routes of their own under /bosun/v1/ (e.g. nodes), registered in order. */
  readonly plugins?: readonly ((app: FastifyInstance) => Promise<void>)[];
}

export const DEFAULT_BODY_LIMIT = 2 * 1024 * 1024;
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/**
 * The HTTP front: `POST /` carries the AWS JSON API; Bosun's own routes live under
 * /bosun/v1/. Bodies arrive as raw bytes because SigV4 hashes them as sent.
 *
 * `POST /` (every AWS call) is answered straight from node:http, before fastify sees the
 * request: fastify's routing, hooks and reply machinery cost about a tenth of a call's CPU,
 * and the API needs none of them. Every other request (health, the plugins' /bosun/v1/ routes,
 * WebSocket upgrades, 404s) goes to fastify as before, on the same server and port. The
 * answers are the ones fastify gave (status, headers in the same order, bodies), so clients
 * see no difference; test/e2e/http-front.test.ts holds them to it.
 */
export function createHttpServer(options: HttpServerOptions): FastifyInstance {
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const { pipeline } = options;
  let closing = false;

  const app = fastify({
    logger: false,
    bodyLimit,
    return503OnClosing: true,
    serverFactory: (fastifyHandler) => {
      const server = http.createServer((req, res) => {
        if (req.method === 'POST' && isApiPath(req.url)) answerApi(req, res, pipeline, bodyLimit, closing);
        else fastifyHandler(req, res);
      });
      // What fastify sets on the servers it makes itself.
      server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
      server.requestTimeout = 0;
      server.setTimeout(0);
      return server;
    },
  });
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.get('/bosun/v1/health', async () => ({ status: 'ok' }));
  for (const plugin of options.plugins ?? []) void app.register(plugin);

  app.setErrorHandler(async (error: { code?: string; statusCode?: number; message: string }, req: FastifyRequest, reply) => {
    const res = await pipeline.refuse(requestHead(req.raw), readFailure(error, bodyLimit, req.headers['content-length']));
    return reply.code(res.status).headers(res.headers).send(res.body);
  });

  app.setNotFoundHandler(async (req, reply) => {
    return reply.code(404).send({ message: `No route ${req.method} ${req.url}: the AWS API is POST / with an X-Amz-Target header; Bosun's own routes are under /bosun/v1/` });
  });
  return app;
}

/** `/` with or without a query: the AWS API's one path (presigned calls carry their signature in the query). */
function isApiPath(url: string | undefined): boolean {
  return url === '/' || (url !== undefined && url.startsWith('/?'));
}

function requestHead(req: IncomingMessage): Omit<ApiRequest, 'body'> {
  return { method: req.method ?? 'POST', url: req.url ?? '/', headers: req.headers, sourceIp: req.socket.remoteAddress ?? '' };
}

/** The refusal of a body that could not be read, in the words the API has always used. */
function readFailure(error: { code?: string; message: string }, bodyLimit: number, contentLength: string | undefined): AwsError {
  // An oversized body is refused from its Content-Length before it is read, or when a chunked
  // one passes the limit: either way it is never buffered whole.
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return awsError('RequestEntityTooLargeException', `The request body is larger than the ${bodyLimit} bytes this server accepts (Content-Length: ${contentLength ?? 'unknown'}).`);
  }
  if (error.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') return awsError('SerializationException', 'The request body does not match its Content-Length header.');
  return awsError('SerializationException', `The request could not be read: ${error.message}`);
}

/**
 * Reads the body of an AWS call (bounded), runs it through the pipeline and writes the answer.
 * (Per-request callbacks are inline and anonymous: tsx keeps function names, and naming a
 * closure costs a defineProperty on every request.)
 */
function answerApi(req: IncomingMessage, res: ServerResponse, pipeline: ApiPipeline, bodyLimit: number, closing: boolean): void {
  if (closing) {
    // As fastify answers while the server drains (return503OnClosing).
    res.setHeader('Connection', 'close');
    res.writeHead(503, { 'Content-Type': 'application/json', 'Content-Length': '80' });
    res.end('{"error":"Service Unavailable","message":"Service Unavailable","statusCode":503}');
    return;
  }
  const declared = req.headers['content-length'];
  const contentLength = declared === undefined ? Number.NaN : Number(declared);
  if (contentLength > bodyLimit) {
    refuseRead(req, res, pipeline, readFailure({ code: 'FST_ERR_CTP_BODY_TOO_LARGE', message: '' }, bodyLimit, declared));
    return;
  }
  const chunks: Buffer[] = [];
  let received = 0;
  let done = false;
  req.on('data', (chunk: Buffer) => {
    if (done) return;
    received += chunk.length;
    if (received > bodyLimit) {
      done = true;
      refuseRead(req, res, pipeline, readFailure({ code: 'FST_ERR_CTP_BODY_TOO_LARGE', message: '' }, bodyLimit, declared));
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (done) return;
    done = true;
    if (!Number.isNaN(contentLength) && received !== contentLength) {
      refuseRead(req, res, pipeline, readFailure({ code: 'FST_ERR_CTP_INVALID_CONTENT_LENGTH', message: '' }, bodyLimit, declared));
      return;
    }
    const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, received);
    pipeline.handle({ method: 'POST', url: req.url ?? '/', headers: req.headers, body, sourceIp: req.socket.remoteAddress ?? '' })
      .then((answer) => send(res, answer), (error: unknown) => res.destroy(error as Error));
  });
  req.on('error', (error: Error & { code?: string }) => {
    if (done) return;
    done = true;
    refuseRead(req, res, pipeline, readFailure({ code: error.code, message: error.message }, bodyLimit, declared));
  });
}

/** Answers a call whose body could not be read; the client may still be sending, so the connection closes after. */
function refuseRead(req: IncomingMessage, res: ServerResponse, pipeline: ApiPipeline, error: AwsError): void {
  res.setHeader('connection', 'close');
  pipeline.refuse(requestHead(req), error).then((answer) => send(res, answer), (failure: unknown) => res.destroy(failure as Error));
}

/**
 * Writes an answer as fastify's reply did: content-type (JSON ones with `; charset=utf-8`),
 * then the pipeline's other headers, then content-length.
 */
function send(res: ServerResponse, answer: ApiResponse): void {
  if (res.destroyed) return;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(answer.headers)) {
    headers[name] = name === 'content-type' && value.includes('json') && !/;\s*charset=/i.test(value) ? `${value}; charset=utf-8` : value;
  }
  headers['content-length'] = String(Buffer.byteLength(answer.body));
  res.writeHead(answer.status, headers);
  res.end(answer.body);
}
