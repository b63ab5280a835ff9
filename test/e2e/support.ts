/**
 * Shared helpers of the end-to-end tests: an in-process server over a fresh store, AWS SDK
 * clients, the AWS CLI, raw signed requests, and the real `bosun` binary.
 *
 * Nothing here waits by sleeping: processes are awaited by the lines they print (with a
 * deadline), servers by their `listen`, and calls by their answers (the server answers a
 * call only after its audit event is committed, so the trail can be read right after).
 */
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { SSMClient } from '@aws-sdk/client-ssm';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import pg from 'pg';
import { startServer, type RunningServer } from '../../packages/server/src/server.ts';
import { createLogger } from '../../packages/server/src/logger.ts';
import { adminCreateAccessKey, adminCreateUser, adminGrantAdministrator, type NewAccessKey } from '../../packages/server/src/accounts/admin.ts';
import { chainKey, type ChainKey } from '../../packages/server/src/audit/chain.ts';
import type { CloudTrailRecord } from '../../packages/server/src/audit/record.ts';
import type { RootKey } from '../../packages/server/src/crypto/root-key.ts';
import { fixtures } from '../../packages/server/src/testing/fixtures.ts';
import { skipUnless } from '../../packages/server/src/testing/requirements.ts';
import { createPostgresSchema, postgresUrl } from '../../packages/server/src/testing/stores.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BOSUN_BIN = path.join(REPO_ROOT, 'packages/cli/bin/bosun.mjs');
export const AWS_CLI = '/usr/bin/aws';

/** Why AWS CLI tests skip here (undefined when they run). */
export const skipWithoutAwsCli = skipUnless(fs.existsSync(AWS_CLI), `${AWS_CLI} (AWS CLI v2, Debian package awscli) is not installed`);
/** Why PostgreSQL tests skip here (undefined when they run). */
export const skipWithoutPostgres = skipUnless(postgresUrl !== undefined, 'BOSUN_TEST_DATABASE_URL is not set (PostgreSQL tests need a real server; .ci/run sets it)');

export type Engine = 'sqlite' | 'postgres';
/** The engines a test runs on, each with its skip reason. */
export const engines: readonly { readonly name: Engine; readonly skip?: string }[] = [
  { name: 'sqlite' },
  { name: 'postgres', skip: skipWithoutPostgres },
];

export const REGION = 'us-east-1';
export const SETTING_ID = '/ssm/parameter-store/high-throughput-enabled';

// ---------------------------------------------------------------------------------------------
// In-process server

/** A clock the test moves: the server's time is `frozenAt` when set, else the real time plus `offsetMs`. */
export interface TestClock {
  offsetMs: number;
  frozenAt?: number;
}

export interface TestServer {
  readonly url: string;
  readonly port: number;
  readonly region: string;
  readonly engine: Engine;
  readonly server: RunningServer;
  readonly rootKey: RootKey;
  readonly chainKey: ChainKey;
  readonly clock: TestClock;
  /** Account with an `admin` user and its access key (fixtures.account). */
  readonly admin: NewAccessKey;
  /** SQLite data directory, or undefined on PostgreSQL. */
  readonly dataDir?: string;
  /** PostgreSQL URL whose search_path is this server's private schema. */
  readonly databaseUrl?: string;
  /** Everything the server logged so far. */
  log(): string;
  /** Another account with an admin user and key. */
  newAccount(): Promise<NewAccessKey>;
  /**
   * Another user (and access key) in an account; `secretAccessKey` fixes the secret. The user
   * holds AdministratorAccess unless `withoutPolicies` (then every call is denied until policies are attached).
   */
  newUser(accountId: string, userName: string, secretAccessKey?: string, options?: { withoutPolicies?: boolean }): Promise<NewAccessKey>;
  /** Another access key for an existing user (at most two per user). */
  newAccessKey(accountId: string, userName: string, secretAccessKey?: string): Promise<NewAccessKey>;
  /** Closes the server; the store stays (see destroy). Idempotent. */
  close(): Promise<void>;
  /** Closes the server and removes the data directory or drops the schema. */
  destroy(): Promise<void>;
}

