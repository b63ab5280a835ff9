import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { isAwsError, type AwsError } from '@bosun/protocol';
import { Hash } from '@smithy/hash-node';
import { HttpRequest, HttpResponse } from '@smithy/protocol-http';
import { SignatureV4, getCanonicalHeaders } from '@smithy/signature-v4';
import { SIGV4_MESSAGES, describeSkew, plainCanonicalRequest, sigv4, type SignedRequest, type SigningKey, type SigV4VerifierOptions } from './sigv4.ts';
import {
  TEST_VECTOR_CREDENTIALS,
  TEST_VECTOR_DATE_MS,
  TEST_VECTOR_REGION,
  TEST_VECTOR_SERVICE,
  sigv4TestVectors,
} from './sigv4-test-vectors.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const Sha256 = Hash.bind(null, 'sha256');
const AKID = 'AKIDBOSUNTEST';
const SECRET = 'bosunTestSecret/K7MDENG+bPxRfiCYEXAMPLEKEY';
const SIGNED_AT = new Date(Date.UTC(2026, 10, 26, 6, 0, 0)); // 20261126T060000Z
const SSM_TARGET_HEADERS = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.GetParameter' };

// ---------------------------------------------------------------------------------------------
// Helpers

interface Principal {
  readonly name: string;
}

function verifier(overrides: Partial<SigV4VerifierOptions<Principal>> & { keys?: Record<string, SigningKey<Principal>>; nowMs?: number } = {}) {
  const keys = overrides.keys ?? { [AKID]: { secretAccessKey: SECRET, principal: { name: 'alice' } } };
  return sigv4<Principal>({
    services: ['ssm', 'kms'],
    lookupKey: (id) => keys[id],
    now: () => overrides.nowMs ?? SIGNED_AT.getTime(),
    ...overrides,
  });
}

async function rejectsWith(promise: Promise<unknown>, code: string, message?: string | RegExp): Promise<AwsError> {
  let thrown: unknown;
  try {
    await promise;
  } catch (error) {
    thrown = error;
  }
  assert.ok(isAwsError(thrown), `expected an AwsError, got ${inspect(thrown)}`);
  assert.equal(thrown.code, code, thrown.message);
  if (typeof message === 'string') assert.equal(thrown.message, message);
  else if (message) assert.match(thrown.message, message);
  return thrown;
}

/** A smithy HttpRequest as the SDK would build it, turned into what the HTTP server hands the verifier. */
function toSignedRequest(request: { method: string; path: string; query?: Record<string, unknown>; headers: Record<string, string>; body?: unknown }): SignedRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
  const body = request.body === undefined ? new Uint8Array() : Buffer.from(request.body as string | Uint8Array);
  return { method: request.method, path: request.path, query: buildQuery(request.query ?? {}), headers, body };
}

/** Encodes a query the way a URL carries it (smithy's query builder uses the same RFC 3986 encoding). */
function buildQuery(query: Record<string, unknown>): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    for (const v of Array.isArray(value) ? value : [value]) parts.push(`${enc(key)}=${enc(String(v))}`);
  }
  return parts.join('&');
}

function ssmHttpRequest(body: string, extraHeaders: Record<string, string> = {}): HttpRequest {
  return new HttpRequest({
    method: 'POST',
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: 8080,
    path: '/',
    headers: { host: '127.0.0.1:8080', ...SSM_TARGET_HEADERS, ...extraHeaders },
    body,
  });
}

interface SignOptions {
  body?: string;
  date?: Date;
  region?: string;
  service?: string;
  accessKeyId?: string;
  secret?: string;
  sessionToken?: string;
  /** true: the SDK's way (x-amz-content-sha256 added and signed); false: the AWS CLI's way */
  applyChecksum?: boolean;
}

/** Signs a POST / JSON request with smithy's SignatureV4, as the SDK or the CLI would. */
async function signedJson(options: SignOptions = {}): Promise<SignedRequest> {
  const signer = new SignatureV4({
    credentials: { accessKeyId: options.accessKeyId ?? AKID, secretAccessKey: options.secret ?? SECRET, sessionToken: options.sessionToken },
    region: options.region ?? 'us-east-1',
    service: options.service ?? 'ssm',
    sha256: Sha256,
    applyChecksum: options.applyChecksum ?? false,
  });
  const signed = await signer.sign(ssmHttpRequest(options.body ?? '{"Name":"/app/db/host"}'), { signingDate: options.date ?? SIGNED_AT });
  return toSignedRequest(signed);
}

