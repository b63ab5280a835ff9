import type { Scope } from '@bosun/protocol';
import type { Db } from '../store/store.ts';
import type { KmsAliasesTable, KmsKeysTable, KmsKeyVersionsTable } from '../store/schema.ts';

/**
 * Store queries for KMS keys, their material versions and aliases. Keys and aliases live in an
 * account and a region (a key id is unique everywhere; an alias name only within its scope).
 */

export async function insertKey(db: Db, key: KmsKeysTable, version: KmsKeyVersionsTable, alias?: KmsAliasesTable): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx.insertInto('kms_keys').values(key).execute();
    await tx.insertInto('kms_key_versions').values(version).execute();
    if (alias) await tx.insertInto('kms_aliases').values(alias).execute();
  });
}

export async function getKey(db: Db, scope: Scope, keyId: string): Promise<KmsKeysTable | undefined> {
  return db.selectFrom('kms_keys').selectAll().where('key_id', '=', keyId).where('account_id', '=', scope.accountId).where('region', '=', scope.region).executeTakeFirst();
}

export async function getKeyVersion(db: Db, keyId: string, version: number): Promise<KmsKeyVersionsTable | undefined> {
  return db.selectFrom('kms_key_versions').selectAll().where('key_id', '=', keyId).where('version', '=', version).executeTakeFirst();
}

export async function listKeys(db: Db, scope: Scope, options: { after?: string; limit: number }): Promise<KmsKeysTable[]> {
  let query = db.selectFrom('kms_keys').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region);
  if (options.after) query = query.where('key_id', '>', options.after);
  return query.orderBy('key_id').limit(options.limit).execute();
}

export async function updateKey(db: Db, scope: Scope, keyId: string, changes: Partial<Omit<KmsKeysTable, 'key_id' | 'account_id' | 'region'>>): Promise<void> {
  await db.updateTable('kms_keys').set(changes).where('key_id', '=', keyId).where('account_id', '=', scope.accountId).where('region', '=', scope.region).execute();
}

/** Adds a material version and makes it current, unless another rotation got there first. */
export async function addKeyVersion(db: Db, scope: Scope, version: KmsKeyVersionsTable, changes: Partial<KmsKeysTable> = {}): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const updated = await tx.updateTable('kms_keys').set({ ...changes, current_version: version.version })
      .where('key_id', '=', version.key_id).where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('current_version', '=', version.version - 1)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) return false;
    await tx.insertInto('kms_key_versions').values(version).execute();
    return true;
  });
}

export async function deleteKey(db: Db, keyId: string): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx.deleteFrom('kms_aliases').where('target_key_id', '=', keyId).execute();
    await tx.deleteFrom('kms_key_versions').where('key_id', '=', keyId).execute();
    await tx.deleteFrom('kms_keys').where('key_id', '=', keyId).execute();
  });
}

export async function getAlias(db: Db, scope: Scope, aliasName: string): Promise<KmsAliasesTable | undefined> {
  return db.selectFrom('kms_aliases').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('alias_name', '=', aliasName).executeTakeFirst();
}

/** Inserts an alias; false when the name is taken. */
export async function insertAlias(db: Db, alias: KmsAliasesTable): Promise<boolean> {
  const result = await db.insertInto('kms_aliases').values(alias).onConflict((oc) => oc.columns(['account_id', 'region', 'alias_name']).doNothing()).executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
}

export async function updateAlias(db: Db, scope: Scope, aliasName: string, targetKeyId: string, now: number): Promise<boolean> {
  const result = await db.updateTable('kms_aliases').set({ target_key_id: targetKeyId, updated_at: now })
    .where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('alias_name', '=', aliasName).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function deleteAlias(db: Db, scope: Scope, aliasName: string): Promise<boolean> {
  const result = await db.deleteFrom('kms_aliases').where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('alias_name', '=', aliasName).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

export async function listAliases(db: Db, scope: Scope, options: { keyId?: string; after?: string; limit: number }): Promise<KmsAliasesTable[]> {
  let query = db.selectFrom('kms_aliases').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region);
  if (options.keyId) query = query.where('target_key_id', '=', options.keyId);
  if (options.after) query = query.where('alias_name', '>', options.after);
  return query.orderBy('alias_name').limit(options.limit).execute();
}