export interface TestServerOptions {
  readonly engine?: Engine;
  readonly bodyLimit?: number;
  /** Log level of the captured log; default 'debug' (the most the server says). */
  readonly logLevel?: string;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const engine = options.engine ?? 'sqlite';
  const rootKey = fixtures.rootKey();
  const clock: TestClock = { offsetMs: 0 };
  const logChunks: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      logChunks.push(String(chunk));
      callback();
    },
  });
  let dataDir: string | undefined;
  let schema: Awaited<ReturnType<typeof createPostgresSchema>> | undefined;
  if (engine === 'sqlite') dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-e2e-'));
  else schema = await createPostgresSchema();

  let server: RunningServer;
  try {
    server = await startServer({
      host: '127.0.0.1',
      port: 0,
      dataDir,
      databaseUrl: schema?.url,
      rootKey,
      region: REGION,
      bodyLimit: options.bodyLimit,
      logger: createLogger({ format: 'json', level: options.logLevel ?? 'debug', destination }),
      now: () => clock.frozenAt ?? Date.now() + clock.offsetMs,
    });
  } catch (error) {
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    await schema?.drop();
    throw error;
  }
  const admin = await fixtures.account(server.store, rootKey);
  let closed: Promise<void> | undefined;
  const close = () => (closed ??= server.close());
  return {
    url: server.url,
    port: Number(new URL(server.url).port),
    region: server.region,
    engine,
    server,
    rootKey,
    chainKey: chainKey(rootKey),
    clock,
    admin,
    dataDir,
    databaseUrl: schema?.url,
    log: () => logChunks.join(''),
    newAccount: () => fixtures.account(server.store, rootKey),
    async newUser(accountId, userName, secretAccessKey, userOptions) {
      await adminCreateUser(server.store, { accountId, userName, now: Date.now() });
      if (!userOptions?.withoutPolicies) await adminGrantAdministrator(server.store, { accountId, userName, now: Date.now() });
      return adminCreateAccessKey(server.store, rootKey, { accountId, userName, now: Date.now(), secretAccessKey });
    },
    newAccessKey: (accountId, userName, secretAccessKey) =>
      adminCreateAccessKey(server.store, rootKey, { accountId, userName, now: Date.now(), secretAccessKey }),
    close,
    async destroy() {
      await close();
      if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
      await schema?.drop();
    },
  };
}

/** The user ARN of an access key made by the fixtures (users have the default path '/'). */
export function userArnOf(key: NewAccessKey): string {
  return `arn:aws:iam::${key.accountId}:user/${key.userName}`;
}

export function settingArn(accountId: string, settingId: string, region = REGION): string {
  return `arn:aws:ssm:${region}:${accountId}:servicesetting${settingId}`;
}

// ---------------------------------------------------------------------------------------------
// The audit trail, read straight from the store

export interface AuditRow {
  readonly seq: number;
  readonly record: CloudTrailRecord;
  readonly row: Record<string, unknown>;
}

export async function auditRows(target: TestServer): Promise<AuditRow[]> {
  const rows = await target.server.store.db.selectFrom('audit_events').selectAll().orderBy('seq').execute();
  return rows.map((row) => ({ seq: Number(row.seq), record: JSON.parse(row.record) as CloudTrailRecord, row: row as Record<string, unknown> }));
}

/** The one audit record of the call answered with this request id (x-amzn-requestid). */
export async function auditRecordOf(target: TestServer, requestId: string | undefined): Promise<CloudTrailRecord> {
  if (!requestId) throw new Error('the response carried no request id');
  const matches = (await auditRows(target)).filter((r) => r.record.requestID === requestId);
  if (matches.length !== 1) throw new Error(`expected exactly one audit event for request ${requestId}, found ${matches.length}`);
  return matches[0].record;
}

