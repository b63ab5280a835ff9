import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */

type Column = [name: string, type: 'text' | 'integer' | 'bigint', notNull: boolean];

/**
 * Maintenance windows (docs/maintenance-windows.md): windows (their definition and the next
 * due time the scheduler has not claimed), their registered targets and tasks, and the
 * history: one execution per window and due time (unique, so a due time runs once however
 * many replicas or restarts look at it), one task execution per task, one invocation per
 * node. Regional: account_id and region in every row and first in the indexes that list.
 *
 * Self-contained on purpose (no store helpers): a migration must do the same thing forever.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const table = async (name: string, key: string, columns: readonly Column[]) => {
    let t = db.schema.createTable(name).addColumn(key, 'text', (c) => c.primaryKey());
    for (const [column, type, notNull] of columns) t = t.addColumn(column, type, (c) => (notNull ? c.notNull() : c));
    await t.execute();
  };
  await table('maintenance_windows', 'window_id', [
    ['account_id', 'text', true], ['region', 'text', true], ['name', 'text', true], ['description', 'text', false], ['schedule', 'text', true],
    ['schedule_timezone', 'text', false], ['schedule_offset', 'integer', false], ['start_date', 'text', false], ['end_date', 'text', false],
    ['duration', 'integer', true], ['cutoff', 'integer', true], ['allow_unassociated_targets', 'integer', true], ['enabled', 'integer', true],
    ['next_due_at', 'bigint', false], ['client_token', 'text', false], ['request_hash', 'text', false], ['tags', 'text', true],
    ['created_at', 'bigint', true], ['updated_at', 'bigint', true],
  ]);
  await db.schema.createIndex('maintenance_windows_account').on('maintenance_windows').columns(['account_id', 'region', 'created_at']).execute();
  await db.schema.createIndex('maintenance_windows_due').on('maintenance_windows').columns(['next_due_at']).execute();

  await table('maintenance_window_targets', 'window_target_id', [
    ['window_id', 'text', true], ['account_id', 'text', true], ['region', 'text', true], ['resource_type', 'text', true], ['targets', 'text', true],
    ['owner_information', 'text', false], ['name', 'text', false], ['description', 'text', false], ['client_token', 'text', false],
    ['request_hash', 'text', false], ['created_at', 'bigint', true],
  ]);
  await db.schema.createIndex('maintenance_window_targets_window').on('maintenance_window_targets').columns(['account_id', 'region', 'window_id']).execute();

  await table('maintenance_window_tasks', 'window_task_id', [
    ['window_id', 'text', true], ['account_id', 'text', true], ['region', 'text', true], ['task_arn', 'text', true], ['task_type', 'text', true],
    ['targets', 'text', true], ['definition', 'text', true], ['priority', 'integer', true], ['max_concurrency', 'text', false], ['max_errors', 'text', false],
    ['service_role_arn', 'text', false], ['name', 'text', false], ['description', 'text', false], ['cutoff_behavior', 'text', true],
    ['client_token', 'text', false], ['request_hash', 'text', false], ['created_at', 'bigint', true],
  ]);
  await db.schema.createIndex('maintenance_window_tasks_window').on('maintenance_window_tasks').columns(['account_id', 'region', 'window_id']).execute();

  await table('maintenance_window_executions', 'window_execution_id', [
    ['window_id', 'text', true], ['account_id', 'text', true], ['region', 'text', true], ['due_at', 'bigint', true], ['status', 'text', true],
    ['status_details', 'text', true], ['cutoff_at', 'bigint', true], ['ends_at', 'bigint', true], ['start_time', 'bigint', true], ['end_time', 'bigint', false],
    ['cancel_requested', 'integer', true],
  ]);
  await db.schema.createIndex('maintenance_window_executions_due').on('maintenance_window_executions').columns(['window_id', 'due_at']).unique().execute();
  await db.schema.createIndex('maintenance_window_executions_account').on('maintenance_window_executions').columns(['account_id', 'region', 'window_id', 'start_time']).execute();
  await db.schema.createIndex('maintenance_window_executions_status').on('maintenance_window_executions').columns(['status']).execute();

  await table('maintenance_window_task_executions', 'task_execution_id', [
    ['window_execution_id', 'text', true], ['window_id', 'text', true], ['window_task_id', 'text', true], ['account_id', 'text', true], ['region', 'text', true],
    ['priority', 'integer', true], ['task', 'text', true], ['status', 'text', true], ['status_details', 'text', true], ['start_time', 'bigint', false],
    ['end_time', 'bigint', false], ['claimed_at', 'bigint', false],
  ]);
  await db.schema.createIndex('maintenance_window_task_executions_execution').on('maintenance_window_task_executions').columns(['window_execution_id', 'priority']).execute();

  await table('maintenance_window_invocations', 'invocation_id', [
    ['task_execution_id', 'text', true], ['window_execution_id', 'text', true], ['account_id', 'text', true], ['region', 'text', true], ['seq', 'integer', true],
    ['resource_id', 'text', true], ['window_target_id', 'text', false], ['owner_information', 'text', false], ['execution_id', 'text', false],
    ['parameters', 'text', true], ['status', 'text', true], ['status_details', 'text', true], ['start_time', 'bigint', false], ['end_time', 'bigint', false],
  ]);
  await db.schema.createIndex('maintenance_window_invocations_task').on('maintenance_window_invocations').columns(['task_execution_id', 'seq']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['maintenance_window_invocations', 'maintenance_window_task_executions', 'maintenance_window_executions', 'maintenance_window_tasks', 'maintenance_window_targets', 'maintenance_windows']) {
    await db.schema.dropTable(table).execute();
  }
}
