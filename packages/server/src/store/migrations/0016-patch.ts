import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */

type Column = [name: string, type: 'text' | 'integer' | 'bigint', notNull: boolean];

/**
 * Patch Manager (docs/patching.md): custom patch baselines, patch group registrations (one
 * baseline per group and operating system: unique), and the default baseline an account
 * registered per operating system (unique). Regional: account_id and region in every row and
 * first in every index. AWS's predefined baselines are not stored.
 *
 * Self-contained on purpose (no store helpers): a migration must do the same thing forever.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const table = async (name: string, columns: readonly Column[], primaryKey?: string) => {
    let t = db.schema.createTable(name);
    if (primaryKey) t = t.addColumn(primaryKey, 'text', (c) => c.primaryKey());
    for (const [column, type, notNull] of columns) t = t.addColumn(column, type, (c) => (notNull ? c.notNull() : c));
    await t.execute();
  };
  await table('patch_baselines', [
    ['account_id', 'text', true], ['region', 'text', true], ['name', 'text', true], ['operating_system', 'text', true], ['description', 'text', false],
    ['definition', 'text', true], ['tags', 'text', true], ['client_token', 'text', false], ['request_hash', 'text', false],
    ['created_at', 'bigint', true], ['updated_at', 'bigint', true],
  ], 'baseline_id');
  await db.schema.createIndex('patch_baselines_account').on('patch_baselines').columns(['account_id', 'region', 'created_at']).execute();
  await db.schema.createIndex('patch_baselines_token').on('patch_baselines').columns(['account_id', 'region', 'client_token']).execute();

  await table('patch_groups', [
    ['account_id', 'text', true], ['region', 'text', true], ['patch_group', 'text', true], ['operating_system', 'text', true], ['baseline_id', 'text', true],
    ['registered_at', 'bigint', true],
  ]);
  await db.schema.createIndex('patch_groups_key').on('patch_groups').columns(['account_id', 'region', 'patch_group', 'operating_system']).unique().execute();
  await db.schema.createIndex('patch_groups_baseline').on('patch_groups').columns(['account_id', 'region', 'baseline_id']).execute();

  await table('patch_default_baselines', [
    ['account_id', 'text', true], ['region', 'text', true], ['operating_system', 'text', true], ['baseline_id', 'text', true], ['registered_at', 'bigint', true],
  ]);
  await db.schema.createIndex('patch_default_baselines_key').on('patch_default_baselines').columns(['account_id', 'region', 'operating_system']).unique().execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const name of ['patch_default_baselines', 'patch_groups', 'patch_baselines']) await db.schema.dropTable(name).ifExists().execute();
}
