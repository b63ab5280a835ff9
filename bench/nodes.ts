/**
 * `npm run bench -- nodes [--agents 1000] [--connected 10000] [--idle-seconds 60] [--only a,b,c]`
 *
 * (a) N simulated agents register and come Online; the server is killed (SIGKILL) and
 *     restarted on the same port and store; time until all are Online again.
 * (b) server RSS with M connected simulated agents.
 * (c) RSS and CPU of one idle real agent (the bundled bosun-agent.cjs) over S seconds.
 *
 * The server runs in its own process (bench/fleet/server-process.ts); the simulated fleet in
 * this one. Traffic stays on 127.0.0.1. Each process needs about one file descriptor per
 * connection: `ulimit -n` must be above M (20,000 here).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { adminBootstrap, buildAgentBundle, createLocalActivation, ensureRootKeyFile, listAccounts, openStore } from '@bosun/server';
import { SimulatedAgent } from './fleet/simulated-agent.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));

export interface ServerChild {
  child: ChildProcess;
  url: string;
  pid: number;
}

export function startServerProcess(dataDir: string, port = 0, databaseUrl?: string, nodeArgs: readonly string[] = [], env: NodeJS.ProcessEnv = {}): Promise<ServerChild> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', path.join(HERE, 'fleet/server-process.ts'), dataDir, String(port), ...(databaseUrl ? [databaseUrl] : [])], { stdio: [env.BOSUN_BENCH_CLOCK === '1' ? 'pipe' : 'ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => {
      text += c;
      const line = text.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ child, ...(JSON.parse(line) as { url: string; pid: number }) });
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

/** Activations for `count` nodes (1,000 each); `tags` go to every node registered with them. */
export async function activations(dataDir: string, count: number, options: { databaseUrl?: string; tags?: { Key: string; Value: string }[] } = {}): Promise<{ id: string; code: string }[]> {
  const { rootKey } = ensureRootKeyFile(path.join(dataDir, 'root.key'));
  const store = await openStore({ dataDir, ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}) });
  try {
    if ((await listAccounts(store.db)).length === 0) await adminBootstrap(store, rootKey, { now: Date.now() });
    const [account] = await listAccounts(store.db);
    const out: { id: string; code: string }[] = [];
    // AWS's limit: at most 1,000 registrations per activation.
    for (let i = 0; i < Math.ceil(count / 1000); i++) {
      const a = await createLocalActivation(store.db, { accountId: account.account_id, region: 'us-east-1', iamRole: 'BenchRole', now: Date.now(), ttlMs: 3_600_000 });
      await store.db.updateTable('activations').set({ registration_limit: 1000, tags: JSON.stringify(options.tags ?? []) }).where('activation_id', '=', a.activationId).execute();
      out.push({ id: a.activationId, code: a.activationCode });
    }
    return out;
  } finally {
    await store.close();
  }
}

export function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

/** CPU time (user + system) of a process so far, in clock ticks (1/100 s). */
export function cpuTicks(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime
}

export async function until(what: string, condition: () => boolean, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - start;
}

export async function fleet(endpoint: string, count: number, acts: { id: string; code: string }[], heartbeatMs: number): Promise<SimulatedAgent[]> {
  const agents = Array.from({ length: count }, (_, i) => new SimulatedAgent({ endpoint, heartbeatMs, name: `sim-${i}` }));
  let next = 0;
  const worker = async () => {
    while (next < agents.length) {
      const i = next++;
      await agents[i].register(acts[Math.floor(i / 1000)]);
      agents[i].start();
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  return agents;
}

async function benchOnlineAndRestart(count: number): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-bench-nodes-'));
  try {
    const acts = await activations(dataDir, count);
    let server = await startServerProcess(dataDir);
    const port = Number(new URL(server.url).port);
    const start = Date.now();
    const agents = await fleet(server.url, count, acts, 60_000);
    const first = Date.now() - start + (await until('all Online', () => agents.every((a) => a.onlineAt !== undefined), 120_000));
    console.log(`(a) ${count} agents registered and Online in ${(first / 1000).toFixed(1)} s`);
    server.child.kill('SIGKILL');
    await new Promise((r) => server.child.once('exit', r));
    await until('all channels closed', () => agents.every((a) => a.onlineAt === undefined), 30_000);
    const restartAt = Date.now();
    server = await startServerProcess(dataDir, port);
    const serverUp = Date.now() - restartAt;
    const again = serverUp + (await until('all Online again', () => agents.every((a) => a.onlineAt !== undefined), 120_000));
    console.log(`(a) after SIGKILL and restart: all ${count} Online again ${(again / 1000).toFixed(1)} s after the restart began (server listening after ${(serverUp / 1000).toFixed(1)} s); agents that gave up: ${agents.filter((a) => a.gaveUp).length}`);
    for (const a of agents) a.stop();
    server.child.kill('SIGTERM');
    await new Promise((r) => server.child.once('exit', r));
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function benchConnectedRss(count: number): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-bench-nodes-'));
  try {
    const acts = await activations(dataDir, count);
    const server = await startServerProcess(dataDir);
    const idleRss = rssMiB(server.pid);
    const start = Date.now();
    const agents = await fleet(server.url, count, acts, 300_000);
    await until('all connected', () => agents.every((a) => a.onlineAt !== undefined), 600_000);
    const took = Date.now() - start;
    await new Promise((r) => setTimeout(r, 3000));
    console.log(`(b) server RSS: ${idleRss.toFixed(0)} MiB idle, ${rssMiB(server.pid).toFixed(0)} MiB with ${count} connected agents (all connected in ${(took / 1000).toFixed(1)} s)`);
    for (const a of agents) a.stop();
    server.child.kill('SIGTERM');
    await new Promise((r) => server.child.once('exit', r));
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function benchIdleAgent(seconds: number): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-bench-nodes-'));
  const stateDir = path.join(dataDir, 'agent');
  try {
    const [act] = await activations(dataDir, 1);
    const server = await startServerProcess(dataDir);
    const bundle = await buildAgentBundle(path.join(dataDir, 'bosun-agent.cjs'));
    const agent = spawn(process.execPath, [bundle.file, '--endpoint', server.url, '--code', act.code, '--id', act.id, '--state-dir', stateDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => {
      let text = '';
      agent.stdout!.setEncoding('utf8').on('data', (c: string) => {
        text += c;
        if (text.includes('online as')) resolve();
      });
    });
    const ticksPerSecond = 100; // USER_HZ on Linux
    const before = cpuTicks(agent.pid!);
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const cpu = (cpuTicks(agent.pid!) - before) / ticksPerSecond;
    console.log(`(c) one idle real agent over ${seconds} s: RSS ${rssMiB(agent.pid!).toFixed(1)} MiB, CPU ${((cpu / seconds) * 100).toFixed(2)}% (${cpu.toFixed(2)} s of CPU); bundle ${(bundle.bytes / 1024).toFixed(0)} KiB`);
    agent.kill('SIGTERM');
    server.child.kill('SIGTERM');
    await new Promise((r) => server.child.once('exit', r));
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { agents: { type: 'string' }, connected: { type: 'string' }, 'idle-seconds': { type: 'string' }, only: { type: 'string' } } });
  const only = new Set((values.only ?? 'a,b,c').split(','));
  if (only.has('a')) await benchOnlineAndRestart(Number(values.agents ?? 1000));
  if (only.has('b')) await benchConnectedRss(Number(values.connected ?? 10_000));
  if (only.has('c')) await benchIdleAgent(Number(values['idle-seconds'] ?? 60));
}
