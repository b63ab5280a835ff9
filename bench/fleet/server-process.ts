// A Bosun server in its own process for the fleet benchmark: prints one JSON line
// {url, pid} once listening. Reuses the data directory and root key across restarts.
// Arguments: DATA_DIR [PORT] [DATABASE_URL] (PostgreSQL instead of SQLite when given).
// With BOSUN_BENCH_PROFILE_FILE set, SIGUSR2 starts the V8 CPU profiler on the main thread and
// the next SIGUSR2 stops it, writes the profile to that file and prints `profiled`: the
// benchmark profiles its measured window alone, without registrations.
// With BOSUN_BENCH_CLOCK=1 the server's clock is the real one plus an offset set from stdin: a
// line `offset MS` sets it and is answered `offset MS SERVER_NOW` (bench/associations.ts moves
// the clock past a schedule's due time instead of waiting for it).
import fs from 'node:fs';
import path from 'node:path';
import { profileOnSignal } from '../lib/profile-on-signal.ts';
import { createLogger, ensureRootKeyFile, startServer } from '@bosun/server';

const [dataDir, port, databaseUrl] = process.argv.slice(2);
const { rootKey } = ensureRootKeyFile(path.join(dataDir, 'root.key'));
fs.mkdirSync(dataDir, { recursive: true });
let offsetMs = 0;
const now = () => Date.now() + offsetMs;
const server = await startServer({ host: '127.0.0.1', port: Number(port ?? 0), dataDir, ...(databaseUrl ? { databaseUrl } : {}), rootKey, logger: createLogger({ format: 'json', level: 'error' }), now });
if (process.env.BOSUN_BENCH_CLOCK === '1') {
  let pending = '';
  process.stdin.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
      const [word, value] = pending.slice(0, nl).trim().split(' ');
      pending = pending.slice(nl + 1);
      if (word !== 'offset') continue;
      offsetMs = Number(value);
      process.stdout.write(`offset ${offsetMs} ${now()}\n`);
    }
  });
}
process.stdout.write(JSON.stringify({ url: server.url, pid: process.pid }) + '\n');
const stop = () => void server.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

const profileFile = process.env.BOSUN_BENCH_PROFILE_FILE;
if (profileFile) profileOnSignal(profileFile);
