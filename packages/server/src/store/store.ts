import { Kysely, Migrator, PostgresAdapter, sql } from 'kysely';
import fs from 'node:fs';
import path from 'node:path';
import type { EmbeddedTransactions, StoreDialect } from './dialects/dialect.ts';
import { postgresDialect } from './dialects/postgres.ts';
import { sqliteDialect } from './dialects/sqlite.ts';
import { moveAuditTablesToAuditFile } from './audit-file.ts';
import { migrationNames, migrationProvider } from './migrations/index.ts';
import type { Database } from './schema.ts';

export type Db = Kysely<Database>;

export interface Store {
  readonly db: Db;
  readonly dialect: StoreDialect;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** A postgres:// URL; when absent, SQLite in `dataDir`. */
  readonly databaseUrl?: string;
  /** Directory of the embedded SQLite file (bosun.db). */
  readonly dataDir?: string;
  /** Run pending migrations (the server does; read-only tools such as audit verify do not). Default true. */
  readonly migrate?: boolean;
  /** SQLite: WAL checkpoints on a worker thread, off the main thread's commits (the server's choice). Default false. */
  readonly backgroundCheckpoints?: boolean;
  /**
   * SQLite: keep the audit trail in a file of its own beside the main one (`sqliteAuditFile`,
   * store/audit-file.ts). Default true; tests turn it off to make a store of the earlier layout.
   */
  readonly separateAuditFile?: boolean;
  /**
   * The server's configured region: migration 0010-regions moves rows written before regions
   * were kept into it. Default us-east-1 (the server's default).
   */
  readonly region?: string;
}

/** Opens the store named by the options and brings its schema up to date. */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const dialect = chooseDialect(options);
  const db = new Kysely<Database>({ dialect: dialect.kysely });
  const store: Store = {
    db,
    dialect,
    async close() {
      await dialect.beforeClose?.();
      await db.destroy();
    },
  };
  if (dialect.embedded) embeddedByDb.set(db, dialect.embedded);
  if (dialect.changeStamp) stampsByDb.set(db, dialect.changeStamp.bind(dialect));
  if (options.migrate !== false) {
    try {
      await migrateToLatest(db, options.region);
      if (dialect.auditFile) await moveAuditTablesToAuditFile(db);
      if (dialect.embedded) await recordMigrationCount(db);
    } catch (error) {
      await store.close();
      throw error;
    }
  }
  return store;
}

/**
 * SQLite: how many migrations the store has, kept in the file header's user_version too, where
 * `checkDataDir` reads it without opening the database (a newer Bosun's store has more).
 */
async function recordMigrationCount(db: Db): Promise<void> {
  const { rows } = await sql<{ user_version: number }>`pragma user_version`.execute(db);
  if (rows[0]?.user_version !== migrationNames.length) await sql.raw(`pragma user_version = ${migrationNames.length}`).execute(db);
}

const embeddedByDb = new WeakMap<Db, EmbeddedTransactions>();
const stampsByDb = new WeakMap<Db, (tables: readonly string[]) => string | undefined>();

/**
 * PostgreSQL: the change stamp of the store behind `db` (`StoreDialect.changeStamp`); undefined
 * for a transaction (`tx` is not the store's `db`) and for SQLite (see `embeddedReads`).
 */
export function remoteChangeStamps(db: Db): ((tables: readonly string[]) => string | undefined) | undefined {
  return stampsByDb.get(db);
}

/**
 * The synchronous SQL of the store behind `db` when it is embedded (SQLite) and no transaction
 * is open on its connection right now; otherwise undefined, and the caller uses Kysely. Hot
 * reads (a parameter, a key) take this path: no query building, compiling or promise hops.
 * Inside a Kysely transaction (`tx`), always undefined: `tx` is not the store's `db`.
 */
export function embeddedReads(db: Db): EmbeddedTransactions | undefined {
  const embedded = embeddedByDb.get(db);
  return embedded && !embedded.inTransaction() ? embedded : undefined;
}

