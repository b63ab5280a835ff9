import BetterSqlite3 from 'better-sqlite3';
import { SqliteDialect, type SqliteDatabase } from 'kysely';
import type { EmbeddedSql, StoreDialect } from './dialect.ts';

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
  // Checkpoints run inside a commit, on the main thread, with an fsync: every 10,000 pages
  // (about 40 MB of WAL) instead of SQLite's 1,000 they cost 4-5% less throughput and a lower p99.
  db.pragma('wal_autocheckpoint = 10000');
  // The embedded path runs a handful of fixed statements: each is prepared once.
  const prepared = new Map<string, BetterSqlite3.Statement>();
  const statement = (text: string) => prepared.get(text) ?? prepared.set(text, db.prepare(text)).get(text)!;
  const sql: EmbeddedSql = {
    run: (text, params) => { statement(text).run(...params); },
    get: <R>(text: string, params: readonly unknown[]) => statement(text).get(...params) as R | undefined,
  };
  return {
    name: 'sqlite',
    kysely: new SqliteDialect({ database: withStatementCache(db, STATEMENT_CACHE_SIZE) }),
    rowLocks: false,
    location: options.file,
    embedded: {
      inTransaction: () => db.inTransaction,
      transaction: (work) => db.transaction(() => work(sql))(),
    },
  };
}

/** Statements kept for reuse: more than the distinct queries the server runs (an audit batch of n events is one text per n). */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely asks better-sqlite3 to prepare (parse and plan) every query it runs, which costs as much
 * as running a small query. A query's SQL text does not depend on its values, so statements are
 * kept by their text and reused; past the limit the oldest goes first (the server runs far fewer
 * distinct queries than the limit, so the order hardly matters and a hit stays a plain lookup).
 * Kysely runs one query at a time on its single SQLite connection; a statement still busy (a
 * stream not yet finished) is not handed out again.
 */
function withStatementCache(db: BetterSqlite3.Database, limit: number): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close() {
      statements.clear();
      db.close();
    },
    prepare(sql: string) {
      const cached = statements.get(sql);
      if (cached && !cached.busy) return cached;
      const statement = db.prepare(sql);
      if (cached) return statement;
      statements.set(sql, statement);
      if (statements.size > limit) statements.delete(statements.keys().next().value as string);
      return statement;
    },
  };
}