export async function auditHeadSeq(target: TestServer): Promise<number> {
  const head = await target.server.store.db.selectFrom('audit_head').select('seq').where('id', '=', 1).executeTakeFirstOrThrow();
  return Number(head.seq);
}

// ---------------------------------------------------------------------------------------------
// AWS SDK clients

export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface ClientOptions {
  /** The client's clock relative to the real one (the SDK's systemClockOffset). */
  readonly clockOffsetMs?: number;
  /**
   * Keep the clock offset: the SDK otherwise resets systemClockOffset from a response's Date
   * header when it looks skewed. Needed when the server runs on a shifted test clock (its Date
   * header is real time).
   */
  readonly keepClockOffset?: boolean;
  /** Sockets the client may open at once (default: the SDK's). */
  readonly maxSockets?: number;
  /** The region the client signs for (default REGION, us-east-1). */
  readonly region?: string;
}

function clientConfig(target: { url: string }, credentials: Credentials, options: ClientOptions) {
  return {
    endpoint: target.url,
    region: options.region ?? REGION,
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
    maxAttempts: 1,
    systemClockOffset: options.clockOffsetMs ?? 0,
    ...(options.maxSockets ? { requestHandler: { httpAgent: new http.Agent({ keepAlive: true, maxSockets: options.maxSockets }) } } : {}),
  };
}

type Stackable = { middlewareStack: { add: (mw: any, options: any) => void } };

/** Removes the Date header from responses before the SDK's signer sees it (see keepClockOffset). */
function keepOffset(client: Stackable): void {
  const dropDate = (next: any) => async (args: any) => {
    try {
      const result = await next(args);
      if (result?.response?.headers) delete result.response.headers.date;
      return result;
    } catch (error: any) {
      if (error?.$response?.headers) delete error.$response.headers.date;
      throw error;
    }
  };
  client.middlewareStack.add(dropDate, { step: 'deserialize', name: 'bosunTestKeepClockOffset', priority: 'low' });
}

export function ssmClient(target: { url: string }, credentials: Credentials, options: ClientOptions = {}): SSMClient {
  const client = new SSMClient(clientConfig(target, credentials, options));
  if (options.keepClockOffset) keepOffset(client);
  return client;
}

export function cloudTrailClient(target: { url: string }, credentials: Credentials, options: ClientOptions = {}): CloudTrailClient {
  const client = new CloudTrailClient(clientConfig(target, credentials, options));
  if (options.keepClockOffset) keepOffset(client);
  return client;
}

/** Runs `work` and returns what it threw (fails if it did not throw). */
export async function rejection(work: Promise<unknown>): Promise<Error & { name: string; $metadata?: { httpStatusCode?: number; requestId?: string } }> {
  try {
    await work;
  } catch (error) {
    return error as any;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** What a rejected call threw, as the two parts of an AWS error tests compare. */
export async function failureOf(work: Promise<unknown>): Promise<{ name: string; message: string }> {
  const error = await rejection(work);
  return { name: error.name, message: error.message };
}

// ---------------------------------------------------------------------------------------------
// Raw requests

export interface RawResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  readonly json: any;
  readonly requestId?: string;
}

export interface SignedFetchOptions {
  /** X-Amz-Target, e.g. AmazonSSM.GetServiceSetting. Omitted when undefined. */
  readonly target?: string;
  readonly body?: string | Buffer;
  /** Signing credentials; undefined sends the request unsigned. */
  readonly credentials?: Credentials;
  /** The time the signature claims; default now. */
  readonly signingDate?: Date;
  readonly service?: string;
  readonly region?: string;
  /** Extra headers, signed along with the others. */
  readonly headers?: Record<string, string>;
  /** Sign with a presigned query (X-Amz-* parameters) instead of the Authorization header. */
  readonly presign?: { expiresIn: number };
}

/** A request the SDK cannot produce (unsigned, odd bodies, unknown targets, chosen dates), optionally SigV4-signed. */
export async function signedFetch(url: string, options: SignedFetchOptions): Promise<RawResponse> {
  const endpoint = new URL(url);
  const body = options.body ?? '{}';
  const headers: Record<string, string> = {
    host: endpoint.host,
    'content-type': 'application/x-amz-json-1.1',
    ...(options.target ? { 'x-amz-target': options.target } : {}),
    ...options.headers,
  };
  const request = new HttpRequest({ method: 'POST', protocol: endpoint.protocol, hostname: endpoint.hostname, port: Number(endpoint.port), path: '/', headers, body });
  let signed = request;
  if (options.credentials) {
    const signer = new SignatureV4({
      credentials: options.credentials,
      region: options.region ?? REGION,
      service: options.service ?? 'ssm',
      sha256: Hash.bind(null, 'sha256'),
    });
    signed = (options.presign
      ? await signer.presign(request, { signingDate: options.signingDate, expiresIn: options.presign.expiresIn })
      : await signer.sign(request, { signingDate: options.signingDate })) as HttpRequest;
  }
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(signed.query ?? {})) {
    for (const v of Array.isArray(value) ? value : [value]) if (v !== null && v !== undefined) query.append(key, v);
  }
  const queryText = query.toString().replace(/\+/g, '%20');
  return rawRequest(url, { path: queryText ? `/?${queryText}` : '/', headers: signed.headers, body });
}

