/**
 * `npm run bench -- windows [--agents 10000] [--windows 1000] [--store sqlite,postgres]`
 *
 * Maintenance windows at fleet size (issue #15): N simulated agents (bench/fleet/simulated-agent.ts,
 * answering from the trivial in-process plugin) on one server process, and `--windows` windows,
 * each with one registered target (its own N/windows nodes by id) and one RUN_COMMAND task.
 * Every window is then given the same `at(...)` due time, the next whole minute at least 20 s
 * ahead, and the wall clock runs to it:
 *
 * - lateness of the first task of each window: its Run Command command's RequestedDateTime
 *   minus the due time. Goal p99 < 1 s.
 * - server CPU per window: the server process's CPU time from 2 s before the due time until
 *   every execution is SUCCESS, divided by the windows.
 *
 * The server runs in its own process: this file, started with `serve` (the quotas raised to fit
 * the windows in one account and Region; AWS's is 50). PostgreSQL comes from
 * BOSUN_BENCH_DATABASE_URL or BOSUN_TEST_DATABASE_URL (a private schema per run).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  CreateMaintenanceWindowCommand, DescribeMaintenanceWindowExecutionsCommand, ListCommandsCommand, RegisterTargetWithMaintenanceWindowCommand,
  RegisterTaskWithMaintenanceWindowCommand, SSMClient, UpdateMaintenanceWindowCommand,
} from '@aws-sdk/client-ssm';
import { bootstrap } from './fanout.ts';
import { Samples } from './lib/stats.ts';
import { activations, cpuTicks, fleet, rssMiB, until, type ServerChild } from './nodes.ts';

const HERE = fileURLToPath(import.meta.url);
const TIMEOUT_MS = 600_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Figures {
  store: string;
  agents: number;
  windows: number;
  latenessMs: { p50: number; p99: number; max: number };
  allDoneMs: number;
  serverCpuPerWindowMs: number;
  rssMiB: number;
}

function startWindowsServer(dataDir: string, databaseUrl: string | undefined, windows: number): Promise<ServerChild> {
  // BENCH_CPU_PROF=DIR: the server writes a V8 CPU profile there when it exits.
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', HERE, 'serve', dataDir, String(windows), ...(databaseUrl ? [databaseUrl] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
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

/** `n` calls of `work` with at most `width` in flight. */
async function inParallel(n: number, width: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < n) await work(next++);
  }));
}

