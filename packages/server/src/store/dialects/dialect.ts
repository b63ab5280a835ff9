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
}
