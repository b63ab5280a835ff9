import type { Db } from '../store/store.ts';
import type { IamEntityType, IamGroupsTable, IamPoliciesTable, IamPolicyVersionsTable, IamRolesTable } from '../store/schema.ts';

/** Store queries for access control. Callers pass ids and `now`; errors are left to the operations. */

export async function attachPolicy(db: Db, input: { accountId: string; entityType: IamEntityType; entityName: string; policyArn: string; now: number }): Promise<void> {
  await db.insertInto('iam_attachments').values({
    account_id: input.accountId, entity_type: input.entityType, entity_name: input.entityName, policy_arn: input.policyArn, attached_at: input.now,
  }).onConflict((oc) => oc.columns(['account_id', 'entity_type', 'entity_name', 'policy_arn']).doNothing()).execute();
}

export async function detachPolicy(db: Db, input: { accountId: string; entityType: IamEntityType; entityName: string; policyArn: string }): Promise<boolean> {
  const result = await db.deleteFrom('iam_attachments').where('account_id', '=', input.accountId).where('entity_type', '=', input.entityType)
    .where('entity_name', '=', input.entityName).where('policy_arn', '=', input.policyArn).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function attachedPolicies(db: Db, accountId: string, entityType: IamEntityType, entityName: string): Promise<string[]> {
  const rows = await db.selectFrom('iam_attachments').select('policy_arn').where('account_id', '=', accountId).where('entity_type', '=', entityType)
    .where('entity_name', '=', entityName).orderBy('attached_at').orderBy('policy_arn').execute();
  return rows.map((r) => r.policy_arn);
}

export async function attachmentCount(db: Db, policyArn: string): Promise<number> {
  const row = await db.selectFrom('iam_attachments').select((eb) => eb.fn.countAll<number>().as('n')).where('policy_arn', '=', policyArn).executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function putInlinePolicy(db: Db, input: { accountId: string; entityType: IamEntityType; entityName: string; policyName: string; document: string }): Promise<void> {
  await db.insertInto('iam_inline_policies').values({
    account_id: input.accountId, entity_type: input.entityType, entity_name: input.entityName, policy_name: input.policyName, document: input.document,
  }).onConflict((oc) => oc.columns(['account_id', 'entity_type', 'entity_name', 'policy_name']).doUpdateSet({ document: input.document })).execute();
}

export async function getInlinePolicy(db: Db, accountId: string, entityType: IamEntityType, entityName: string, policyName: string): Promise<string | undefined> {
  const row = await db.selectFrom('iam_inline_policies').select('document').where('account_id', '=', accountId).where('entity_type', '=', entityType)
    .where('entity_name', '=', entityName).where('policy_name', '=', policyName).executeTakeFirst();
  return row?.document;
}

export async function inlinePolicies(db: Db, accountId: string, entityType: IamEntityType, entityName: string): Promise<{ policy_name: string; document: string }[]> {
  return db.selectFrom('iam_inline_policies').select(['policy_name', 'document']).where('account_id', '=', accountId).where('entity_type', '=', entityType)
    .where('entity_name', '=', entityName).orderBy('policy_name').execute();
}

export async function deleteInlinePolicy(db: Db, accountId: string, entityType: IamEntityType, entityName: string, policyName: string): Promise<boolean> {
  const result = await db.deleteFrom('iam_inline_policies').where('account_id', '=', accountId).where('entity_type', '=', entityType)
    .where('entity_name', '=', entityName).where('policy_name', '=', policyName).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

// Roles

export async function insertRole(db: Db, row: IamRolesTable): Promise<void> {
  await db.insertInto('iam_roles').values(row).execute();
}

export async function getRole(db: Db, accountId: string, roleName: string): Promise<IamRolesTable | undefined> {
  return db.selectFrom('iam_roles').selectAll().where('account_id', '=', accountId).where('role_name', '=', roleName).executeTakeFirst();
}

export async function deleteRoleRow(db: Db, accountId: string, roleName: string): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx.deleteFrom('iam_tags').where('account_id', '=', accountId).where('entity_type', '=', 'role').where('entity_name', '=', roleName).execute();
    await tx.deleteFrom('iam_roles').where('account_id', '=', accountId).where('role_name', '=', roleName).execute();
  });
}

// Groups

export async function insertGroup(db: Db, row: IamGroupsTable): Promise<void> {
  await db.insertInto('iam_groups').values(row).execute();
}

export async function getGroup(db: Db, accountId: string, groupName: string): Promise<IamGroupsTable | undefined> {
  return db.selectFrom('iam_groups').selectAll().where('account_id', '=', accountId).where('group_name', '=', groupName).executeTakeFirst();
}