function rawRequest(url: string, req: { path: string; headers: Record<string, string>; body: string | Buffer }): Promise<RawResponse> {
  const endpoint = new URL(url);
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      { host: endpoint.hostname, port: Number(endpoint.port), method: 'POST', path: req.path, headers: { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => resolve(rawResponse(res.statusCode ?? 0, res.headers, Buffer.concat(chunks).toString('utf8'))));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(req.body);
  });
}

function rawResponse(status: number, headers: http.IncomingHttpHeaders, text: string): RawResponse {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const requestId = headers['x-amzn-requestid'];
  return { status, headers, text, json, requestId: Array.isArray(requestId) ? requestId[0] : requestId };
}

/**
 * Writes a request head and then whatever `writeBody` sends on a plain socket, and returns the
 * response the server sends (possibly before it has read the body, which is the point).
 * The socket is closed once the whole response is in.
 */
export function socketRequest(url: string, head: string, writeBody: (socket: net.Socket, answered: () => boolean) => void, deadlineMs = 10_000): Promise<RawResponse> {
  const endpoint = new URL(url);
  return new Promise<RawResponse>((resolve, reject) => {
    const socket = net.connect({ host: endpoint.hostname, port: Number(endpoint.port) });
    let received = Buffer.alloc(0);
    let done = false;
    const timer = setTimeout(() => finish(new Error(`no complete response within ${deadlineMs} ms; got: ${received.toString('utf8').slice(0, 500)}`)), deadlineMs);
    const finish = (error?: Error, response?: RawResponse) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(response!);
    };
    const tryParse = () => {
      const text = received.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return;
      const lines = text.slice(0, end).split('\r\n');
      const status = Number(lines[0].split(' ')[1]);
      const headers: http.IncomingHttpHeaders = {};
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const length = Number(headers['content-length']);
      if (!Number.isInteger(length)) return finish(new Error(`response without Content-Length: ${text.slice(0, end)}`));
      const bodyBytes = received.subarray(Buffer.byteLength(text.slice(0, end + 4), 'latin1'));
      if (bodyBytes.length >= length) finish(undefined, rawResponse(status, headers, bodyBytes.subarray(0, length).toString('utf8')));
    };
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      tryParse();
    });
    // Writes after the server answered and closed may fail: what counts is the answer.
    socket.on('error', (error) => {
      if (!done && received.length === 0) finish(error);
    });
    socket.on('close', () => {
      if (!done) finish(new Error(`connection closed before a complete response; got: ${received.toString('utf8').slice(0, 500)}`));
    });
    socket.on('connect', () => {
      socket.write(head);
      writeBody(socket, () => done || received.length > 0);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The AWS CLI

export interface ProcessResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** An environment for /usr/bin/aws that reads no user configuration and talks to nothing real. */
export function awsCliEnv(credentials?: Credentials): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: os.tmpdir(),
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_PAGER: '',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...(credentials ? { AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey } : {}),
  };
}

