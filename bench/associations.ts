/**
 * `npm run bench -- associations [--agents 10000] [--associations 5] [--rounds 3] [--tagged 1000] [--store sqlite,postgres]`
 *
 * State Manager at fleet size (issue #13): N simulated agents (bench/fleet/simulated-agent.ts,
 * answering each command from the trivial in-process plugin) on one server process, and
 * `--associations` associations with `rate(30 minutes)` targeting every node.
 *
 * 1. Apply at create: from the first CreateAssociation to every association Success on every
 *    node; the server's CPU over it, per application (one association on one node).
 * 2. Scheduler lateness: the server's clock (bench/fleet/server-process.ts, BOSUN_BENCH_CLOCK)
 *    is moved past the next due time, `--rounds` times; lateness is the RequestedDateTime of each
 *    scheduled application's Run Command command minus the server time at which it fell due
 *    (when the clock moved). Goal p99 < 1 s.
 * 3. New tags: one more association targets `tag:Role=web`, which no node has; then `--tagged`
 *    nodes are tagged at once (AddTagsToResource, 50 calls in flight) and the wall time runs
 *    until that association is Success on every one of them. Goal < 5 s for 1,000.
 *
 * PostgreSQL comes from BOSUN_BENCH_DATABASE_URL or BOSUN_TEST_DATABASE_URL (a private schema
 * per run); without one that store is skipped, with the reason.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  AddTagsToResourceCommand, CreateAssociationCommand, DescribeAssociationCommand, DescribeAssociationExecutionsCommand, ListCommandsCommand, SSMClient,
} from '@aws-sdk/client-ssm';
import type { NewAccessKey } from '@bosun/server';
import { bootstrap } from './fanout.ts';
import { Samples } from './lib/stats.ts';
import { activations, cpuTicks, fleet, rssMiB, startServerProcess, until, type ServerChild } from './nodes.ts';

const RATE_MS = 30 * 60_000;
const TIMEOUT_MS = 600_000;

interface StoreFigures {
  store: string;
  agents: number;
  associations: number;
  applyMs: number;
  serverCpuPerApplicationMs: number;
  latenessMs: number[];
  taggedMs: number;
  tagCallsMs: number;
  rssMiB: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sets the server's clock offset and returns the server's time just after (its answer). */
function moveClock(server: ServerChild, offsetMs: number): Promise<number> {
  return new Promise((resolve) => {
    const onData = (chunk: string) => {
      const match = new RegExp(`^offset ${offsetMs} (\\d+)$`, 'm').exec(chunk);
      if (!match) return;
      server.child.stdout!.off('data', onData);
      resolve(Number(match[1]));
    };
    server.child.stdout!.on('data', onData);
    server.child.stdin!.write(`offset ${offsetMs}\n`);
  });
}

/**
 * A client whose clock runs `clockOffsetMs` ahead, as the server's does. The SDK would set its
 * offset back from each response's Date header (the real time): that header is dropped first.
 */
function client(url: string, admin: NewAccessKey, clockOffsetMs: number): SSMClient {
  const ssm = new SSMClient({
    endpoint: url, region: 'us-east-1', maxAttempts: 1, systemClockOffset: clockOffsetMs, requestHandler: { requestTimeout: 15_000 },
    credentials: { accessKeyId: admin.accessKeyId, secretAccessKey: admin.secretAccessKey },
  });
  ssm.middlewareStack.add((next) => async (args) => {
    const result = await next(args);
    const headers = (result.response as { headers?: Record<string, string> } | undefined)?.headers;
    if (headers) delete headers.date;
    return result;
  }, { step: 'deserialize', name: 'benchKeepClockOffset', priority: 'low' });
  return ssm;
}

async function successCount(ssm: SSMClient, associationId: string): Promise<number> {
  const { AssociationDescription: a } = await ssm.send(new DescribeAssociationCommand({ AssociationId: associationId }));
  return a?.Overview?.AssociationStatusAggregatedCount?.Success ?? 0;
}

async function waitAllSuccess(ssm: SSMClient, ids: readonly string[], count: number, what: string): Promise<void> {
  const deadline = performance.now() + TIMEOUT_MS;
  for (;;) {
    const counts = await Promise.all(ids.map((id) => successCount(ssm, id)));
    if (counts.every((n) => n >= count)) return;
    if (performance.now() > deadline) throw new Error(`${what}: not every association Success on ${count} nodes after ${TIMEOUT_MS / 1000} s (${counts.join(', ')})`);
    await sleep(50);
  }
}