async function presigned(options: SignOptions & { expiresIn?: number; extraHeaders?: Record<string, string> } = {}): Promise<SignedRequest> {
  const signer = new SignatureV4({
    credentials: { accessKeyId: options.accessKeyId ?? AKID, secretAccessKey: options.secret ?? SECRET, sessionToken: options.sessionToken },
    region: options.region ?? 'us-east-1',
    service: options.service ?? 'ssm',
    sha256: Sha256,
  });
  const request = ssmHttpRequest(options.body ?? '{"Name":"/app/db/host"}', options.extraHeaders);
  const signed = await signer.presign(request, { signingDate: options.date ?? SIGNED_AT, expiresIn: options.expiresIn ?? 300 });
  return toSignedRequest(signed);
}

function withBody(req: SignedRequest, body: string): SignedRequest {
  return { ...req, body: Buffer.from(body) };
}

function withHeaders(req: SignedRequest, headers: Record<string, string | undefined>): SignedRequest {
  return { ...req, headers: { ...req.headers, ...headers } };
}

/** Changes one hex digit of a signature. */
function flipHexChar(signature: string, index = 10): string {
  const c = signature[index];
  return signature.slice(0, index) + (c === '0' ? '1' : '0') + signature.slice(index + 1);
}

function withFlippedSignature(req: SignedRequest): SignedRequest {
  const auth = req.headers.authorization as string;
  return withHeaders(req, { authorization: auth.replace(/Signature=([0-9a-f]{64})/, (_, sig: string) => `Signature=${flipHexChar(sig)}`) });
}

function withQueryParam(req: SignedRequest, name: string, value: string | undefined): SignedRequest {
  const pairs = req.query.split('&').filter((pair) => !pair.startsWith(`${name}=`));
  if (value !== undefined) pairs.push(`${name}=${encodeURIComponent(value)}`);
  return { ...req, query: pairs.join('&') };
}

// ---------------------------------------------------------------------------------------------
// Published AWS SigV4 test vectors

/** Parses a test-suite request: request line, headers (indented lines continue a value), blank line, body. */
function parseSuiteRequest(text: string, authorization: string): SignedRequest {
  const separator = text.indexOf('\n\n');
  const head = separator < 0 ? text : text.slice(0, separator);
  const body = separator < 0 ? '' : text.slice(separator + 2);
  const [requestLine, ...lines] = head.split('\n');
  const match = /^(\S+) (.*) HTTP\/1\.1$/.exec(requestLine);
  assert.ok(match, `bad request line: ${requestLine}`);
  const [, method, target] = match;
  const values = new Map<string, string[]>();
  let last: string[] | undefined;
  for (const line of lines) {
    if (line === '') continue;
    if (/^\s/.test(line) && last) {
      last[last.length - 1] += `\n${line}`;
      continue;
    }
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).toLowerCase();
    last = values.get(name) ?? [];
    last.push(line.slice(colon + 1).trim());
    values.set(name, last);
  }
  const headers: SignedRequest['headers'] = { authorization };
  for (const [name, list] of values) headers[name] = list.length === 1 ? list[0] : list;
  const q = target.indexOf('?');
  return {
    method,
    path: q < 0 ? target : target.slice(0, q),
    query: q < 0 ? '' : target.slice(q + 1),
    headers,
    body: Buffer.from(body),
  };
}

function vectorVerifier(sessionToken: string | undefined) {
  return sigv4({
    regions: (region) => region === TEST_VECTOR_REGION,
    services: [TEST_VECTOR_SERVICE],
    lookupKey: (id) =>
      id === TEST_VECTOR_CREDENTIALS.accessKeyId
        ? { secretAccessKey: TEST_VECTOR_CREDENTIALS.secretAccessKey, sessionToken, principal: 'example' }
        : undefined,
    now: () => TEST_VECTOR_DATE_MS,
  });
}

test('the published vectors are all here', () => {
  assert.ok(sigv4TestVectors.length >= 10);
  assert.equal(new Set(sigv4TestVectors.map((v) => v.name)).size, sigv4TestVectors.length);
});

for (const vector of sigv4TestVectors) {
  test(`AWS SigV4 test suite: ${vector.name}`, async () => {
    const request = parseSuiteRequest(vector.request, vector.authorization);
    const token = request.headers['x-amz-security-token'] as string | undefined;
    const verify = vectorVerifier(token);

    const verified = await verify(request);
    assert.equal(verified.accessKeyId, 'AKIDEXAMPLE');
    assert.equal(verified.service, 'service');
    assert.equal(verified.region, 'us-east-1');
    assert.equal(verified.signedAt.getTime(), TEST_VECTOR_DATE_MS);
    assert.equal(verified.presigned, false);

    await rejectsWith(verify(withFlippedSignature(request)), 'InvalidSignatureException', SIGV4_MESSAGES.signatureMismatch);
    const body = Buffer.from(request.body).toString();
    const tampered = body === '' ? 'x' : `${body[0] === 'X' ? 'Y' : 'X'}${body.slice(1)}`;
    await rejectsWith(verify(withBody(request, tampered)), 'InvalidSignatureException', SIGV4_MESSAGES.signatureMismatch);
  });
}

