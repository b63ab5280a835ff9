import { performance } from 'node:perf_hooks';
import BetterSqlite3 from 'better-sqlite3';
import { SqliteDialect, type SqliteDatabase } from 'kysely';
import type { EmbeddedSql, StoreDialect } from './dialect.ts';
import { startCheckpointer, type Checkpointer } from './sqlite-checkpointer.ts';
import { WriteCounter } from './write-counter.ts';

export interface SqliteOptions {
  /** Path of the database file; ':memory:' for a throwaway store. */
  readonly file: string;
  /**
   * Run WAL checkpoints on a worker thread instead of inside commits (sqlite-checkpointer.ts).
   * The server turns it on; short-lived tools leave it off. Default false.
   */
  readonly backgroundCheckpoints?: boolean;
  /**
   * A second file for the audit trail, attached to the connection as schema `audit`
   * (store/audit-file.ts). Absent: the audit tables stay in the main file (':memory:' stores,
   * tests of the earlier layout).
   */
  readonly auditFile?: string;
}

/** How long an answer of `pragma data_version` (commits by other connections) is reused, ms. */
const DATA_VERSION_REUSE_MS = 1;

/** Pages of WAL between checkpoints run inside a commit (the main thread's own). */
const AUTOCHECKPOINT_PAGES = 10_000;
/** While the checkpoint worker runs: a backstop only, should the worker fall behind. */
const BACKSTOP_AUTOCHECKPOINT_PAGES = 100_000;

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
  db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
  // The audit chain writes pages on every commit; with SQLite's default 2 MB page cache they
  // pushed the pages of hot reads (a parameter, a key) out, and each read went back to the WAL
  // or the file. 64 MB keeps them (it is a ceiling, not an allocation).
  db.pragma('cache_size = -65536');
  // A throwaway ':memory:' store keeps its audit tables in it.
  const auditFile = options.file === ':memory:' ? undefined : options.auditFile;
  if (auditFile) {
    db.prepare('attach database ? as audit').run(auditFile);
    db.pragma('audit.journal_mode = WAL');
    db.pragma('audit.synchronous = NORMAL');
    db.pragma('audit.cache_size = -65536');
  }
  let checkpointer: Checkpointer | undefined;
  if (options.backgroundCheckpoints && options.file !== ':memory:') {
    checkpointer = startCheckpointer(options.file, auditFile, {
      onFailure: () => {
        checkpointer = undefined;
        if (db.open) db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
      },
    });
    db.pragma(`wal_autocheckpoint = ${BACKSTOP_AUTOCHECKPOINT_PAGES}`);
  }
  const writes = new WriteCounter();
  // The embedded path runs a handful of fixed statements: each is prepared once.
  const prepared = new Map<string, BetterSqlite3.Statement>();
  const statement = (text: string) => {
    writes.note(text);
    return prepared.get(text) ?? prepared.set(text, db.prepare(text)).get(text)!;
  };
  // Commits by other connections (a CLI on the same file, the checkpoint worker never commits):
  // asking costs a statement (a few µs), so the answer is reused for up to 1 ms.
  const dataVersion = db.prepare('pragma data_version').pluck();
  let dataVersionSeen = { at: Number.NEGATIVE_INFINITY, value: 0 };
  const otherConnections = () => {
    const at = performance.now();
    if (at - dataVersionSeen.at >= DATA_VERSION_REUSE_MS) dataVersionSeen = { at, value: dataVersion.get() as number };
    return dataVersionSeen.value;
  };
  const sql: EmbeddedSql = {
    run: (text, params) => { statement(text).run(...params); },
    get: <R>(text: string, params: readonly unknown[]) => statement(text).get(...params) as R | undefined,
    all: <R>(text: string, params: readonly unknown[]) => statement(text).all(...params) as R[],
  };
  // One transaction wrapper for every embedded transaction (better-sqlite3 builds one per call otherwise).
  const inTransaction = db.transaction(<T>(work: (q: EmbeddedSql) => T): T => work(sql)) as <T>(work: (q: EmbeddedSql) => T) => T;
  return {
    name: 'sqlite',
    kysely: new SqliteDialect({ database: withStatementCache(db, STATEMENT_CACHE_SIZE, writes) }),
    rowLocks: false,
    location: options.file,
    auditFile,
    async beforeClose() {
      // The worker's connection closes first, so that the main one, closing last, checkpoints
      // everything and removes the WAL.
      const worker = checkpointer;
      checkpointer = undefined;
      await worker?.stop();
    },
    embedded: {
      inTransaction: () => db.inTransaction,
      transaction: (work) => inTransaction(work),
      read: (work) => {
        if (db.inTransaction) throw new Error('embedded read while a transaction is open on the connection');
        return work(sql);
      },
      changeStamp: (tables) => {
        return `${otherConnections()}:${writes.writesTo(tables)}`;
      },
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
function withStatementCache(db: BetterSqlite3.Database, limit: number, writes: WriteCounter): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close() {
      statements.clear();
      db.close();
    },
    prepare(sql: string) {
      // Kysely prepares right before it runs, synchronously: a write is counted as it happens.
      writes.note(sql);
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
