/**
 * params: Parameter Store read throughput over loopback with SigV4, audit on.
 *
 *   npm run bench -- params [--duration 10] [--warmup 2] [--clients 64] [--store sqlite,postgres] [--only NAME] [--no-ceiling] [--profile] [--server-node-args '...']
 *
 * Scenarios: GetParameter of a String; GetParameter of a SecureString WithDecryption (KMS
 * envelope, key under alias/aws/ssm); GetParametersByPath over a path of 100 parameters, walked
 * whole: each client follows NextToken through the 10 pages of 10 (AWS's maximum page), and
 * "walks/s" counts the complete 100-result walks.
 *
 * First, unless --only or --no-ceiling: this machine's ceiling, the same load generator against a
 * bare node:http server that answers every request with a fixed 200 and does no other work. No
 * server doing real work can pass it; the verdict lines set the goals beside it.
 *
 * The server runs in a child process (bench/params-server.ts) on a fresh store; this process
 * is the load generator with one keep-alive socket per client (raw HTTP/1.1, see RawConnection). Every request carries a valid
 * SigV4 signature; a signature is reused for identical requests within the same second (as a
 * client retrying the same call would produce), so that the load generator's CPU goes to
 * sending, not hashing. Every answer must be 200 with the expected value, or it is an error.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import pg from 'pg';
import { formatProfileSummary, summariseProfile } from './lib/cpuprofile.ts';

const REGION = 'us-east-1';
const HERE = path.dirname(fileURLToPath(import.meta.url));
const DEFAULT_PG_URL = 'postgres://root@127.0.0.1:5432/test';
const GOALS = { GetParameter: 10_000, 'GetParameter SecureString': 5_000 };

interface Server {
  url: string; accessKeyId: string; secretAccessKey: string; accountId: string; child: ChildProcess; cleanup(): Promise<void>;
  /** Where the server writes the profile of a window (--profile), and the SIGUSR2 that starts or ends one, resolved on the server's answer. */
  profileFile?: string; signal(answer: 'profiling' | 'profiled'): Promise<void>;
}
interface Result {
  store: string; scenario: string; clients: number; calls: number; callsPerSec: number; p50Ms: number; p99Ms: number; errors: number;
  /** Server CPU (whole process, and its main thread) per answered call over the measured window, µs. */
  serverCpuUsPerCall: number; serverMainThreadCpuUsPerCall: number; benchCpuPct: number;
  /** PostgreSQL: CPU of all the machine's postgres processes per answered call (its server shares the cores). */
  postgresCpuUsPerCall?: number;
  /** Walk scenarios: complete walks per second. */
  walksPerSec?: number;
}

