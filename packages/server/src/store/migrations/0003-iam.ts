import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * Access control: groups and their members, roles (with trust policy), customer managed
 * policies and their versions, attachments of managed policies, inline policies, and tags
 * of users and roles. Policy documents are JSON text.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('iam_groups')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('group_name', 'text', (c) => c.notNull())
    .addColumn('group_id', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('iam_groups_pk', ['account_id', 'group_name'])
    .execute();
  await db.schema.createTable('iam_group_members')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('group_name', 'text', (c) => c.notNull())
    .addColumn('user_name', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('iam_group_members_pk', ['account_id', 'group_name', 'user_name'])
    .execute();
  await db.schema.createIndex('iam_group_members_user').on('iam_group_members').columns(['account_id', 'user_name']).execute();
  await db.schema.createTable('iam_roles')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('role_name', 'text', (c) => c.notNull())
    .addColumn('role_id', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('trust_policy', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('max_session_duration', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('iam_roles_pk', ['account_id', 'role_name'])
    .execute();
  await db.schema.createTable('iam_policies')
    .addColumn('policy_arn', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('policy_name', 'text', (c) => c.notNull())
    .addColumn('policy_id', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('default_version', 'text', (c) => c.notNull())
    /** The number the next CreatePolicyVersion takes (v1, v2, ...: AWS never reuses one). */
    .addColumn('next_version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('iam_policies_account').on('iam_policies').columns(['account_id', 'policy_name']).execute();
  await db.schema.createTable('iam_policy_versions')
    .addColumn('policy_arn', 'text', (c) => c.notNull())
    .addColumn('version_id', 'text', (c) => c.notNull())
    .addColumn('document', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('iam_policy_versions_pk', ['policy_arn', 'version_id'])
    .execute();
  /** Managed policies attached to a user, group or role (entity_type user|group|role). */
  await db.schema.createTable('iam_attachments')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('entity_type', 'text', (c) => c.notNull())
    .addColumn('entity_name', 'text', (c) => c.notNull())
    .addColumn('policy_arn', 'text', (c) => c.notNull())
    .addColumn('attached_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('iam_attachments_pk', ['account_id', 'entity_type', 'entity_name', 'policy_arn'])
    .execute();
  await db.schema.createIndex('iam_attachments_policy').on('iam_attachments').columns(['policy_arn']).execute();
  await db.schema.createTable('iam_inline_policies')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('entity_type', 'text', (c) => c.notNull())
    .addColumn('entity_name', 'text', (c) => c.notNull())
    .addColumn('policy_name', 'text', (c) => c.notNull())
    .addColumn('document', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('iam_inline_policies_pk', ['account_id', 'entity_type', 'entity_name', 'policy_name'])
    .execute();
  await db.schema.createTable('iam_tags')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('entity_type', 'text', (c) => c.notNull())
    .addColumn('entity_name', 'text', (c) => c.notNull())
    .addColumn('tag_key', 'text', (c) => c.notNull())
    .addColumn('tag_value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('iam_tags_pk', ['account_id', 'entity_type', 'entity_name', 'tag_key'])
    .execute();
  /** When, where and for which service an access key was last used (GetAccessKeyLastUsed). */
  await db.schema.createTable('iam_access_key_last_used')
    .addColumn('access_key_id', 'text', (c) => c.primaryKey())
    .addColumn('used_at', 'bigint', (c) => c.notNull())
    .addColumn('service_name', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .execute();
  // Before access control every user was its account's administrator: keep it so on upgrade.
  const users = await db.selectFrom('users').select(['account_id', 'user_name', 'created_at']).execute();
  for (const user of users) {
    await db.insertInto('iam_attachments').values({
      account_id: user.account_id, entity_type: 'user', entity_name: user.user_name,
      policy_arn: 'arn:aws:iam::aws:policy/AdministratorAccess', attached_at: user.created_at,
    }).execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['iam_access_key_last_used', 'iam_tags', 'iam_inline_policies', 'iam_attachments', 'iam_policy_versions', 'iam_policies', 'iam_roles', 'iam_group_members', 'iam_groups']) {
    await db.schema.dropTable(table).execute();
  }
}