async function benchStore(store: 'sqlite' | 'postgres', options: { agents: number; windows: number }): Promise<Figures | undefined> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-bench-windows-'));
  let schema: { url: string; drop(): Promise<void> } | undefined;
  if (store === 'postgres') {
    const url = process.env.BOSUN_BENCH_DATABASE_URL ?? process.env.BOSUN_TEST_DATABASE_URL;
    if (!url) {
      console.log('postgres: skipped (set BOSUN_BENCH_DATABASE_URL or BOSUN_TEST_DATABASE_URL)');
      return undefined;
    }
    process.env.BOSUN_TEST_DATABASE_URL ??= url;
    const { createPostgresSchema } = await import('../packages/server/src/testing/stores.ts');
    schema = await createPostgresSchema();
  }
  const { agents: count, windows } = options;
  const perWindow = Math.max(1, Math.floor(count / windows));
  try {
    const admin = await bootstrap(dataDir, schema?.url);
    const acts = await activations(dataDir, count, { databaseUrl: schema?.url });
    const server = await startWindowsServer(dataDir, schema?.url, windows);
    const started = Date.now();
    const agents = await fleet(server.url, count, acts, 300_000);
    await until('all Online', () => agents.every((a) => a.onlineAt !== undefined), TIMEOUT_MS);
    console.log(`${store}: ${count} simulated agents Online in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const ssm = new SSMClient({
      endpoint: server.url, region: 'us-east-1', maxAttempts: 3, requestHandler: { requestTimeout: 30_000 },
      credentials: { accessKeyId: admin.accessKeyId, secretAccessKey: admin.secretAccessKey },
    });
    try {
      const ids = agents.map((a) => a.instanceId!).sort();
      const windowIds: string[] = new Array(windows);
      const t0 = performance.now();
      await inParallel(windows, 16, async (i) => {
        const { WindowId } = await ssm.send(new CreateMaintenanceWindowCommand({
          Name: `bench-${i}`, Schedule: 'cron(0 0 1 1 ? 2099)', Duration: 1, Cutoff: 0, AllowUnassociatedTargets: false,
        }));
        const { WindowTargetId } = await ssm.send(new RegisterTargetWithMaintenanceWindowCommand({
          WindowId, ResourceType: 'INSTANCE', Targets: [{ Key: 'InstanceIds', Values: ids.slice(i * perWindow, (i + 1) * perWindow) }],
        }));
        await ssm.send(new RegisterTaskWithMaintenanceWindowCommand({
          WindowId, TaskType: 'RUN_COMMAND', TaskArn: 'AWS-RunShellScript', Targets: [{ Key: 'WindowTargetIds', Values: [WindowTargetId!] }], MaxConcurrency: '100%', MaxErrors: '100%',
          TaskInvocationParameters: { RunCommand: { Parameters: { commands: [`echo window ${i}`] } } },
        }));
        windowIds[i] = WindowId!;
      });
      console.log(`${store}: ${windows} windows (each ${perWindow} nodes, one task) defined in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      // One due time for all: the next whole minute at least 20 s ahead (the updates take a few seconds).
      const due = Math.ceil((Date.now() + 20_000) / 60_000) * 60_000;
      const schedule = `at(${new Date(due).toISOString().slice(0, 19)})`;
      await inParallel(windows, 16, async (i) => {
        await ssm.send(new UpdateMaintenanceWindowCommand({ WindowId: windowIds[i], Schedule: schedule }));
      });
      if (Date.now() > due - 3000) throw new Error('the windows were not all scheduled 3 s before their due time: try fewer windows');
      await sleep(due - 2000 - Date.now());
      const ticks0 = cpuTicks(server.pid);
      const t1 = performance.now();
      // Done: every window's execution SUCCESS.
      const pending = new Set(windowIds);
      const deadline = performance.now() + TIMEOUT_MS;
      while (pending.size > 0) {
        await inParallel(Math.min(pending.size, 200), 8, async () => {
          const id = [...pending][0];
          if (!id) return;
          pending.delete(id);
          const [e] = (await ssm.send(new DescribeMaintenanceWindowExecutionsCommand({ WindowId: id, MaxResults: 10 }))).WindowExecutions ?? [];
          if (e?.Status !== 'SUCCESS') pending.add(id);
          if (e && e.Status !== 'SUCCESS' && e.Status !== 'IN_PROGRESS') throw new Error(`window ${id}: execution ${e.Status} ${e.StatusDetails}`);
        });
        if (performance.now() > deadline) throw new Error(`${pending.size} windows not done`);
        if (pending.size > 0) await sleep(200);
      }
      const allDoneMs = performance.now() - t1 - 2000;
      const cpuMs = ((cpuTicks(server.pid) - ticks0) / 100) * 1000;
      // Lateness: each window's command (one per task) against the due time.
      const lateness = new Samples();
      let max = 0;
      let token: string | undefined;
      do {
        const page = await ssm.send(new ListCommandsCommand({ MaxResults: 50, NextToken: token }));
        for (const c of page.Commands ?? []) {
          if (!c.Comment?.startsWith('maintenance-window:')) continue;
          const late = Math.max(0, c.RequestedDateTime!.getTime() - due);
          lateness.add(late);
          max = Math.max(max, late);
        }
        token = page.NextToken;
      } while (token);
      if (lateness.count !== windows) throw new Error(`${lateness.count} window commands for ${windows} windows`);
      const [p50, p99] = lateness.percentiles(50, 99);
      console.log(`${store}: first-task lateness over ${windows} windows due in the same minute: p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms, max ${max.toFixed(0)} ms — goal p99 < 1 s: ${p99 < 1000 ? 'met' : 'NOT met'}`);
      console.log(`${store}: every execution SUCCESS ${(allDoneMs / 1000).toFixed(1)} s after the due time; server CPU ${(cpuMs / 1000).toFixed(1)} s = ${(cpuMs / windows).toFixed(2)} ms per window (${perWindow} nodes each)`);
      return { store, agents: count, windows, latenessMs: { p50, p99, max }, allDoneMs, serverCpuPerWindowMs: cpuMs / windows, rssMiB: rssMiB(server.pid) };
    } finally {
      ssm.destroy();
      for (const a of agents) a.stop();
      server.child.kill('SIGTERM');
      await new Promise((r) => server.child.once('exit', r));
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
    await schema?.drop();
  }
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { agents: { type: 'string' }, windows: { type: 'string' }, store: { type: 'string' } } });
  const options = { agents: Number(values.agents ?? 10_000), windows: Number(values.windows ?? 1000) };
  for (const [name, n] of Object.entries(options)) if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} takes a positive integer`);
  console.log(`windows: ${options.agents} agents, ${options.windows} windows due in the same minute; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const figures: Figures[] = [];
  for (const store of (values.store ?? 'sqlite,postgres').split(',')) {
    if (store !== 'sqlite' && store !== 'postgres') throw new Error(`unknown store ${store}`);
    const f = await benchStore(store, options);
    if (f) figures.push(f);
  }
  const dir = path.join(path.dirname(HERE), 'results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `windows-${Date.now()}.json`), JSON.stringify({ options, figures, loadavg: os.loadavg() }, null, 2));
}

/** `node --import tsx bench/windows.ts serve DATA_DIR WINDOWS [DATABASE_URL]`: the server process, printing {url, pid} once listening. */
async function serve(dataDir: string, windows: number, databaseUrl: string | undefined): Promise<void> {
  const { createLogger, ensureRootKeyFile, startServer } = await import('@bosun/server');
  const { rootKey } = ensureRootKeyFile(path.join(dataDir, 'root.key'));
  const server = await startServer({
    host: '127.0.0.1', port: 0, dataDir, ...(databaseUrl ? { databaseUrl } : {}), rootKey, logger: createLogger({ format: 'json', level: 'error' }),
    maintenanceWindows: { limits: { windows: windows + 10 } },
  });
  process.stdout.write(JSON.stringify({ url: server.url, pid: process.pid }) + '\n');
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (process.argv[1] === HERE && process.argv[2] === 'serve') await serve(process.argv[3], Number(process.argv[4]), process.argv[5]);
