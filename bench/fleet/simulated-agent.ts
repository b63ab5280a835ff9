import crypto from 'node:crypto';
import WebSocket from 'ws';
import {
  CHANNEL_PATH, CREDENTIALS_PATH, credentialsPayload, decodeFrame, encodeFrame, REGISTER_PATH,
  type CredentialsResponse, type RegisterResponse,
} from '@bosun/protocol';
import type { ChannelMessages, InvocationResultBody, SendCommandBody } from '@bosun/protocol/channel';
import { Backoff } from '../../packages/agent/src/backoff.ts';
import { echoPlugin } from '../../packages/agent/src/plugins/echo.ts';
import type { PluginContext } from '../../packages/agent/src/plugins/plugin.ts';
import { signRequest } from '../../packages/agent/src/sigv4-signer.ts';

/**
 * One simulated node that speaks the real protocol: registration with an activation,
 * key-signed credentials, the SigV4-signed channel, heartbeats and acks. It keeps only what
 * the protocol needs (no outbox on disk), so thousands fit in one process. Run Command: a
 * `send-command` is acked and answered with an `invocation-result` from the trivial in-process
 * plugin (bosun:echo, no process started), kept until the server acks it and sent again after
 * a reconnection; a command id is answered once.
 */
export class SimulatedAgent {
  instanceId?: string;
  /** When the last channel opened and its first heartbeat was acked (epoch ms). */
  onlineAt?: number;
  gaveUp = false;
  private privateKey?: crypto.KeyObject;
  private credentials?: CredentialsResponse;
  private socket?: WebSocket;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly backoff: Backoff;
  private heartbeatId?: string;
  /** Results not acked yet, by message id. */
  private readonly unacked = new Map<string, InvocationResultBody>();
  private readonly answered = new Set<string>();
  /** Invocation results the server acked. */
  resultsAcked = 0;

  constructor(private readonly options: { endpoint: string; heartbeatMs: number; backoffBaseMs?: number; name: string; onOnline?: (agent: SimulatedAgent) => void }) {
    this.backoff = new Backoff({ baseMs: options.backoffBaseMs ?? 500 });
  }

