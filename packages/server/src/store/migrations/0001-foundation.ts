import type { Kysely } from 'kysely';

// Migrations take Kysely<any>: they describe the schema, they do not depend on its types.
/* eslint-disable @typescript-eslint/no-explicit-any */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('accounts')
    .addColumn('account_id', 'text', (c) => c.primaryKey())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('users')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('user_name', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull().unique())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('users_pk', ['account_id', 'user_name'])
    .execute();

  await db.schema
    .createTable('access_keys')
    .addColumn('access_key_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('user_name', 'text', (c) => c.notNull())
    .addColumn('secret_sealed', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .execute();
  await db.schema.createIndex('access_keys_user').on('access_keys').columns(['account_id', 'user_name']).execute();

  await db.schema
    .createTable('service_settings')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('setting_id', 'text', (c) => c.notNull())
    .addColumn('setting_value', 'text', (c) => c.notNull())
    .addColumn('last_modified_at', 'bigint', (c) => c.notNull())
    .addColumn('last_modified_user', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('service_settings_pk', ['account_id', 'setting_id'])
    .execute();

  await db.schema
    .createTable('audit_events')
    .addColumn('seq', 'bigint', (c) => c.primaryKey())
    .addColumn('event_id', 'text', (c) => c.notNull().unique())
    .addColumn('event_time', 'bigint', (c) => c.notNull())
    .addColumn('account_id', 'text')
    .addColumn('event_source', 'text', (c) => c.notNull())
    .addColumn('event_name', 'text', (c) => c.notNull())
    .addColumn('read_only', 'integer', (c) => c.notNull())
    .addColumn('username', 'text')
    .addColumn('access_key_id', 'text')
    .addColumn('error_code', 'text')
    .addColumn('record', 'text', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_events_account_time').on('audit_events').columns(['account_id', 'event_time']).execute();
  await db.schema.createIndex('audit_events_account_name').on('audit_events').columns(['account_id', 'event_name', 'seq']).execute();
  await db.schema.createIndex('audit_events_account_user').on('audit_events').columns(['account_id', 'username', 'seq']).execute();

  await db.schema
    .createTable('audit_resources')
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('resource_type', 'text', (c) => c.notNull())
    .addColumn('resource_name', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_resources_name').on('audit_resources').columns(['resource_name', 'seq']).execute();
  await db.schema.createIndex('audit_resources_seq').on('audit_resources').columns(['seq']).execute();

  await db.schema
    .createTable('audit_head')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  // The chain starts from a fixed genesis head, so that the first event is chained too.
  await db.insertInto('audit_head').values({ id: 1, seq: 0, hash: '0'.repeat(64) }).execute();

  await db.schema
    .createTable('server_meta')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['server_meta', 'audit_head', 'audit_resources', 'audit_events', 'service_settings', 'access_keys', 'users', 'accounts']) {
    await db.schema.dropTable(table).execute();
  }
}
