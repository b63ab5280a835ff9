import BetterSqlite3 from 'better-sqlite3';
import { SqliteDialect } from 'kysely';
import type { StoreDialect } from './dialect.ts';

export interface SqliteOptions {
  /** Path of the database file; ':memory:' for a throwaway store. */
  readonly file: string;
}

export function sqliteDialect(options: SqliteOptions): StoreDialect {
  const db = new BetterSqlite3(options.file);
  // WAL lets readers (bosun audit verify, a second CLI) work while the server writes;
  // synchronous=NORMAL is durable across process crashes in WAL mode, which is the
  // failure the store must survive (see docs/operations.md for power loss).
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  return {
    name: 'sqlite',
    kysely: new SqliteDialect({ database: db }),
    rowLocks: false,
    location: options.file,
  };
}
