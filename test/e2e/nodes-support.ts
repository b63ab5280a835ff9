/**
 * Helpers of the managed-node tests: a server whose node options (heartbeat window) the
 * test chooses and that can be restarted on the same port and store, real agent processes
 * (the bundled bosun-agent.cjs the server serves), and activations.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { CreateActivationCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { CREDENTIALS_PATH, credentialsPayload, REGISTER_PATH, type CredentialsResponse, type RegisterResponse } from '@bosun/protocol';
import { startServer, type RunningServer } from '../../packages/server/src/server.ts';
import { createLogger } from '../../packages/server/src/logger.ts';
import type { CommandsOptions } from '../../packages/server/src/commands/commands-capability.ts';
import { buildAgentBundle } from '../../packages/server/src/nodes/agent-bundle.ts';
import type { NewAccessKey } from '../../packages/server/src/accounts/admin.ts';
import type { RootKey } from '../../packages/server/src/crypto/root-key.ts';
import { fixtures } from '../../packages/server/src/testing/fixtures.ts';
import { REGION, type TestClock } from './support.ts';

export interface NodesServer {
  url: string;
  readonly port: number;
  readonly dataDir: string;
  readonly rootKey: RootKey;
  readonly clock: TestClock;
  readonly admin: NewAccessKey;
  server: RunningServer;
  log(): string;
  /** Stops the server; the store stays. */
  stop(): Promise<void>;
  /** Starts it again on the same port and store. */
  restart(): Promise<void>;
  destroy(): Promise<void>;
}

export async function startNodesServer(options: { connectionLostAfterMs?: number; credentialsTtlMs?: number; commands?: CommandsOptions } = {}): Promise<NodesServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-nodes-e2e-'));
  const rootKey = fixtures.rootKey();
  const clock: TestClock = { offsetMs: 0 };
  const chunks: string[] = [];
  const destination = new Writable({ write(chunk, _e, cb) { chunks.push(String(chunk)); cb(); } });
  const open = (port: number) => startServer({
    host: '127.0.0.1', port, dataDir, rootKey, region: REGION,
    logger: createLogger({ format: 'json', level: 'debug', destination }),
    now: () => clock.frozenAt ?? Date.now() + clock.offsetMs,
    nodes: { connectionLostAfterMs: options.connectionLostAfterMs, credentialsTtlMs: options.credentialsTtlMs },
    commands: options.commands,
  });
  let server = await open(0);
  const port = Number(new URL(server.url).port);
  const admin = await fixtures.account(server.store, rootKey);
  let running = true;
  const target: NodesServer = {
    url: server.url, port, dataDir, rootKey, clock, admin, server,
    log: () => chunks.join(''),
    async stop() {
      if (!running) return;
      running = false;
      await target.server.close();
    },
    async restart() {
      await target.stop();
      server = await open(port);
      target.server = server;
      running = true;
    },
    async destroy() {
      await target.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return target;
}

export async function createActivation(ssm: SSMClient, input: { limit?: number; tags?: { Key: string; Value: string }[]; name?: string; role?: string } = {}): Promise<{ id: string; code: string }> {
  const out = await ssm.send(new CreateActivationCommand({
    IamRole: input.role ?? 'BosunNodeRole',
    RegistrationLimit: input.limit ?? 1,
    DefaultInstanceName: input.name,
    Tags: input.tags,
  }));
  return { id: out.ActivationId!, code: out.ActivationCode! };
}

// ---------------------------------------------------------------------------------------------
// Real agent processes

let bundlePath: Promise<string> | undefined;
/** The agent bundle, built once per test file (the file the server serves). */
export function agentBundle(): Promise<string> {
  return (bundlePath ??= buildAgentBundle(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-agent-bundle-')), 'bosun-agent.cjs')).then((b) => b.file));
}

export interface AgentProcess {
  readonly child: ChildProcessWithoutNullStreams;
  output(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  readonly exited: Promise<number>;
  stop(): Promise<number>;
}

const agents = new Set<ChildProcessWithoutNullStreams>();

export function killAgents(): void {
  for (const child of agents) child.kill('SIGKILL');
}

/**
 * Runs the bundled agent (`node bosun-agent.cjs ARGS`) with fast heartbeats and backoff;
 * `bundle`: another bundle file (an agent that updates itself replaces its own file).
 */
export async function spawnAgent(args: readonly string[], env: NodeJS.ProcessEnv = {}, options: { bundle?: string } = {}): Promise<AgentProcess> {
  const file = options.bundle ?? await agentBundle();
  const child = spawn(process.execPath, [file, ...args], {
    env: { PATH: process.env.PATH, BOSUN_AGENT_HEARTBEAT_MS: '500', BOSUN_AGENT_BACKOFF_BASE_MS: '200', ...env },
    stdio: 'pipe',
  });
  agents.add(child);
  let text = '';
  const listeners = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (c: string) => { text += c; for (const l of [...listeners]) l(); });
  child.stderr.setEncoding('utf8').on('data', (c: string) => { text += c; for (const l of [...listeners]) l(); });
  let code: number | undefined;
  const exited = new Promise<number>((resolve) => child.on('close', (c, signal) => {
    agents.delete(child);
    code = c ?? (signal ? 128 : -1);
    for (const l of [...listeners]) l();
    resolve(code);
  }));
  return {
    child,
    output: () => text,
    exited,
    waitFor(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = text.match(pattern);
          if (m) return settle(() => resolve(m));
          if (code !== undefined) settle(() => reject(new Error(`agent exited with ${code} before printing ${pattern}:\n${text}`)));
        };
        const timer = setTimeout(() => settle(() => reject(new Error(`agent printed nothing matching ${pattern} within ${timeoutMs} ms:\n${text}`))), timeoutMs);
        const settle = (f: () => void) => { clearTimeout(timer); listeners.delete(check); f(); };
        listeners.add(check);
        check();
      });
    },
    async stop() {
      if (code === undefined) child.kill('SIGTERM');
      return exited;
    },
  };
}

