/**
 * The server under test of `bench/params.ts`, in its own process: a fresh store (SQLite data
 * directory or PostgreSQL URL from argv), a fresh root key and an admin user. Prints one JSON
 * line {url, accessKeyId, secretAccessKey, accountId} and serves until SIGTERM.
 */
import crypto from 'node:crypto';
import { adminBootstrap, createLogger, rootKeyFromBase64, startServer } from '@bosun/server';

const [kind, location] = process.argv.slice(2);
const rootKey = rootKeyFromBase64(crypto.randomBytes(32).toString('base64'), 'bench');
const server = await startServer({
  host: '127.0.0.1',
  port: 0,
  ...(kind === 'postgres' ? { databaseUrl: location } : { dataDir: location }),
  rootKey,
  logger: createLogger({ level: 'warn' }),
});
const admin = await adminBootstrap(server.store, rootKey, { now: Date.now() });
process.stdout.write(JSON.stringify({ url: server.url, accessKeyId: admin.accessKeyId, secretAccessKey: admin.secretAccessKey, accountId: admin.accountId }) + '\n');
process.once('SIGTERM', () => {
  server.close().finally(() => process.exit(0));
});
