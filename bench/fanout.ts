/**
 * `npm run bench -- fanout [--agents 10000] [--store sqlite,postgres] [--runs 2] [--profile]`
 *
 * Run Command fan-out: N simulated agents (bench/fleet/simulated-agent.ts, answering each
 * `send-command` with an `invocation-result` from the trivial in-process plugin) connected to
 * one server process; the time from `SendCommand` (AWS-RunShellScript, Targets tag:Fleet=bench,
 * MaxConcurrency 100%) to the command being Success with every invocation Success (polled
 * with ListCommands every 25 ms), on SQLite and PostgreSQL, with the server's CPU over each run
 * and its RSS. `--profile` profiles the server's main thread over the last run alone.
 * Goal on a 2-core machine: 10,000 nodes in under 5 s, 1,000 in under 1 s.
 *
 * PostgreSQL comes from BOSUN_BENCH_DATABASE_URL or BOSUN_TEST_DATABASE_URL (a private schema
 * per run); without one that store is skipped, with the reason.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ListCommandInvocationsCommand, ListCommandsCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { adminBootstrap, ensureRootKeyFile, openStore, type NewAccessKey } from '@bosun/server';
import { formatProfileSummary, summariseProfile } from './lib/cpuprofile.ts';
import { activations, cpuTicks, fleet, rssMiB, startServerProcess, until } from './nodes.ts';

const GOALS: Record<number, number> = { 1000: 1000, 10_000: 5000 };

interface RunFigure {
  store: string;
  agents: number;
  run: number;
  ms: number;
  sendMs: number;
  /** Server CPU (user + system, all threads) from SendCommand to all Success, s. */
  serverCpuS: number;
  rssMiB: number;
}

/** The admin's access key, made in the store before the server starts. */
export async function bootstrap(dataDir: string, databaseUrl: string | undefined): Promise<NewAccessKey> {
  const { rootKey } = ensureRootKeyFile(path.join(dataDir, 'root.key'));
  const store = await openStore({ dataDir, ...(databaseUrl ? { databaseUrl } : {}) });
  try {
    return await adminBootstrap(store, rootKey, { now: Date.now() });
  } finally {
    await store.close();
  }
}