export async function run(argv: string[]): Promise<void> {
  const flags = parseArgs(argv);
  const results: Result[] = [];
  const ceiling = flags.ceiling ? await measureCeiling(flags) : undefined;
  for (const store of flags.stores) {
    let server: Server;
    try {
      server = await startServerProcess(store, flags.serverNodeArgs, flags.profileDir ? path.join(flags.profileDir, `${store}.cpuprofile`) : undefined);
    } catch (error) {
      process.stdout.write(`${store}: skipped (${(error as Error).message})\n`);
      continue;
    }
    try {
      const client = new Client(server, flags.clients);
      await seed(client);
      for (const scenario of scenarios().filter((sc) => !flags.only || sc.name.includes(flags.only))) {
        const check = await client.call(scenario.target, scenario.body);
        if (check.status !== 200 || !scenario.ok(check.text)) throw new Error(`${scenario.name}: unexpected answer ${check.status} ${check.text.slice(0, 200)}`);
        const result = await measureWindow(server, client, scenario, store, flags);
        results.push(result);
        let profileSummary = '';
        if (server.profileFile) {
          const kept = server.profileFile.replace(/\.cpuprofile$/, `-${scenario.name.replace(/\W+/g, '-')}.cpuprofile`);
          fs.renameSync(server.profileFile, kept);
          profileSummary = `  main-thread profile of the measured window (${path.relative(process.cwd(), kept)}):\n${indent(formatProfileSummary(summariseProfile(kept, 18)))}\n`;
        }
        process.stdout.write(`${formatResult(result)}\n${profileSummary}`);
      }
      client.destroy();
    } finally {
      await server.cleanup();
    }
  }
  process.stdout.write(`\nGoals (issue #3, 64 clients): GetParameter ≥ ${GOALS.GetParameter}/s, SecureString with decryption ≥ ${GOALS['GetParameter SecureString']}/s, p99 < 20 ms. Load average: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; cores: ${os.cpus().length}.\n`);
  if (ceiling) {
    const goalBeyondCeiling = ceiling.callsPerSec < GOALS.GetParameter || ceiling.p99Ms >= 20;
    process.stdout.write(`  this machine's ceiling now: ${ceiling.callsPerSec.toFixed(0)}/s, p99 ${ceiling.p99Ms.toFixed(1)} ms with no work done${goalBeyondCeiling ? ': the GetParameter goal is beyond it, so no server can meet it here now' : ''}\n`);
  }
  for (const store of flags.stores) {
    const verdicts = [['GetParameter String', GOALS.GetParameter], ['GetParameter SecureString decrypted', GOALS['GetParameter SecureString']]].flatMap(([name, goal]) => {
      const r = results.find((x) => x.store === store && x.scenario === name);
      if (!r) return [];
      const met = r.callsPerSec >= Number(goal) && r.p99Ms < 20;
      return [`${name} ${met ? 'met' : 'missed'} (${r.callsPerSec.toFixed(0)}/s, p99 ${r.p99Ms.toFixed(1)} ms)`];
    });
    if (verdicts.length > 0) process.stdout.write(`  ${store}: ${verdicts.join('; ')}\n`);
  }
  const dir = path.join(HERE, 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `params-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), loadavg: os.loadavg(), ceiling, results }, null, 2));
  process.stdout.write(`Results: ${path.relative(process.cwd(), file)}\n`);
}

/**
 * The same load generator, clients and signed requests against a bare node:http server
 * (bench/params-server.ts, kind `ceiling`): the most this machine gives any server right now.
 */
async function measureCeiling(flags: ReturnType<typeof parseArgs>): Promise<Result> {
  const server = await startServerProcess('ceiling', flags.serverNodeArgs);
  try {
    const client = new Client(server, flags.clients);
    const scenario: Scenario = { name: 'machine ceiling (bare node:http)', target: 'AmazonSSM.GetParameter', body: JSON.stringify({ Name: '/bench/plain' }), ok: (t) => t === '{}' };
    const result = await measureWindow(server, client, scenario, 'none', flags);
    client.destroy();
    process.stdout.write(`${formatResult(result)}\n`);
    return result;
  } finally {
    await server.cleanup();
  }
}

/**
 * A warm-up, then the measured window of one scenario, with the server's CPU (process and main
 * thread), PostgreSQL's when it is the store, and this load generator's own; the server's
 * profile covers the window alone when it keeps one.
 */
async function measureWindow(server: Server, client: Client, scenario: Scenario, store: string, flags: ReturnType<typeof parseArgs>): Promise<Result> {
  await measure(client, scenario, flags.clients, flags.warmupSec);
  if (server.profileFile) await server.signal('profiling');
  const cpuBefore = serverCpuMs(server.child.pid!);
  const pgCpuBefore = store === 'postgres' ? postgresCpuMs() : 0;
  const benchCpuBefore = process.cpuUsage();
  const r = await measure(client, scenario, flags.clients, flags.durationSec);
  const benchCpu = process.cpuUsage(benchCpuBefore);
  const cpuAfter = serverCpuMs(server.child.pid!);
  const pgCpuAfter = store === 'postgres' ? postgresCpuMs() : 0;
  if (server.profileFile) await server.signal('profiled');
  const perCall = (ms: number) => (r.calls > 0 ? (ms * 1000) / r.calls : NaN);
  return {
    store, scenario: scenario.name, clients: flags.clients, ...r,
    serverCpuUsPerCall: perCall(cpuAfter.process - cpuBefore.process),
    serverMainThreadCpuUsPerCall: perCall(cpuAfter.mainThread - cpuBefore.mainThread),
    /** This load generator's CPU over the window, % of one core (near 100: it, not the server, limits the rate). */
    benchCpuPct: (benchCpu.user + benchCpu.system) / 10_000 / flags.durationSec,
    ...(store === 'postgres' ? { postgresCpuUsPerCall: perCall(pgCpuAfter - pgCpuBefore) } : {}),
  };
}

function formatResult(r: Result): string {
  return `${r.store.padEnd(8)} ${r.scenario.padEnd(38)} ${String(r.clients).padStart(3)} clients  ${r.callsPerSec.toFixed(0).padStart(7)} calls/s  p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms  errors ${r.errors}`
    + `  server CPU ${r.serverCpuUsPerCall.toFixed(0)} µs/call (main thread ${r.serverMainThreadCpuUsPerCall.toFixed(0)}), bench CPU ${r.benchCpuPct.toFixed(0)}%`
    + (r.postgresCpuUsPerCall !== undefined ? `, PostgreSQL CPU ${r.postgresCpuUsPerCall.toFixed(0)} µs/call` : '')
    + (r.walksPerSec !== undefined ? `  (${r.walksPerSec.toFixed(0)} walks/s of 100 results)` : '');
}

interface Scenario {
  name: string; target: string; body: string; ok(text: string): boolean;
  /** Bodies to send in turn instead of `body` (each call takes the next). */
  bodies?: readonly string[];
  /** A walk over pages: the body of the next call from this answer, or undefined when the walk is complete. */
  next?(text: string): string | undefined;
}

function scenarios(): Scenario[] {
  return [
    // The request pipeline alone (SigV4, audit, one indexed read): what every call costs before Parameter Store's own work.
    { name: 'GetServiceSetting (pipeline baseline)', target: 'AmazonSSM.GetServiceSetting', body: JSON.stringify({ SettingId: '/ssm/parameter-store/high-throughput-enabled' }), ok: (t) => t.includes('"SettingValue"') },
    { name: 'GetParameter String', target: 'AmazonSSM.GetParameter', body: JSON.stringify({ Name: '/bench/plain' }), ok: (t) => t.includes('"Value":"plain-value"') },
    // The same call over 100 parameters in turn: each audit event indexes another resource name.
    {
      name: 'GetParameter String, 100 names', target: 'AmazonSSM.GetParameter', body: JSON.stringify({ Name: '/bench/tree/p000' }),
      bodies: Array.from({ length: 100 }, (_, i) => JSON.stringify({ Name: `/bench/tree/p${String(i).padStart(3, '0')}` })),
      ok: (t) => /"Value":"v\d+"/.test(t),
    },
    { name: 'GetParameter SecureString decrypted', target: 'AmazonSSM.GetParameter', body: JSON.stringify({ Name: '/bench/secure', WithDecryption: true }), ok: (t) => t.includes('"Value":"secure-value"') },
    {
      name: 'GetParametersByPath (walk of 100)', target: 'AmazonSSM.GetParametersByPath', body: JSON.stringify({ Path: '/bench/tree' }),
      ok: (t) => (t.match(/"Name":/g) ?? []).length === 10,
      next: (t) => {
        const token = (JSON.parse(t) as { NextToken?: string }).NextToken;
        return token === undefined ? undefined : JSON.stringify({ Path: '/bench/tree', NextToken: token });
      },
    },
  ];
}

async function seed(client: Client): Promise<void> {
  const puts = [
    { Name: '/bench/plain', Value: 'plain-value', Type: 'String' },
    { Name: '/bench/secure', Value: 'secure-value', Type: 'SecureString' },
    ...Array.from({ length: 100 }, (_, i) => ({ Name: `/bench/tree/p${String(i).padStart(3, '0')}`, Value: `v${i}`, Type: 'String' })),
  ];
  for (const p of puts) {
    const res = await client.call('AmazonSSM.PutParameter', JSON.stringify(p));
    if (res.status !== 200) throw new Error(`seeding ${p.Name}: ${res.status} ${res.text}`);
  }
}

async function measure(client: Client, scenario: Scenario, clients: number, seconds: number) {
  const latencies: number[] = [];
  let errors = 0;
  let sent = 0;
  let walks = 0;
  const end = performance.now() + seconds * 1000;
  const connections = await Promise.all(Array.from({ length: clients }, () => RawConnection.open(client.endpoint)));
  const worker = async (connection: RawConnection) => {
    let following: string | undefined;
    while (performance.now() < end) {
      const start = performance.now();
      try {
        const body = following ?? (scenario.bodies ? scenario.bodies[sent++ % scenario.bodies.length] : scenario.body);
        following = undefined;
        const res = await connection.request(await client.requestBytes(scenario.target, body));
        if (res.status !== 200 || !scenario.ok(res.text)) errors++;
        else {
          latencies.push(performance.now() - start);
          if (scenario.next) {
            following = scenario.next(res.text);
            if (following === undefined) walks++;
          }
        }
      } catch {
        errors++;
      }
    }
  };
  const began = performance.now();
  await Promise.all(connections.map(worker));
  const elapsed = (performance.now() - began) / 1000;
  for (const c of connections) c.close();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? NaN;
  return { calls: latencies.length, callsPerSec: latencies.length / elapsed, p50Ms: pct(0.5), p99Ms: pct(0.99), errors, ...(scenario.next ? { walksPerSec: walks / elapsed } : {}) };
}

/**
 * One keep-alive HTTP/1.1 connection of the load generator, one request at a time, written as
 * bytes prepared once per signature (see Client.requestBytes) and answered by reading the status
 * line, Content-Length and body. Node's http client costs the load generator several times more
 * per call, and with one core for it, it (not the server) set the rate. Every answer is still
 * checked: status 200 and the expected value.
 */
class RawConnection {
  private buffered: Buffer = Buffer.alloc(0);
  private waiting: { resolve(r: { status: number; text: string }): void; reject(e: Error): void } | undefined;

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
      this.answer();
    });
    const fail = (error: Error) => {
      const w = this.waiting;
      this.waiting = undefined;
      w?.reject(error);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
  }

  static open(endpoint: URL): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(Number(endpoint.port), endpoint.hostname, () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  request(bytes: Buffer): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(bytes);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private answer(): void {
    const headEnd = this.buffered.indexOf('\r\n\r\n');
    if (headEnd < 0 || !this.waiting) return;
    const head = this.buffered.toString('latin1', 0, headEnd);
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    const total = headEnd + 4 + length;
    if (this.buffered.length < total) return;
    const text = this.buffered.toString('utf8', headEnd + 4, total);
    this.buffered = this.buffered.subarray(total);
    const w = this.waiting;
    this.waiting = undefined;
    w.resolve({ status: Number(head.slice(9, 12)), text });
  }
}

class Client {
  private readonly agent: http.Agent;
  private readonly signer: SignatureV4;
  readonly endpoint: URL;
  private readonly cache = new Map<string, { second: number; headers: Record<string, string> }>();
  private readonly requests = new Map<string, { second: number; bytes: Buffer }>();

  constructor(server: Server, clients: number) {
    this.endpoint = new URL(server.url);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: clients });
    this.signer = new SignatureV4({ credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey }, region: REGION, service: 'ssm', sha256: Hash.bind(null, 'sha256') });
  }

  private async headers(target: string, body: string): Promise<Record<string, string>> {
    const second = Math.floor(Date.now() / 1000);
    const key = `${target}\n${body}`;
    const cached = this.cache.get(key);
    if (cached && cached.second === second) return cached.headers;
    const request = new HttpRequest({
      method: 'POST', protocol: 'http:', hostname: this.endpoint.hostname, port: Number(this.endpoint.port), path: '/',
      headers: { host: this.endpoint.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target }, body,
    });
    const signed = await this.signer.sign(request, { signingDate: new Date(second * 1000) });
    const headers = { ...(signed.headers as Record<string, string>), 'content-length': String(Buffer.byteLength(body)) };
    this.cache.set(key, { second, headers });
    return headers;
  }

  /** The whole request (head and body) as bytes, signed; the same bytes within a second. */
  async requestBytes(target: string, body: string): Promise<Buffer> {
    const second = Math.floor(Date.now() / 1000);
    const key = `${target}\n${body}`;
    const cached = this.requests.get(key);
    if (cached && cached.second === second) return cached.bytes;
    const headers = await this.headers(target, body);
    const head = `POST / HTTP/1.1\r\n${Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('')}connection: keep-alive\r\n\r\n`;
    const bytes = Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(body, 'utf8')]);
    this.requests.set(key, { second, bytes });
    return bytes;
  }

  async call(target: string, body: string): Promise<{ status: number; text: string }> {
    const headers = await this.headers(target, body);
    return new Promise((resolve, reject) => {
      const req = http.request({ host: this.endpoint.hostname, port: Number(this.endpoint.port), method: 'POST', path: '/', headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  destroy(): void {
    this.agent.destroy();
  }
}

function indent(text: string): string {
  return text.split('\n').map((l) => (l ? `    ${l}` : l)).join('\n');
}

/** Clock ticks per second of /proc's utime and stime (100 on Linux). */
const CLOCK_TICKS = 100;

/** utime + stime of the server process and of its main thread, ms (from /proc). */
function serverCpuMs(pid: number): { process: number; mainThread: number } {
  const read = (file: string) => cpuMsOfStat(fs.readFileSync(file, 'utf8'));
  return { process: read(`/proc/${pid}/stat`), mainThread: read(`/proc/${pid}/task/${pid}/stat`) };
}

/** utime + stime of a /proc stat line, ms. */
function cpuMsOfStat(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

/** utime + stime of every postgres process of this machine, ms (the cluster serving the bench, and whatever else uses it meanwhile). */
function postgresCpuMs(): number {
  let total = 0;
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    if (stat.includes('(postgres)')) total += cpuMsOfStat(stat);
  }
  return total;
}

async function startServerProcess(store: string, nodeArgs: readonly string[], profileFile?: string): Promise<Server> {
  let location: string;
  let dropSchema: (() => Promise<void>) | undefined;
  if (store === 'postgres') {
    const base = process.env.BOSUN_BENCH_DATABASE_URL ?? process.env.BOSUN_TEST_DATABASE_URL ?? DEFAULT_PG_URL;
    const schema = `bosun_bench_${Date.now().toString(36)}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect().catch((error: Error) => { throw new Error(`PostgreSQL at ${base} is unreachable: ${error.message}`); });
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.end();
    const url = new URL(base);
    url.searchParams.set('options', `-c search_path=${schema}`);
    location = url.toString();
    dropSchema = async () => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP SCHEMA ${schema} CASCADE`);
      await c.end();
    };
  } else if (store === 'ceiling') {
    location = '-';
  } else {
    location = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-bench-params-'));
  }
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', path.join(HERE, 'params-server.ts'), store, location, ...(profileFile ? [profileFile] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
      const nl = text.indexOf('\n');
      if (nl >= 0) resolve(text.slice(0, nl));
    });
    child.once('exit', (code) => reject(new Error(`the server exited with ${code} before it was ready`)));
  });
  const info = JSON.parse(line) as Omit<Server, 'child' | 'cleanup' | 'signal'>;
  if (profileFile) fs.mkdirSync(path.dirname(profileFile), { recursive: true });
  let output = '';
  const answers: ((line: string) => void)[] = [];
  child.stdout!.on('data', (chunk: string) => {
    output += chunk;
    for (let nl = output.indexOf('\n'); nl >= 0; nl = output.indexOf('\n')) {
      const said = output.slice(0, nl);
      output = output.slice(nl + 1);
      answers.shift()?.(said);
    }
  });
  return {
    ...info,
    child,
    profileFile,
    signal: (answer) => new Promise<void>((resolve, reject) => {
      answers.push((said) => (said === answer ? resolve() : reject(new Error(`the server said '${said}', not '${answer}'`))));
      child.kill('SIGUSR2');
    }),
    async cleanup() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      if (dropSchema) await dropSchema();
      else if (store !== 'ceiling') fs.rmSync(location, { recursive: true, force: true });
    },
  };
}

function parseArgs(argv: string[]) {
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  if (argv.includes('--help')) {
    process.stdout.write("usage: npm run bench -- params [--duration 10] [--warmup 2] [--clients 64] [--store sqlite,postgres] [--only 'GetParameter String'] [--no-ceiling] [--profile] [--server-node-args '...']\n");
    process.exit(0);
  }
  return {
    durationSec: Number(get('duration') ?? 10),
    warmupSec: Number(get('warmup') ?? 2),
    clients: Number(get('clients') ?? 64),
    stores: (get('store') ?? 'sqlite,postgres').split(','),
    /** Extra node flags for the server process, e.g. '--cpu-prof --cpu-prof-dir=/tmp/prof'. */
    serverNodeArgs: (get('server-node-args') ?? '').split(' ').filter(Boolean),
    only: get('only'),
    /** The machine-ceiling run first (bare node:http): not with --only, nor with --no-ceiling. */
    ceiling: !argv.includes('--no-ceiling') && get('only') === undefined,
    /** --profile: profile the server's main thread during each measured window (node:inspector) and summarise it. */
    profileDir: argv.includes('--profile') ? path.join(HERE, 'results', `profile-params-${new Date().toISOString().replace(/[:.]/g, '-')}`) : undefined,
  };
}

// Run directly (tsx bench/params.ts) until bench/run.ts lists it.
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await run(process.argv.slice(2));
}
