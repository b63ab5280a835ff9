import { PostgresAdapter, sql, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * Inventory and its history (docs/inventory.md): the current item of each type on each node,
 * its entries one row each (so that a fleet query by application name reads an index, not
 * every node's content), every change of an entry kept as a delta, the schemas of Custom
 * types, and DeleteInventory requests. Regional, as on AWS: every table is keyed by account
 * and region first.
 *
 * On PostgreSQL the name columns use the "C" collation: the prefix queries (BeginWith) are
 * ranges over the index, and need the byte order JavaScript compares strings in. Entry keys
 * keep the default collation: they are only compared for equality, and the primary key must
 * serve those comparisons.
 *
 * Self-contained on purpose (no store helpers): a migration must do the same thing forever.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const nameType = postgres ? sql`text collate "C"` : sql`text`;

  await db.schema.createTable('inventory_items')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('instance_id', 'text', (c) => c.notNull())
    .addColumn('type_name', 'text', (c) => c.notNull())
    .addColumn('schema_version', 'text', (c) => c.notNull())
    .addColumn('capture_time', 'text', (c) => c.notNull())
    .addColumn('content_hash', 'text')
    .addColumn('entry_count', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('inventory_items_pk', ['account_id', 'region', 'instance_id', 'type_name'])
    .execute();
  await db.schema.createIndex('inventory_items_type').on('inventory_items').columns(['account_id', 'region', 'type_name', 'instance_id']).execute();

  await db.schema.createTable('inventory_entries')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('instance_id', 'text', (c) => c.notNull())
    .addColumn('type_name', 'text', (c) => c.notNull())
    .addColumn('entry_key', 'text', (c) => c.notNull())
    .addColumn('name', nameType)
    .addColumn('content', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('inventory_entries_pk', ['account_id', 'region', 'instance_id', 'type_name', 'entry_key'])
    .execute();
  // Name first, unlike the regional keys: with account, region and type first, PostgreSQL's
  // planner takes this index for the per-node queries too (same estimated cost as the primary
  // key) and scans every node's entries of the type.
  await db.schema.createIndex('inventory_entries_name').on('inventory_entries').columns(['name', 'type_name', 'account_id', 'region', 'instance_id']).execute();

  await db.schema.createTable('inventory_changes')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('instance_id', 'text', (c) => c.notNull())
    .addColumn('type_name', 'text', (c) => c.notNull())
    .addColumn('changed_at', 'bigint', (c) => c.notNull())
    .addColumn('entry_key', 'text', (c) => c.notNull())
    .addColumn('name', nameType)
    .addColumn('before', 'text')
    .addColumn('after', 'text')
    .execute();
  await db.schema.createIndex('inventory_changes_node').on('inventory_changes').columns(['account_id', 'region', 'instance_id', 'changed_at']).execute();
  await db.schema.createIndex('inventory_changes_name').on('inventory_changes').columns(['name', 'type_name', 'account_id', 'region', 'changed_at']).execute();
  await db.schema.createIndex('inventory_changes_time').on('inventory_changes').columns(['changed_at']).execute();

  await db.schema.createTable('inventory_schemas')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('type_name', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('attributes', 'text', (c) => c.notNull())
    .addColumn('disabled', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('inventory_schemas_pk', ['account_id', 'region', 'type_name'])
    .execute();

  await db.schema.createTable('inventory_deletions')
    .addColumn('deletion_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('type_name', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('status_message', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('inventory_deletions_account').on('inventory_deletions').columns(['account_id', 'region', 'started_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['inventory_deletions', 'inventory_schemas', 'inventory_changes', 'inventory_entries', 'inventory_items']) await db.schema.dropTable(table).execute();
}
