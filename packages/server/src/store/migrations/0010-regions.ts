import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * One endpoint serves every region (docs/regions.md): regional resources live per account and
 * region, as on AWS. Each regional table gets a `region` column, in the key where the table is
 * keyed by name (a parameter `/a` can exist in us-east-1 and in eu-west-1), and in the indexes
 * that list an account's resources. Rows written before this migration were made in the region
 * the server was configured with, and are moved there.
 *
 * IAM (users, roles, policies, keys, sessions) stays global, as on AWS; the audit trail and the
 * webhook option stay per account (each event names its region).
 *
 * SQLite cannot change a primary key in place: each table is rebuilt from its own definition
 * with the column added (SQLite's documented procedure), in one transaction, and its other
 * indexes are made again as they were. PostgreSQL alters the tables in place, inside the
 * transaction its migrations run in.
 *
 * Self-contained on purpose (no store helpers): a migration must do the same thing forever.
 */

interface RegionalTable {
  readonly name: string;
  /** The primary key constraint, when region joins it (its columns start with account_id). */
  readonly primaryKey?: { readonly constraint: string; readonly columns: readonly string[] };
  /** Indexes that change, with their new definitions (the old ones are dropped). */
  readonly indexes?: Readonly<Record<string, string>>;
}

const TABLES: readonly RegionalTable[] = [
  { name: 'service_settings', primaryKey: { constraint: 'service_settings_pk', columns: ['account_id', 'region', 'setting_id'] } },
  {
    name: 'kms_keys',
    indexes: { kms_keys_account: 'create index kms_keys_account on kms_keys (account_id, region, created_at)' },
  },
  { name: 'kms_aliases', primaryKey: { constraint: 'kms_aliases_pk', columns: ['account_id', 'region', 'alias_name'] } },
  {
    name: 'parameter_versions',
    primaryKey: { constraint: 'parameter_versions_pk', columns: ['account_id', 'region', 'name', 'version'] },
    indexes: {
      parameter_versions_current: 'create index parameter_versions_current on parameter_versions (account_id, region, is_current, name)',
      parameter_versions_parent: 'create index parameter_versions_parent on parameter_versions (account_id, region, parent_path, is_current)',
      parameter_versions_one_name: "create unique index parameter_versions_one_name on parameter_versions (account_id, region, ltrim(name, '/')) where is_current = 1",
    },
  },
  { name: 'parameter_tags', primaryKey: { constraint: 'parameter_tags_pk', columns: ['account_id', 'region', 'name'] } },
  {
    name: 'deleted_parameters',
    indexes: { deleted_parameters_name: 'create index deleted_parameters_name on deleted_parameters (account_id, region, name, deleted_at)' },
  },
  {
    name: 'secrets',
    indexes: { secrets_name: 'create unique index secrets_name on secrets (account_id, region, name)' },
  },
  {
    name: 'events',
    indexes: { events_account_time: 'create index events_account_time on events (account_id, region, created_at, event_id)' },
  },
  {
    name: 'activations',
    indexes: { activations_account: 'create index activations_account on activations (account_id, region, created_at)' },
  },
  {
    name: 'managed_instances',
    indexes: { managed_instances_account: 'create index managed_instances_account on managed_instances (account_id, region, instance_id)' },
  },
  { name: 'documents', primaryKey: { constraint: 'documents_pk', columns: ['account_id', 'region', 'name'] } },
  {
    name: 'document_versions',
    primaryKey: { constraint: 'document_versions_pk', columns: ['account_id', 'region', 'name', 'document_version'] },
    indexes: { document_versions_version_name: 'create unique index document_versions_version_name on document_versions (account_id, region, name, version_name)' },
  },
  {
    name: 'document_permissions',
    primaryKey: { constraint: 'document_permissions_pk', columns: ['account_id', 'region', 'name', 'shared_with'] },
    indexes: { document_permissions_shared_with: 'create index document_permissions_shared_with on document_permissions (shared_with, region)' },
  },
  {
    name: 'commands',
    indexes: { commands_account: 'create index commands_account on commands (account_id, region, requested_at)' },
  },
  { name: 'command_invocations' },
];

/** The migration, for a server whose configured region is `region`: existing rows move there. */
export function regionsMigration(region: string): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      if (db.getExecutor().adapter instanceof PostgresAdapter) {
        for (const table of TABLES) await alterInPlace(db, table, region);
        return;
      }
      const atomically = (work: (tx: Kysely<any>) => Promise<void>) => (db.isTransaction ? work(db) : db.transaction().execute(work));
      await atomically(async (tx) => {
        for (const table of TABLES) await rebuildSqlite(tx, table, region);
      });
    },
  };
}

