import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openStore, type Store } from '../store/store.ts';
import { skipUnless } from './requirements.ts';

/**
 * The stores every store test runs against: a real SQLite file, and a real PostgreSQL
 * when BOSUN_TEST_DATABASE_URL names one (.ci/run sets it). Each opened store is
 * private to its test: a fresh file, or a fresh PostgreSQL schema dropped afterwards.
 */
export interface StoreTarget {
  readonly name: 'sqlite' | 'postgres';
  /** Why this target is skipped, or undefined when it runs. */
  readonly skip?: string;
  open(): Promise<TestStore>;
  /** A store with no migration run: tests migrate it part way to make a store of an earlier version. */
  openUnmigrated(): Promise<TestStore>;
}

export interface TestStore extends Store {
  /** Where it lives: a data directory (SQLite) or a database URL (PostgreSQL). */
  readonly location: { dataDir?: string; databaseUrl?: string };
  /** Closes and removes everything. */
  destroy(): Promise<void>;
}

export const postgresUrl = process.env.BOSUN_TEST_DATABASE_URL;

export const storeTargets: readonly StoreTarget[] = [
  { name: 'sqlite', open: openSqliteTestStore, openUnmigrated: () => openSqliteTestStore({ migrate: false }) },
  {
    name: 'postgres',
    skip: skipUnless(postgresUrl !== undefined, 'BOSUN_TEST_DATABASE_URL is not set (PostgreSQL tests need a real server; .ci/run sets it)'),
    open: openPostgresTestStore,
    openUnmigrated: () => openPostgresTestStore({ migrate: false }),
  },
];

export async function openSqliteTestStore(options: { migrate?: boolean } = {}): Promise<TestStore> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-test-'));
  const store = await openStore({ dataDir, ...options });
  return {
    ...store,
    location: { dataDir },
    async destroy() {
      await store.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A PostgreSQL URL whose connections use a new, empty schema. */
export async function createPostgresSchema(): Promise<{ url: string; drop(): Promise<void> }> {
  if (!postgresUrl) throw new Error('BOSUN_TEST_DATABASE_URL is not set');
  const schema = `bosun_test_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const url = new URL(postgresUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      await client.query(`DROP SCHEMA ${schema} CASCADE`);
      await client.end();
    },
  };
}

export async function openPostgresTestStore(options: { migrate?: boolean } = {}): Promise<TestStore> {
  const schema = await createPostgresSchema();
  const store = await openStore({ databaseUrl: schema.url, ...options });
  return {
    ...store,
    location: { databaseUrl: schema.url },
    async destroy() {
      await store.close();
      await schema.drop();
    },
  };
}
