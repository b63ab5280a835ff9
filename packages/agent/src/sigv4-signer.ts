import crypto from 'node:crypto';

export interface SessionCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Absent for a user's long-term access key. */
  readonly sessionToken?: string;
}

const hmac = (key: crypto.BinaryLike, data: string) => crypto.createHmac('sha256', key).update(data, 'utf8').digest();
const sha256 = (data: string) => crypto.createHash('sha256').update(data, 'utf8').digest('hex');

/**
 * Signs a request with SigV4 headers: the channel's WebSocket upgrade (no body) and the API
 * calls the agent makes (a JSON body, with its own headers such as x-amz-target, all signed).
 * Small on purpose: the agent bundle carries no AWS SDK.
 */
export function signRequest(input: { method: string; url: URL; credentials: SessionCredentials; region: string; service: string; now: number; body?: string; headers?: Readonly<Record<string, string>> }): Record<string, string> {
  const amzDate = new Date(input.now).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = {
    ...Object.fromEntries(Object.entries(input.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
    host: input.url.host,
    'x-amz-date': amzDate,
    ...(input.credentials.sessionToken ? { 'x-amz-security-token': input.credentials.sessionToken } : {}),
  };
  const names = Object.keys(headers).sort();
  const canonicalQuery = [...input.url.searchParams].map(([k, v]) => `${encodeRfc3986(k)}=${encodeRfc3986(v)}`).sort().join('&');
  const canonical = [
    input.method,
    input.url.pathname,
    canonicalQuery,
    names.map((n) => `${n}:${headers[n].trim()}\n`).join(''),
    names.join(';'),
    sha256(input.body ?? ''),
  ].join('\n');
  const scope = `${day}/${input.region}/${input.service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${input.credentials.secretAccessKey}`, day), input.region), input.service), 'aws4_request');
  const signature = crypto.createHmac('sha256', key).update(toSign, 'utf8').digest('hex');
  return {
    ...headers,
    authorization: `AWS4-HMAC-SHA256 Credential=${input.credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
  };
}

function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