export function stateDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-agent-state-'));
}

/** Polls `condition` until it returns a value, or fails at the deadline. */
export async function eventually<T>(what: string, condition: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// ---------------------------------------------------------------------------------------------
// A node driven by the test itself (to hold its credentials)

export async function registerTestNode(url: string, activation: { id: string; code: string }): Promise<{ instanceId: string; privateKey: crypto.KeyObject }> {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
  const res = await fetch(url + REGISTER_PATH, {
    method: 'POST',
    body: JSON.stringify({ activationId: activation.id, activationCode: activation.code, publicKey: publicKey.export({ type: 'spki', format: 'pem' }) }),
  });
  if (!res.ok) throw new Error(`register: ${res.status} ${await res.text()}`);
  return { instanceId: ((await res.json()) as RegisterResponse).instanceId, privateKey };
}

export async function nodeCredentials(url: string, node: { instanceId: string; privateKey: crypto.KeyObject }, time = Date.now()): Promise<{ status: number; body: CredentialsResponse & { __type?: string; message?: string; skewMs?: number } }> {
  const nonce = crypto.randomBytes(8).toString('hex');
  const signature = crypto.sign(null, Buffer.from(credentialsPayload({ instanceId: node.instanceId, time, nonce })), node.privateKey).toString('base64');
  const res = await fetch(url + CREDENTIALS_PATH, { method: 'POST', body: JSON.stringify({ instanceId: node.instanceId, time, nonce, signature }) });
  return { status: res.status, body: (await res.json()) as never };
}

/**
 * Three real agents n1, n2, n3 (NODE_NAME in their scripts' environment) registered at `url`
 * with the tag Role=`role`, Online; returns a fresh directory for the scripts' marker files.
 * Every directory made is pushed on `dirs` for the caller to remove.
 */
export async function threeTaggedNodes(ssm: SSMClient, url: string, role: string, dirs: string[]): Promise<string> {
  const marks = stateDir();
  dirs.push(marks);
  const activation = await ssm.send(new CreateActivationCommand({ IamRole: 'BosunNodeRole', RegistrationLimit: 3, Tags: [{ Key: 'Role', Value: role }] }));
  for (const name of ['n1', 'n2', 'n3']) {
    const dir = stateDir();
    dirs.push(dir);
    const agent = await spawnAgent(['--endpoint', url, '--code', activation.ActivationCode!, '--id', activation.ActivationId!, '--state-dir', path.join(dir, 'state')], { NODE_NAME: name });
    await agent.waitFor(/online as mi-/);
  }
  return marks;
}
