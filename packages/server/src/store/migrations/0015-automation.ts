import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * Automation (docs/automation.md): executions, and the append-only log of their events from
 * which their state is derived (and replayed after a restart). Regional: account_id and region
 * in every row and first in the indexes that list an account's rows. Self-contained: a
 * migration must do the same thing forever.
 */
export async function up(db: Kysely<any>): Promise<void> {
  let executions = db.schema.createTable('automation_executions')
    .addColumn('execution_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull());
  for (const column of ['document_name', 'document_version', 'document_content', 'parameters', 'mode', 'principal', 'executed_by', 'tags', 'status', 'outputs']) {
    executions = executions.addColumn(column, 'text', (c) => c.notNull());
  }
  for (const column of ['client_token', 'parent_execution_id', 'current_step_name', 'current_action', 'failure_message', 'claimed_by']) {
    executions = executions.addColumn(column, 'text');
  }
  executions = executions.addColumn('event_count', 'integer', (c) => c.notNull())
    .addColumn('due_at', 'bigint')
    .addColumn('claimed_until', 'bigint')
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('ended_at', 'bigint');
  await executions.execute();
  await db.schema.createIndex('automation_executions_account').on('automation_executions').columns(['account_id', 'region', 'started_at']).execute();
  await db.schema.createIndex('automation_executions_due').on('automation_executions').columns(['due_at']).execute();
  await db.schema.createIndex('automation_executions_token').on('automation_executions').columns(['account_id', 'region', 'client_token']).execute();

  await db.schema.createTable('automation_events')
    .addColumn('execution_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('step_name', 'text')
    .addColumn('data', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('automation_events_pk', ['execution_id', 'seq'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['automation_events', 'automation_executions']) await db.schema.dropTable(table).execute();
}