export async function addGroupMember(db: Db, accountId: string, groupName: string, userName: string): Promise<void> {
  await db.insertInto('iam_group_members').values({ account_id: accountId, group_name: groupName, user_name: userName })
    .onConflict((oc) => oc.columns(['account_id', 'group_name', 'user_name']).doNothing()).execute();
}

export async function groupsOfUser(db: Db, accountId: string, userName: string): Promise<string[]> {
  const rows = await db.selectFrom('iam_group_members').select('group_name').where('account_id', '=', accountId).where('user_name', '=', userName).orderBy('group_name').execute();
  return rows.map((r) => r.group_name);
}

// Managed policies

export async function insertPolicy(db: Db, row: IamPoliciesTable, document: string): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx.insertInto('iam_policies').values(row).execute();
    await tx.insertInto('iam_policy_versions').values({ policy_arn: row.policy_arn, version_id: row.default_version, document, created_at: row.created_at }).execute();
  });
}

export async function getPolicyRow(db: Db, policyArn: string): Promise<IamPoliciesTable | undefined> {
  return db.selectFrom('iam_policies').selectAll().where('policy_arn', '=', policyArn).executeTakeFirst();
}

export async function listPolicyRows(db: Db, accountId: string): Promise<IamPoliciesTable[]> {
  return db.selectFrom('iam_policies').selectAll().where('account_id', '=', accountId).orderBy('policy_name').execute();
}

export async function getPolicyVersion(db: Db, policyArn: string, versionId: string): Promise<IamPolicyVersionsTable | undefined> {
  return db.selectFrom('iam_policy_versions').selectAll().where('policy_arn', '=', policyArn).where('version_id', '=', versionId).executeTakeFirst();
}

export async function policyVersionCount(db: Db, policyArn: string): Promise<number> {
  const row = await db.selectFrom('iam_policy_versions').select((eb) => eb.fn.countAll<number>().as('n')).where('policy_arn', '=', policyArn).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Adds a version (numbered from the policy's counter) and makes it the default if asked. */
export async function addPolicyVersion(db: Db, input: { policyArn: string; document: string; setAsDefault: boolean; now: number }): Promise<string> {
  return db.transaction().execute(async (tx) => {
    const policy = await tx.selectFrom('iam_policies').select('next_version').where('policy_arn', '=', input.policyArn).executeTakeFirstOrThrow();
    const versionId = `v${policy.next_version}`;
    await tx.insertInto('iam_policy_versions').values({ policy_arn: input.policyArn, version_id: versionId, document: input.document, created_at: input.now }).execute();
    await tx.updateTable('iam_policies').set({
      next_version: Number(policy.next_version) + 1, updated_at: input.now, ...(input.setAsDefault ? { default_version: versionId } : {}),
    }).where('policy_arn', '=', input.policyArn).execute();
    return versionId;
  });
}

export async function deletePolicyRow(db: Db, policyArn: string): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx.deleteFrom('iam_policy_versions').where('policy_arn', '=', policyArn).execute();
    await tx.deleteFrom('iam_policies').where('policy_arn', '=', policyArn).execute();
  });
}

/** The default version's document of each customer managed policy in `arns` (built-ins are the caller's). */
export async function defaultDocuments(db: Db, arns: readonly string[]): Promise<string[]> {
  if (arns.length === 0) return [];
  const rows = await db.selectFrom('iam_policies')
    .innerJoin('iam_policy_versions', (j) => j.onRef('iam_policy_versions.policy_arn', '=', 'iam_policies.policy_arn').onRef('iam_policy_versions.version_id', '=', 'iam_policies.default_version'))
    .select('iam_policy_versions.document').where('iam_policies.policy_arn', 'in', [...arns]).execute();
  return rows.map((r) => r.document);
}

// Tags

export async function putTags(db: Db, accountId: string, entityType: IamEntityType, entityName: string, tags: readonly { Key: string; Value: string }[]): Promise<void> {
  for (const tag of tags) {
    await db.insertInto('iam_tags').values({ account_id: accountId, entity_type: entityType, entity_name: entityName, tag_key: tag.Key, tag_value: tag.Value })
      .onConflict((oc) => oc.columns(['account_id', 'entity_type', 'entity_name', 'tag_key']).doUpdateSet({ tag_value: tag.Value })).execute();
  }
}

export async function tagsOf(db: Db, accountId: string, entityType: IamEntityType, entityName: string): Promise<{ Key: string; Value: string }[]> {
  const rows = await db.selectFrom('iam_tags').select(['tag_key', 'tag_value']).where('account_id', '=', accountId).where('entity_type', '=', entityType)
    .where('entity_name', '=', entityName).orderBy('tag_key').execute();
  return rows.map((r) => ({ Key: r.tag_key, Value: r.tag_value }));
}

