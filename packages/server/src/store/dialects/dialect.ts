import type { Dialect } from 'kysely';

/**
 * What the store needs from a database engine: a Kysely dialect plus the few facts
 * where the engines differ. One folder per engine implements it.
 */
export interface StoreDialect {
  readonly name: 'sqlite' | 'postgres';
  readonly kysely: Dialect;
  /** Whether `SELECT ... FOR UPDATE` exists (PostgreSQL); SQLite serialises writers instead. */
  readonly rowLocks: boolean;
  /** Where the data lives, for messages (a file path or a URL without its password). */
  readonly location: string;
  /** SQLite: the file of the audit trail, attached to the connection as schema `audit` (store/audit-file.ts). */
  readonly auditFile?: string;
  /**
   * An embedded engine (SQLite) can also run a transaction synchronously, without the
   * promise hops of Kysely's driver: the audit writer, on every call's path, uses it.
   */
  readonly embedded?: EmbeddedTransactions;
  /**
   * PostgreSQL: like `EmbeddedTransactions.changeStamp`, from this process's own writes (counted
   * when they commit) and from the commits of other processes, heard through LISTEN/NOTIFY
   * (migration 0008's triggers), so a moment after they commit. Undefined while the listening
   * connection is down: then nothing may be cached.
   */
  changeStamp?(tables: readonly string[]): string | undefined;
  /**
   * PostgreSQL: from now on, run `text` (with `$n` placeholders) as a named prepared statement,
   * parsed and planned once per pooled connection instead of at every run. For a few hot texts
   * only: each costs server memory on every connection that runs it, so the dialect admits a
   * bounded number and answers false when it admits no more (the text then runs unnamed, as before).
   */
  prepare?(text: string): boolean;
  /** Stops what the dialect runs beside the connection (SQLite's checkpoint worker); `Store.close` calls it first. */
  beforeClose?(): Promise<void>;
}

/**
 * Plain SQL (`?` placeholders) on the store's own connection, synchronously: one transaction,
 * or one read. Each statement text is prepared once and reused.
 */
export interface EmbeddedTransactions {
  /**
   * True while a transaction is open on the connection (a Kysely transaction awaiting between
   * its statements, say): then neither `transaction` nor `read` may be used, as they would run
   * inside it and see its uncommitted rows; go through Kysely, which waits for it.
   */
  inTransaction(): boolean;
  transaction<T>(work: (sql: EmbeddedSql) => T): T;
  /** Runs reads outside any transaction (each statement sees the committed state). */
  read<T>(work: (sql: EmbeddedSql) => T): T;
  /**
   * Changes whenever one of `tables` may have changed: a write to it on this connection (through
   * Kysely or this interface), a write whose table is unknown, or a commit by another connection
   * or process (SQLite's data_version, asked at most once a millisecond). A result read at one
   * stamp is still current at the same stamp (within that millisecond for other processes' commits).
   */
  changeStamp(tables: readonly string[]): string;
}

export interface EmbeddedSql {
  run(sql: string, params: readonly unknown[]): void;
  get<R>(sql: string, params: readonly unknown[]): R | undefined;
  all<R>(sql: string, params: readonly unknown[]): R[];
}
