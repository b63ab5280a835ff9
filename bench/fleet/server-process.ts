// A Bosun server in its own process for the fleet benchmark: prints one JSON line
// {url, pid} once listening. Reuses the data directory and root key across restarts.
// Arguments: DATA_DIR [PORT] [DATABASE_URL] (PostgreSQL instead of SQLite when given).
// With BOSUN_BENCH_PROFILE_FILE set, SIGUSR2 starts the V8 CPU profiler on the main thread and
// the next SIGUSR2 stops it, writes the profile to that file and prints `profiled`: the
// benchmark profiles its measured window alone, without registrations.
import fs from 'node:fs';
import path from 'node:path';
import { profileOnSignal } from '../lib/profile-on-signal.ts';
import { createLogger, ensureRootKeyFile, startServer } from '@bosun/server';

const [dataDir, port, databaseUrl] = process.argv.slice(2);
const { rootKey } = ensureRootKeyFile(path.join(dataDir, 'root.key'));
fs.mkdirSync(dataDir, { recursive: true });
const server = await startServer({ host: '127.0.0.1', port: Number(port ?? 0), dataDir, ...(databaseUrl ? { databaseUrl } : {}), rootKey, logger: createLogger({ format: 'json', level: 'error' }) });
process.stdout.write(JSON.stringify({ url: server.url, pid: process.pid }) + '\n');
const stop = () => void server.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

const profileFile = process.env.BOSUN_BENCH_PROFILE_FILE;
if (profileFile) profileOnSignal(profileFile);
