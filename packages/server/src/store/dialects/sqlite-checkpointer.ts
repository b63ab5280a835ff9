import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * WAL checkpoints on a thread of their own.
 *
 * In WAL mode every commit appends pages to the -wal file, and a checkpoint copies them back
 * into the database file (and fsyncs it). SQLite runs that checkpoint inside whichever commit
 * pushes the WAL past `wal_autocheckpoint` pages: on the server's main thread, in the middle of
 * an audit batch. Measured on the audit insert pattern, checkpoints were a quarter of the cost of
 * a commit, and a p99 spike every few thousand calls.
 *
 * This worker opens its own connection to the same file (and the audit file, attached: a
 * checkpoint without a schema name covers every attached file) and runs PASSIVE checkpoints every
 * `intervalMs`: they never block the writer or readers, and never wait for locks (frames a
 * reader still needs stay for the next round). While it runs, the main connection's automatic
 * checkpoints are off; if the worker fails, they are turned back on, so the WAL cannot grow
 * without bound. Durability does not change: a checkpoint only copies committed frames.
 */
export interface Checkpointer {
  /** Stops the worker and closes its connection (so that the main connection closes last). */
  stop(): Promise<void>;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 0');
if (workerData.auditFile) db.prepare('attach database ? as audit').run(workerData.auditFile);
let stopping = false;
const tick = () => {
  if (stopping) return;
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (error) { if (error.code !== 'SQLITE_BUSY' && error.code !== 'SQLITE_LOCKED') throw error; }
  timer = setTimeout(tick, workerData.intervalMs);
};
let timer = setTimeout(tick, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  stopping = true;
  clearTimeout(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * Starts the checkpoint worker for `file`. `onFailure` runs if the worker dies (the caller
 * turns the main connection's automatic checkpoints back on).
 */
export function startCheckpointer(file: string, auditFile: string | undefined, options: { intervalMs?: number; onFailure: (error: Error) => void }): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, auditFile, driver, intervalMs: options.intervalMs ?? 100 } });
  // The worker must not keep the process alive on its own.
  worker.unref();
  let stopped = false;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('error', (error) => {
    if (!stopped) options.onFailure(error);
  });
  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      // Held until it has closed its connection: the store closes after it.
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}
