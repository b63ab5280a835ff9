import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * Managed nodes: hybrid activations, the nodes registered with them, and the durable
 * queue of channel messages for nodes (delivered when the node is connected).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('activations')
    .addColumn('activation_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    /** SHA-256 of the activation code (hex): the code itself is returned once and never stored. */
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('default_instance_name', 'text')
    .addColumn('iam_role', 'text', (c) => c.notNull())
    .addColumn('registration_limit', 'integer', (c) => c.notNull())
    .addColumn('registrations_count', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    /** [{Key, Value}] as JSON */
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('registration_metadata', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('activations_account').on('activations').columns(['account_id', 'created_at']).execute();

  await db.schema
    .createTable('managed_instances')
    .addColumn('instance_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('activation_id', 'text', (c) => c.notNull())
    .addColumn('iam_role', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    /** The node's Ed25519 public key (SPKI PEM): its identity, not a hardware fingerprint. */
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('registered_at', 'bigint', (c) => c.notNull())
    .addColumn('deregistered_at', 'bigint')
    .addColumn('last_ping_at', 'bigint')
    .addColumn('agent_version', 'text')
    .addColumn('platform_name', 'text')
    .addColumn('platform_type', 'text')
    .addColumn('platform_version', 'text')
    .addColumn('computer_name', 'text')
    .addColumn('ip_address', 'text')
    .addColumn('clock_offset_ms', 'bigint')
    /** The last refused credentials request: why, when, and the measured skew. */
    .addColumn('refused_reason', 'text')
    .addColumn('refused_at', 'bigint')
    .addColumn('refused_skew_ms', 'bigint')
    .addColumn('tags', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('managed_instances_account').on('managed_instances').columns(['account_id', 'instance_id']).execute();

  await db.schema
    .createTable('channel_messages')
    .addColumn('message_id', 'text', (c) => c.primaryKey())
    .addColumn('instance_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    /** queued (not yet acked by the node) | acked */
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('acked_at', 'bigint')
    .execute();
  await db.schema.createIndex('channel_messages_pending').on('channel_messages').columns(['instance_id', 'state', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('channel_messages').execute();
  await db.schema.dropTable('managed_instances').execute();
  await db.schema.dropTable('activations').execute();
}