/**
 * Runs `aws ARGS` with `env`. By default through a pool of long-lived workers
 * (aws-cli-worker.py) that call the CLI's own entry point in the interpreter /usr/bin/aws
 * uses: the same parsing, signing, HTTP, errors, exit codes and output, without starting
 * Python and parsing the service models for every command (a second each on two cores;
 * the CLI e2e files made most of the suite's time). BOSUN_TEST_AWS_CLI_PROCESS=1 runs each
 * command as its own /usr/bin/aws process instead; tests that are about the binary itself
 * (the quick start, sourcing .bosun/env) always start it.
 */
export function awsCli(args: readonly string[], env: NodeJS.ProcessEnv): Promise<ProcessResult> {
  if (process.env.BOSUN_TEST_AWS_CLI_PROCESS === '1') return run(AWS_CLI, args, { env });
  const worker = idleCliWorkers.pop() ?? new AwsCliWorker();
  return worker.run(args, env).finally(() => {
    if (worker.alive) idleCliWorkers.push(worker);
  });
}

const idleCliWorkers: AwsCliWorker[] = [];
const CLI_WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'aws-cli-worker.py');

/** One worker process: one command at a time; it holds the test process open only while busy. */
class AwsCliWorker {
  private readonly child: ChildProcessWithoutNullStreams;
  private buffered = '';
  private waiting?: (answer: ProcessResult) => void;
  alive = true;

  constructor() {
    // The interpreter on /usr/bin/aws's #! line, so the worker imports the same awscli.
    const python = fs.readFileSync(AWS_CLI, 'utf8').split('\n')[0].replace(/^#!\s*/, '').trim();
    this.child = spawn(python, [CLI_WORKER], { stdio: 'pipe', env: { PATH: process.env.PATH } });
    this.child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      this.buffered += chunk;
      const end = this.buffered.indexOf('\n');
      if (end < 0) return;
      const line = this.buffered.slice(0, end);
      this.buffered = this.buffered.slice(end + 1);
      this.answer(JSON.parse(line) as ProcessResult);
    });
    let stderr = '';
    this.child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    this.child.on('close', (code) => {
      this.alive = false;
      this.answer({ code: -1, stdout: '', stderr: `the AWS CLI worker exited (${code}): ${stderr}` });
    });
    this.hold(false);
  }

  run(args: readonly string[], env: NodeJS.ProcessEnv): Promise<ProcessResult> {
    const strings: Record<string, string> = {};
    for (const [name, value] of Object.entries(env)) if (value !== undefined) strings[name] = value;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        this.answer({ code: -1, stdout: '', stderr: `aws ${args.join(' ')} did not finish within 60 s` });
      }, 60_000);
      this.waiting = (answer) => {
        clearTimeout(timer);
        resolve(answer);
      };
      this.hold(true);
      this.child.stdin.write(JSON.stringify({ args, env: strings }) + '\n');
    });
  }

  private answer(result: ProcessResult): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    this.hold(false);
    waiting?.(result);
  }

  /** Whether the worker's process and pipes keep the event loop (the test file) alive. */
  private hold(busy: boolean): void {
    for (const handle of [this.child, this.child.stdin, this.child.stdout, this.child.stderr] as unknown as { ref?: () => void; unref?: () => void }[]) {
      if (busy) handle.ref?.();
      else handle.unref?.();
    }
  }
}

