import { CompiledQuery, PostgresAdapter } from 'kysely';
import type { EmbeddedSql } from './dialects/dialect.ts';
import { embeddedReads, type Db } from './store.ts';

/**
 * Results of hot reads on an embedded (SQLite) store, kept while the tables they read have not
 * changed. Validity is not a guess or a TTL: every write to those tables made on the store's
 * connection, and every commit made by another connection or process, changes the dialect's
 * change stamp (`EmbeddedTransactions.changeStamp`), and a changed stamp empties the cache.
 * So a cached answer is the one the database would give now (for a commit by another process,
 * such as a CLI on the same file, within the millisecond the stamp reuses SQLite's data_version).
 *
 * PostgreSQL has no such cache: replicas share the database, and another replica's write would
 * go unseen; asking the database whether anything changed costs the round trip the read itself
 * costs. `read` then returns undefined and the caller queries through Kysely.
 *
 * Cached values are shared between callers: they must not be changed.
 */
export class ReadCache {
  private readonly entries = new Map<string, unknown>();
  private stamp = '';

  constructor(private readonly tables: readonly string[], private readonly maxEntries = 10_000) {}

  /** The value of `key` (a query and its parameters), loaded with `load` when not cached; undefined on PostgreSQL or inside a transaction. */
  read<T>(db: Db, key: string, load: (sql: EmbeddedSql) => T): { value: T } | undefined {
    const embedded = embeddedReads(db);
    if (!embedded) return undefined;
    const stamp = embedded.changeStamp(this.tables);
    if (stamp !== this.stamp) {
      this.entries.clear();
      this.stamp = stamp;
    }
    if (this.entries.has(key)) return { value: this.entries.get(key) as T };
    const value = embedded.read(load);
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, value);
    return { value };
  }
}

/** One cache per store and purpose. */
export function readCacheOf(db: Db, caches: WeakMap<Db, ReadCache>, tables: readonly string[]): ReadCache {
  let cache = caches.get(db);
  if (!cache) {
    cache = new ReadCache(tables);
    caches.set(db, cache);
  }
  return cache;
}

const dollarTexts = new Map<string, string>();

/**
 * Runs a fixed query text (`?` placeholders, unquoted names valid on both engines) through
 * Kysely's executor without building or compiling a query: on PostgreSQL, where hot reads
 * cannot be cached (see ReadCache), this saves the query builder's work on every call.
 */
export async function queryRows<R>(db: Db, text: string, params: readonly unknown[]): Promise<R[]> {
  let dollar = dollarTexts.get(text);
  if (dollar === undefined) {
    let n = 0;
    dollar = text.replace(/\?/g, () => `$${++n}`);
    if (dollarTexts.size > 1000) dollarTexts.clear();
    dollarTexts.set(text, dollar);
  }
  const sqlText = db.getExecutor().adapter instanceof PostgresAdapter ? dollar : text;
  return (await db.executeQuery<R>(CompiledQuery.raw(sqlText, [...params]))).rows;
}