  /** Registers, retrying transport failures with backoff (a busy server is not a reason to give up). */
  async register(activation: { id: string; code: string }): Promise<void> {
    const backoff = new Backoff({ baseMs: 500, maxMs: 10_000 });
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.registerOnce(activation);
      } catch (error) {
        if (attempt >= 20 || String(error).includes('register: 4')) {
          this.gaveUp = true;
          throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, backoff.next()));
      }
    }
  }

  private async registerOnce(activation: { id: string; code: string }): Promise<void> {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
    const res = await fetch(this.options.endpoint + REGISTER_PATH, {
      method: 'POST',
      body: JSON.stringify({ activationId: activation.id, activationCode: activation.code, publicKey: publicKey.export({ type: 'spki', format: 'pem' }), computerName: this.options.name }),
    });
    if (!res.ok) throw new Error(`register: ${res.status} ${await res.text()}`);
    this.instanceId = ((await res.json()) as RegisterResponse).instanceId;
    this.privateKey = privateKey;
  }

  start(): void {
    void this.cycle();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.socket?.terminate();
  }

  private async cycle(): Promise<void> {
    if (this.stopped) return;
    try {
      if (!this.credentials || this.credentials.expiration - Date.now() < 60_000) await this.renew();
      await this.connect();
    } catch {
      this.credentials = undefined;
      this.timer = setTimeout(() => void this.cycle(), this.backoff.next());
    }
  }

  private async renew(): Promise<void> {
    const time = Date.now();
    const nonce = crypto.randomBytes(8).toString('hex');
    const signature = crypto.sign(null, Buffer.from(credentialsPayload({ instanceId: this.instanceId!, time, nonce })), this.privateKey!).toString('base64');
    const res = await fetch(this.options.endpoint + CREDENTIALS_PATH, { method: 'POST', body: JSON.stringify({ instanceId: this.instanceId, time, nonce, signature }) });
    if (!res.ok) throw new Error(`credentials: ${res.status}`);
    this.credentials = (await res.json()) as CredentialsResponse;
  }

  private connect(): Promise<void> {
    const url = new URL(this.options.endpoint + CHANNEL_PATH);
    const headers = signRequest({ method: 'GET', url, credentials: this.credentials!, region: this.credentials!.region, service: 'ssm', now: Date.now() });
    url.protocol = 'ws:';
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers, perMessageDeflate: false });
      let opened = false;
      ws.on('open', () => {
        opened = true;
        this.socket = ws;
        this.backoff.reset();
        this.heartbeat();
        for (const [id, body] of this.unacked) this.send(ws, id, 'invocation-result', body);
        resolve();
      });
      ws.on('message', (data: Buffer) => this.onMessage(ws, data));
      ws.on('error', (error) => { if (!opened) reject(error); });
      ws.on('unexpected-response', () => { ws.terminate(); reject(new Error('refused')); });
      ws.on('close', () => {
        clearTimeout(this.timer);
        this.onlineAt = undefined;
        if (this.socket === ws) this.socket = undefined;
        if (opened && !this.stopped) this.timer = setTimeout(() => void this.cycle(), this.backoff.next());
      });
    });
  }

  private heartbeat(): void {
    const ws = this.socket;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    this.heartbeatId = crypto.randomUUID();
    ws.send(encodeFrame({
      k: 'msg', id: this.heartbeatId, type: 'heartbeat',
      body: { agentVersion: 'sim-0.1.0', platformName: 'Simulated', platformType: 'Linux', platformVersion: '1', computerName: this.options.name, ipAddresses: ['127.0.0.1'], clockOffsetMs: 0 },
    }));
    this.timer = setTimeout(() => this.heartbeat(), this.options.heartbeatMs);
  }

  private onMessage(ws: WebSocket, data: Buffer): void {
    const decoded = decodeFrame(data.toString('utf8'));
    if (!decoded.ok) return;
    const { frame } = decoded;
    if (frame.k === 'ack') {
      if (frame.id === this.heartbeatId && this.onlineAt === undefined) {
        this.onlineAt = Date.now();
        this.options.onOnline?.(this);
      }
      if (this.unacked.delete(frame.id)) this.resultsAcked++;
      return;
    }
    ws.send(encodeFrame({ k: 'ack', id: frame.id }));
    if (frame.type === 'send-command') void this.runCommand(ws, frame.body as SendCommandBody);
  }

  private async runCommand(ws: WebSocket, body: SendCommandBody): Promise<void> {
    if (this.answered.has(body.commandId)) return;
    this.answered.add(body.commandId);
    const startedAt = Date.now();
    let stdout = '';
    const context = {
      commandId: body.commandId, stepName: 'echo', workDir: '', env: {}, signal: new AbortController().signal, killGraceMs: 0, depth: 0,
      output: { write: (stream: string, text: string) => { if (stream === 'stdout') stdout += text; } },
      runNested: () => Promise.reject(new Error('not in the simulator')),
    } satisfies PluginContext;
    const result = await echoPlugin.run(echoPlugin.parseInput({ message: `simulated ${this.options.name}` }), context);
    const done: InvocationResultBody = {
      commandId: body.commandId, ...result, startedAt, endedAt: Date.now(),
      plugins: [{ name: firstStepName(body.documentContent), ...result, startedAt, endedAt: Date.now(), length: { stdout: stdout.length, stderr: 0 }, tail: { stdout, stderr: '' } }],
    };
    const id = crypto.randomUUID();
    this.unacked.set(id, done);
    if (ws.readyState === WebSocket.OPEN) this.send(ws, id, 'invocation-result', done);
  }

  private send<T extends keyof ChannelMessages>(ws: WebSocket, id: string, type: T, body: ChannelMessages[T]): void {
    ws.send(encodeFrame({ k: 'msg', id, type, body: body as never }));
  }
}

/** The plugin name the server expects in the result: the document's first step. */
function firstStepName(content: string): string {
  try {
    const doc = JSON.parse(content) as { mainSteps?: { name?: string }[]; runtimeConfig?: Record<string, unknown> };
    return doc.mainSteps?.[0]?.name ?? Object.keys(doc.runtimeConfig ?? {})[0] ?? 'echo';
  } catch {
    return 'echo';
  }
}