export function run(file: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; uid?: number; gid?: number } = {}): Promise<ProcessResult> {
  return new Promise((resolve) => {
    execFile(file, args, { env: options.env ?? process.env, cwd: options.cwd, uid: options.uid, gid: options.gid, maxBuffer: 16 * 1024 * 1024, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as NodeJS.ErrnoException).code === 'number' ? Number((error as NodeJS.ErrnoException).code) : (error as { status?: number }).status ?? -1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The bosun binary

/**
 * The environment the bosun binary runs with: no BOSUN_* or AWS_* settings leak in from the
 * caller, not even the switch that silences the SDK's Node-version warning (the CLI must not
 * print it on its own).
 */
export function bosunEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('BOSUN_') && !name.startsWith('AWS_')) env[name] = value;
  return { ...env, ...extra };
}

/** Runs `bosun ARGS` to completion. */
export function runBosun(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; uid?: number; gid?: number } = {}): Promise<ProcessResult> {
  return run(process.execPath, [BOSUN_BIN, ...args], { cwd: options.cwd ?? REPO_ROOT, env: options.env ?? bosunEnv(), uid: options.uid, gid: options.gid });
}

export interface BosunProcess {
  readonly child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first line (of stdout, or stderr) that matches, or rejects at exit or the deadline. */
  waitForLine(pattern: RegExp, options?: { stream?: 'stdout' | 'stderr'; timeoutMs?: number }): Promise<RegExpMatchArray>;
  /** Resolves with the exit code. */
  readonly exited: Promise<number>;
  /** SIGTERM, then the exit code (rejects, after SIGKILL, when it has not exited within 20 s). */
  stop(): Promise<number>;
}

/**
 * Starts `bosun ARGS` and, when `waitFor` is given, resolves once a stdout line matches it
 * (rejecting if the process exits first or the deadline passes).
 */
export async function spawnBosun(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; waitFor?: RegExp; stream?: 'stdout' | 'stderr'; timeoutMs?: number } = {}): Promise<BosunProcess> {
  const child = spawn(process.execPath, [BOSUN_BIN, ...args], { cwd: options.cwd ?? REPO_ROOT, env: options.env ?? bosunEnv(), stdio: 'pipe' });
  running.add(child);
  const text = { stdout: '', stderr: '' };
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of [...listeners]) listener();
  };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    text.stdout += chunk;
    notify();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    text.stderr += chunk;
    notify();
  });
  let exitCode: number | undefined;
  const exited = new Promise<number>((resolve) => {
    child.on('close', (code, signal) => {
      running.delete(child);
      exitCode = code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : -1);
      notify();
      resolve(exitCode);
    });
  });
  const proc: BosunProcess = {
    child,
    stdout: () => text.stdout,
    stderr: () => text.stderr,
    exited,
    waitForLine(pattern, { stream = 'stdout', timeoutMs = 20_000 } = {}) {
      return new Promise((resolve, reject) => {
        const check = () => {
          for (const line of text[stream].split('\n')) {
            // Only whole lines: the last piece may still be arriving.
            if (!text[stream].includes(line + '\n')) continue;
            const match = line.match(pattern);
            if (match) return settle(() => resolve(match));
          }
          if (exitCode !== undefined) settle(() => reject(new Error(`bosun ${args.join(' ')} exited with ${exitCode} before printing a line matching ${pattern}\nstdout:\n${text.stdout}\nstderr:\n${text.stderr}`)));
        };
        const timer = setTimeout(() => settle(() => reject(new Error(`bosun ${args.join(' ')} printed no line matching ${pattern} within ${timeoutMs} ms\nstdout:\n${text.stdout}\nstderr:\n${text.stderr}`))), timeoutMs);
        const settle = (action: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          action();
        };
        listeners.add(check);
        check();
      });
    },
    async stop() {
      if (exitCode === undefined) child.kill('SIGTERM');
      // A process that does not stop on SIGTERM fails the test instead of hanging the suite.
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`bosun ${args.join(' ')} did not exit within 20 s of SIGTERM\nstdout:\n${text.stdout}\nstderr:\n${text.stderr}`));
        }, 20_000);
      });
      try {
        return await Promise.race([exited, deadline]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
  if (options.waitFor) {
    try {
      await proc.waitForLine(options.waitFor, { stream: options.stream, timeoutMs: options.timeoutMs });
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
  }
  return proc;
}

/** Children still running; killAll() is for an `after` hook, so a failed test leaves no server behind. */
const running = new Set<ChildProcessWithoutNullStreams>();

export function killStrayProcesses(): void {
  for (const child of running) child.kill('SIGKILL');
}

// ---------------------------------------------------------------------------------------------
// Misc

export function tempDir(prefix = 'bosun-e2e-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A random secret access key, recognisable when it leaks: 40 characters like AWS's. */
export function canarySecret(label: string): string {
  return `CANARY${label}${crypto.randomBytes(24).toString('hex')}`.slice(0, 40);
}

/** One place a closed store keeps data: a SQLite file, or a PostgreSQL table with every row as text. */
export interface StorePart {
  readonly where: string;
  readonly content: Buffer;
}

/**
 * Everything a closed test server's store holds, as canary tests search it: the bytes of
 * bosun.db, the audit file bosun-audit.db and their -wal/-shm files, or every row of every table of its PostgreSQL schema.
 */
export async function storeContents(target: TestServer): Promise<StorePart[]> {
  if (target.dataDir) {
    return fs.readdirSync(target.dataDir).filter((f) => f.startsWith('bosun.db') || f.startsWith('bosun-audit.db'))
      .map((file) => ({ where: file, content: fs.readFileSync(path.join(target.dataDir!, file)) }));
  }
  const client = new pg.Client({ connectionString: target.databaseUrl });
  await client.connect();
  try {
    const tables = (await client.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
    )).rows.map((r) => r.table_name);
    const parts: StorePart[] = [];
    for (const table of tables) {
      // Every column of every row as text.
      const rows = (await client.query<{ row: string }>(`SELECT t::text AS row FROM "${table}" t`)).rows;
      parts.push({ where: table, content: Buffer.from(rows.map((r) => r.row).join('\n')) });
    }
    return parts;
  } finally {
    await client.end();
  }
}

/**
 * A store made with the CLI (root key, account with an `admin` user) in temporary directories
 * (pushed on `dirs` for the caller to remove), and a free port for `bosun server` processes on
 * it: tests that SIGKILL the server and start it again on the same store.
 */
export async function serverStore(dirs: string[]): Promise<{ dataDir: string; keyFile: string; port: number; url: string; admin: Credentials }> {
  const dataDir = tempDir();
  const keyFile = path.join(tempDir(), 'root.key');
  dirs.push(dataDir, path.dirname(keyFile));
  const rootKey = await runBosun(['admin', 'create-root-key', keyFile]);
  if (rootKey.code !== 0) throw new Error(`bosun admin create-root-key failed: ${rootKey.stderr}`);
  const account = await runBosun(['admin', 'create-account', '--admin-user', 'admin', '--data-dir', dataDir, '--root-key-file', keyFile]);
  if (account.code !== 0) throw new Error(`bosun admin create-account failed: ${account.stderr}`);
  const admin: Credentials = {
    accessKeyId: /export AWS_ACCESS_KEY_ID=(\S+)/.exec(account.stdout)![1],
    secretAccessKey: /export AWS_SECRET_ACCESS_KEY=(\S+)/.exec(account.stdout)![1],
  };
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return { dataDir, keyFile, port, url: `http://127.0.0.1:${port}`, admin };
}

/** `bosun server` on a serverStore, once it listens. */
export function startServerOn(store: { dataDir: string; keyFile: string; port: number }): Promise<BosunProcess> {
  return spawnBosun(['server', '--data-dir', store.dataDir, '--root-key-file', store.keyFile, '--listen', `127.0.0.1:${store.port}`], {
    waitFor: /Bosun API listening on http:\/\/127\.0\.0\.1:\d+/, stream: 'stderr',
  });
}