async function alterInPlace(db: Kysely<any>, table: RegionalTable, region: string): Promise<void> {
  await sql`alter table ${sql.id(table.name)} add column region text not null default ${sql.lit(region)}`.execute(db);
  await sql`alter table ${sql.id(table.name)} alter column region drop default`.execute(db);
  if (table.primaryKey) {
    const { constraint, columns } = table.primaryKey;
    await sql`alter table ${sql.id(table.name)} drop constraint ${sql.id(constraint)}`.execute(db);
    await sql`alter table ${sql.id(table.name)} add constraint ${sql.id(constraint)} primary key (${sql.join(columns.map((c) => sql.id(c)))})`.execute(db);
  }
  for (const [index, definition] of Object.entries(table.indexes ?? {})) {
    await sql`drop index ${sql.id(index)}`.execute(db);
    await sql.raw(definition).execute(db);
  }
}

async function rebuildSqlite(db: Kysely<any>, table: RegionalTable, region: string): Promise<void> {
  const found = await sql<{ sql: string }>`select sql from sqlite_master where type = 'table' and name = ${table.name}`.execute(db);
  const definition = found.rows[0]?.sql;
  if (!definition) throw new Error(`migration 0010-regions: table ${table.name} is missing`);
  const indexes = await sql<{ name: string; sql: string }>`select name, sql from sqlite_master where type = 'index' and tbl_name = ${table.name} and sql is not null`.execute(db);

  const temporary = `${table.name}__regions`;
  let rebuilt = definition.replace(/^create table "?[a-z_]+"?/i, `create table "${temporary}"`);
  // The column goes after the others (so that `select *, region` fills it) and before the table constraints.
  const constraintAt = rebuilt.search(/,\s*constraint\s/i);
  const columnsEnd = constraintAt >= 0 ? constraintAt : rebuilt.lastIndexOf(')');
  rebuilt = `${rebuilt.slice(0, columnsEnd)}, "region" text not null${rebuilt.slice(columnsEnd)}`;
  if (table.primaryKey) {
    const { constraint, columns } = table.primaryKey;
    const pattern = new RegExp(`constraint\\s+"?${constraint}"?\\s+primary key\\s*\\([^)]*\\)`, 'i');
    if (!pattern.test(rebuilt)) throw new Error(`migration 0010-regions: ${table.name} has no constraint ${constraint}`);
    rebuilt = rebuilt.replace(pattern, `constraint "${constraint}" primary key (${columns.map((c) => `"${c}"`).join(', ')})`);
  }
  await sql.raw(rebuilt).execute(db);
  await sql`insert into ${sql.id(temporary)} select *, ${region} from ${sql.id(table.name)}`.execute(db);
  await sql`drop table ${sql.id(table.name)}`.execute(db);
  await sql`alter table ${sql.id(temporary)} rename to ${sql.id(table.name)}`.execute(db);
  for (const index of indexes.rows) {
    if (table.indexes && Object.hasOwn(table.indexes, index.name)) continue;
    await sql.raw(index.sql).execute(db);
  }
  for (const created of Object.values(table.indexes ?? {})) await sql.raw(created).execute(db);
}
