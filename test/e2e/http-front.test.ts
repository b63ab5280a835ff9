/**
 * The HTTP front answers `POST /` from node:http and everything else through fastify
 * (packages/server/src/api/http-server.ts). Clients must see no difference: the same status
 * lines, the same header lines in the same order, the same bodies as when fastify answered all.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { auditRecordOf, REGION, signedFetch, startTestServer, type TestServer } from './support.ts';

interface RawAnswer {
  readonly statusLine: string;
  /** Header lines as sent, `name: value`, in order. */
  readonly lines: string[];
  readonly body: string;
}

/** Sends `request` on a fresh socket and returns the answer as it came on the wire. */
function exchange(port: number, request: string | Buffer): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer: ${received.toString('latin1')}`));
    }, 10_000);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return;
      const [statusLine, ...lines] = received.toString('latin1', 0, end).split('\r\n');
      const length = Number(/^content-length: (\d+)$/im.exec(lines.join('\n'))?.[1]);
      if (received.length < end + 4 + length) return;
      clearTimeout(timer);
      socket.destroy();
      resolve({ statusLine, lines, body: received.toString('utf8', end + 4, end + 4 + length) });
    });
    socket.on('error', reject);
  });
}

const names = (answer: RawAnswer) => answer.lines.map((line) => line.slice(0, line.indexOf(':')));
const header = (answer: RawAnswer, name: string) => answer.lines.find((line) => line.toLowerCase().startsWith(`${name.toLowerCase()}:`))?.slice(name.length + 1).trim();

describe('HTTP front', () => {
  let t: TestServer;
  let signed: (target: string, body: string) => Promise<string>;
  before(async () => {
    t = await startTestServer();
    const signer = new SignatureV4({ credentials: t.admin, region: REGION, service: 'ssm', sha256: Hash.bind(null, 'sha256') });
    signed = async (target, body) => {
      const request = new HttpRequest({ method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port: t.port, path: '/', headers: { host: `127.0.0.1:${t.port}`, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target }, body });
      const out = await signer.sign(request);
      const lines = Object.entries({ ...out.headers, 'content-length': String(Buffer.byteLength(body)) }).map(([k, v]) => `${k}: ${v}\r\n`).join('');
      return `POST / HTTP/1.1\r\n${lines}\r\n${body}`;
    };
    assert.equal((await exchange(t.port, await signed('AmazonSSM.PutParameter', JSON.stringify({ Name: '/front/a', Value: 'v', Type: 'String' })))).statusLine, 'HTTP/1.1 200 OK');
  });
  after(async () => {
    await t?.destroy();
  });

  test('an AWS call is answered with the head fastify wrote: content-type with charset, request id, length, date, keep-alive', async () => {
    const answer = await exchange(t.port, await signed('AmazonSSM.GetParameter', JSON.stringify({ Name: '/front/a' })));
    assert.equal(answer.statusLine, 'HTTP/1.1 200 OK');
    assert.deepEqual(names(answer), ['content-type', 'x-amzn-requestid', 'content-length', 'Date', 'Connection', 'Keep-Alive']);
    assert.equal(header(answer, 'content-type'), 'application/x-amz-json-1.1; charset=utf-8');
    assert.match(header(answer, 'x-amzn-requestid')!, /^[0-9a-f-]{36}$/);
    assert.equal(header(answer, 'content-length'), String(Buffer.byteLength(answer.body)));
    assert.equal(header(answer, 'Connection'), 'keep-alive');
    assert.equal(header(answer, 'Keep-Alive'), 'timeout=65');
    const parameter = JSON.parse(answer.body).Parameter;
    assert.deepEqual(Object.keys(parameter), ['Name', 'Type', 'Value', 'Version', 'LastModifiedDate', 'ARN', 'DataType']);
    assert.equal(typeof parameter.LastModifiedDate, 'number');
    assert.equal((await auditRecordOf(t, header(answer, 'x-amzn-requestid'))).eventName, 'GetParameter');
  });

  test('an AWS error keeps the same head and carries the error JSON', async () => {
    const answer = await exchange(t.port, await signed('AmazonSSM.GetParameter', JSON.stringify({ Name: '/front/missing' })));
    assert.equal(answer.statusLine, 'HTTP/1.1 400 Bad Request');
    assert.deepEqual(names(answer), ['content-type', 'x-amzn-requestid', 'content-length', 'Date', 'Connection', 'Keep-Alive']);
    assert.equal(answer.body, '{"__type":"ParameterNotFound","message":"Parameter /front/missing not found."}');
  });

  test('a Query-protocol answer is text/xml without a charset, as before', async () => {
    const res = await signedFetch(t.url, { body: 'Action=GetUser&Version=2010-05-08', credentials: t.admin, service: 'iam', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers['content-type'], 'text/xml');
    assert.match(res.text, /<GetUserResponse/);
  });

  test('a presigned call (POST /?X-Amz-...) reaches the API', async () => {
    const res = await signedFetch(t.url, { target: 'AmazonSSM.GetParameter', body: JSON.stringify({ Name: '/front/a' }), credentials: t.admin, presign: { expiresIn: 300 } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.Parameter.Value, 'v');
  });

  test('other routes still go through fastify: health, and 404 for other methods and paths', async () => {
    const health = await exchange(t.port, 'GET /bosun/v1/health HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.equal(health.statusLine, 'HTTP/1.1 200 OK');
    assert.equal(header(health, 'content-type'), 'application/json; charset=utf-8');
    assert.equal(health.body, '{"status":"ok"}');
    const put = await exchange(t.port, 'PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}');
    assert.equal(put.statusLine, 'HTTP/1.1 404 Not Found');
    assert.equal(put.body, '{"message":"No route PUT /: the AWS API is POST / with an X-Amz-Target header; Bosun\'s own routes are under /bosun/v1/"}');
    const other = await exchange(t.port, 'POST /elsewhere HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}');
    assert.equal(other.statusLine, 'HTTP/1.1 404 Not Found');
  });

  test('an unsigned call is refused with MissingAuthenticationTokenException and audited', async () => {
    const answer = await exchange(t.port, 'POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AmazonSSM.GetParameter\r\nContent-Length: 2\r\n\r\n{}');
    assert.equal(answer.statusLine, 'HTTP/1.1 403 Forbidden');
    assert.equal(answer.body, '{"__type":"MissingAuthenticationTokenException","message":"Request is missing Authentication Token"}');
    assert.equal((await auditRecordOf(t, header(answer, 'x-amzn-requestid'))).errorCode, 'MissingAuthenticationTokenException');
  });

  test('a body whose Content-Length is over the limit is refused before it is read, and the connection closes', async () => {
    const answer = await exchange(t.port, 'POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AmazonSSM.GetParameter\r\nContent-Length: 99999999\r\n\r\n{');
    assert.equal(answer.statusLine, 'HTTP/1.1 413 Payload Too Large');
    assert.deepEqual(names(answer), ['connection', 'content-type', 'x-amzn-requestid', 'content-length', 'Date']);
    assert.equal(header(answer, 'connection'), 'close');
  });
});
