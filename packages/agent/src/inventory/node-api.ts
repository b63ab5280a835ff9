import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { CREDENTIALS_PATH, credentialsPayload, type CredentialsResponse } from '@bosun/protocol/channel';
import { agentClock } from '../clock.ts';
import { ApiError } from '../commands/invocation-runner.ts';
import type { ApiCaller } from '../plugins/plugin.ts';
import { signRequest } from '../sigv4-signer.ts';
import { AgentState, type Identity } from '../state.ts';

/**
 * The node's API from inside a plugin, for when the running agent does not hand its own
 * caller to the plugin: the identity in the state directory trades a key-signed request for
 * session credentials (as the agent does), and calls are SigV4-signed with them. IAM (the
 * node rule set) decides, as for every caller.
 */

/** The agent's state directory: the nearest directory above `from` (a step's work directory) that holds identity.json. */
export function findStateDir(from: string): string | undefined {
  let dir = path.resolve(from);
  for (;;) {
    if (fs.existsSync(path.join(dir, 'identity.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export function readIdentity(stateDir: string): Identity {
  const identity = new AgentState(stateDir).readIdentity();
  if (!identity) throw new Error(`no identity in ${stateDir}: the node is not registered`);
  return identity;
}

export function nodeApiCaller(identity: Identity, now: () => number = agentClock()): ApiCaller {
  let credentials: CredentialsResponse | undefined;
  let offset = 0;
  async function fresh(): Promise<CredentialsResponse> {
    if (credentials && credentials.expiration - (now() - offset) > 60_000) return credentials;
    const time = now();
    const nonce = crypto.randomBytes(12).toString('base64url');
    const signature = crypto.sign(null, Buffer.from(credentialsPayload({ instanceId: identity.instanceId, time, nonce })), identity.privateKey).toString('base64');
    const body = JSON.stringify({ instanceId: identity.instanceId, time, nonce, signature });
    credentials = JSON.parse(await post(identity.endpoint + CREDENTIALS_PATH, body, { 'content-type': 'application/json' })) as CredentialsResponse;
    offset = now() - credentials.serverTime;
    return credentials;
  }
  return async <T>(target: string, input: unknown): Promise<T> => {
    const session = await fresh();
    const url = new URL(identity.endpoint + '/');
    const body = JSON.stringify(input);
    const headers = signRequest({
      method: 'POST', url, credentials: session, region: session.region, service: 'ssm', now: now(), body,
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target },
    });
    return JSON.parse(await post(url.toString(), body, headers)) as T;
  };
}

/** POSTs a body; the answer's text, or an ApiError with the AWS error code the server sent. */
function post(url: string, body: string, headers: Record<string, string>): Promise<string> {
  const target = new URL(url);
  const payload = Buffer.from(body, 'utf8');
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(target, { method: 'POST', headers: { ...headers, 'content-length': payload.length }, timeout: 60_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) return resolve(text);
        let code = `HTTP${status}`;
        let message = text.slice(0, 300);
        try {
          const refusal = JSON.parse(text) as { __type?: string; message?: string; Message?: string };
          code = (refusal.__type ?? code).replace(/^.*#/, '');
          message = refusal.message ?? refusal.Message ?? message;
        } catch { /* keep the text */ }
        reject(new ApiError(code, message));
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${target.host} within 60 s`)));
    req.on('error', reject);
    req.end(payload);
  });
}