async function benchStore(store: 'sqlite' | 'postgres', count: number, runs: number, profile: boolean): Promise<RunFigure[]> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-bench-fanout-'));
  let schema: { url: string; drop(): Promise<void> } | undefined;
  if (store === 'postgres') {
    const url = process.env.BOSUN_BENCH_DATABASE_URL ?? process.env.BOSUN_TEST_DATABASE_URL;
    if (!url) {
      console.log('postgres: skipped (set BOSUN_BENCH_DATABASE_URL or BOSUN_TEST_DATABASE_URL)');
      return [];
    }
    process.env.BOSUN_TEST_DATABASE_URL ??= url;
    const { createPostgresSchema } = await import('../packages/server/src/testing/stores.ts');
    schema = await createPostgresSchema();
  }
  const figures: RunFigure[] = [];
  try {
    const admin = await bootstrap(dataDir, schema?.url);
    const acts = await activations(dataDir, count, { databaseUrl: schema?.url, tags: [{ Key: 'Fleet', Value: 'bench' }] });
    const profileFile = path.join(dataDir, 'fanout.cpuprofile');
    const server = await startServerProcess(dataDir, 0, schema?.url, [], profile ? { BOSUN_BENCH_PROFILE_FILE: profileFile } : {});
    // The server answers SIGUSR2 with `profiling` / `profiled` (bench/fleet/server-process.ts).
    const answers: ((line: string) => void)[] = [];
    server.child.stdout!.on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) if (line === 'profiling' || line === 'profiled') answers.shift()?.(line);
    });
    const signal = (answer: string) => new Promise<void>((resolve) => {
      answers.push((said) => { if (said === answer) resolve(); });
      server.child.kill('SIGUSR2');
    });
    const ssm = new SSMClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: admin.accessKeyId, secretAccessKey: admin.secretAccessKey }, maxAttempts: 1 });
    const started = Date.now();
    const agents = await fleet(server.url, count, acts, 300_000);
    await until('all Online', () => agents.every((a) => a.onlineAt !== undefined), 600_000);
    console.log(`${store}: ${count} simulated agents Online in ${((Date.now() - started) / 1000).toFixed(1)} s; server RSS ${rssMiB(server.pid).toFixed(0)} MiB`);
    try {
      for (let run = 1; run <= runs; run++) {
        const acked = agents.reduce((n, a) => n + a.resultsAcked, 0);
        // The last run is profiled (its window alone: SendCommand to all Success).
        const profiled = profile && run === runs;
        if (profiled) await signal('profiling');
        const ticks0 = cpuTicks(server.pid);
        const t0 = performance.now();
        const sent = await ssm.send(new SendCommandCommand({
          DocumentName: 'AWS-RunShellScript', Parameters: { commands: ['echo bench'] },
          Targets: [{ Key: 'tag:Fleet', Values: ['bench'] }], MaxConcurrency: '100%', MaxErrors: '0', Comment: `fanout run ${run}`,
        }));
        const commandId = sent.Command!.CommandId!;
        const sendMs = performance.now() - t0;
        let last: { Status?: string; CompletedCount?: number; TargetCount?: number; ErrorCount?: number } = {};
        for (;;) {
          last = (await ssm.send(new ListCommandsCommand({ CommandId: commandId }))).Commands?.[0] ?? {};
          if (last.Status && !['Pending', 'InProgress', 'Cancelling'].includes(last.Status)) break;
          if (performance.now() - t0 > 300_000) throw new Error(`command ${commandId} not done after 300 s: ${JSON.stringify(last)}`);
          await new Promise((r) => setTimeout(r, 25));
        }
        const ms = performance.now() - t0;
        const serverCpuS = (cpuTicks(server.pid) - ticks0) / 100;
        if (profiled) await signal('profiled');
        if (last.Status !== 'Success' || last.CompletedCount !== count || last.TargetCount !== count) {
          throw new Error(`command ${commandId} ended ${last.Status} with ${last.CompletedCount}/${last.TargetCount} completed, ${last.ErrorCount} errors`);
        }
        // Every invocation, not only the counters: the first page must show Success.
        const page = await ssm.send(new ListCommandInvocationsCommand({ CommandId: commandId, MaxResults: 50 }));
        if (!(page.CommandInvocations ?? []).every((i) => i.Status === 'Success')) throw new Error(`command ${commandId}: an invocation is not Success`);
        const rss = rssMiB(server.pid);
        const delivered = agents.reduce((n, a) => n + a.resultsAcked, 0) - acked;
        const goal = GOALS[count];
        console.log(`${store} run ${run}: ${count} invocations Success in ${(ms / 1000).toFixed(2)} s (SendCommand answered in ${sendMs.toFixed(0)} ms; results acked ${delivered}); server CPU ${serverCpuS.toFixed(2)} s; server RSS ${rss.toFixed(0)} MiB${goal ? ` — goal < ${goal / 1000} s: ${ms < goal ? 'met' : 'NOT met'}` : ''}`);
        figures.push({ store, agents: count, run, ms, sendMs, serverCpuS, rssMiB: rss });
      }
    } finally {
      ssm.destroy();
      for (const a of agents) a.stop();
      server.child.kill('SIGTERM');
      await new Promise((r) => server.child.once('exit', r));
      if (profile && fs.existsSync(profileFile)) {
        console.log(`${store} server profile of run ${runs} (main thread, SendCommand to all Success):\n${formatProfileSummary(summariseProfile(profileFile, 30))}`);
        const kept = path.join(path.dirname(new URL(import.meta.url).pathname), 'results', `fanout-${store}-${count}-${Date.now()}.cpuprofile`);
        fs.mkdirSync(path.dirname(kept), { recursive: true });
        fs.copyFileSync(profileFile, kept);
        console.log(`profile kept: ${kept}`);
      }
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
    await schema?.drop();
  }
  return figures;
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { agents: { type: 'string' }, store: { type: 'string' }, runs: { type: 'string' }, profile: { type: 'boolean' } } });
  const count = Number(values.agents ?? 1000);
  const runs = Number(values.runs ?? 2);
  if (!Number.isInteger(count) || count < 1) throw new Error('--agents takes a positive integer');
  console.log(`fanout: ${count} agents, ${runs} run(s) per store; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const figures: RunFigure[] = [];
  for (const store of (values.store ?? 'sqlite,postgres').split(',')) {
    if (store !== 'sqlite' && store !== 'postgres') throw new Error(`unknown store ${store}`);
    figures.push(...await benchStore(store, count, runs, values.profile ?? false));
  }
  fs.mkdirSync(path.join(path.dirname(new URL(import.meta.url).pathname), 'results'), { recursive: true });
  fs.writeFileSync(path.join(path.dirname(new URL(import.meta.url).pathname), 'results', `fanout-${Date.now()}.json`), JSON.stringify({ count, figures, loadavg: os.loadavg() }, null, 2));
}
