/**
 * api: signed GetServiceSetting calls per second, and p50/p99 latency, over loopback.
 *
 *   npm run bench -- api [--duration 10] [--warmup 2] [--clients 1,16,64] [--store sqlite,postgres] [--profile] [--keep]
 *
 * For each store a fresh `bosun server` runs in its own child process (real binary, fresh data
 * directory or PostgreSQL schema, root key and admin user made with `bosun admin`). This process
 * is the load generator: keep-alive HTTP (one socket per client) and a SigV4 signature computed
 * for every request. Audit is always on: after each store, the audit trail must hold at least one
 * event per call made, and its hash chain must verify.
 */
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { chainKey, openStore, readRootKeyFile, verifyAuditChain } from '@bosun/server';
import { BenchUsageError, list, parseFlags, positiveNumber } from './lib/args.ts';
import { bootstrap, repoRoot, startServer, type AccessKey, type ServerProcess, type StoreFlag } from './lib/bosun-process.ts';
import { formatProfileSummary, summariseProfile } from './lib/cpuprofile.ts';
import { JsonSigner } from './lib/sigv4-signer.ts';
import { Samples } from './lib/stats.ts';
import { formatTable } from './lib/table.ts';

const REGION = 'us-east-1';
const TARGET = 'AmazonSSM.GetServiceSetting';
const SETTING_ID = '/ssm/parameter-store/high-throughput-enabled';
const BODY = JSON.stringify({ SettingId: SETTING_ID });
const DEFAULT_PG_URL = 'postgres://root@127.0.0.1:5432/test';
const STORES = ['sqlite', 'postgres'] as const;
type StoreName = (typeof STORES)[number];

const GOAL = { store: 'sqlite', clients: 16, callsPerSec: 5000, p99Ms: 20 } as const;

const USAGE = 'usage: npm run bench -- api [flags]';
const FLAGS = {
  duration: { kind: 'string', help: 'seconds measured per (store, clients) cell (default 10)' },
  warmup: { kind: 'string', help: 'seconds of warm-up before each cell (default 2)' },
  clients: { kind: 'string', help: 'concurrent clients, comma-separated (default 1,16,64)' },
  store: { kind: 'string', help: 'stores, comma-separated: sqlite,postgres (default both)' },
  profile: { kind: 'boolean', help: 'run the server with node --cpu-prof and summarise the profile' },
  keep: { kind: 'boolean', help: 'keep the data directory / PostgreSQL schema afterwards' },
  'server-node-args': { kind: 'string', help: "extra node flags for the server, space-separated (e.g. '--prof')" },
} as const;

interface CellResult {
  store: StoreName;
  clients: number;
  durationSec: number;
  calls: number;
  callsPerSec: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
  serverRssBytes: number;
  /** CPU used while measuring, in % of one core: the server process, its main thread, this load generator. */
  serverCpuPct: number;
  serverMainThreadCpuPct: number;
  clientCpuPct: number;
}

interface AuditCheck {
  store: StoreName;
  callsMade: number;
  auditEvents: number;
  enough: boolean;
  chainVerified: boolean;
  chainMessage?: string;
}

interface Options {
  durationSec: number;
  warmupSec: number;
  clientCounts: number[];
  stores: StoreName[];
  profile: boolean;
  keep: boolean;
  serverNodeArgs: string[];
}

function parseOptions(argv: string[]): Options {
  const flags = parseFlags(argv, FLAGS, USAGE);
  const str = (name: string): string | undefined => {
    const v = flags.get(name);
    return typeof v === 'string' ? v : undefined;
  };
  const warmupSec = Number(str('warmup') ?? '2');
  if (!Number.isFinite(warmupSec) || warmupSec < 0) throw new BenchUsageError(`--warmup must be a number of seconds ≥ 0 (got '${str('warmup')}')`);
  return {
    durationSec: positiveNumber('duration', str('duration') ?? '10'),
    warmupSec,
    clientCounts: list(str('clients') ?? '1,16,64').map((c) => {
      const n = Number(c);
      if (!Number.isInteger(n) || n < 1) throw new BenchUsageError(`--clients must list whole numbers ≥ 1 (got '${c}')`);
      return n;
    }),
    stores: list(str('store') ?? STORES.join(',')).map((s) => {
      if (!(STORES as readonly string[]).includes(s)) throw new BenchUsageError(`--store must list ${STORES.join(', ')} (got '${s}')`);
      return s as StoreName;
    }),
    profile: flags.has('profile'),
    keep: flags.has('keep'),
    serverNodeArgs: (str('server-node-args') ?? '').split(/\s+/).filter((a) => a !== ''),
  };
}

