import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * Compliance (docs/compliance.md): the items put on a resource, one row each, and one summary
 * row per resource and compliance type (its status, severity counts, last execution and the
 * content hash of its last upload), kept up to date by every write so that the summary
 * operations read one row per resource. Regional, as on AWS: both tables are keyed by account
 * and region first.
 *
 * Self-contained on purpose (no store helpers): a migration must do the same thing forever.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('compliance_items')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('resource_type', 'text', (c) => c.notNull())
    .addColumn('resource_id', 'text', (c) => c.notNull())
    .addColumn('compliance_type', 'text', (c) => c.notNull())
    .addColumn('item_key', 'text', (c) => c.notNull())
    .addColumn('item_id', 'text')
    .addColumn('title', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('details', 'text')
    .addColumn('execution_time', 'bigint', (c) => c.notNull())
    .addColumn('execution_id', 'text')
    .addColumn('execution_type', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('compliance_items_pk', ['account_id', 'region', 'resource_type', 'resource_id', 'compliance_type', 'item_key'])
    .execute();

  await db.schema.createTable('compliance_summaries')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('resource_type', 'text', (c) => c.notNull())
    .addColumn('resource_id', 'text', (c) => c.notNull())
    .addColumn('compliance_type', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('overall_severity', 'text', (c) => c.notNull())
    .addColumn('compliant_counts', 'text', (c) => c.notNull())
    .addColumn('non_compliant_counts', 'text', (c) => c.notNull())
    .addColumn('execution_time', 'bigint', (c) => c.notNull())
    .addColumn('execution_id', 'text')
    .addColumn('execution_type', 'text')
    .addColumn('content_hash', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('compliance_summaries_pk', ['account_id', 'region', 'resource_type', 'resource_id', 'compliance_type'])
    .execute();
  await db.schema.createIndex('compliance_summaries_type').on('compliance_summaries').columns(['account_id', 'region', 'compliance_type']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['compliance_summaries', 'compliance_items']) await db.schema.dropTable(table).execute();
}