/** Paths are made absolute where they enter (the CLI): a relative data directory below that is a caller's bug. */
export function requireAbsoluteDataDir(dataDir: string): void {
  if (!path.isAbsolute(dataDir)) throw new Error(`the data directory must be an absolute path (got '${dataDir}')`);
}

export function sqliteFile(dataDir: string): string {
  return path.join(dataDir, 'bosun.db');
}

/** The audit trail's file beside the SQLite file `file`: `bosun.db` → `bosun-audit.db`. */
export function sqliteAuditFile(file: string): string {
  return /\.db$/.test(file) ? file.replace(/\.db$/, '-audit.db') : `${file}-audit`;
}

function chooseDialect(options: OpenStoreOptions): StoreDialect {
  if (options.databaseUrl) {
    if (/^postgres(ql)?:\/\//.test(options.databaseUrl)) return postgresDialect({ url: options.databaseUrl });
    if (options.databaseUrl.startsWith('sqlite:')) return sqliteOn(options.databaseUrl.slice('sqlite:'.length), options);
    throw new Error(`Unsupported database URL '${options.databaseUrl.split('@').pop()}': use postgres://user@host:5432/db or sqlite:/path/to/file.db`);
  }
  if (!options.dataDir) throw new Error('No store given: pass --data-dir DIR (SQLite) or --database postgres://...');
  requireAbsoluteDataDir(options.dataDir);
  fs.mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  return sqliteOn(sqliteFile(options.dataDir), options);
}

function sqliteOn(file: string, options: OpenStoreOptions): StoreDialect {
  const auditFile = options.separateAuditFile === false ? undefined : sqliteAuditFile(file);
  return sqliteDialect({ file, auditFile, backgroundCheckpoints: options.backgroundCheckpoints });
}

/**
 * Runs the pending migrations, `region` being the server's configured region (0010-regions).
 * `upTo` stops after the named migration: tests make a store of an earlier version with it.
 */
export async function migrateToLatest(db: Kysely<Database>, region = 'us-east-1', upTo?: string): Promise<void> {
  // Without a schema, Kysely takes the migration tables for existing when any schema of the
  // database has them: a second store in another schema (search_path) would then never migrate.
  const migrationTableSchema = db.getExecutor().adapter instanceof PostgresAdapter
    ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema
    : undefined;
  const migrator = new Migrator({ db, provider: migrationProvider(region), migrationTableName: 'bosun_migration', migrationLockTableName: 'bosun_migration_lock', migrationTableSchema });
  const migrate = () => (upTo ? migrator.migrateTo(upTo) : migrator.migrateToLatest());
  let { error, results } = await migrate();
  // Kysely looks for its migration tables by introspecting every schema of the database; a
  // schema dropped by someone else meanwhile (a test's, another deployment's) fails that query
  // with invalid_schema_name (3F000), or with undefined_table (42P01) naming a table of that
  // other schema, though nothing of ours is wrong. Such a race is retried.
  const droppedElsewhere = (e: unknown, migrationFailed: boolean) => {
    const { code, message } = (e ?? {}) as { code?: string; message?: string };
    if (code === '3F000') return true;
    // Before any migration of ours ran (Kysely was still reading the catalogue), a column or
    // table vanishing under the introspection query is that same race, named or not.
    if (!migrationFailed && (code === '42703' || code === '42P01')) return true;
    const table = code === '42P01' ? /relation "([^".]+)\.[^"]+" does not exist/.exec(message ?? '') : null;
    return table !== null && table[1] !== migrationTableSchema;
  };
  for (let attempt = 1; error && droppedElsewhere(error, results?.some((r) => r.status === 'Error') ?? false) && attempt <= 5; attempt++) {
    ({ error, results } = await migrate());
  }
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`Store migration ${failed?.migrationName ?? ''} failed: ${String((error as Error).message ?? error)}`);
  }
}
