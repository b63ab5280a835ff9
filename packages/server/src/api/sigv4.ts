/**
 * AWS Signature Version 4 verification for the JSON API.
 *
 * A request is verified by computing its signature again with @smithy/signature-v4, the signer the
 * AWS SDK for JavaScript uses, and comparing. Smithy does the canonical forms (path normalisation
 * and double encoding, query and header canonicalisation) and the signing-key derivation. This
 * module reads what the client presented (Authorization header or presigned query), checks what
 * AWS checks before the signature (date, clock, credential scope, access key, payload hash) and
 * answers with the error codes and wording of AWS JSON services.
 *
 * Wording: taken from responses of AWS "coral" JSON services (DynamoDB and STS captures, the
 * AWS SigV4 troubleshooting guide); see SIGV4_MESSAGES and the notes next to each check. Bosun
 * adds to AWS's text only where it helps (clock skew in seconds, presign expiry).
 *
 * No message ever contains the secret access key: messages only quote what the client sent
 * (credential, date, algorithm) and are built before the key is looked up, or are constants.
 */
import crypto, { createHash, createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { Hash } from '@smithy/hash-node';
import { SignatureV4, getCanonicalHeaders, getSigningKey } from '@smithy/signature-v4';
import { awsError, isKnownRegion, type AwsError } from '@bosun/protocol';

export interface SignedRequest {
  method: string;
  /** raw request target path as received on the wire, without the query string, still percent-encoded */
  path: string;
  /** raw query string without '?', still percent-encoded ('' if none) */
  query: string;
  /**
   * lower-case header names as node's IncomingHttpHeaders gives them. Arrays (node's
   * `headersDistinct`) are joined with ',' as SigV4 wants; node's plain `headers` already joined
   * repeated headers with ', ', which only matters for repeated signed headers (SDKs send none).
   */
  headers: Record<string, string | string[] | undefined>;
  body: Uint8Array;
}

export interface SigningKey<P> {
  secretAccessKey: string;
  sessionToken?: string;
  principal: P;
}

export interface SigV4VerifierOptions<P> {
  /** The regions a credential may be scoped to; default: every region Bosun serves (isKnownRegion). */
  regions?: (region: string) => boolean;
  /** signing names accepted, e.g. ['ssm','kms','secretsmanager','cloudtrail'] */
  services: readonly string[];
  lookupKey(accessKeyId: string): SigningKey<P> | undefined | Promise<SigningKey<P> | undefined>;
  /** epoch ms; injectable clock */
  now(): number;
  /** default 5 minutes, as most AWS services */
  maxSkewMs?: number;
}

export interface VerifiedRequest<P> {
  accessKeyId: string;
  principal: P;
  service: string;
  region: string;
  signedAt: Date;
  presigned: boolean;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
const TERMINATOR = 'aws4_request';
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
const DEFAULT_MAX_SKEW_MS = 5 * 60 * 1000;
/** SigV4 signing keys are valid for a week, so a presigned request cannot live longer. */
const MAX_PRESIGN_SECONDS = 7 * 24 * 60 * 60;
/** Signers kept per verifier; one per access key, so this bounds memory, not correctness. */
const SIGNER_CACHE_LIMIT = 1000;
/** Derived signing keys kept per signer: one per day, region and service the key signs for. */
const SIGNING_KEYS_PER_SIGNER = 16;

/** Fixed messages, in AWS's words. */
export const SIGV4_MESSAGES = {
  /** DynamoDB and STS (coral) answer so; API Gateway's shorter "Missing Authentication Token" is not a JSON service's. */
  missingToken: 'Request is missing Authentication Token',
  invalidToken: 'The security token included in the request is invalid.',
  signatureMismatch:
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  hostNotSigned: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
  /** Shortened from S3's wording; coral services have no published text for this case. */
  twoMechanisms:
    'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified.',
} as const;

/**
 * Returns a verifier: it resolves with who signed the request, or rejects with an AwsError.
 * Errors thrown by lookupKey pass through unchanged.
 */
export function sigv4<P>(opts: SigV4VerifierOptions<P>): (req: SignedRequest) => Promise<VerifiedRequest<P>> {
  const maxSkewMs = opts.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  const signers = new SignerCache(SIGNER_CACHE_LIMIT);

  return async function verify(req: SignedRequest): Promise<VerifiedRequest<P>> {
    const query = parseQuery(req.query);
    const presented = readPresented(req.headers, query);
    const signedAt = parseRequestDate(presented.date);
    const now = opts.now();
    if (presented.presigned) checkPresignWindow(signedAt, presented.expiresSeconds, now, maxSkewMs);
    else checkClockSkew(signedAt.getTime(), now, maxSkewMs);
    const signedHeaders = readSignedHeaders(presented.signedHeaders);
    const scope = readScope(presented.credential, signedAt, opts);

    const found = opts.lookupKey(scope.accessKeyId);
    // A key in memory comes back synchronously: no promise to wait for.
    const key = found instanceof Promise ? await found : found;
    if (!key) throw awsError('UnrecognizedClientException', SIGV4_MESSAGES.invalidToken);

    const signature = signers.get(scope.accessKeyId, key.secretAccessKey).signatureOf({
      method: req.method,
      path: req.path,
      query,
      headers: signedHeaderBag(req.headers, signedHeaders),
      payloadHash: payloadHashOf(req.body, presented.declaredPayloadHash),
      signedAt,
      scope,
    });
    const expected = typeof signature === 'string' ? signature : await signature;
    if (!sameText(expected, presented.signature)) {
      throw awsError('InvalidSignatureException', SIGV4_MESSAGES.signatureMismatch);
    }
    // Checked after the signature, as AWS does: a temporary key is only valid with its own token.
    if (!sameToken(key.sessionToken, presented.sessionToken)) {
      throw awsError('UnrecognizedClientException', SIGV4_MESSAGES.invalidToken);
    }
    return {
      accessKeyId: scope.accessKeyId,
      principal: key.principal,
      service: scope.service,
      region: scope.region,
      signedAt,
      presigned: presented.presigned,
    };
  };
}

/**
 * Bosun's addition to AWS's clock messages: the skew in seconds, and what to do about it.
 * The "Signature expired" text alone leaves people doing date arithmetic.
 */
export function describeSkew(signedAtMs: number, nowMs: number, maxSkewMs: number): string {
  const seconds = Math.round(Math.abs(nowMs - signedAtMs) / 1000);
  const side = signedAtMs < nowMs ? 'behind' : 'ahead of';
  const allowed = Math.round(maxSkewMs / 1000);
  return (
    `The request's date is ${seconds} seconds ${side} the server's clock ` +
    `(at most ${allowed} seconds are allowed); check the client's clock (enable NTP).`
  );
}

// ---------------------------------------------------------------------------------------------
// What the client presented

type QueryBag = Record<string, string | string[]>;

interface DeclaredPayloadHash {
  /** 'x-amz-content-sha256' header or 'X-Amz-Content-Sha256' query parameter, for the message */
  readonly where: string;
  readonly value: string;
}

/** The authentication parts of a request, whether they came in the header or the query. */
interface Presented {
  readonly presigned: boolean;
  readonly credential: string;
  readonly signedHeaders: string;
  readonly signature: string;
  readonly date: { readonly value: string; readonly allowHttpDate: boolean };
  /** presigned requests only */
  readonly expiresSeconds: number;
  readonly sessionToken: string | undefined;
  readonly declaredPayloadHash: DeclaredPayloadHash | undefined;
}

function readPresented(headers: SignedRequest['headers'], query: QueryBag): Presented {
  const authorization = headerValue(headers, 'authorization')?.trim();
  // Coral services treat an Authorization header that is not SigV4 at all as no credentials.
  const headerAuth = authorization?.startsWith('AWS4-') ? authorization : undefined;
  const queryAlgorithm = firstValue(query['X-Amz-Algorithm']);
  if (headerAuth !== undefined && queryAlgorithm !== undefined) {
    throw incomplete(SIGV4_MESSAGES.twoMechanisms);
  }
  if (headerAuth !== undefined) return readAuthorizationHeader(headerAuth, headers);
  if (queryAlgorithm !== undefined) return readPresignedQuery(queryAlgorithm, query, headers);
  throw awsError('MissingAuthenticationTokenException', SIGV4_MESSAGES.missingToken);
}

/** `AWS4-HMAC-SHA256 Credential=AKID/20261126/us-east-1/ssm/aws4_request, SignedHeaders=a;b, Signature=hex` */
function readAuthorizationHeader(authorization: string, headers: SignedRequest['headers']): Presented {
  const space = authorization.indexOf(' ');
  const algorithm = space < 0 ? authorization : authorization.slice(0, space);
  const params = parseAuthorizationParams(space < 0 ? '' : authorization.slice(space + 1));
  const credential = params.get('Credential');
  const signature = params.get('Signature');
  const signedHeaders = params.get('SignedHeaders');
  const amzDate = headerValue(headers, 'x-amz-date');
  const date = amzDate ?? headerValue(headers, 'date');

  // AWS lists every missing part at once, in this order.
  const missing: string[] = [];
  if (credential === undefined) missing.push("Authorization header requires 'Credential' parameter.");
  if (signature === undefined) missing.push("Authorization header requires 'Signature' parameter.");
  if (signedHeaders === undefined) missing.push("Authorization header requires 'SignedHeaders' parameter.");
  if (date === undefined) {
    missing.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  }
  // AWS then echoes "Authorization=<header>"; Bosun does not, as a misused header may hold a secret.
  if (credential === undefined || signature === undefined || signedHeaders === undefined || date === undefined) {
    throw incomplete(missing.join(' '));
  }
  checkAlgorithm(algorithm);

  const contentSha256 = headerValue(headers, 'x-amz-content-sha256');
  return {
    presigned: false,
    credential,
    signedHeaders,
    signature,
    date: { value: date, allowHttpDate: amzDate === undefined },
    expiresSeconds: 0,
    sessionToken: headerValue(headers, 'x-amz-security-token'),
    declaredPayloadHash:
      contentSha256 === undefined ? undefined : { where: "'x-amz-content-sha256' header", value: contentSha256 },
  };
}

function parseAuthorizationParams(text: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) params.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return params;
}

/** `?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=...&X-Amz-Date=...&X-Amz-Expires=...&X-Amz-SignedHeaders=host&X-Amz-Signature=...` */
function readPresignedQuery(algorithm: string, query: QueryBag, headers: SignedRequest['headers']): Presented {
  const param = (name: string): string | undefined => firstValue(query[name]);
  const required = ['X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-SignedHeaders', 'X-Amz-Date', 'X-Amz-Expires'];
  const missing = required.filter((name) => param(name) === undefined);
  if (missing.length > 0) {
    const parts = missing.map((name) => `AWS query-string parameters must include '${name}'. `);
    throw incomplete(`${parts.join('')}Re-examine the query-string parameters.`);
  }
  checkAlgorithm(algorithm);

  // smithy's presign() hoists x-amz-* headers into the query under the header's own spelling
  // (the SDK's is 'x-amz-content-sha256'), so the name is matched without case. A client that did
  // not hoist it may still send it as a header.
  const querySha256 = queryParamIgnoringCase(query, 'x-amz-content-sha256');
  const headerSha256 = headerValue(headers, 'x-amz-content-sha256');
  let declaredPayloadHash: DeclaredPayloadHash | undefined;
  if (querySha256 !== undefined) declaredPayloadHash = { where: "'X-Amz-Content-Sha256' query parameter", value: querySha256 };
  else if (headerSha256 !== undefined) declaredPayloadHash = { where: "'x-amz-content-sha256' header", value: headerSha256 };

  return {
    presigned: true,
    credential: param('X-Amz-Credential') as string,
    signedHeaders: param('X-Amz-SignedHeaders') as string,
    signature: param('X-Amz-Signature') as string,
    date: { value: param('X-Amz-Date') as string, allowHttpDate: false },
    expiresSeconds: parseExpires(param('X-Amz-Expires') as string),
    sessionToken: param('X-Amz-Security-Token') ?? headerValue(headers, 'x-amz-security-token'),
    declaredPayloadHash,
  };
}

function checkAlgorithm(algorithm: string): void {
  if (algorithm !== ALGORITHM) {
    throw incomplete(`Unsupported AWS 'algorithm': '${algorithm}' (only AWS4-HMAC-SHA256 for now). `);
  }
}

function parseExpires(value: string): number {
  const seconds = /^\d{1,10}$/.test(value) ? Number(value) : Number.NaN;
  if (seconds > MAX_PRESIGN_SECONDS) {
    // S3's wording: no JSON service documents its own.
    throw incomplete(
      'X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds',
    );
  }
  if (!(seconds >= 1)) {
    throw incomplete(`X-Amz-Expires must be a whole number of seconds from 1 to ${MAX_PRESIGN_SECONDS}; got '${value}'.`);
  }
  return seconds;
}

// ---------------------------------------------------------------------------------------------
// Date and clock

const BASIC_ISO8601 = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** X-Amz-Date must be ISO 8601 basic format; a plain `Date` header may also be an HTTP date. */
function parseRequestDate(date: Presented['date']): Date {
  const parsed = parseBasicIso8601(date.value) ?? (date.allowHttpDate ? parseHttpDate(date.value) : undefined);
  if (parsed === undefined) {
    throw incomplete(`Date must be in ISO-8601 'basic format'. Got '${date.value}'. See http://en.wikipedia.org/wiki/ISO_8601`);
  }
  return parsed;
}

/** The last X-Amz-Date parsed: the calls of one second all carry the same one. */
let lastBasicIso8601 = { text: '', ms: Number.NaN };

function parseBasicIso8601(value: string): Date | undefined {
  if (value === lastBasicIso8601.text) return new Date(lastBasicIso8601.ms);
  const parsed = parseBasicIso8601Uncached(value);
  if (parsed !== undefined) lastBasicIso8601 = { text: value, ms: parsed.getTime() };
  return parsed;
}

function parseBasicIso8601Uncached(value: string): Date | undefined {
  const m = BASIC_ISO8601.exec(value);
  if (!m) return undefined;
  const date = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
  // Date.UTC rolls 20261332T000000Z over into a valid date; a round trip catches it.
  return toAmzDate(date.getTime()) === value ? date : undefined;
}

function parseHttpDate(value: string): Date | undefined {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/** 20261126T061500Z */
function toAmzDate(ms: number): string {
  // A verification formats the request's date three times (parse check, scope, string to sign).
  if (ms !== lastAmzDate.ms) lastAmzDate = { ms, text: new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, '') };
  return lastAmzDate.text;
}
let lastAmzDate = { ms: Number.NaN, text: '' };

/** AWS writes the window as "5 min."; a window that is not whole minutes is written in seconds. */
function formatWindow(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} min.` : `${Math.round(ms / 1000)} sec.`;
}

function checkClockSkew(signedAtMs: number, nowMs: number, maxSkewMs: number): void {
  if (signedAtMs < nowMs - maxSkewMs) {
    throw awsError(
      'InvalidSignatureException',
      `Signature expired: ${toAmzDate(signedAtMs)} is now earlier than ${toAmzDate(nowMs - maxSkewMs)} ` +
        `(${toAmzDate(nowMs)} - ${formatWindow(maxSkewMs)}) ${describeSkew(signedAtMs, nowMs, maxSkewMs)}`,
    );
  }
  checkNotInFuture(signedAtMs, nowMs, maxSkewMs);
}

function checkNotInFuture(signedAtMs: number, nowMs: number, maxSkewMs: number): void {
  if (signedAtMs > nowMs + maxSkewMs) {
    throw awsError(
      'InvalidSignatureException',
      `Signature not yet current: ${toAmzDate(signedAtMs)} is still later than ${toAmzDate(nowMs + maxSkewMs)} ` +
        `(${toAmzDate(nowMs)} + ${formatWindow(maxSkewMs)}) ${describeSkew(signedAtMs, nowMs, maxSkewMs)}`,
    );
  }
}

/**
 * A presigned request is valid from its X-Amz-Date (give or take the clock skew) for X-Amz-Expires
 * seconds. Coral services answer an old signature with "Signature expired: ..."; Bosun keeps that
 * form, with the X-Amz-Expires window in place of the clock-skew window, and says when it expired.
 */
function checkPresignWindow(signedAt: Date, expiresSeconds: number, nowMs: number, maxSkewMs: number): void {
  const signedAtMs = signedAt.getTime();
  checkNotInFuture(signedAtMs, nowMs, maxSkewMs);
  const windowMs = expiresSeconds * 1000;
  if (nowMs > signedAtMs + windowMs) {
    const agoSeconds = Math.round((nowMs - signedAtMs - windowMs) / 1000);
    throw awsError(
      'InvalidSignatureException',
      `Signature expired: ${toAmzDate(signedAtMs)} is now earlier than ${toAmzDate(nowMs - windowMs)} ` +
        `(${toAmzDate(nowMs)} - ${formatWindow(windowMs)}) The presigned request expired at ` +
        `${toAmzDate(signedAtMs + windowMs)}, ${agoSeconds} seconds ago (X-Amz-Expires=${expiresSeconds}).`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Signed headers and credential scope

function readSignedHeaders(list: string): string[] {
  const names = list.split(';');
  const namesHost = names.some((name) => {
    const lower = name.toLowerCase();
    return lower === 'host' || lower === ':authority';
  });
  if (!namesHost) throw awsError('InvalidSignatureException', SIGV4_MESSAGES.hostNotSigned);
  return names;
}

interface Scope {
  readonly accessKeyId: string;
  readonly region: string;
  readonly service: string;
  /** `20261126/us-east-1/ssm/aws4_request`, as it goes into the string to sign */
  readonly value: string;
}

function readScope(credential: string, signedAt: Date, opts: SigV4VerifierOptions<unknown>): Scope {
  const parts = credential.split('/');
  if (parts.length !== 5) {
    throw incomplete(
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${credential}'`,
    );
  }
  const [accessKeyId, date, region, service, terminator] = parts;
  const longDate = toAmzDate(signedAt.getTime());

  // AWS reports every scope problem at once, each sentence followed by a space.
  const problems: string[] = [];
  if (!(opts.regions ?? isKnownRegion)(region)) problems.push('Credential should be scoped to a valid region. ');
  if (!opts.services.includes(service)) {
    // AWS names the one service of its endpoint; Bosun's endpoint serves several.
    const names = opts.services.map((name) => `'${name}'`).join(' or ');
    problems.push(`Credential should be scoped to correct service: ${names}. `);
  }
  if (terminator !== TERMINATOR) {
    problems.push(`Credential should be scoped with a valid terminator: 'aws4_request', not '${terminator}'. `);
  }
  if (date !== longDate.slice(0, 8)) {
    problems.push(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: ` +
        `'${date}' != '${longDate.slice(0, 8)}', from '${longDate}'. `,
    );
  }
  if (problems.length > 0) throw awsError('InvalidSignatureException', problems.join(''));
  return { accessKeyId, region, service, value: `${date}/${region}/${service}/${TERMINATOR}` };
}

// ---------------------------------------------------------------------------------------------
// Payload

/**
 * The payload hash that goes into the canonical request. Smithy trusts a declared
 * x-amz-content-sha256 instead of hashing the body, so a declared hash is compared with the body
 * here; otherwise a tampered body would verify. UNSIGNED-PAYLOAD is the client's explicit opt-out.
 */
function payloadHashOf(body: Uint8Array, declared: DeclaredPayloadHash | undefined): string {
  if (declared?.value === UNSIGNED_PAYLOAD) return UNSIGNED_PAYLOAD;
  const actual = sha256Hex(body);
  if (declared !== undefined && declared.value !== actual) {
    // S3's wording for the same check.
    throw awsError('InvalidSignatureException', `The provided ${declared.where} does not match what was computed.`);
  }
  return actual;
}

// ---------------------------------------------------------------------------------------------
// Re-signing

interface SignatureInput {
  readonly method: string;
  readonly path: string;
  readonly query: QueryBag;
  readonly headers: Record<string, string>;
  readonly payloadHash: string;
  readonly signedAt: Date;
  readonly scope: Scope;
}

const Sha256 = Hash.bind(null, 'sha256');

/**
 * A SignatureV4 bound to one key. It computes the signature from parts the verifier has already
 * read, instead of sign()/presign(): those add their own x-amz-date, security token and presign
 * parameters, drop a signed `Date` header and hoist headers, none of which a verifier may do.
 */
class VerifyingSigner extends SignatureV4 {
  private readonly keyCredentials: { accessKeyId: string; secretAccessKey: string };
  /**
   * Signing keys smithy derived, by credential scope. Smithy's own sign() asks its module-wide
   * cache each time, which costs an HMAC of the secret (its cache key) and five awaits: as much
   * as the rest of the verification. A key serves one day, region and service: a few entries.
   */
  private readonly signingKeys = new Map<string, KeyObject>();

  constructor(accessKeyId: string, secretAccessKey: string) {
    const credentials = { accessKeyId, secretAccessKey };
    // region and service are placeholders: every signature names the request's own scope.
    super({
      credentials,
      region: 'us-east-1',
      service: 'ssm',
      sha256: Sha256,
      applyChecksum: false,
    });
    this.keyCredentials = credentials;
  }

  signatureOf(input: SignatureInput): string | Promise<string> {
    const canonicalRequest = plainCanonicalRequest(input) ?? this.smithyCanonicalRequest(input);
    // The string to sign as smithy's createStringToSign builds it, hashed synchronously.
    const stringToSign = `${ALGORITHM}\n${toAmzDate(input.signedAt.getTime())}\n${input.scope.value}\n${sha256Hex(canonicalRequest)}`;
    const key = this.signingKeys.get(input.scope.value);
    if (key !== undefined) return createHmac('sha256', key).update(stringToSign).digest('hex');
    return this.deriveSigningKey(input.scope).then((derived) => createHmac('sha256', derived).update(stringToSign).digest('hex'));
  }

  /** Smithy's canonical forms: path normalisation and double encoding, query and header canonicalisation. */
  private smithyCanonicalRequest(input: SignatureInput): string {
    // The raw wire path: uriEscapePath (on by default) normalises it and encodes it once more,
    // which is what clients of non-S3 services sign.
    const { method, path, query, headers } = input;
    const request = { method, protocol: 'https:', hostname: '', path, query, headers };
    // Listing the signed names as signable keeps headers smithy never signs itself (user-agent...).
    const canonicalHeaders = getCanonicalHeaders(request, undefined, new Set(Object.keys(headers)));
    return this.createCanonicalRequest(request, canonicalHeaders, input.payloadHash);
  }

  private async deriveSigningKey(scope: Scope): Promise<KeyObject> {
    // A KeyObject: createHmac takes it without importing raw bytes on every call.
    const key = createSecretKey(await getSigningKey(Sha256, this.keyCredentials, scope.value.slice(0, 8), scope.region, scope.service));
    if (this.signingKeys.size >= SIGNING_KEYS_PER_SIGNER) this.signingKeys.clear();
    this.signingKeys.set(scope.value, key);
    return key;
  }
}

/**
 * The canonical request of the AWS API's usual call, `POST /` without a query and with
 * lower-case signed header names (what every SDK and the CLI send), built directly: it is the
 * same text smithy's canonical forms give for such a request (the path `/` normalises to
 * itself, the query is empty, header values are folded with smithy's own rules), at a fraction
 * of the cost. Anything else (a path or query to normalise and encode, mixed-case names)
 * returns undefined and goes through smithy. sigv4.test.ts checks both give the same signatures.
 */
export function plainCanonicalRequest(input: Pick<SignatureInput, 'method' | 'path' | 'query' | 'headers' | 'payloadHash'>): string | undefined {
  if (input.path !== '/') return undefined;
  if (Object.keys(input.query).length > 0) return undefined;
  const names = Object.keys(input.headers);
  let lines = '';
  for (const name of names) {
    if (name !== name.toLowerCase()) return undefined;
  }
  names.sort();
  for (const name of names) lines += `${name}:${foldHeaderValue(input.headers[name])}\n`;
  return `${input.method}\n/\n\n${lines}\n${names.join(';')}\n${input.payloadHash}`;
}

/** SHA-256 in hex: node's one-shot crypto.hash (20.12+) where there is one, a Hash object otherwise. */
const sha256Hex: (data: string | Uint8Array) => string = typeof (crypto as { hash?: unknown }).hash === 'function'
  ? (data) => (crypto as unknown as { hash(algorithm: string, data: string | Uint8Array, encoding: 'hex'): string }).hash('sha256', data, 'hex')
  : (data) => createHash('sha256').update(data).digest('hex');

/** A header value as smithy's getCanonicalHeaders writes it. */
function foldHeaderValue(value: string): string {
  // Most values have nothing to fold: one test instead of three replacements.
  if (!/[\r\n\t]| {2}|^ | $/.test(value)) return value;
  return value.replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').replace(/^ | $/g, '');
}

/**
 * One signer per access key, reused across requests, with the signing keys it derived. Keyed by
 * access key id and checked against the secret, so a rotated secret replaces its signer (and its
 * keys). Least recently used goes first.
 */
class SignerCache {
  private readonly entries = new Map<string, { secret: string; signer: VerifyingSigner }>();
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  get(accessKeyId: string, secretAccessKey: string): VerifyingSigner {
    const hit = this.entries.get(accessKeyId);
    this.entries.delete(accessKeyId);
    const entry =
      hit && hit.secret === secretAccessKey
        ? hit
        : { secret: secretAccessKey, signer: new VerifyingSigner(accessKeyId, secretAccessKey) };
    this.entries.set(accessKeyId, entry);
    if (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value as string);
    return entry.signer;
  }
}

// ---------------------------------------------------------------------------------------------
// Small helpers

/** Only the signed headers, as smithy wants them: one string per name. */
function signedHeaderBag(headers: SignedRequest['headers'], names: readonly string[]): Record<string, string> {
  // No prototype: a signed header may be called anything, '__proto__' included.
  const bag: Record<string, string> = Object.create(null);
  for (const name of names) {
    const value = headerValue(headers, name);
    if (value !== undefined) bag[name] = value;
  }
  return bag;
}

/** Repeated headers join with ',' (SigV4's rule); each value trimmed as HTTP parsers do. */
function headerValue(headers: SignedRequest['headers'], name: string): string | undefined {
  const value = Object.hasOwn(headers, name) ? headers[name] : undefined;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map((v) => v.trim()).join(',');
  return undefined;
}

/**
 * Decoded key/values, repeated keys as arrays, as smithy's canonical query wants them (it encodes
 * them again). '+' stays a plus: SigV4 clients encode spaces as %20.
 */
function parseQuery(raw: string): QueryBag {
  const bag: QueryBag = Object.create(null);
  if (raw === '') return bag;
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decodeComponent(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : decodeComponent(pair.slice(eq + 1));
    const previous = bag[key];
    if (previous === undefined) bag[key] = value;
    else if (Array.isArray(previous)) previous.push(value);
    else bag[key] = [previous, value];
  }
  return bag;
}

/** A malformed escape cannot have been signed by a real client; keeping it raw lets the signature fail. */
function decodeComponent(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function queryParamIgnoringCase(query: QueryBag, lowerCaseName: string): string | undefined {
  for (const key of Object.keys(query)) {
    if (key.toLowerCase() === lowerCaseName) return firstValue(query[key]);
  }
  return undefined;
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function sameToken(expected: string | undefined, presented: string | undefined): boolean {
  if (expected === undefined || presented === undefined) return expected === presented;
  return sameText(expected, presented);
}

function incomplete(message: string): AwsError {
  return awsError('IncompleteSignatureException', message);
}
