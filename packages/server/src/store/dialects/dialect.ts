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
  /**
   * An embedded engine (SQLite) can also run a transaction synchronously, without the
   * promise hops of Kysely's driver: the audit writer, on every call's path, uses it.
   */
  readonly embedded?: EmbeddedTransactions;
}

/** Plain SQL (`?` placeholders) in one synchronous transaction on the store's own connection. */
export interface EmbeddedTransactions {
  /** True while a transaction is open on the connection (then `transaction` must not be used). */
  inTransaction(): boolean;
  transaction<T>(work: (sql: EmbeddedSql) => T): T;
}

export interface EmbeddedSql {
  run(sql: string, params: readonly unknown[]): void;
  get<R>(sql: string, params: readonly unknown[]): R | undefined;
}