export async function run(argv: string[]): Promise<void> {
  let options: Options;
  try {
    options = parseOptions(argv);
  } catch (error) {
    if (error instanceof BenchUsageError) {
      process.stderr.write(`bench api: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw error;
  }
  const { durationSec, warmupSec, clientCounts, stores, profile, serverNodeArgs } = options;
  const loadAtStart = os.loadavg()[0];

  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  const resultsDir = path.join(repoRoot, 'bench/results');
  fs.mkdirSync(resultsDir, { recursive: true });

  process.stdout.write(
    `bench api: signed ${TARGET} over loopback, audit on; ${durationSec} s measured after ${warmupSec} s warm-up per cell; ` +
      `clients ${clientCounts.join(', ')}; stores ${stores.join(', ')}\n` +
      `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}, load average ${loadAtStart.toFixed(2)} ` +
      `(server and load generator share the machine: other work on it skews the figures)\n`,
  );
  await checkSignerAgainstSmithy();
  process.stdout.write('signer: matches @smithy/signature-v4 (the AWS SDK signer)\n');

  const results: CellResult[] = [];
  const audits: AuditCheck[] = [];
  const skipped: { store: StoreName; reason: string }[] = [];
  const profiles: string[] = [];
  for (const storeName of stores) {
    const outcome = await benchStore(storeName, options, path.join(resultsDir, `profile-${stamp}-${storeName}`));
    if ('skip' in outcome) {
      skipped.push({ store: storeName, reason: outcome.skip });
      continue;
    }
    results.push(...outcome.results);
    audits.push(outcome.audit);
    profiles.push(...outcome.profiles);
    if (!outcome.audit.enough || !outcome.audit.chainVerified) process.exitCode = 1;
  }

  process.stdout.write(`\n${results.length > 0 ? formatResults(results) : 'no results\n'}`);
  for (const a of audits) {
    process.stdout.write(`audit ${a.store}: ${a.auditEvents} events ≥ ${a.callsMade} calls made: ${a.enough ? 'yes' : 'NO'}; hash chain ${a.chainVerified ? 'verified' : `BROKEN: ${a.chainMessage}`}\n`);
  }
  for (const s of skipped) process.stdout.write(`${s.store}: skipped (${s.reason})\n`);
  const goalCell = results.find((r) => r.store === GOAL.store && r.clients === GOAL.clients);
  const goal = goalCell && {
    ...GOAL,
    callsPerSecMeasured: goalCell.callsPerSec,
    p99MsMeasured: goalCell.p99Ms,
    met: goalCell.callsPerSec >= GOAL.callsPerSec && goalCell.p99Ms < GOAL.p99Ms && goalCell.errors === 0,
  };
  if (goal) {
    process.stdout.write(
      `goal (${GOAL.store}, ${GOAL.clients} clients: ≥ ${GOAL.callsPerSec} calls/s, p99 < ${GOAL.p99Ms} ms): ` +
        `${goal.callsPerSecMeasured.toFixed(0)} calls/s, p99 ${goal.p99MsMeasured.toFixed(2)} ms — ${goal.met ? 'MET' : 'MISSED'}\n`,
    );
  }

  const file = path.join(resultsDir, `api-${stamp}.json`);
  const report = {
    benchmark: 'api',
    startedAt: startedAt.toISOString(),
    command: `npm run bench -- api ${argv.join(' ')}`.trim(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, totalMemBytes: os.totalmem(), node: process.version, platform: `${os.platform()} ${os.release()}`, loadAverageAtStart: loadAtStart },
    options: { durationSec, warmupSec, clients: clientCounts, stores, profile, serverNodeArgs, operation: TARGET, body: BODY },
    results,
    audit: audits,
    skipped,
    goal,
    profiles,
  };
  fs.writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
  process.stdout.write(`results written to ${path.relative(process.cwd(), file)}\n`);
}

/** One store: a fresh server, the cells one after the other, then the audit trail checked. */
async function benchStore(
  storeName: StoreName,
  options: Options,
  profileDir: string,
): Promise<{ skip: string } | { results: CellResult[]; audit: AuditCheck; profiles: string[] }> {
  const target = await prepareStore(storeName, options.keep);
  if ('skip' in target) {
    process.stdout.write(`\n[${storeName}] skipped: ${target.skip}\n`);
    return target;
  }
  try {
    process.stdout.write(`\n[${storeName}] ${target.describe}\n`);
    const key = await bootstrap(target.flag, target.rootKeyFile, 'bench');
    const nodeArgs = [...options.serverNodeArgs, ...(options.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])];
    const server = await startServer(target.flag, target.rootKeyFile, nodeArgs);
    const results: CellResult[] = [];
    let callsMade = 0;
    let auditEvents: number;
    try {
      process.stdout.write(`[${storeName}] bosun server pid ${server.pid} at ${server.url}\n`);
      const signer = new JsonSigner(key, REGION, 'ssm');
      const expectedBody = await preflight(server, signer, key);
      callsMade += 2;
      for (const clients of options.clientCounts) {
        const cell = await runCell(server, signer, expectedBody, clients, options.warmupSec * 1000, options.durationSec * 1000);
        callsMade += cell.callsMade;
        const r: CellResult = { store: storeName, ...cell.result, serverRssBytes: server.rss() };
        results.push(r);
        process.stdout.write(
          `[${storeName}] ${String(clients).padStart(3)} clients: ${r.callsPerSec.toFixed(0)} calls/s, p50 ${r.p50Ms.toFixed(2)} ms, ` +
            `p99 ${r.p99Ms.toFixed(2)} ms, errors ${r.errors}, server RSS ${mb(r.serverRssBytes)} MB, server CPU ${r.serverCpuPct.toFixed(0)}% ` +
            `(main thread ${r.serverMainThreadCpuPct.toFixed(0)}%), bench CPU ${r.clientCpuPct.toFixed(0)}%\n` +
            cell.firstErrors.map((e) => `  error: ${e}\n`).join(''),
        );
      }
      // Counted while the server still runs: every call answered must already have its event committed.
      auditEvents = await countAuditEvents(target.flag);
    } finally {
      await server.stop();
    }
    const chain = await verifyChain(target.flag, target.rootKeyFile);
    const audit: AuditCheck = { store: storeName, callsMade, auditEvents, enough: auditEvents >= callsMade, chainVerified: chain.ok, chainMessage: chain.message };
    process.stdout.write(
      `[${storeName}] audit: ${auditEvents} events for ${callsMade} calls made — ${audit.enough ? 'OK' : 'MISSING EVENTS'}; ` +
        `hash chain ${chain.ok ? 'verified' : `BROKEN: ${chain.message}`}\n`,
    );
    const profiles: string[] = [];
    if (options.profile) {
      // One file per thread: the main (JavaScript) thread's is the largest; tsx's loader thread idles once started.
      const files = fs.readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(profileDir, f));
      files.sort((a, b) => fs.statSync(b).size - fs.statSync(a).size);
      profiles.push(...files.map((f) => path.relative(repoRoot, f)));
      if (files.length > 0) {
        process.stdout.write(`\n[${storeName}] server CPU profile (main thread) ${profiles[0]}\n${formatProfileSummary(summariseProfile(files[0], 20))}`);
      }
    }
    return { results, audit, profiles };
  } finally {
    await target.cleanup();
  }
}

// ---------------------------------------------------------------------------------------------
// Stores

type PreparedStore =
  | { skip: string }
  | { flag: StoreFlag; rootKeyFile: string; describe: string; cleanup(): Promise<void> };

async function prepareStore(name: StoreName, keep: boolean): Promise<PreparedStore> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bosun-bench-${name}-`));
  const rootKeyFile = path.join(dir, 'root.key');
  const removeDir = async () => {
    if (!keep) fs.rmSync(dir, { recursive: true, force: true });
  };
  if (name === 'sqlite') {
    const dataDir = path.join(dir, 'data');
    return { flag: { dataDir }, rootKeyFile, describe: `SQLite in ${dataDir}${keep ? ' (kept)' : ''}`, cleanup: removeDir };
  }
  const url = process.env.BOSUN_BENCH_DATABASE_URL ?? process.env.BOSUN_TEST_DATABASE_URL ?? DEFAULT_PG_URL;
  const unreachable = await pgUnreachable(url);
  if (unreachable) {
    await removeDir();
    return { skip: `PostgreSQL at ${redact(url)} is unreachable (${unreachable}); set BOSUN_BENCH_DATABASE_URL` };
  }
  // testing/stores.ts reads BOSUN_TEST_DATABASE_URL when it loads: point it at the bench's server first.
  process.env.BOSUN_TEST_DATABASE_URL = url;
  const { createPostgresSchema } = await import('../packages/server/src/testing/stores.ts');
  const schema = await createPostgresSchema();
  const schemaName = new URL(schema.url).searchParams.get('options')?.replace(/^.*search_path=/, '');
  return {
    flag: { databaseUrl: schema.url },
    rootKeyFile,
    describe: `PostgreSQL ${redact(url)}, private schema ${schemaName}${keep ? ' (kept)' : ''}`,
    async cleanup() {
      if (!keep) await schema.drop();
      await removeDir();
    },
  };
}

