import fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { awsError } from '@bosun/protocol';
import type { ApiPipeline, ApiRequest } from './pipeline.ts';

export interface HttpServerOptions {
  readonly pipeline: ApiPipeline;
  /** Largest request body accepted, in bytes. Default 2 MiB (AWS's largest SSM inputs, e.g. PutInventory, stay under it). */
  readonly bodyLimit?: number;
  /** Fastify plugins of capabilities with routes of their own under /bosun/v1/ (e.g. nodes), registered in order. */
  readonly plugins?: readonly ((app: FastifyInstance) => Promise<void>)[];
}

export const DEFAULT_BODY_LIMIT = 2 * 1024 * 1024;

/**
 * The HTTP front: `POST /` carries the AWS JSON API; Bosun's own routes live under
 * /bosun/v1/. Bodies arrive as raw bytes because SigV4 hashes them as sent.
 */
export function createHttpServer(options: HttpServerOptions): FastifyInstance {
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const app = fastify({ logger: false, bodyLimit, return503OnClosing: true, keepAliveTimeout: 65_000 });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  const apiRequest = (req: FastifyRequest): ApiRequest => ({
    method: req.method,
    url: req.raw.url ?? '/',
    headers: req.headers,
    body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
    sourceIp: req.socket.remoteAddress ?? '',
  });

  app.post('/', async (req, reply) => {
    const res = await options.pipeline.handle(apiRequest(req));
    return reply.code(res.status).headers(res.headers).send(res.body);
  });

  app.get('/bosun/v1/health', async () => ({ status: 'ok' }));
  for (const plugin of options.plugins ?? []) void app.register(plugin);

  app.setErrorHandler(async (error: { code?: string; statusCode?: number; message: string }, req, reply) => {
    // Fastify refuses an oversized body from its Content-Length before reading it, or
    // stops reading a chunked one at the limit: either way it is never buffered whole.
    const refusal = error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
      ? awsError('RequestEntityTooLargeException', `The request body is larger than the ${bodyLimit} bytes this server accepts (Content-Length: ${req.headers['content-length'] ?? 'unknown'}).`)
      : error.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH'
        ? awsError('SerializationException', 'The request body does not match its Content-Length header.')
        : awsError('SerializationException', `The request could not be read: ${error.message}`);
    const res = await options.pipeline.refuse({ method: req.method, url: req.raw.url ?? '/', headers: req.headers, sourceIp: req.socket.remoteAddress ?? '' }, refusal);
    return reply.code(res.status).headers(res.headers).send(res.body);
  });

  app.setNotFoundHandler(async (req, reply) => {
    return reply.code(404).send({ message: `No route ${req.method} ${req.url}: the AWS API is POST / with an X-Amz-Target header; Bosun's own routes are under /bosun/v1/` });
  });
  return app;
}