async function benchStore(store: 'sqlite' | 'postgres', options: { agents: number; associations: number; rounds: number; tagged: number }): Promise<StoreFigures | undefined> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-bench-assoc-'));
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
  const { agents: count } = options;
  try {
    const admin = await bootstrap(dataDir, schema?.url);
    const acts = await activations(dataDir, count, { databaseUrl: schema?.url, tags: [{ Key: 'Fleet', Value: 'bench' }] });
    const server = await startServerProcess(dataDir, 0, schema?.url, [], { BOSUN_BENCH_CLOCK: '1' });
    server.child.stdout!.setEncoding('utf8');
    const started = Date.now();
    const agents = await fleet(server.url, count, acts, 300_000);
    await until('all Online', () => agents.every((a) => a.onlineAt !== undefined), TIMEOUT_MS);
    console.log(`${store}: ${count} simulated agents Online in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    let ssm = client(server.url, admin, 0);
    try {
      // 1. Applied at create.
      const ticks0 = cpuTicks(server.pid);
      const t0 = performance.now();
      const ids: string[] = [];
      for (let i = 0; i < options.associations; i++) {
        const created = await ssm.send(new CreateAssociationCommand({
          Name: 'AWS-RunShellScript', AssociationName: `bench-${i}`, Parameters: { commands: [`echo bench ${i}`] },
          Targets: [{ Key: 'tag:Fleet', Values: ['bench'] }], ScheduleExpression: 'rate(30 minutes)', MaxConcurrency: '100%', MaxErrors: '100%',
        }));
        ids.push(created.AssociationDescription!.AssociationId!);
      }
      await waitAllSuccess(ssm, ids, count, 'apply at create');
      const applyMs = performance.now() - t0;
      const cpuMs = ((cpuTicks(server.pid) - ticks0) / 100) * 1000;
      const applications = options.associations * count;
      console.log(`${store} (1) ${options.associations} associations × ${count} nodes Success in ${(applyMs / 1000).toFixed(1)} s; server CPU ${(cpuMs / 1000).toFixed(1)} s = ${(cpuMs / applications).toFixed(3)} ms per application`);

      // 2. Lateness of scheduled runs.
      const lateness = new Samples();
      const latenessList: number[] = [];
      for (let round = 1; round <= options.rounds; round++) {
        const offset = round * RATE_MS + 1000;
        const dueAt = await moveClock(server, offset);
        if (process.env.BENCH_DEBUG) console.log(`round ${round}: clock moved, due at ${dueAt}`);
        ssm.destroy();
        ssm = client(server.url, admin, offset);
        // Dispatched: the Run Command command of the scheduled application exists (its Comment names the association).
        const pending = new Set(ids);
        const roundCommands: string[] = [];
        const deadline = performance.now() + TIMEOUT_MS;
        while (pending.size > 0) {
          const commands = (await ssm.send(new ListCommandsCommand({ MaxResults: 50 }))).Commands ?? [];
          for (const c of commands) {
            const id = /^association:([^:]+):/.exec(c.Comment ?? '')?.[1];
            const requested = c.RequestedDateTime?.getTime() ?? 0;
            // Commands made before the clock moved were requested at least one rate earlier.
            if (!id || !pending.has(id) || requested < dueAt - 1000) continue;
            pending.delete(id);
            roundCommands.push(c.CommandId!);
            const late = Math.max(0, requested - dueAt);
            lateness.add(late);
            latenessList.push(late);
          }
          if (pending.size === 0) break;
          if (performance.now() > deadline) throw new Error(`round ${round}: no scheduled command of ${[...pending].join(', ')}`);
          await sleep(25);
        }
        if (process.env.BENCH_DEBUG) console.log(`round ${round}: dispatched ${roundCommands.join(' ')}`);
        // The round's applications end before the next is due (a node with one pending gets no second).
        for (const commandId of roundCommands) {
          for (;;) {
            const [c] = (await ssm.send(new ListCommandsCommand({ CommandId: commandId }))).Commands ?? [];
            if (c?.Status === 'Success' && c.CompletedCount === count) break;
            if (process.env.BENCH_DEBUG) console.log(JSON.stringify({ status: c?.Status, completed: c?.CompletedCount, targets: c?.TargetCount }));
            if (c && !['Pending', 'InProgress'].includes(c.Status ?? '')) throw new Error(`round ${round}: command ${commandId} ended ${c.Status}`);
            if (performance.now() > deadline) throw new Error(`round ${round}: command ${commandId} not done`);
            await sleep(50);
          }
        }
        // …and their executions end (node states recorded), or the next round finds the nodes still pending.
        for (const id of ids) {
          for (;;) {
            const [newest] = (await ssm.send(new DescribeAssociationExecutionsCommand({ AssociationId: id, MaxResults: 1 }))).AssociationExecutions ?? [];
            if (newest && (newest.CreatedTime?.getTime() ?? 0) >= dueAt - 1000 && newest.Status === 'Success') break;
            if (performance.now() > deadline) throw new Error(`round ${round}: the execution of ${id} did not end Success`);
            await sleep(50);
          }
        }
      }
      const [p50, p99] = lateness.percentiles(50, 99);
      console.log(`${store} (2) scheduler lateness over ${lateness.count} scheduled executions: p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms — goal p99 < 1 s: ${p99 < 1000 ? 'met' : 'NOT met'}`);

      // 3. Nodes tagged at once.
      const web = await ssm.send(new CreateAssociationCommand({
        Name: 'AWS-RunShellScript', AssociationName: 'bench-web', Parameters: { commands: ['echo web'] },
        Targets: [{ Key: 'tag:Role', Values: ['web'] }], MaxConcurrency: '100%', MaxErrors: '100%',
      }));
      const webId = web.AssociationDescription!.AssociationId!;
      const tagged = agents.slice(0, options.tagged).map((a) => a.instanceId!);
      const t1 = performance.now();
      let next = 0;
      await Promise.all(Array.from({ length: 50 }, async () => {
        while (next < tagged.length) {
          const instanceId = tagged[next++];
          await ssm.send(new AddTagsToResourceCommand({ ResourceType: 'ManagedInstance', ResourceId: instanceId, Tags: [{ Key: 'Role', Value: 'web' }] }));
        }
      }));
      const tagCallsMs = performance.now() - t1;
      await waitAllSuccess(ssm, [webId], tagged.length, 'tagged nodes');
      const taggedMs = performance.now() - t1;
      console.log(`${store} (3) ${tagged.length} nodes tagged at once → the association Success on all in ${(taggedMs / 1000).toFixed(2)} s (the tag calls took ${(tagCallsMs / 1000).toFixed(2)} s) — goal < 5 s: ${taggedMs < 5000 ? 'met' : 'NOT met'}`);
      const rss = rssMiB(server.pid);
      return { store, agents: count, associations: options.associations, applyMs, serverCpuPerApplicationMs: cpuMs / applications, latenessMs: latenessList, taggedMs, tagCallsMs, rssMiB: rss };
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
  const { values } = parseArgs({
    args: argv,
    options: { agents: { type: 'string' }, associations: { type: 'string' }, rounds: { type: 'string' }, tagged: { type: 'string' }, store: { type: 'string' } },
  });
  const options = {
    agents: Number(values.agents ?? 10_000),
    associations: Number(values.associations ?? 5),
    rounds: Number(values.rounds ?? 3),
    tagged: Number(values.tagged ?? 1000),
  };
  for (const [name, n] of Object.entries(options)) if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} takes a positive integer`);
  if (options.tagged > options.agents) throw new Error('--tagged cannot be more than --agents');
  console.log(`associations: ${options.agents} agents, ${options.associations} associations, ${options.rounds} scheduled rounds, ${options.tagged} tagged; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const figures: StoreFigures[] = [];
  for (const store of (values.store ?? 'sqlite,postgres').split(',')) {
    if (store !== 'sqlite' && store !== 'postgres') throw new Error(`unknown store ${store}`);
    const f = await benchStore(store, options);
    if (f) figures.push(f);
  }
  const dir = path.join(path.dirname(new URL(import.meta.url).pathname), 'results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `associations-${Date.now()}.json`), JSON.stringify({ options, figures, loadavg: os.loadavg() }, null, 2));
}
