/**
 * `npm run bench -- inventory [--nodes 10000] [--apps 1000] [--rounds 2] [--change 1] [--queries 200] [--concurrency 4] [--store sqlite,postgres]`
 *
 * Inventory at fleet size (issue #14), on the store and the operation handlers in this
 * process (no HTTP: the figures are the store's): `--nodes` simulated nodes with `--apps`
 * applications each (names drawn from a pool five times larger, so that names are shared
 * across the fleet as real packages are).
 *
 * 1. Ingestion: every node puts its AWS:Application item through the PutInventory handler
 *    (validation, entry keys, one transaction); then `--rounds` rounds in which `--change` % of
 *    each node's applications change version and every node puts its item again (the agent
 *    sends a type whose content hash changed). Puts per second and entries per second.
 * 2. Store size per node: the SQLite files, or PostgreSQL's inventory tables with their indexes,
 *    divided by the nodes.
 * 3. GetInventory with a filter on AWS:Application.Name (Equal, one random name of the pool;
 *    ResultAttributes AWS:Application; 50 nodes a page): p50 / p99. Goal p99 < 200 ms.
 * 4. Point in time: a node's inventory at a random time of the rounds (`nodeStateAt`), and the
 *    fleet query "which nodes had application P below version V at time T": p50 / p99 each.
 *    Goal p99 < 200 ms.
 *
 * PostgreSQL comes from BOSUN_BENCH_DATABASE_URL or BOSUN_TEST_DATABASE_URL (a private schema
 * per run); without one that store is skipped, with the reason. Figures go to bench/results/.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import type { Scope } from '@bosun/protocol';
import { fixtures } from '../packages/server/src/testing/fixtures.ts';
import { fleetEntriesAt } from '../packages/server/src/inventory/history.ts';
import { nodeStateAt } from '../packages/server/src/inventory/inventory-store.ts';
import { inventoryOperations } from '../packages/server/src/inventory/operations.ts';
import { openStore, type Store } from '../packages/server/src/store/store.ts';
import { BenchUsageError, list, parseFlags, positiveNumber } from './lib/args.ts';
import { Samples } from './lib/stats.ts';
import { formatTable } from './lib/table.ts';

const SCOPE: Scope = { accountId: '123456789012', region: 'us-east-1' };
const USAGE = 'usage: npm run bench -- inventory [flags]';
const SPEC = {
  nodes: { kind: 'string', help: 'simulated nodes (default 10000)' },
  apps: { kind: 'string', help: 'applications per node (default 1000)' },
  rounds: { kind: 'string', help: 'rounds of changes after the first put (default 2)' },
  change: { kind: 'string', help: 'percent of each node\'s applications that change per round (default 1)' },
  queries: { kind: 'string', help: 'queries of each kind for the latencies (default 200)' },
  concurrency: { kind: 'string', help: 'puts in flight (default 1 on SQLite, 4 on PostgreSQL)' },
  store: { kind: 'string', help: 'sqlite,postgres (default both)' },
} as const;

interface Figures {
  store: string;
  nodes: number;
  apps: number;
  firstPutsPerSecond: number;
  firstEntriesPerSecond: number;
  roundPutsPerSecond: number[];
  bytesPerNode: number;
  getInventoryMs: [number, number];
  nodeAtMs: [number, number];
  fleetAtMs: [number, number];
}

/** A deterministic pseudo-random sequence (the same fleet on every run). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const captureTime = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const nodeId = (i: number) => `mi-${i.toString(16).padStart(17, '0')}`;

async function openBenchStore(kind: 'sqlite' | 'postgres'): Promise<{ store: Store; dataDir?: string; done(): Promise<void> } | undefined> {
  if (kind === 'sqlite') {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-bench-inventory-'));
    const store = await openStore({ dataDir });
    return { store, dataDir, async done() { await store.close(); fs.rmSync(dataDir, { recursive: true, force: true }); } };
  }
  const url = process.env.BOSUN_BENCH_DATABASE_URL ?? process.env.BOSUN_TEST_DATABASE_URL;
  if (!url) {
    console.log('postgres: skipped (set BOSUN_BENCH_DATABASE_URL or BOSUN_TEST_DATABASE_URL)');
    return undefined;
  }
  process.env.BOSUN_TEST_DATABASE_URL ??= url;
  const { createPostgresSchema } = await import('../packages/server/src/testing/stores.ts');
  const schema = await createPostgresSchema();
  const store = await openStore({ databaseUrl: schema.url });
  return { store, async done() { await store.close(); await schema.drop(); } };
}

function dirBytes(dir: string): number {
  return fs.readdirSync(dir).reduce((n, name) => {
    const stat = fs.statSync(path.join(dir, name));
    return n + (stat.isFile() ? stat.size : 0);
  }, 0);
}

async function inventoryBytes(store: Store, dataDir: string | undefined): Promise<number> {
  if (dataDir) {
    await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(store.db);
    return dirBytes(dataDir);
  }
  const row = await sql<{ bytes: string }>`SELECT sum(pg_total_relation_size(c.oid))::text AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind = 'r' AND c.relname LIKE 'inventory_%' AND n.nspname = current_schema()`.execute(store.db);
  return Number(row.rows[0]?.bytes ?? 0);
}

async function benchStore(kind: 'sqlite' | 'postgres', o: { nodes: number; apps: number; rounds: number; change: number; queries: number; concurrency?: number }): Promise<Figures | undefined> {
  const opened = await openBenchStore(kind);
  if (!opened) return undefined;
  const { store, dataDir } = opened;
  try {
    const db = store.db;
    const ops = new Map(inventoryOperations({ db }).map((op) => [op.name, op]));
    const put = ops.get('PutInventory')!;
    const get = ops.get('GetInventory')!;
    const rand = random(14);
    const pool = Array.from({ length: o.apps * 5 }, (_, i) => `pkg-${i.toString(36).padStart(4, '0')}`);
    // Each node's applications: indexes into the pool, and their current versions (typed arrays: 10,000 nodes fit in memory).
    const fleet: { names: Int32Array; versions: Uint16Array }[] = [];
    for (let n = 0; n < o.nodes; n++) {
      const picked = new Set<number>();
      while (picked.size < o.apps) picked.add(Math.floor(rand() * pool.length));
      fleet.push({ names: Int32Array.from(picked), versions: new Uint16Array(o.apps).fill(1) });
    }
    for (let i = 0; i < o.nodes; i += 500) {
      await db.insertInto('managed_instances').values(Array.from({ length: Math.min(500, o.nodes - i) }, (_, k) => ({
        instance_id: nodeId(i + k + 1), account_id: SCOPE.accountId, region: SCOPE.region, activation_id: 'act-bench', iam_role: 'BosunNodeRole', name: null,
        public_key: 'bench', registered_at: 1, deregistered_at: null, last_ping_at: null, agent_version: null, platform_name: null, platform_type: null,
        platform_version: null, computer_name: null, ip_address: null, clock_offset_ms: null, refused_reason: null, refused_at: null, refused_skew_ms: null, tags: '[]',
      }))).execute();
    }
    const baseBytes = await inventoryBytes(store, dataDir);
    const concurrency = o.concurrency ?? (kind === 'sqlite' ? 1 : 4);
    let clock = Date.UTC(2026, 0, 1);
    const roundTimes: number[] = [];
    /** Every node puts its item once; answers the seconds it took. */
    const putAll = async (): Promise<number> => {
      const now = (clock += 3_600_000);
      roundTimes.push(now);
      const started = performance.now();
      let next = 0;
      const worker = async () => {
        for (;;) {
          const n = next++;
          if (n >= o.nodes) return;
          const { names, versions } = fleet[n];
          const Content = Array.from(names, (p, i) => ({ Name: pool[p], Version: `1.${versions[i]}.0`, Architecture: 'amd64', Publisher: 'Bench Maintainers <bench@example.org>', ApplicationType: 'utils' }));
          await put.handle(fixtures.callContext(SCOPE, { now }), { InstanceId: nodeId(n + 1), Items: [{ TypeName: 'AWS:Application', SchemaVersion: '1.1', CaptureTime: captureTime(now), ContentHash: `${n}-${now}`, Content }] });
          if ((n + 1) % 1000 === 0) process.stdout.write(`  ${kind}: ${n + 1}/${o.nodes} puts\r`);
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      return (performance.now() - started) / 1000;
    };
    const first = await putAll();
    console.log(`${kind}: first put of ${o.nodes} nodes × ${o.apps} applications in ${first.toFixed(1)} s`);
    const rounds: number[] = [];
    const changes = Math.max(1, Math.round((o.apps * o.change) / 100));
    for (let r = 0; r < o.rounds; r++) {
      for (const { versions } of fleet) {
        for (let c = 0; c < changes; c++) versions[Math.floor(rand() * versions.length)] += 1;
      }
      const seconds = await putAll();
      rounds.push(o.nodes / seconds);
      console.log(`${kind}: round ${r + 1} (${changes} changed applications per node) in ${seconds.toFixed(1)} s`);
    }
    const bytesPerNode = (await inventoryBytes(store, dataDir) - baseBytes) / o.nodes;

    const getSamples = new Samples();
    const atSamples = new Samples();
    const fleetSamples = new Samples();
    const ctx = fixtures.callContext(SCOPE, { now: clock });
    for (let q = 0; q < o.queries; q++) {
      const name = pool[Math.floor(rand() * pool.length)];
      let t = performance.now();
      await get.handle(ctx, { Filters: [{ Key: 'AWS:Application.Name', Values: [name], Type: 'Equal' }], ResultAttributes: [{ TypeName: 'AWS:Application' }], MaxResults: 50 });
      getSamples.add(performance.now() - t);
      const at = roundTimes[Math.floor(rand() * roundTimes.length)] + 1;
      t = performance.now();
      await nodeStateAt(db, SCOPE, nodeId(1 + Math.floor(rand() * o.nodes)), at);
      atSamples.add(performance.now() - t);
      t = performance.now();
      await fleetEntriesAt(db, SCOPE, { typeName: 'AWS:Application', name, at, below: '1.2.0' });
      fleetSamples.add(performance.now() - t);
    }
    const p = (s: Samples) => s.percentiles(50, 99) as [number, number];
    return {
      store: kind, nodes: o.nodes, apps: o.apps, firstPutsPerSecond: o.nodes / first, firstEntriesPerSecond: (o.nodes * o.apps) / first, roundPutsPerSecond: rounds,
      bytesPerNode, getInventoryMs: p(getSamples), nodeAtMs: p(atSamples), fleetAtMs: p(fleetSamples),
    };
  } finally {
    await opened.done();
  }
}