// Users and access keys (the tables of 0001)

export async function listUserRows(db: Db, accountId: string) {
  return db.selectFrom('users').selectAll().where('account_id', '=', accountId).orderBy('user_name').execute();
}

export async function listAccessKeyRows(db: Db, accountId: string, userName: string) {
  return db.selectFrom('access_keys').select(['access_key_id', 'user_name', 'status', 'created_at', 'last_used_at'])
    .where('account_id', '=', accountId).where('user_name', '=', userName).orderBy('created_at').execute();
}

export async function setAccessKeyStatus(db: Db, accountId: string, userName: string, accessKeyId: string, status: 'Active' | 'Inactive'): Promise<boolean> {
  const result = await db.updateTable('access_keys').set({ status }).where('account_id', '=', accountId).where('user_name', '=', userName)
    .where('access_key_id', '=', accessKeyId).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function deleteAccessKeyRow(db: Db, accountId: string, userName: string, accessKeyId: string): Promise<boolean> {
  const result = await db.deleteFrom('access_keys').where('account_id', '=', accountId).where('user_name', '=', userName)
    .where('access_key_id', '=', accessKeyId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** What must go before a user can be deleted (AWS refuses DeleteUser with DeleteConflict until then), as IAM words it. */
export async function userDependents(db: Db, accountId: string, userName: string): Promise<string | undefined> {
  if ((await listAccessKeyRows(db, accountId, userName)).length > 0) return 'delete access keys';
  if ((await attachedPolicies(db, accountId, 'user', userName)).length > 0) return 'detach all policies';
  if ((await inlinePolicies(db, accountId, 'user', userName)).length > 0) return 'delete policies';
  if ((await groupsOfUser(db, accountId, userName)).length > 0) return 'remove user from all groups';
  return undefined;
}

export async function deleteUserRow(db: Db, accountId: string, userName: string): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx.deleteFrom('iam_tags').where('account_id', '=', accountId).where('entity_type', '=', 'user').where('entity_name', '=', userName).execute();
    await tx.deleteFrom('users').where('account_id', '=', accountId).where('user_name', '=', userName).execute();
  });
}

/** Records that an access key was used (the key's last_used_at, and the service and region of that use). */
export async function recordAccessKeyUse(db: Db, input: { accessKeyId: string; now: number; serviceName: string; region: string }): Promise<void> {
  await db.updateTable('access_keys').set({ last_used_at: input.now }).where('access_key_id', '=', input.accessKeyId).execute();
  await db.insertInto('iam_access_key_last_used').values({ access_key_id: input.accessKeyId, used_at: input.now, service_name: input.serviceName, region: input.region })
    .onConflict((oc) => oc.column('access_key_id').doUpdateSet({ used_at: input.now, service_name: input.serviceName, region: input.region })).execute();
}

export async function accessKeyLastUsed(db: Db, accessKeyId: string) {
  return db.selectFrom('iam_access_key_last_used').selectAll().where('access_key_id', '=', accessKeyId).executeTakeFirst();
}

/** The role managed nodes act as when their activation names none. */
export const MANAGED_NODE_ROLE_NAME = 'BosunManagedNodeRole';

/**
 * Makes sure an account has the default role of managed nodes: trusted by the Systems
 * Manager service (as AWS's activation roles are, https://docs.aws.amazon.com/systems-manager/latest/userguide/hybrid-multicloud-service-role.html)
 * and holding BosunManagedNodeRolePolicy. Returns the role; `roleId` is used when it has to be created.
 */
export async function ensureManagedNodeRole(db: Db, input: { accountId: string; roleId: string; now: number; policyArn: string }): Promise<IamRolesTable> {
  const existing = await getRole(db, input.accountId, MANAGED_NODE_ROLE_NAME);
  if (existing) return existing;
  const row: IamRolesTable = {
    account_id: input.accountId, role_name: MANAGED_NODE_ROLE_NAME, role_id: input.roleId, path: '/',
    trust_policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ssm.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
    description: 'The role Bosun managed nodes act as.', max_session_duration: 3600, created_at: input.now,
  };
  await db.transaction().execute(async (tx) => {
    await tx.insertInto('iam_roles').values(row).onConflict((oc) => oc.columns(['account_id', 'role_name']).doNothing()).execute();
    await tx.insertInto('iam_attachments').values({ account_id: input.accountId, entity_type: 'role', entity_name: MANAGED_NODE_ROLE_NAME, policy_arn: input.policyArn, attached_at: input.now })
      .onConflict((oc) => oc.columns(['account_id', 'entity_type', 'entity_name', 'policy_arn']).doNothing()).execute();
  });
  return (await getRole(db, input.accountId, MANAGED_NODE_ROLE_NAME))!;
}
