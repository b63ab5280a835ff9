import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** Runs the real `bosun` binary (packages/cli/bin/bosun.mjs) in child processes. */

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BOSUN = path.join(repoRoot, 'packages/cli/bin/bosun.mjs');
const run = promisify(execFile);

/** Where the store lives: `--data-dir` (SQLite) or `--database` (PostgreSQL). */
export type StoreFlag = { dataDir: string } | { databaseUrl: string };

function storeArgs(store: StoreFlag): string[] {
  return 'dataDir' in store ? ['--data-dir', store.dataDir] : ['--database', store.databaseUrl];
}

/** The child must take its settings from our flags only, not from a BOSUN_* environment. */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('BOSUN_')) delete env[name];
  return env;
}

export async function bosun(args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await run(process.execPath, [BOSUN, ...args], { cwd: repoRoot, env: childEnv() });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`bosun ${args.join(' ')} failed: ${e.stderr?.trim() || e.message}`);
  }
}

export interface AccessKey {
  readonly accountId: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** `bosun admin create-root-key` + `bosun admin create-account --admin-user`. */
export async function bootstrap(store: StoreFlag, rootKeyFile: string, userName: string): Promise<AccessKey> {
  if (!fs.existsSync(rootKeyFile)) await bosun(['admin', 'create-root-key', rootKeyFile]);
  const out = await bosun(['admin', 'create-account', '--admin-user', userName, ...storeArgs(store), '--root-key-file', rootKeyFile]);
  const accountId = /Account (\d{12}) created/.exec(out)?.[1];
  const accessKeyId = /AWS_ACCESS_KEY_ID=(\S+)/.exec(out)?.[1];
  const secretAccessKey = /AWS_SECRET_ACCESS_KEY=(\S+)/.exec(out)?.[1];
  if (!accountId || !accessKeyId || !secretAccessKey) throw new Error(`unexpected output of bosun admin create-account:\n${out}`);
  return { accountId, accessKeyId, secretAccessKey };
}

export interface ServerProcess {
  readonly url: string;
  readonly host: string;
  readonly pid: number;
  /** Resident set size of the server process (VmRSS), in bytes. */
  rss(): number;
  /** CPU time used so far, in ms: the whole process, and its main (JavaScript) thread. */
  cpuMs(): { process: number; mainThread: number };
  /** SIGTERM, then wait for a clean exit (the server flushes its audit writer and closes the store). */
  stop(): Promise<void>;
}

/** `bosun server --listen 127.0.0.1:0 ...`; resolves once it logs the address it listens on. */
export async function startServer(store: StoreFlag, rootKeyFile: string, nodeArgs: readonly string[] = []): Promise<ServerProcess> {
  const args = [...nodeArgs, BOSUN, 'server', ...storeArgs(store), '--root-key-file', rootKeyFile, '--listen', '127.0.0.1:0'];
  const child = spawn(process.execPath, args, { cwd: repoRoot, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bosun server did not start within 60 s:\n${log.join('')}`)), 60_000);
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      log.push(text);
      const match = /listening on (http:\/\/[^\s"]+)/.exec(log.join(''));
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`bosun server exited (${code}) before listening:\n${log.join('')}`));
    });
  });
  // Keep draining its output so that it never blocks on a full pipe; errors it logs are kept for the report.
  const errors: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (/"level":(50|60)/.test(line) && errors.length < 20) errors.push(line);
  };
  child.stdout!.removeAllListeners('data').on('data', keep);
  child.stderr!.removeAllListeners('data').on('data', keep);
  return {
    url,
    host: new URL(url).host,
    pid: child.pid!,
    rss: () => readRss(child),
    cpuMs: () => ({ process: readCpuMs(`/proc/${child.pid}/stat`), mainThread: readCpuMs(`/proc/${child.pid}/task/${child.pid}/stat`) }),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timeout = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(timeout);
      if (errors.length > 0) process.stderr.write(`server logged errors:\n${errors.join('\n')}\n`);
      if (code !== 0 && code !== null) throw new Error(`bosun server exited with code ${code}`);
    },
  };
}

function readRss(child: ChildProcess): number {
  const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  if (!kb) throw new Error(`no VmRSS in /proc/${child.pid}/status`);
  return Number(kb) * 1024;
}

/** Clock ticks per second of /proc's utime and stime: 100 on Linux everywhere Bosun runs. */
const CLOCK_TICKS = 100;

/** utime + stime of a /proc/<pid>/stat or /proc/<pid>/task/<tid>/stat file, in ms. */
function readCpuMs(file: string): number {
  const stat = fs.readFileSync(file, 'utf8');
  // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}