// ---------------------------------------------------------------------------------------------
// Real clients

/** Runs an SSM command through the real SDK and returns the signed request instead of sending it. */
async function captureSdkRequest(
  send: (client: SSMClient) => Promise<unknown>,
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = { accessKeyId: AKID, secretAccessKey: SECRET },
): Promise<SignedRequest> {
  let captured: HttpRequest | undefined;
  const requestHandler = {
    handle: async (request: HttpRequest) => {
      captured = request;
      const body = Readable.from([Buffer.from('{}')]);
      return { response: new HttpResponse({ statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body }) };
    },
    updateHttpClientConfig: () => {},
    httpHandlerConfigs: () => ({}),
  };
  const client = new SSMClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:8080', credentials, maxAttempts: 1, requestHandler });
  await send(client);
  client.destroy();
  assert.ok(captured);
  return toSignedRequest(captured);
}

test('a PutParameter signed by @aws-sdk/client-ssm verifies', async () => {
  const req = await captureSdkRequest((c) => c.send(new PutParameterCommand({ Name: '/app/db/host', Value: 'db1', Type: 'String', Overwrite: true })));
  assert.match(req.headers.authorization as string, /SignedHeaders=.*x-amz-content-sha256/);
  const verified = await verifier({ nowMs: Date.now() })(req);
  assert.equal(verified.principal.name, 'alice');
  assert.equal(verified.service, 'ssm');
  assert.equal(verified.presigned, false);
});

test('an SDK request with temporary credentials verifies only with its session token', async () => {
  const credentials = { accessKeyId: AKID, secretAccessKey: SECRET, sessionToken: 'FwoGZXIvYXdzEXAMPLETOKEN' };
  const req = await captureSdkRequest((c) => c.send(new GetParameterCommand({ Name: '/x' })), credentials);
  const key = (sessionToken?: string) => ({ [AKID]: { secretAccessKey: SECRET, sessionToken, principal: { name: 'role' } } });
  await verifier({ nowMs: Date.now(), keys: key('FwoGZXIvYXdzEXAMPLETOKEN') })(req);
  await rejectsWith(verifier({ nowMs: Date.now(), keys: key('another-token') })(req), 'UnrecognizedClientException', SIGV4_MESSAGES.invalidToken);
  await rejectsWith(verifier({ nowMs: Date.now(), keys: key(undefined) })(req), 'UnrecognizedClientException', SIGV4_MESSAGES.invalidToken);
});

test('an SDK request whose body was changed after signing fails on x-amz-content-sha256', async () => {
  const req = await captureSdkRequest((c) => c.send(new GetParameterCommand({ Name: '/app/db/host' })));
  await rejectsWith(
    verifier({ nowMs: Date.now() })(withBody(req, '{"Name":"/app/db/password"}')),
    'InvalidSignatureException',
    "The provided 'x-amz-content-sha256' header does not match what was computed.",
  );
});

/**
 * Captured on 2026-11-26 from `aws ssm get-parameter --name /app/db/host` (aws-cli/1.45.11,
 * botocore/1.43.11, the signer AWS CLI v2 also uses) against a local capture server, with the
 * test-suite credentials AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY.
 * botocore signs content-type, host, x-amz-date and x-amz-target, and sends no x-amz-content-sha256.
 */
const awsCliRequest: SignedRequest = {
  method: 'POST',
  path: '/',
  query: '',
  headers: {
    host: '127.0.0.1:47123',
    'accept-encoding': 'identity',
    'x-amz-target': 'AmazonSSM.GetParameter',
    'content-type': 'application/x-amz-json-1.1',
    'user-agent':
      'aws-cli/1.45.11 md/Botocore#1.43.11 ua/2.1 os/linux#6.18.44-fc-v669 md/arch#x86_64 lang/python#3.11.7 md/pyimpl#CPython m/D,N,g,Z,b cfg/retry-mode#legacy botocore/1.43.11',
    'x-amz-date': '20261126T062628Z',
    authorization:
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261126/us-east-1/ssm/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=92c96cf57cfa9e03ce28b5951aba4f8dfdeae4e6bb224d269b314ccc61e36ba9',
    'amz-sdk-invocation-id': 'b6590089-2d3e-4c02-b493-9a3494e5924c',
    'amz-sdk-request': 'attempt=1',
    'content-length': '24',
  },
  body: Buffer.from('{"Name": "/app/db/host"}'),
};