async function pgUnreachable(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return (error as Error).message || String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

function storeOptions(flag: StoreFlag): { dataDir?: string; databaseUrl?: string; migrate: false } {
  return { ...flag, migrate: false };
}

async function countAuditEvents(flag: StoreFlag): Promise<number> {
  const store = await openStore(storeOptions(flag));
  try {
    const row = await store.db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  } finally {
    await store.close();
  }
}

async function verifyChain(flag: StoreFlag, rootKeyFile: string): Promise<{ ok: boolean; message?: string }> {
  const store = await openStore(storeOptions(flag));
  try {
    const result = await verifyAuditChain(store.db, chainKey(readRootKeyFile(rootKeyFile)), { pageSize: 5000 });
    return { ok: result.ok, message: result.problem?.message };
  } finally {
    await store.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Checks before measuring

/** The bench's signer and the AWS SDK's must agree on a request, byte for byte. */
async function checkSignerAgainstSmithy(): Promise<void> {
  const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
  const at = Date.UTC(2026, 10, 26, 6, 15, 0);
  const mine = new JsonSigner(credentials, REGION, 'ssm').sign({ host: '127.0.0.1:4747', target: TARGET, body: BODY, at });
  const smithy = new SignatureV4({ credentials, region: REGION, service: 'ssm', sha256: Hash.bind(null, 'sha256'), applyChecksum: false });
  const { authorization, ...headers } = mine;
  delete (headers as Partial<typeof headers>)['x-amz-date']; // smithy adds its own from signingDate
  const signed = await smithy.sign(
    { method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port: 4747, path: '/', query: {}, headers, body: BODY },
    { signingDate: new Date(at) },
  );
  if (signed.headers.authorization !== authorization) {
    throw new Error(`the bench signer disagrees with @smithy/signature-v4:\n  bench:  ${authorization}\n  smithy: ${signed.headers.authorization}`);
  }
}

/**
 * One signed call must answer 200 with the setting's JSON; one call whose signature is wrong must
 * be refused (so the server really checks what the bench signs). Returns the expected body.
 */
async function preflight(server: ServerProcess, signer: JsonSigner, key: AccessKey): Promise<string> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const ok = await call(server, agent, signer.sign({ host: server.host, target: TARGET, body: BODY }));
    if (ok.status !== 200) throw new Error(`a signed ${TARGET} was answered ${ok.status}: ${ok.body}`);
    const answer = JSON.parse(ok.body) as { ServiceSetting?: Record<string, unknown> };
    const s = answer.ServiceSetting ?? {};
    const expected = {
      SettingId: SETTING_ID,
      ARN: `arn:aws:ssm:${REGION}:${key.accountId}:servicesetting${SETTING_ID}`,
      SettingValue: 'false',
      LastModifiedUser: 'System',
      Status: 'Default',
    };
    const wrong = Object.entries(expected).filter(([k, v]) => s[k] !== v);
    const date = s.LastModifiedDate;
    if (wrong.length > 0 || typeof date !== 'number' || Math.abs(date * 1000 - Date.now()) > 3_600_000 || Object.keys(answer).length !== 1) {
      throw new Error(`unexpected answer to ${TARGET}: ${ok.body} (expected ${JSON.stringify({ ServiceSetting: { ...expected, LastModifiedDate: '<epoch seconds>' } })})`);
    }

    const headers = signer.sign({ host: server.host, target: TARGET, body: BODY });
    const sig = /Signature=([0-9a-f]{64})$/.exec(headers.authorization)![1];
    const flipped = (sig[0] === '0' ? '1' : '0') + sig.slice(1);
    const bad = await call(server, agent, { ...headers, authorization: headers.authorization.replace(sig, flipped) });
    if (bad.status === 200 || !bad.body.includes('InvalidSignatureException')) {
      throw new Error(`a call with a wrong signature was answered ${bad.status}: ${bad.body}`);
    }
    process.stdout.write(`preflight: signed call answered 200 with the expected setting; a wrong signature answered ${bad.status} InvalidSignatureException\n`);
    return ok.body;
  } finally {
    agent.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// Load

interface Answer {
  status: number;
  body: string;
}

function call(server: ServerProcess, agent: http.Agent, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(server.url, { method: 'POST', agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(BODY);
  });
}

async function runCell(
  server: ServerProcess,
  signer: JsonSigner,
  expectedBody: string,
  clients: number,
  warmupMs: number,
  durationMs: number,
): Promise<{ result: Omit<CellResult, 'store' | 'serverRssBytes'>; callsMade: number; firstErrors: string[] }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients, maxFreeSockets: clients });
  const samples = new Samples();
  const firstErrors: string[] = [];
  let phase: 'warmup' | 'measure' | 'stop' = 'warmup';
  let measureStart = Number.POSITIVE_INFINITY;
  let measureEnd = Number.POSITIVE_INFINITY;
  let callsMade = 0;
  let errors = 0;
  let cpuAtStart = process.cpuUsage();

  const worker = async () => {
    while (phase !== 'stop') {
      const start = performance.now();
      let failure: string | undefined;
      try {
        const answer = await call(server, agent, signer.sign({ host: server.host, target: TARGET, body: BODY }));
        if (answer.status !== 200) failure = `HTTP ${answer.status}: ${answer.body.slice(0, 300)}`;
        else if (answer.body !== expectedBody) failure = `unexpected body: ${answer.body.slice(0, 300)}`;
      } catch (error) {
        failure = `request failed: ${(error as Error).message}`;
      }
      const end = performance.now();
      callsMade += 1;
      if (end >= measureStart && end <= measureEnd) {
        if (failure === undefined) samples.add(end - start);
        else errors += 1;
      }
      if (failure !== undefined && firstErrors.length < 5) firstErrors.push(failure);
    }
  };
  const workers = Array.from({ length: clients }, worker);
  await sleep(warmupMs);
  phase = 'measure';
  measureStart = performance.now();
  measureEnd = measureStart + durationMs;
  cpuAtStart = process.cpuUsage();
  const serverCpuAtStart = server.cpuMs();
  await sleep(durationMs);
  const cpu = process.cpuUsage(cpuAtStart);
  const serverCpu = server.cpuMs();
  phase = 'stop';
  await Promise.all(workers);
  agent.destroy();

  const seconds = durationMs / 1000;
  const [p50, p90, p99, max] = samples.percentiles(50, 90, 99, 100);
  return {
    result: {
      clients,
      durationSec: seconds,
      calls: samples.count,
      callsPerSec: samples.count / seconds,
      p50Ms: p50,
      p90Ms: p90,
      p99Ms: p99,
      maxMs: max,
      errors,
      serverCpuPct: (100 * (serverCpu.process - serverCpuAtStart.process)) / durationMs,
      serverMainThreadCpuPct: (100 * (serverCpu.mainThread - serverCpuAtStart.mainThread)) / durationMs,
      clientCpuPct: (100 * (cpu.user + cpu.system)) / 1000 / durationMs,
    },
    callsMade,
    firstErrors,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------------------------------------
// Output

function mb(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(0);
}

function formatResults(results: readonly CellResult[]): string {
  const header = ['store', 'clients', 'calls/s', 'p50 ms', 'p99 ms', 'errors', 'server RSS MB', 'server CPU % (main thread)', 'bench CPU %'];
  const rows = results.map((r) => [
    r.store,
    String(r.clients),
    r.callsPerSec.toFixed(0),
    r.p50Ms.toFixed(2),
    r.p99Ms.toFixed(2),
    String(r.errors),
    mb(r.serverRssBytes),
    `${r.serverCpuPct.toFixed(0)} (${r.serverMainThreadCpuPct.toFixed(0)})`,
    r.clientCpuPct.toFixed(0),
  ]);
  return formatTable(header, rows);
}
