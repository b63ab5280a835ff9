import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * State Manager: associations (the current definition, its schedule and overview), every
 * version of their definitions, their executions (each one or more Run Command commands,
 * named by id once created), and the state of each association on each node (the last
 * application, and whether one is still pending). Regional: account_id and region in every
 * row and in the indexes that list an account's rows.
 */
export async function up(db: Kysely<any>): Promise<void> {
  let associations = db.schema.createTable('associations')
    .addColumn('association_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('association_version', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull());
  for (const column of ['document_version', 'instance_id', 'association_name', 'schedule_expression', 'max_concurrency', 'max_errors', 'compliance_severity', 'legacy_status']) {
    associations = associations.addColumn(column, 'text');
  }
  for (const column of ['parameters', 'targets', 'sync_compliance', 'extras', 'status', 'detailed_status', 'status_counts']) {
    associations = associations.addColumn(column, 'text', (c) => c.notNull());
  }
  associations = associations.addColumn('schedule_offset', 'integer')
    .addColumn('apply_only_at_cron_interval', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull());
  for (const column of ['last_execution_at', 'last_successful_execution_at', 'next_run_at']) associations = associations.addColumn(column, 'bigint');
  await associations.execute();
  await db.schema.createIndex('associations_account').on('associations').columns(['account_id', 'region', 'created_at']).execute();
  await db.schema.createIndex('associations_next_run').on('associations').columns(['next_run_at']).execute();

  await db.schema.createTable('association_versions')
    .addColumn('association_id', 'text', (c) => c.notNull())
    .addColumn('association_version', 'integer', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('definition', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('association_versions_pk', ['association_id', 'association_version'])
    .execute();

  await db.schema.createTable('association_executions')
    .addColumn('execution_id', 'text', (c) => c.primaryKey())
    .addColumn('association_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('association_version', 'integer', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('detailed_status', 'text', (c) => c.notNull())
    .addColumn('instance_ids', 'text', (c) => c.notNull())
    .addColumn('command_ids', 'text', (c) => c.notNull())
    .addColumn('resource_counts', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('claimed_at', 'bigint', (c) => c.notNull())
    .addColumn('ended_at', 'bigint')
    .execute();
  await db.schema.createIndex('association_executions_association').on('association_executions').columns(['association_id', 'created_at']).execute();
  await db.schema.createIndex('association_executions_status').on('association_executions').columns(['status']).execute();

  await db.schema.createTable('association_targets')
    .addColumn('association_id', 'text', (c) => c.notNull())
    .addColumn('instance_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('association_version', 'integer', (c) => c.notNull())
    .addColumn('execution_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('detailed_status', 'text', (c) => c.notNull())
    .addColumn('error_code', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('execution_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('association_targets_pk', ['association_id', 'instance_id'])
    .execute();
  await db.schema.createIndex('association_targets_instance').on('association_targets').columns(['account_id', 'region', 'instance_id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['association_targets', 'association_executions', 'association_versions', 'associations']) await db.schema.dropTable(table).execute();
}
