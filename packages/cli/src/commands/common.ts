import type { Command } from 'commander';
import { openStore, type Store } from '@bosun/server';
import { resolveConfig, type ResolvedConfig, type StoreFlags } from '../config.ts';

export function addStoreFlags(command: Command): Command {
  return command
    .option('--data-dir <dir>', 'data directory of the embedded SQLite store (default .bosun)')
    .option('--database <url>', 'PostgreSQL URL (postgres://user@host:5432/db) instead of SQLite')
    .option('--root-key-file <file>', 'file holding the root key (default <data-dir>/root.key)')
    .option('--config <file>', 'JSON config file');
}

export function addServerFlags(command: Command): Command {
  return command
    .option('--listen <host:port>', 'address to listen on (default 127.0.0.1:4747)')
    .option('--region <region>', 'AWS region the server answers as (default us-east-1)')
    .option('--body-limit <bytes>', 'largest request body accepted (default 2097152)');
}

/** Opens the store the flags name, runs `work`, closes it. */
export async function withStore<T>(flags: StoreFlags, work: (store: Store, config: ResolvedConfig) => Promise<T>): Promise<T> {
  const config = resolveConfig(flags);
  const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl, region: config.region });
  try {
    return await work(store, config);
  } finally {
    await store.close();
  }
}

/** Keeps the process alive until SIGINT/SIGTERM, then stops cleanly once. */
export function runUntilSignal(stop: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = () => {
      if (stopping) return;
      stopping = true;
      stop().finally(resolve);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
}
