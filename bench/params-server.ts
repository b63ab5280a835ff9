/**
 * The server under test of `bench/params.ts`, in its own process: a fresh store (SQLite data
 * directory or PostgreSQL URL from argv), a fresh root key and an admin user. Prints one JSON
 * line {url, accessKeyId, secretAccessKey, accountId} and serves until SIGTERM.
 *
 * With a third argument (a file path), SIGUSR2 starts the V8 CPU profiler on the main thread and
 * the next SIGUSR2 stops it and writes the profile there, then prints `profiled` on stdout: the
 * load generator profiles each measured window alone, without start-up or seeding.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import { profileOnSignal } from './lib/profile-on-signal.ts';
import { adminBootstrap, createLogger, rootKeyFromBase64, startServer } from '@bosun/server';

const [kind, location, profileFile] = process.argv.slice(2);
if (kind === 'ceiling') await serveCeiling();
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

if (profileFile) profileOnSignal(profileFile, { samplingIntervalUs: 500 });

/**
 * Kind `ceiling`: this machine's ceiling for the load generator, a bare node:http server that
 * reads each request whole and answers a fixed 200 (`{}`, the headers Bosun's answers carry)
 * without checking the signature or doing any other work.
 */
async function serveCeiling(): Promise<never> {
  const body = Buffer.from('{}');
  const bare = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    req.on('data', () => {});
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': crypto.randomUUID(), 'content-length': body.length });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  const { port } = bare.address() as { port: number };
  process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${port}`, accessKeyId: 'AKIACEILING000000000', secretAccessKey: 'ceiling', accountId: '000000000000' }) + '\n');
  process.once('SIGTERM', () => bare.close(() => process.exit(0)));
  if (profileFile) profileOnSignal(profileFile, { samplingIntervalUs: 500 });
  return new Promise<never>(() => {});
}
