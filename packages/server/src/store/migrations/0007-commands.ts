import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * Run Command: commands (with their counters, kept incrementally), one row per invocation
 * (a durable state machine), output chunks received while invocations run, and the
 * database object store (command output on PostgreSQL deployments).
 */
export async function up(db: Kysely<any>): Promise<void> {
  let commands = db.schema.createTable('commands')
    .addColumn('command_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull());
  for (const column of ['document_name', 'document_arn', 'document_version', 'document_hash', 'document_content', 'parameters', 'resolved_parameters', 'comment', 'instance_ids', 'targets']) {
    commands = commands.addColumn(column, 'text', (c) => c.notNull());
  }
  for (const column of ['requested_at', 'expires_at', 'execution_limit_ms']) commands = commands.addColumn(column, 'bigint', (c) => c.notNull());
  commands = commands.addColumn('timeout_seconds', 'integer', (c) => c.notNull())
    .addColumn('max_concurrency', 'text', (c) => c.notNull())
    .addColumn('max_errors', 'text', (c) => c.notNull())
    .addColumn('max_concurrency_n', 'integer', (c) => c.notNull())
    .addColumn('max_errors_n', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('status_details', 'text', (c) => c.notNull());
  for (const column of [
    'target_count', 'started_count', 'in_flight_count', 'completed_count', 'error_count', 'delivery_timed_out_count', 'success_count', 'failed_count',
    'execution_timed_out_count', 'undeliverable_count', 'invalid_platform_count', 'cancelled_count', 'terminated_count', 'cancel_requested',
  ]) {
    commands = commands.addColumn(column, 'integer', (c) => c.notNull());
  }
  for (const column of ['output_s3_region', 'output_s3_bucket_name', 'output_s3_key_prefix', 'service_role', 'notification_config', 'cloudwatch_output_config']) {
    commands = commands.addColumn(column, 'text');
  }
  await commands.addColumn('completed_at', 'bigint').execute();
  await db.schema.createIndex('commands_account').on('commands').columns(['account_id', 'requested_at']).execute();
  await db.schema.createIndex('commands_status').on('commands').columns(['status']).execute();

  await db.schema.createTable('command_invocations')
    .addColumn('command_id', 'text', (c) => c.notNull())
    .addColumn('instance_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('instance_name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('status_details', 'text', (c) => c.notNull())
    .addColumn('response_code', 'integer', (c) => c.notNull())
    .addColumn('message_id', 'text')
    .addColumn('sent_at', 'bigint')
    .addColumn('acked_at', 'bigint')
    .addColumn('started_at', 'bigint')
    .addColumn('ended_at', 'bigint')
    .addColumn('deadline_at', 'bigint')
    .addColumn('plugins', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('command_invocations_pk', ['command_id', 'instance_id'])
    .execute();
  await db.schema.createIndex('command_invocations_seq').on('command_invocations').columns(['command_id', 'seq']).execute();
  await db.schema.createIndex('command_invocations_instance').on('command_invocations').columns(['instance_id', 'command_id']).execute();
  await db.schema.createIndex('command_invocations_message').on('command_invocations').columns(['message_id']).execute();
  await db.schema.createIndex('command_invocations_deadline').on('command_invocations').columns(['status', 'deadline_at']).execute();

  await db.schema.createTable('command_output_chunks')
    .addColumn('command_id', 'text', (c) => c.notNull())
    .addColumn('instance_id', 'text', (c) => c.notNull())
    .addColumn('plugin_name', 'text', (c) => c.notNull())
    .addColumn('stream', 'text', (c) => c.notNull())
    .addColumn('offset', 'bigint', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('command_output_chunks_pk', ['command_id', 'instance_id', 'plugin_name', 'stream', 'offset'])
    .execute();

  await db.schema.createTable('stored_objects')
    .addColumn('object_key', 'text', (c) => c.primaryKey())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['stored_objects', 'command_output_chunks', 'command_invocations', 'commands']) await db.schema.dropTable(table).execute();
}