test('a request captured from the AWS CLI (botocore) verifies, and fails with a changed body', async () => {
  const verify = verifier({
    keys: { AKIDEXAMPLE: { secretAccessKey: TEST_VECTOR_CREDENTIALS.secretAccessKey, principal: { name: 'cli' } } },
    nowMs: Date.UTC(2026, 10, 26, 6, 26, 30),
  });
  const verified = await verify(awsCliRequest);
  assert.equal(verified.principal.name, 'cli');
  assert.equal(verified.signedAt.toISOString(), '2026-11-26T06:26:28.000Z');
  await rejectsWith(verify(withBody(awsCliRequest, '{"Name": "/app/db/pass"}')), 'InvalidSignatureException', SIGV4_MESSAGES.signatureMismatch);
});

test('a request signed the CLI way (no x-amz-content-sha256) verifies; a changed body does not', async () => {
  const req = await signedJson({ applyChecksum: false });
  assert.equal(req.headers['x-amz-content-sha256'], undefined);
  await verifier()(req);
  await rejectsWith(verifier()(withBody(req, '{"Name":"/other"}')), 'InvalidSignatureException', SIGV4_MESSAGES.signatureMismatch);
});

test('a request signed with a Date header instead of X-Amz-Date verifies', async () => {
  // An independent signer (node:crypto only), so this also cross-checks smithy's canonical form.
  const date = 'Thu, 26 Nov 2026 06:00:00 GMT';
  const body = '{"Name":"/x"}';
  const canonical = ['POST', '/', '', `date:${date}`, 'host:127.0.0.1:8080', '', 'date;host', createHash('sha256').update(body).digest('hex')].join('\n');
  const scope = '20261126/us-east-1/ssm/aws4_request';
  const stringToSign = ['AWS4-HMAC-SHA256', '20261126T060000Z', scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  let key: Buffer = createHmac('sha256', `AWS4${SECRET}`).update('20261126').digest();
  for (const part of ['us-east-1', 'ssm', 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  const signature = createHmac('sha256', key).update(stringToSign).digest('hex');
  const req: SignedRequest = {
    method: 'POST',
    path: '/',
    query: '',
    headers: { date, host: '127.0.0.1:8080', authorization: `AWS4-HMAC-SHA256 Credential=${AKID}/${scope}, SignedHeaders=date;host, Signature=${signature}` },
    body: Buffer.from(body),
  };
  const verified = await verifier()(req);
  assert.equal(verified.signedAt.getTime(), SIGNED_AT.getTime());
});

test('repeated signed headers given as arrays are joined with commas', async () => {
  // Sign with a repeated header, the way node's headersDistinct would deliver it.
  const signer = new SignatureV4({ credentials: { accessKeyId: AKID, secretAccessKey: SECRET }, region: 'us-east-1', service: 'ssm', sha256: Sha256, applyChecksum: false });
  const signed = await signer.sign(ssmHttpRequest('{}', { 'x-custom': 'a,b' }), { signingDate: SIGNED_AT });
  const distinct = toSignedRequest(signed);
  distinct.headers['x-custom'] = ['a', 'b'];
  await verifier()(distinct);
});

// ---------------------------------------------------------------------------------------------
// Presigned requests

test('a request presigned by smithy presign() verifies', async () => {
  const req = await presigned();
  assert.match(req.query, /X-Amz-Algorithm=AWS4-HMAC-SHA256/);
  assert.match(req.query, /x-amz-target=AmazonSSM.GetParameter/); // presign() hoists x-amz-* headers, keeping their case
  assert.equal(req.headers.authorization, undefined);
  const verified = await verifier({ nowMs: SIGNED_AT.getTime() + 60_000 })(req);
  assert.equal(verified.presigned, true);
  assert.equal(verified.accessKeyId, AKID);
  assert.equal(verified.service, 'ssm');
});

test('presign() hashes the body, so a changed body fails', async () => {
  const req = await presigned({ body: '{"Name":"/a"}' });
  await verifier()(req);
  await rejectsWith(verifier()(withBody(req, '{"Name":"/b"}')), 'InvalidSignatureException', SIGV4_MESSAGES.signatureMismatch);
});

test('a presigned request that declares UNSIGNED-PAYLOAD accepts any body', async () => {
  const req = await presigned({ extraHeaders: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
  assert.match(req.query, /x-amz-content-sha256=UNSIGNED-PAYLOAD/);
  await verifier()(withBody(req, 'anything'));
});

test('UNSIGNED-PAYLOAD added by someone else does not unlock a changed body', async () => {
  const header = await signedJson({ applyChecksum: false });
  const downgradedHeader = withHeaders(withBody(header, 'evil'), { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' });
  await rejectsWith(verifier()(downgradedHeader), 'InvalidSignatureException', SIGV4_MESSAGES.signatureMismatch);
  const query = await presigned();
  const downgradedQuery = withHeaders(withBody(query, 'evil'), { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' });
  await rejectsWith(verifier()(downgradedQuery), 'InvalidSignatureException', SIGV4_MESSAGES.signatureMismatch);
});

test('a presigned request with a session token verifies only with that token', async () => {
  const req = await presigned({ sessionToken: 'session-token-1' });
  assert.match(req.query, /X-Amz-Security-Token=session-token-1/);
  await verifier({ keys: { [AKID]: { secretAccessKey: SECRET, sessionToken: 'session-token-1', principal: { name: 'r' } } } })(req);
  await rejectsWith(
    verifier({ keys: { [AKID]: { secretAccessKey: SECRET, sessionToken: 'session-token-2', principal: { name: 'r' } } } })(req),
    'UnrecognizedClientException',
    SIGV4_MESSAGES.invalidToken,
  );
});

test('an expired presigned request fails and says when it expired', async () => {
  const req = await presigned({ expiresIn: 300 });
  await verifier({ nowMs: SIGNED_AT.getTime() + 300_000 })(req); // the last valid second
  await rejectsWith(
    verifier({ nowMs: SIGNED_AT.getTime() + 301_000 })(req),
    'InvalidSignatureException',
    'Signature expired: 20261126T060000Z is now earlier than 20261126T060001Z (20261126T060501Z - 5 min.) ' +
      'The presigned request expired at 20261126T060500Z, 1 seconds ago (X-Amz-Expires=300).',
  );
});

test('a presigned request may be used long after signing within X-Amz-Expires', async () => {
  const req = await presigned({ expiresIn: 3600 });
  await verifier({ nowMs: SIGNED_AT.getTime() + 3_000_000 })(req);
});

test('a presigned request dated in the future fails like a header-signed one', async () => {
  const req = await presigned({ date: new Date(SIGNED_AT.getTime() + 900_000) });
  await rejectsWith(verifier()(req), 'InvalidSignatureException', /^Signature not yet current: 20261126T061500Z is still later than 20261126T060500Z/);
});

test('X-Amz-Expires must be 1..604800', async () => {
  const req = await presigned();
  await rejectsWith(
    verifier()(withQueryParam(req, 'X-Amz-Expires', '604801')),
    'IncompleteSignatureException',
    'X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds',
  );
  for (const bad of ['0', '-5', 'soon']) {
    await rejectsWith(
      verifier()(withQueryParam(req, 'X-Amz-Expires', bad)),
      'IncompleteSignatureException',
      `X-Amz-Expires must be a whole number of seconds from 1 to 604800; got '${bad}'.`,
    );
  }
});

test('a presigned request missing its parameters names each of them', async () => {
  const req = await presigned();
  let stripped = req;
  for (const name of ['X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Date']) stripped = withQueryParam(stripped, name, undefined);
  await rejectsWith(
    verifier()(stripped),
    'IncompleteSignatureException',
    "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include 'X-Amz-Signature'. " +
      "AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters.",
  );
});

test('a presigned request with a changed signature fails', async () => {
  const req = await presigned();
  const sig = /X-Amz-Signature=([0-9a-f]{64})/.exec(req.query)?.[1] as string;
  await rejectsWith(verifier()(withQueryParam(req, 'X-Amz-Signature', flipHexChar(sig))), 'InvalidSignatureException', SIGV4_MESSAGES.signatureMismatch);
});

test('header and query authentication together are refused', async () => {
  const header = await signedJson();
  const query = await presigned();
  await rejectsWith(verifier()({ ...header, query: query.query }), 'IncompleteSignatureException', SIGV4_MESSAGES.twoMechanisms);
});

// ---------------------------------------------------------------------------------------------
// Errors, codes and wording

test('no credentials at all: MissingAuthenticationTokenException', async () => {
  const req: SignedRequest = { method: 'POST', path: '/', query: '', headers: { host: 'x', ...SSM_TARGET_HEADERS }, body: Buffer.from('{}') };
  const error = await rejectsWith(verifier()(req), 'MissingAuthenticationTokenException', 'Request is missing Authentication Token');
  assert.equal(error.status, 403);
  // An Authorization header of another scheme is no AWS credential either.
  await rejectsWith(verifier()(withHeaders(req, { authorization: 'Bearer abc.def' })), 'MissingAuthenticationTokenException');
});

test('an Authorization header without its parts lists every missing part', async () => {
  const req: SignedRequest = { method: 'POST', path: '/', query: '', headers: { host: 'x', authorization: 'AWS4-HMAC-SHA256' }, body: Buffer.from('') };
  await rejectsWith(
    verifier()(req),
    'IncompleteSignatureException',
    "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
      "Authorization header requires 'SignedHeaders' parameter. " +
      "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
  );
  const signed = await signedJson();
  const noSignature = withHeaders(signed, { authorization: (signed.headers.authorization as string).replace(/, Signature=[0-9a-f]+/, '') });
  await rejectsWith(verifier()(noSignature), 'IncompleteSignatureException', "Authorization header requires 'Signature' parameter.");
  await rejectsWith(
    verifier()(withHeaders(signed, { 'x-amz-date': undefined })),
    'IncompleteSignatureException',
    "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
  );
});

test('an unsupported algorithm is named', async () => {
  const signed = await signedJson();
  const req = withHeaders(signed, { authorization: (signed.headers.authorization as string).replace('AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA512') });
  await rejectsWith(verifier()(req), 'IncompleteSignatureException', "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now). ");
});

test('a date that is not ISO 8601 basic format is refused', async () => {
  const signed = await signedJson();
  for (const bad of ['2026-11-26T06:00:00Z', '20261332T000000Z']) {
    await rejectsWith(
      verifier()(withHeaders(signed, { 'x-amz-date': bad })),
      'IncompleteSignatureException',
      `Date must be in ISO-8601 'basic format'. Got '${bad}'. See http://en.wikipedia.org/wiki/ISO_8601`,
    );
  }
});

test('a credential that is not keyid/date/region/service/term is refused', async () => {
  const signed = await signedJson();
  const req = withHeaders(signed, { authorization: (signed.headers.authorization as string).replace('/aws4_request', '') });
  await rejectsWith(
    verifier()(req),
    'IncompleteSignatureException',
    `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${AKID}/20261126/us-east-1/ssm'`,
  );
});

test('Host must be signed', async () => {
  const signed = await signedJson();
  const req = withHeaders(signed, { authorization: (signed.headers.authorization as string).replace('SignedHeaders=content-type;host;', 'SignedHeaders=content-type;') });
  await rejectsWith(verifier()(req), 'InvalidSignatureException', "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
});

test('an unknown access key: UnrecognizedClientException', async () => {
  const req = await signedJson({ accessKeyId: 'AKIDNOBODY' });
  await rejectsWith(verifier()(req), 'UnrecognizedClientException', 'The security token included in the request is invalid.');
});

test('a wrong secret: InvalidSignatureException with AWS wording', async () => {
  const req = await signedJson({ secret: 'not-the-secret' });
  await rejectsWith(
    verifier()(req),
    'InvalidSignatureException',
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  );
});

test('credential scope: every region of aws, aws-cn and aws-us-gov is served, and the request says which', async () => {
  for (const region of ['us-east-1', 'eu-north-1', 'cn-north-1', 'cn-northwest-1', 'us-gov-west-1']) {
    const verified = await verifier()(await signedJson({ region }));
    assert.equal(verified.region, region);
  }
});

test('credential scope: unknown region, wrong service, wrong terminator, wrong date', async () => {
  await rejectsWith(verifier()(await signedJson({ region: 'eu-west-9' })), 'InvalidSignatureException', 'Credential should be scoped to a valid region. ');
  // Pseudo-regions and other partitions' regions are not served.
  await rejectsWith(verifier()(await signedJson({ region: 'aws-global' })), 'InvalidSignatureException', 'Credential should be scoped to a valid region. ');
  await rejectsWith(verifier()(await signedJson({ region: 'us-iso-east-1' })), 'InvalidSignatureException', 'Credential should be scoped to a valid region. ');
  await rejectsWith(verifier()(await signedJson({ service: 'sqs' })), 'InvalidSignatureException', "Credential should be scoped to correct service: 'ssm' or 'kms'. ");
  await rejectsWith(verifier({ services: ['ssm'] })(await signedJson({ service: 'sqs' })), 'InvalidSignatureException', "Credential should be scoped to correct service: 'ssm'. ");
  await rejectsWith(
    verifier()(await signedJson({ region: 'eu-west-9', service: 'sqs' })),
    'InvalidSignatureException',
    "Credential should be scoped to a valid region. Credential should be scoped to correct service: 'ssm' or 'kms'. ",
  );

  const signed = await signedJson();
  const auth = signed.headers.authorization as string;
  await rejectsWith(
    verifier()(withHeaders(signed, { authorization: auth.replace('/aws4_request', '/aws5_request') })),
    'InvalidSignatureException',
    "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. ",
  );
  await rejectsWith(
    verifier()(withHeaders(signed, { authorization: auth.replace('/20261126/', '/20261125/') })),
    'InvalidSignatureException',
    "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261125' != '20261126', from '20261126T060000Z'. ",
  );
});

test('a request signed too long ago: Signature expired, with the skew in seconds', async () => {
  const req = await signedJson({ date: SIGNED_AT });
  await rejectsWith(
    verifier({ nowMs: Date.UTC(2026, 10, 26, 6, 15, 0) })(req),
    'InvalidSignatureException',
    'Signature expired: 20261126T060000Z is now earlier than 20261126T061000Z (20261126T061500Z - 5 min.) ' +
      "The request's date is 900 seconds behind the server's clock (at most 300 seconds are allowed); check the client's clock (enable NTP).",
  );
});

test('a request dated in the future: Signature not yet current, with the skew in seconds', async () => {
  const req = await signedJson({ date: new Date(Date.UTC(2026, 10, 26, 6, 30, 0)) });
  await rejectsWith(
    verifier({ nowMs: Date.UTC(2026, 10, 26, 6, 15, 0) })(req),
    'InvalidSignatureException',
    'Signature not yet current: 20261126T063000Z is still later than 20261126T062000Z (20261126T061500Z + 5 min.) ' +
      "The request's date is 900 seconds ahead of the server's clock (at most 300 seconds are allowed); check the client's clock (enable NTP).",
  );
});

test('clock skew within maxSkewMs is accepted; maxSkewMs is configurable', async () => {
  const req = await signedJson();
  await verifier({ nowMs: SIGNED_AT.getTime() + 299_000 })(req);
  await verifier({ nowMs: SIGNED_AT.getTime() - 299_000 })(req);
  await rejectsWith(
    verifier({ nowMs: SIGNED_AT.getTime() + 61_000, maxSkewMs: 60_000 })(req),
    'InvalidSignatureException',
    /^Signature expired: 20261126T060000Z is now earlier than 20261126T060001Z \(20261126T060101Z - 1 min\.\) The request's date is 61 seconds behind/,
  );
  assert.equal(
    describeSkew(0, 90_500, 30_000),
    "The request's date is 91 seconds behind the server's clock (at most 30 seconds are allowed); check the client's clock (enable NTP).",
  );
});

test('session tokens: required when the key has one, refused when it has none', async () => {
  const withToken = { [AKID]: { secretAccessKey: SECRET, sessionToken: 'token-A', principal: { name: 'role' } } };
  await verifier({ keys: withToken })(await signedJson({ sessionToken: 'token-A' }));
  await rejectsWith(verifier({ keys: withToken })(await signedJson()), 'UnrecognizedClientException', SIGV4_MESSAGES.invalidToken);
  await rejectsWith(verifier({ keys: withToken })(await signedJson({ sessionToken: 'token-B' })), 'UnrecognizedClientException', SIGV4_MESSAGES.invalidToken);
  await rejectsWith(verifier()(await signedJson({ sessionToken: 'token-A' })), 'UnrecognizedClientException', SIGV4_MESSAGES.invalidToken);
});

test('a tampered body: with x-amz-content-sha256 and without', async () => {
  const sdkStyle = await signedJson({ applyChecksum: true });
  assert.equal(typeof sdkStyle.headers['x-amz-content-sha256'], 'string');
  await verifier()(sdkStyle);
  await rejectsWith(
    verifier()(withBody(sdkStyle, '{"Name":"/evil"}')),
    'InvalidSignatureException',
    "The provided 'x-amz-content-sha256' header does not match what was computed.",
  );
  // Matching the header to the new body does not help: the header value is signed.
  const evil = '{"Name":"/evil"}';
  const rehashed = withHeaders(withBody(sdkStyle, evil), { 'x-amz-content-sha256': createHash('sha256').update(evil).digest('hex') });
  await rejectsWith(verifier()(rehashed), 'InvalidSignatureException', SIGV4_MESSAGES.signatureMismatch);

  const cliStyle = await signedJson({ applyChecksum: false });
  await rejectsWith(verifier()(withBody(cliStyle, evil)), 'InvalidSignatureException', SIGV4_MESSAGES.signatureMismatch);
});

test('a rotated secret replaces the cached signer', async () => {
  const keys: Record<string, SigningKey<Principal>> = { [AKID]: { secretAccessKey: SECRET, principal: { name: 'a' } } };
  const verify = verifier({ keys });
  await verify(await signedJson());
  keys[AKID] = { secretAccessKey: 'rotated-secret', principal: { name: 'a' } };
  await rejectsWith(verify(await signedJson()), 'InvalidSignatureException');
  await verify(await signedJson({ secret: 'rotated-secret' }));
});

test('the secret access key never appears in an error', async () => {
  const canary = 'CANARY/SecretAccessKey+doNotLeak0123456789';
  const keys = { [AKID]: { secretAccessKey: canary, sessionToken: undefined, principal: { name: 'c' } } };
  const at = (ms: number) => verifier({ keys, nowMs: SIGNED_AT.getTime() + ms });
  const good = await signedJson({ secret: canary, applyChecksum: true });
  const cases: Array<[ReturnType<typeof verifier>, Promise<SignedRequest> | SignedRequest]> = [
    [at(0), signedJson({ secret: 'wrong' })],
    [at(0), withBody(good, 'tampered')],
    [at(0), withFlippedSignature(good)],
    [at(0), signedJson({ secret: canary, region: 'eu-west-1', service: 'sqs' })],
    [at(0), signedJson({ secret: canary, sessionToken: 'unexpected' })],
    [at(3_600_000), good],
    [at(-3_600_000), good],
    [at(0), presigned({ secret: 'wrong' })],
    [at(3_600_000), presigned({ secret: canary })],
    [at(0), withHeaders(good, { authorization: `AWS4-HMAC-SHA256 Credential=${AKID}/20261126/us-east-1/ssm/aws4_request` })],
    [at(0), withHeaders(good, { 'x-amz-date': 'yesterday' })],
  ];
  for (const [verify, request] of cases) {
    const error: unknown = await verify(await request).then(
      () => assert.fail('expected a rejection'),
      (e: unknown) => e,
    );
    assert.ok(isAwsError(error), inspect(error));
    for (const text of [error.message, JSON.stringify(error.toJSON()), String(error.stack), inspect(error, { depth: 5, showHidden: true })]) {
      assert.ok(!text.includes(canary), `secret leaked in ${error.code}: ${error.message}`);
      assert.ok(!text.includes('SecretAccessKey+doNotLeak'), `part of the secret leaked in ${error.code}`);
    }
  }
});

test("the direct canonical request of POST / is smithy's, header folding included", () => {
  const smithy = new (class extends SignatureV4 {
    canonical(headers: Record<string, string>, payloadHash: string): string {
      const request = { method: 'POST', protocol: 'https:', hostname: '', path: '/', query: {}, headers };
      return this.createCanonicalRequest(request, getCanonicalHeaders(request, undefined, new Set(Object.keys(headers))), payloadHash);
    }
  })({ credentials: { accessKeyId: AKID, secretAccessKey: SECRET }, region: 'us-east-1', service: 'ssm', sha256: Sha256 });
  const bags: Record<string, string>[] = [
    { host: '127.0.0.1:4747', 'x-amz-date': '20261126T060000Z', ...SSM_TARGET_HEADERS },
    { host: 'h', 'x-amz-date': '20261126T060000Z', 'x-amz-security-token': 'tok', 'user-agent': 'aws-cli/2  Python/3.11\tLinux', 'content-length': '12' },
    { host: ' spaced  host ', 'x-amz-target': 'a\r\nb', 'x-odd': '\t lead and trail \t', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    { zeta: '1', alpha: '2', 'x-amz-date': '3', host: '4', 'content-type': 'application/x-amz-json-1.1; charset=utf-8' },
  ];
  for (const headers of bags) {
    const direct = plainCanonicalRequest({ method: 'POST', path: '/', query: {}, headers, payloadHash: 'abc123' });
    assert.equal(direct, smithy.canonical(headers, 'abc123'));
  }
  // What needs normalising or encoding is left to smithy.
  assert.equal(plainCanonicalRequest({ method: 'POST', path: '/a/../', query: {}, headers: { host: 'h' }, payloadHash: 'x' }), undefined);
  assert.equal(plainCanonicalRequest({ method: 'POST', path: '/', query: { a: 'b' }, headers: { host: 'h' }, payloadHash: 'x' }), undefined);
  assert.equal(plainCanonicalRequest({ method: 'POST', path: '/', query: {}, headers: { Host: 'h' }, payloadHash: 'x' }), undefined);
});