export async function run(argv: string[]): Promise<void> {
  const flags = parseFlags(argv, SPEC, USAGE);
  const num = (name: string, fallback: number) => (flags.has(name) ? positiveNumber(name, flags.get(name) as string) : fallback);
  const stores = list((flags.get('store') as string | undefined) ?? 'sqlite,postgres');
  for (const s of stores) if (s !== 'sqlite' && s !== 'postgres') throw new BenchUsageError(`--store takes sqlite and postgres, not '${s}'`);
  const options = {
    nodes: num('nodes', 10_000), apps: num('apps', 1000), rounds: num('rounds', 2), change: num('change', 1), queries: num('queries', 200),
    concurrency: flags.has('concurrency') ? num('concurrency', 1) : undefined,
  };
  const figures: Figures[] = [];
  for (const s of stores as ('sqlite' | 'postgres')[]) {
    const f = await benchStore(s, options);
    if (f) figures.push(f);
  }
  const ms = (v: [number, number]) => `${v[0].toFixed(1)} / ${v[1].toFixed(1)}`;
  console.log(`\nInventory: ${options.nodes} nodes × ${options.apps} applications, ${options.rounds} rounds of ${options.change}% changes (goals: p99 < 200 ms)`);
  console.log(formatTable(
    ['store', 'first puts/s', 'entries/s', 'round puts/s', 'KiB/node', 'GetInventory p50/p99 ms', 'node at T p50/p99 ms', 'fleet at T p50/p99 ms'],
    figures.map((f) => [
      f.store, f.firstPutsPerSecond.toFixed(0), f.firstEntriesPerSecond.toFixed(0), f.roundPutsPerSecond.map((r) => r.toFixed(0)).join(', '), (f.bytesPerNode / 1024).toFixed(0),
      ms(f.getInventoryMs), ms(f.nodeAtMs), ms(f.fleetAtMs),
    ]),
  ));
  const dir = path.join(path.dirname(new URL(import.meta.url).pathname), 'results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `inventory-${Date.now()}.json`), JSON.stringify({ options, figures, loadavg: os.loadavg() }, null, 2));
}
