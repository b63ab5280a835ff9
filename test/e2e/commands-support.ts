/**
 * Helpers of the Run Command tests: nodes scripted by the test itself (they speak the real
 * channel protocol, and answer send-command as the test says), and clients of Bosun's
 * stream and output routes.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import WebSocket from 'ws';
import { CHANNEL_PATH, type InvocationResultBody, type SendCommandBody } from '@bosun/protocol';
import { signRequest } from '../../packages/agent/src/sigv4-signer.ts';
import { nodeCredentials, registerTestNode } from './nodes-support.ts';
import { REGION, type Credentials } from './support.ts';

/** What a scripted node does with one invocation. */
export interface Script {
  readonly exitCode?: number;
  readonly stdout?: string;
  readonly stderr?: string;
  /** Output sent as live chunks before the result (the rest goes in the result's tail). */
  readonly chunks?: readonly string[];
  /** Wait before answering (the test's "run time"), ms. */
  readonly runMs?: number;
  /** Never answer (a node that dies mid-run). */
  readonly silent?: boolean;
  /** Answer with a status other than Success/Failed. */
  readonly status?: InvocationResultBody['status'];
  readonly statusDetails?: string;
}

export interface Received {
  readonly messageId: string;
  readonly body: SendCommandBody;
  readonly at: number;
}

/** A node the test drives: registered, online, answering send-command with its script. */
export class ScriptedNode {
  readonly received: Received[] = [];
  readonly cancels: string[] = [];
  /** Ids of this node's messages the server acknowledged. */
  readonly acked = new Set<string>();
  private socket?: WebSocket;
  private readonly done = new Set<string>();

  private constructor(
    private readonly url: string,
    readonly instanceId: string,
    private readonly privateKey: crypto.KeyObject,
    public script: (body: SendCommandBody) => Script,
  ) {}

  static async register(url: string, activation: { id: string; code: string }, script: (body: SendCommandBody) => Script = () => ({ stdout: 'ok\n' })): Promise<ScriptedNode> {
    const node = await registerTestNode(url, activation);
    return new ScriptedNode(url, node.instanceId, node.privateKey, script);
  }

  get online(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  async connect(): Promise<void> {
    const res = await nodeCredentials(this.url, { instanceId: this.instanceId, privateKey: this.privateKey });
    if (res.status !== 200) throw new Error(`credentials: ${res.status} ${JSON.stringify(res.body)}`);
    const url = new URL(this.url + CHANNEL_PATH);
    const headers = signRequest({ method: 'GET', url, credentials: res.body, region: REGION, service: 'ssm', now: Date.now() });
    url.protocol = 'ws:';
    const ws = new WebSocket(url, { headers });
    ws.on('message', (data: Buffer) => this.onMessage(ws, data.toString('utf8')));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, r) => reject(new Error(`HTTP ${r.statusCode}`)));
      ws.once('error', reject);
    });
    this.socket = ws;
    this.send('heartbeat', {
      agentVersion: '9.9.9', platformName: 'Scripted', platformType: 'Linux', platformVersion: '1', computerName: `scripted-${this.instanceId}`, ipAddresses: ['10.0.0.1'], clockOffsetMs: 0,
    });
  }

  disconnect(): void {
    this.socket?.terminate();
    this.socket = undefined;
  }

  private send(type: string, body: unknown, id: string = crypto.randomUUID()): string {
    this.socket?.send(JSON.stringify({ k: 'msg', id, type, body }));
    return id;
  }

  private onMessage(ws: WebSocket, text: string): void {
    const frame = JSON.parse(text) as { k: string; id: string; type?: string; body?: unknown };
    if (frame.k === 'ack') this.acked.add(frame.id);
    if (frame.k !== 'msg') return;
    ws.send(JSON.stringify({ k: 'ack', id: frame.id }));
    if (frame.type === 'cancel-command') {
      const { commandId } = frame.body as { commandId: string };
      this.cancels.push(commandId);
      if (!this.done.has(commandId)) {
        this.done.add(commandId);
        this.result(commandId, { status: 'Cancelled', statusDetails: 'Cancelled', exitCode: -1 }, Date.now());
      }
      return;
    }
    if (frame.type !== 'send-command') return;
    const body = frame.body as SendCommandBody;
    this.received.push({ messageId: frame.id, body, at: Date.now() });
    // Runs a command at most once, as the real agent does.
    if (this.done.has(body.commandId) || this.received.filter((r) => r.body.commandId === body.commandId).length > 1) return;
    const script = this.script(body);
    if (script.silent) return;
    const startedAt = Date.now();
    setTimeout(() => {
      if (this.done.has(body.commandId)) return;
      this.done.add(body.commandId);
      this.result(body.commandId, script, startedAt);
    }, script.runMs ?? 0);
  }

  /** Sends an invocation-result (again, when the test says so); returns its message id. */
  result(commandId: string, script: Script, startedAt: number): string {
    const stdout = script.stdout ?? '';
    const stderr = script.stderr ?? '';
    let offset = 0;
    for (const chunk of script.chunks ?? []) {
      this.send('invocation-output', { commandId, pluginName: 'aws:runShellScript', stream: 'stdout', offset, data: chunk });
      offset += chunk.length;
    }
    const whole = (script.chunks ?? []).join('') + stdout;
    const exitCode = script.exitCode ?? 0;
    const status = script.status ?? (exitCode === 0 ? 'Success' : 'Failed');
    const endedAt = Date.now();
    return this.send('invocation-result', {
      commandId, status, statusDetails: script.statusDetails ?? status, responseCode: exitCode, startedAt, endedAt,
      plugins: [{
        name: 'aws:runShellScript', status, statusDetails: script.statusDetails ?? status, responseCode: exitCode, startedAt, endedAt,
        length: { stdout: whole.length, stderr: stderr.length }, tail: { stdout, stderr },
      }],
    } satisfies InvocationResultBody);
  }
}

/** A SigV4-signed GET of one of Bosun's routes (as the bosun CLI sends it). */
export async function signedGet(url: string, credentials: Credentials & { sessionToken?: string }, onData?: (chunk: string) => void): Promise<{ status: number; contentType: string; text: string }> {
  const target = new URL(url);
  const query: Record<string, string> = {};
  for (const [k, v] of target.searchParams) query[k] = v;
  const signer = new SignatureV4({ credentials, region: REGION, service: 'ssm', sha256: Hash.bind(null, 'sha256') });
  const signed = await signer.sign(new HttpRequest({ method: 'GET', protocol: target.protocol, hostname: target.hostname, port: Number(target.port), path: target.pathname, query, headers: { host: target.host } }));
  return new Promise((resolve, reject) => {
    const req = http.request({ host: target.hostname, port: Number(target.port), path: target.pathname + target.search, method: 'GET', headers: signed.headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
        onData?.(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Reads a command's stream to its end; returns its lines. */
export async function readStream(url: string, credentials: Credentials, commandId: string): Promise<Record<string, unknown>[]> {
  const res = await signedGet(`${url}/bosun/v1/commands/${commandId}/stream`, credentials);
  if (res.status !== 200) throw new Error(`stream: ${res.status} ${res.text}`);
  return res.text.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as Record<string, unknown>);
}
