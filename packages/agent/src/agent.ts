import type { ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import WebSocket from 'ws';
import {
  AGENT_VERSIONS_PATH, agentBundlePath, CHANNEL_PATH, CREDENTIALS_PATH, credentialsPayload, decodeFrame, encodeFrame, MAX_FRAME_BYTES, REGISTER_PATH,
  type AgentBundleInfo, type AgentVersionsResponse, type ChannelMessages, type ChannelMessageType, type CredentialsResponse, type NodeRefusal, type RegisterResponse,
} from '@bosun/protocol/channel';
import { Backoff } from './backoff.ts';
import { CommandManager } from './commands/command-manager.ts';
import { ApiError } from './commands/invocation-runner.ts';
import { Outbox } from './outbox.ts';
import { AGENT_VERSION, platformInfo } from './platform.ts';
import { defaultPlugins, type AgentPlugin, type AgentUpdater, type PluginOutput } from './plugins/index.ts';
import { killAllScripts } from './plugins/script-process.ts';
import {
  DEFAULT_UPDATE_ONLINE_TIMEOUT_MS, readUpdateRecord, restorePrevious, stageBundle, startSuccessor, SUCCESSOR_ENV, swapIn, writeUpdateRecord, type HandoverMessage,
} from './self-update.ts';
import { signRequest } from './sigv4-signer.ts';
import { AgentState, newKeyPair, type Identity } from './state.ts';

export interface AgentOptions {
  readonly stateDir: string;
  readonly now: () => number;
  /** Default 60 s. */
  readonly heartbeatMs?: number;
  /** First backoff step. Default 1 s (the cap is always 5 minutes). */
  readonly backoffBaseMs?: number;
  readonly log?: (line: string) => void;
  /** The plugins documents may use; default: aws:runShellScript, aws:runPowerShellScript, aws:runDocument, bosun:echo. */
  readonly plugins?: ReadonlyMap<string, AgentPlugin>;
  /** Milliseconds between SIGTERM and SIGKILL when a script is stopped. Default 2,000. */
  readonly killGraceMs?: number;
  /** Default 200 ms. */
  readonly outputFlushMs?: number;
  /**
   * The bundle file this agent runs from (`/opt/bosun/bosun-agent.cjs`): where an update puts
   * the new version. Without it (the agent run from its sources) aws:updateSsmAgent is refused.
   */
  readonly bundleFile?: string;
  /** The command-line arguments the agent was started with: an update starts the new version with them. */
  readonly args?: readonly string[];
  /** How long a new version has to come Online before the previous one is restored. Default 120 s. */
  readonly updateOnlineTimeoutMs?: number;
  /** Started by an update (the environment says so by default): reports Online to its parent over IPC. */
  readonly successor?: boolean;
}

/** Thrown when the server says the node is not (or no longer) registered: retrying cannot help. */
export class NodeGoneError extends Error {}

export class RefusedError extends Error {
  constructor(readonly status: number, readonly refusal: NodeRefusal) {
    super(refusal.message);
  }
}

/** Registers this machine with an activation; keeps the identity in the state directory. */
export async function register(input: {
  stateDir: string; endpoint: string; activationCode: string; activationId: string; computerName?: string;
  /** Tags the node is launched with (AWS's Tag shape), stored with it at registration. */
  tags?: readonly { Key: string; Value: string }[];
}): Promise<Identity> {
  const state = new AgentState(input.stateDir);
  state.ensure();
  const existing = state.readIdentity();
  if (existing) return existing;
  const keys = newKeyPair();
  const endpoint = input.endpoint.replace(/\/+$/, '');
  const response = await postJson<RegisterResponse>(endpoint + REGISTER_PATH, {
    activationId: input.activationId,
    activationCode: input.activationCode,
    publicKey: keys.publicKey,
    computerName: input.computerName ?? platformInfo().computerName,
    ...(input.tags && input.tags.length > 0 ? { tags: input.tags } : {}),
  });
  const identity: Identity = { instanceId: response.instanceId, accountId: response.accountId, region: response.region, endpoint, ...keys };
  state.writeIdentity(identity);
  return identity;
}

/**
 * The running agent: credentials (renewed at half-life), the channel (reconnected with
 * jittered backoff), heartbeats, the outbox, and de-duplication of server messages.
 *
 *   start → credentials → connect → [open: heartbeat, flush outbox] → … → close → backoff → credentials …
 */
export class Agent {
  private readonly state: AgentState;
  private readonly outbox: Outbox;
  private readonly backoff: Backoff;
  private readonly log: (line: string) => void;
  private identity!: Identity;
  private credentials?: CredentialsResponse;
  private clockOffsetMs = 0;
  private socket?: WebSocket;
  private stopped = false;
  private timers = new Set<NodeJS.Timeout>();
  private seen: string[];
  private skewLogged = false;
  private inFlight = new Set<string>();
  private readonly commands: CommandManager;
  /** The channel is closed and no new one opened: an update is handing over to the new version. */
  private suspended = false;
  private updating = false;
  /** The agent this one handed over to (after an update): this process only passes signals on. */
  private successorProcess?: ChildProcess;
  private finished!: (code: number) => void;
  /** Resolves with the process exit code when the agent stops. */
  readonly done: Promise<number>;

  constructor(private readonly options: AgentOptions) {
    this.state = new AgentState(options.stateDir);
    this.outbox = new Outbox(this.state.outboxDir);
    this.backoff = new Backoff({ baseMs: options.backoffBaseMs });
    this.log = options.log ?? ((line) => process.stdout.write(`${new Date().toISOString()} ${line}\n`));
    this.seen = this.state.readSeen();
    this.done = new Promise((resolve) => (this.finished = resolve));
    this.commands = new CommandManager({
      dir: this.state.commandsDir,
      deps: {
        plugins: options.plugins ?? defaultPlugins({ updater: () => this.updater(), callApi: () => <T>(target: string, input: unknown) => this.callApi<T>(target, input) }),
        callApi: (target, input) => this.callApi(target, input),
        workRoot: this.state.invocationsDir,
        platformType: platformInfo().platformType,
        now: options.now,
        killGraceMs: options.killGraceMs,
        flushMs: options.outputFlushMs,
      },
      report: (type, body) => this.report(type, body),
      resultsInOutbox: () => new Set(this.outbox.list().filter((e) => e.type === 'invocation-result').map((e) => (e.body as { commandId: string }).commandId)),
      log: (line) => this.log(line),
    });
  }

  /** Queues a message that must reach the server even across a restart of the agent. */
  report<T extends ChannelMessageType>(type: T, body: ChannelMessages[T]): void {
    const entry = this.outbox.add(type, body);
    this.sendEntry(entry);
    // Handed over: the new agent holds the channel and sends what this one still reports.
    this.successorProcess?.send({ type: 'bosun-agent-outbox' } satisfies HandoverMessage, () => {});
  }

  /** Sends every outbox entry not in flight (the outbox is shared with `bosun agent report` and an agent handing over). */
  flushOutbox(): void {
    for (const entry of this.outbox.list()) this.sendEntry(entry);
  }

  private get isSuccessor(): boolean {
    return this.options.successor ?? process.env[SUCCESSOR_ENV] === '1';
  }

  start(): Promise<number> {
    const identity = this.state.readIdentity();
    if (!identity) throw new Error(`no identity in ${this.options.stateDir}: register first (--endpoint URL --code CODE --id ID)`);
    this.identity = identity;
    this.log(`bosun agent ${platformInfo().agentVersion} starting as ${identity.instanceId} (endpoint ${identity.endpoint})`);
    this.report('node-event', { event: 'agent-started', detail: platformInfo().agentVersion });
    // Started by an update: the commands the previous process still runs are its own.
    const handedOver = this.isSuccessor ? new Set(readUpdateRecord(this.options.stateDir)?.ownedCommands ?? []) : new Set<string>();
    if (this.isSuccessor) {
      process.on('message', (message: HandoverMessage) => {
        if (message?.type === 'bosun-agent-outbox') this.flushOutbox();
      });
      // The previous process is this one's supervisor: gone (killed), this one goes too.
      process.on('disconnect', () => {
        this.log('the agent that started this one is gone: stopping');
        this.stop(0);
      });
    }
    try {
      this.commands.recover(handedOver);
    } catch (error) {
      this.log(`could not read the command records in ${this.state.commandsDir}: ${(error as Error).message}`);
    }
    void this.cycle();
    return this.done;
  }

  stop(code = 0): void {
    if (this.successorProcess) {
      // Handed over: the new agent stops, and this process ends with its status.
      this.successorProcess.kill('SIGTERM');
      return;
    }
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.socket?.close(1000, 'agent stopping');
    // Scripts run in their own process groups: stop them with the agent. Their commands are
    // reported Failed (never rerun) when the agent starts again.
    if (this.commands.active > 0) this.log(`stopping with ${this.commands.active} command(s) queued or running`);
    killAllScripts();
    this.finished(code);
  }

  private later(ms: number, work: () => void): void {
    // An answer that arrives after stop() (a credentials renewal) must not hold the process open.
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      work();
    }, ms);
    this.timers.add(timer);
  }

  /** One attempt: credentials, then the channel; any failure schedules the next attempt. */
  private async cycle(): Promise<void> {
    if (this.stopped || this.suspended) return;
    try {
      if (!this.credentials || this.credentials.expiration - this.serverNow() < 60_000) await this.renewCredentials();
      // stop() may have come while the credentials were on their way: open no channel then.
      if (this.stopped || this.suspended) return;
      await this.connect();
    } catch (error) {
      if (error instanceof NodeGoneError) {
        this.log(`node ${this.identity.instanceId} is no longer registered: ${error.message} Stopping.`);
        this.stop(4);
        return;
      }
      this.retry(error instanceof Error ? error.message : String(error));
    }
  }

  private retry(reason: string): void {
    if (this.stopped || this.suspended) return;
    const wait = this.backoff.next();
    if (!(this.skewLogged && reason.startsWith('ClockSkew'))) this.log(`${reason}; retrying in ${Math.round(wait / 1000)} s`);
    this.later(wait, () => void this.cycle());
  }

  private serverNow(): number {
    return this.options.now() - this.clockOffsetMs;
  }

  private async renewCredentials(): Promise<void> {
    const time = this.options.now();
    const nonce = crypto.randomBytes(12).toString('base64url');
    const payload = credentialsPayload({ instanceId: this.identity.instanceId, time, nonce });
    const signature = crypto.sign(null, Buffer.from(payload), this.identity.privateKey).toString('base64');
    try {
      const credentials = await postJson<CredentialsResponse>(this.identity.endpoint + CREDENTIALS_PATH, { instanceId: this.identity.instanceId, time, nonce, signature });
      this.clockOffsetMs = this.options.now() - credentials.serverTime;
      this.credentials = credentials;
      if (this.skewLogged) this.log(`clock is right again (offset ${this.clockOffsetMs} ms); credentials obtained`);
      this.skewLogged = false;
      // Renew at half-life, so a renewal that fails has time for retries before expiry.
      const lifetime = credentials.expiration - credentials.serverTime;
      this.later(Math.max(5_000, lifetime / 2), () => void this.renewInBackground());
    } catch (error) {
      if (error instanceof RefusedError) {
        if (error.refusal.__type === 'InvalidInstanceId') throw new NodeGoneError(error.refusal.message);
        if (error.refusal.skewMs !== undefined) {
          if (!this.skewLogged) {
            const seconds = Math.round(error.refusal.skewMs / 1000);
            this.log(`ClockSkew: this node's clock is ${Math.abs(seconds)} s ${seconds > 0 ? 'ahead of' : 'behind'} the server's (measured offset ${error.refusal.skewMs} ms, at most 300 s allowed): fix the node's time: enable NTP or chrony. Retrying with backoff (at most 5 minutes apart).`);
            this.skewLogged = true;
          }
          throw new Error(`ClockSkew: offset ${error.refusal.skewMs} ms`);
        }
      }
      throw error;
    }
  }

  private async renewInBackground(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.renewCredentials();
    } catch (error) {
      if (error instanceof NodeGoneError) return this.stop(4);
      // The channel stays open on the old credentials; the next cycle renews again.
      this.later(30_000, () => void this.renewInBackground());
    }
  }

  private connect(): Promise<void> {
    const credentials = this.credentials!;
    const url = new URL(this.identity.endpoint + CHANNEL_PATH);
    const headers = signRequest({ method: 'GET', url, credentials, region: credentials.region, service: 'ssm', now: this.options.now() });
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { headers, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false, handshakeTimeout: 15_000 });
      let opened = false;
      socket.on('unexpected-response', (_req, res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString('utf8')));
        res.on('end', () => {
          // Credentials refused at the upgrade (revoked, expired): obtain new ones next time.
          this.credentials = undefined;
          let message = text;
          try {
            message = (JSON.parse(text) as NodeRefusal).message;
          } catch { /* keep the text */ }
          reject(new Error(`channel refused (HTTP ${res.statusCode}): ${message}`));
        });
      });
      socket.on('open', () => {
        if (this.stopped || this.suspended) {
          // Stopped during the handshake: a channel left open would keep the server from closing.
          socket.close(1000, 'agent stopping');
          return resolve();
        }
        opened = true;
        this.socket = socket;
        this.backoff.reset();
        this.log(`online as ${this.identity.instanceId}: channel open`);
        this.heartbeat();
        // Started by an update: the previous process waits for this to keep this version.
        if (this.isSuccessor && process.connected) process.send?.({ type: 'bosun-agent-online', version: AGENT_VERSION } satisfies HandoverMessage);
        resolve();
      });
      socket.on('message', (data: Buffer) => this.receive(socket, data));
      socket.on('error', (error) => {
        if (!opened) reject(error);
      });
      socket.on('close', (code, reason) => {
        if (this.socket === socket) this.socket = undefined;
        this.inFlight.clear();
        if (!opened || this.stopped || this.suspended) return;
        if (code === 4001) {
          this.credentials = undefined;
          this.log(`channel closed by the server: ${reason.toString() || 'deregistered'}`);
        } else {
          this.log(`channel closed (${code}${reason.length ? ` ${reason.toString()}` : ''})`);
        }
        this.retry('reconnecting');
      });
    });
  }

  /**
   * Calls an AWS JSON operation (`AmazonSSM.GetParameters`…) through the API, signed with the
   * node's session credentials: IAM (the node rule set) decides, as for any caller.
   */
  async callApi<T>(target: string, input: unknown): Promise<T> {
    if (!this.credentials || this.credentials.expiration - this.serverNow() < 60_000) await this.renewCredentials();
    const credentials = this.credentials!;
    const url = new URL(this.identity.endpoint + '/');
    const body = JSON.stringify(input);
    const headers = signRequest({
      method: 'POST', url, credentials, region: credentials.region, service: 'ssm', now: this.options.now(), body,
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target },
    });
    try {
      return await postJson<T>(url.toString(), body, headers);
    } catch (error) {
      if (error instanceof RefusedError) throw new ApiError(error.refusal.__type.replace(/^.*#/, ''), error.refusal.message ?? (error.refusal as { Message?: string }).Message ?? '');
      throw error;
    }
  }

  /** The mechanics aws:updateSsmAgent uses; undefined when this agent does not run from a bundle file. */
  private updater(): AgentUpdater | undefined {
    const stable = this.options.bundleFile;
    if (!stable) return undefined;
    return {
      currentVersion: AGENT_VERSION,
      versions: async () => JSON.parse((await this.signedGet(AGENT_VERSIONS_PATH)).toString('utf8')) as AgentVersionsResponse,
      stage: async (bundle) => stageBundle(stable, bundle, await this.signedGet(agentBundlePath(bundle.version))),
      install: (bundle, staged, output) => this.handOver(stable, bundle, staged, output),
    };
  }

  /**
   * Replaces this agent by the staged version (see self-update.ts): the channel is closed, the
   * new bundle started as a child; Online in time, this process stays as its parent only;
   * otherwise the previous bundle is put back and this process takes up its channel again.
   */
  private async handOver(stable: string, bundle: AgentBundleInfo, staged: string, output: PluginOutput): Promise<{ ok: true } | { ok: false; reason: string }> {
    if (this.updating) return { ok: false, reason: 'another update is in progress on this node' };
    this.updating = true;
    const from = AGENT_VERSION;
    try {
      writeUpdateRecord(this.options.stateDir, { from, to: bundle.version, startedAt: this.options.now(), ownedCommands: this.commands.runningIds() });
      swapIn(stable, staged);
      this.log(`updating from ${from} to ${bundle.version}: handing over to ${stable}`);
      await this.suspend();
      const timeoutMs = this.options.updateOnlineTimeoutMs ?? DEFAULT_UPDATE_ONLINE_TIMEOUT_MS;
      const handover = await startSuccessor({ file: stable, args: this.options.args ?? process.argv.slice(2), timeoutMs });
      if (handover.ok) {
        this.successorProcess = handover.child;
        this.log(`bosun agent ${bundle.version} is online: this process (${from}) now only passes signals on to it (pid ${handover.child.pid})`);
        handover.child.once('exit', (code, signal) => {
          this.successorProcess = undefined;
          this.stopped = true;
          killAllScripts();
          this.finished(code ?? 128 + (signal ? os.constants.signals[signal] : 0));
        });
        return { ok: true };
      }
      restorePrevious(stable);
      const reason = handover.reason;
      this.log(`update to ${bundle.version} failed: ${reason}; rolled back to ${from} (${stable} restored)`);
      output.write('stderr', `${reason}: the previous bundle (${from}) was restored and started again\n`);
      this.report('node-event', { event: 'agent-update-failed', detail: `update from ${from} to ${bundle.version} failed: ${reason}; rolled back to ${from}` });
      this.resume();
      return { ok: false, reason };
    } catch (error) {
      this.resume();
      return { ok: false, reason: (error as Error).message };
    } finally {
      this.updating = false;
    }
  }

  /** Closes the channel and opens no other one; running commands go on, queued ones wait. */
  private async suspend(): Promise<void> {
    this.suspended = true;
    this.commands.pause();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const socket = this.socket;
    if (!socket) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        socket.terminate();
        resolve();
      }, 2000);
      socket.once('close', () => {
        clearTimeout(force);
        resolve();
      });
      socket.close(1000, 'agent updating');
    });
  }

  private resume(): void {
    if (!this.suspended) return;
    this.suspended = false;
    // What the new agent may have left (commands it took from the records) is settled as after a restart.
    this.commands.recover(new Set(this.commands.runningIds()));
    this.commands.resume();
    void this.cycle();
  }

  /** A GET under the endpoint, SigV4-signed with the node's credentials; the body, or an error for a status other than 200. */
  private async signedGet(pathname: string): Promise<Buffer> {
    if (!this.credentials || this.credentials.expiration - this.serverNow() < 60_000) await this.renewCredentials();
    const credentials = this.credentials!;
    const url = new URL(this.identity.endpoint + pathname);
    const headers = signRequest({ method: 'GET', url, credentials, region: credentials.region, service: 'ssm', now: this.options.now() });
    const client = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = client.request(url, { method: 'GET', headers, timeout: 60_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          if (res.statusCode === 200) return resolve(body);
          let message = body.toString('utf8').slice(0, 300);
          try {
            message = (JSON.parse(message) as NodeRefusal).message;
          } catch { /* keep the text */ }
          reject(new Error(`GET ${pathname}: HTTP ${res.statusCode}: ${message}`));
        });
      });
      req.on('timeout', () => req.destroy(new Error(`no answer from ${url.host} within 60 s`)));
      req.on('error', reject);
      req.end();
    });
  }

  private heartbeat(): void {
    const socket = this.socket;
    if (!socket || this.stopped) return;
    const frame = { k: 'msg' as const, id: crypto.randomUUID(), type: 'heartbeat' as const, body: { ...platformInfo(), clockOffsetMs: this.clockOffsetMs } };
    socket.send(encodeFrame(frame));
    // The outbox is also swept on each beat: entries written by `bosun agent report` get out.
    this.flushOutbox();
    this.later(this.options.heartbeatMs ?? 60_000, () => this.heartbeat());
  }

  private sendEntry(entry: { id: string; type: ChannelMessageType; body: unknown }): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    if (this.inFlight.has(entry.id)) return;
    this.inFlight.add(entry.id);
    socket.send(encodeFrame({ k: 'msg', id: entry.id, type: entry.type, body: entry.body as never }));
  }

  private receive(socket: WebSocket, data: Buffer): void {
    const decoded = decodeFrame(data.toString('utf8'));
    if (!decoded.ok) {
      this.log(`ignoring a malformed frame from the server: ${decoded.reason}`);
      return;
    }
    const { frame } = decoded;
    if (frame.k === 'ack') {
      this.outbox.remove(frame.id);
      this.inFlight.delete(frame.id);
      return;
    }
    if (!this.seen.includes(frame.id)) {
      if (frame.type === 'ping') this.log(`server message ${frame.id}: ping`);
      // The command's record is on disk before the ack goes out; a re-sent copy (new message
      // id after a lost ack) finds the record and is only acked.
      try {
        if (frame.type === 'send-command') {
          const body = frame.body as ChannelMessages['send-command'];
          if (this.commands.receive(body)) this.log(`command ${body.commandId} received (${body.documentName})`);
        }
        if (frame.type === 'cancel-command') this.commands.cancel((frame.body as ChannelMessages['cancel-command']).commandId);
      } catch (error) {
        // Not acked: the server sends it again (e.g. the state directory was full for a moment).
        this.log(`could not take server message ${frame.id} (${frame.type}): ${(error as Error).message}`);
        return;
      }
      this.seen.push(frame.id);
      if (this.seen.length > 256) this.seen.shift();
      this.state.writeSeen(this.seen);
    }
    socket.send(encodeFrame({ k: 'ack', id: frame.id }));
  }
}

/**
 * POSTs JSON with node:http(s) rather than fetch: fetch loads undici, which costs an idle
 * agent several megabytes of memory for two small requests an hour.
 */
function postJson<T>(url: string, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<T> {
  const target = new URL(url);
  const payload = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(target, { method: 'POST', headers: { ...headers, 'content-length': payload.length }, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        if (status < 200 || status >= 300) {
          let refusal: NodeRefusal;
          try {
            refusal = JSON.parse(text) as NodeRefusal;
          } catch {
            refusal = { __type: `HTTP${status}`, message: text.slice(0, 200) };
          }
          reject(new RefusedError(status, refusal));
          return;
        }
        try {
          resolve(JSON.parse(text) as T);
        } catch (error) {
          reject(error as Error);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${target.host} within 30 s`)));
    req.on('error', reject);
    req.end(payload);
  });
}
