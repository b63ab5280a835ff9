import { CompiledQuery, PostgresAdapter } from 'kysely';
import type { EmbeddedSql } from './dialects/dialect.ts';
import { embeddedReads, remoteChangeStamps, type Db } from './store.ts';

/**
 * Results of hot reads, kept while the tables they read have not changed. Validity is not a
 * guess or a TTL: it is the store's change stamp for those tables, and a changed stamp empties
 * the cache.
 *
 * - SQLite (`read`): every write to those tables made on the store's connection, and every commit
 *   made by another connection or process (SQLite's data_version, asked at most once a
 *   millisecond), changes the stamp. A cached answer is the one the database would give now.
 * - PostgreSQL (`readAsync`): this process's writes change the stamp when they commit; the
 *   commits of other replicas and tools are heard through LISTEN/NOTIFY a moment after they
 *   commit (store/dialects/postgres.ts). So a replica answers its own writes at once and another
 *   replica's within that moment, which is the consistency AWS's Parameter Store gives (its
 *   reads are eventually consistent). While the listening connection is down nothing is cached.
 *   A value loaded while the stamp changed is not kept.
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
    this.at(embedded.changeStamp(this.tables));
    if (this.entries.has(key)) return { value: this.entries.get(key) as T };
    const value = embedded.read(load);
    this.keep(key, value);
    return { value };
  }

  /** PostgreSQL: the value of `key`, loaded with `load` when not cached; loaded every time where the store cannot tell changes. */
  async readAsync<T>(db: Db, key: string, load: () => Promise<T>): Promise<T> {
    const stampOf = remoteChangeStamps(db);
    const stamp = stampOf?.(this.tables);
    if (!stampOf || stamp === undefined) return load();
    this.at(stamp);
    if (this.entries.has(key)) return this.entries.get(key) as T;
    const value = await load();
    // Kept only if nothing changed while it was read (it may be older than a commit made meanwhile).
    if (stampOf(this.tables) === stamp && this.stamp === stamp) this.keep(key, value);
    return value;
  }

  /** Empties the cache when the tables' stamp is not the one its entries were read at. */
  private at(stamp: string): void {
    if (stamp === this.stamp) return;
    this.entries.clear();
    this.stamp = stamp;
  }

  private keep(key: string, value: unknown): void {
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, value);
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

/** A text with `?` placeholders as PostgreSQL's `$1, $2, …` (what queryRows sends there). */
export function dollarText(text: string): string {
  let dollar = dollarTexts.get(text);
  if (dollar === undefined) {
    let n = 0;
    dollar = text.replace(/\?/g, () => `$${++n}`);
    if (dollarTexts.size > 1000) dollarTexts.clear();
    dollarTexts.set(text, dollar);
  }
  return dollar;
}

/**
 * Runs a fixed query text (`?` placeholders, unquoted names valid on both engines) through
 * Kysely's executor without building or compiling a query: on PostgreSQL, where hot reads
 * cannot be cached (see ReadCache), this saves the query builder's work on every call.
 */
export async function queryRows<R>(db: Db, text: string, params: readonly unknown[]): Promise<R[]> {
  const sqlText = db.getExecutor().adapter instanceof PostgresAdapter ? dollarText(text) : text;
  return (await db.executeQuery<R>(CompiledQuery.raw(sqlText, [...params]))).rows;
}
