import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * Key management (KMS), Parameter Store, Secrets Manager, and the kept history of deleted
 * parameters. Every secret value in these tables is ciphertext: key material is sealed under
 * the root key, parameter and secret values are encrypted under a KMS key.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('kms_keys')
    .addColumn('key_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('key_usage', 'text', (c) => c.notNull())
    .addColumn('key_spec', 'text', (c) => c.notNull())
    .addColumn('origin', 'text', (c) => c.notNull())
    /** CUSTOMER or AWS (the managed keys such as alias/aws/ssm). */
    .addColumn('key_manager', 'text', (c) => c.notNull())
    /** Enabled, Disabled or PendingDeletion. */
    .addColumn('key_state', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('deletion_at', 'bigint')
    .addColumn('pending_window_days', 'integer')
    .addColumn('rotation_enabled', 'integer', (c) => c.notNull())
    .addColumn('rotation_period_days', 'integer')
    .addColumn('next_rotation_at', 'bigint')
    .addColumn('current_version', 'integer', (c) => c.notNull())
    /** JSON [{TagKey, TagValue}]. */
    .addColumn('tags', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('kms_keys_account').on('kms_keys').columns(['account_id', 'created_at']).execute();

  await db.schema
    .createTable('kms_key_versions')
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    /** 32 bytes of AES-256 material, sealed under the root key (context: key id and version). */
    .addColumn('material_sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    /** ROTATION or ON_DEMAND or CREATE. */
    .addColumn('reason', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('kms_key_versions_pk', ['key_id', 'version'])
    .execute();

  await db.schema
    .createTable('kms_aliases')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('alias_name', 'text', (c) => c.notNull())
    .addColumn('target_key_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('kms_aliases_pk', ['account_id', 'alias_name'])
    .execute();

  await db.schema
    .createTable('parameter_versions')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    /** The parent path ('/a/b' for '/a/b/c', '/' for '/c' and for 'c'), for one-level path queries. */
    .addColumn('parent_path', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    /** The value as given for String and StringList; for SecureString the envelope ciphertext, base64. */
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text')
    .addColumn('description', 'text')
    .addColumn('allowed_pattern', 'text')
    .addColumn('tier', 'text', (c) => c.notNull())
    .addColumn('policies', 'text', (c) => c.notNull())
    .addColumn('data_type', 'text', (c) => c.notNull())
    .addColumn('labels', 'text', (c) => c.notNull())
    .addColumn('last_modified_at', 'bigint', (c) => c.notNull())
    .addColumn('last_modified_user', 'text', (c) => c.notNull())
    /** 1 on the newest version of a parameter, so that reads of the current value are one indexed lookup. */
    .addColumn('is_current', 'integer', (c) => c.notNull())
    /** When an Expiration policy deletes the parameter (set on the current version only). */
    .addColumn('expires_at', 'bigint')
    /** The next time one of its policies needs the scheduler (current version only), so it reads an index, not the table. */
    .addColumn('policy_due_at', 'bigint')
    .addPrimaryKeyConstraint('parameter_versions_pk', ['account_id', 'name', 'version'])
    .execute();
  await db.schema.createIndex('parameter_versions_current').on('parameter_versions').columns(['account_id', 'is_current', 'name']).execute();
  await db.schema.createIndex('parameter_versions_policy_due').on('parameter_versions').columns(['policy_due_at']).execute();
  await db.schema.createIndex('parameter_versions_parent').on('parameter_versions').columns(['account_id', 'parent_path', 'is_current']).execute();

  await db.schema
    .createTable('parameter_tags')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    /** JSON [{Key, Value}]. */
    .addColumn('tags', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('parameter_tags_pk', ['account_id', 'name'])
    .execute();

  await db.schema
    .createTable('deleted_parameters')
    .addColumn('deletion_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_by', 'text', (c) => c.notNull())
    /** The version rows as they were (SecureString values still ciphertext), JSON. */
    .addColumn('versions', 'text', (c) => c.notNull())
    .addColumn('tags', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('deleted_parameters_name').on('deleted_parameters').columns(['account_id', 'name', 'deleted_at']).execute();

  await db.schema
    .createTable('secrets')
    .addColumn('arn', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('kms_key_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_changed_at', 'bigint', (c) => c.notNull())
    .addColumn('last_accessed_at', 'bigint')
    .addColumn('deleted_at', 'bigint')
    /** When a secret scheduled for deletion is gone for good. */
    .addColumn('deletion_at', 'bigint')
    .addColumn('tags', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('secrets_name').on('secrets').columns(['account_id', 'name']).unique().execute();

  await db.schema
    .createTable('secret_versions')
    .addColumn('secret_arn', 'text', (c) => c.notNull())
    .addColumn('version_id', 'text', (c) => c.notNull())
    /** JSON array of staging labels (AWSCURRENT, AWSPREVIOUS, AWSPENDING, custom). */
    .addColumn('stages', 'text', (c) => c.notNull())
    /** KMS envelope ciphertext of the SecretString, base64. */
    .addColumn('secret_string', 'text')
    /** KMS envelope ciphertext of the SecretBinary, base64. */
    .addColumn('secret_binary', 'text')
    .addColumn('kms_key_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('secret_versions_pk', ['secret_arn', 'version_id'])
    .execute();

  await db.schema
    .createTable('events')
    .addColumn('event_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('detail_type', 'text', (c) => c.notNull())
    /** JSON array of resource ARNs. */
    .addColumn('resources', 'text', (c) => c.notNull())
    /** JSON detail (never a secret value). */
    .addColumn('detail', 'text', (c) => c.notNull())
    /** Webhook delivery: delivered_at set once a 2xx answer came back. */
    .addColumn('delivered_at', 'bigint')
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .execute();
  await db.schema.createIndex('events_account_time').on('events').columns(['account_id', 'created_at', 'event_id']).execute();
  await db.schema.createIndex('events_pending').on('events').columns(['delivered_at', 'next_attempt_at']).execute();

  await db.schema
    .createTable('account_options')
    .addColumn('account_id', 'text', (c) => c.notNull())
    /** e.g. events.webhook-url, parameters.deleted-retention-days */
    .addColumn('option', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('account_options_pk', ['account_id', 'option'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['account_options', 'events', 'secret_versions', 'secrets', 'deleted_parameters', 'parameter_tags', 'parameter_versions', 'kms_aliases', 'kms_key_versions', 'kms_keys']) {
    await db.schema.dropTable(table).execute();
  }
}
