import type { Scope } from '@bosun/protocol';
import type { Db } from '../store/store.ts';
import type { SecretsTable, SecretVersionsTable } from '../store/schema.ts';

/**
 * Store queries for Secrets Manager. Values are KMS envelope ciphertext; stages are JSON arrays.
 * A secret lives in an account and a region; its name is unique there. Queries by ARN need no
 * scope beyond the one that found the secret: the ARN names its region.
 */

export async function findSecretByName(db: Db, scope: Scope, name: string): Promise<SecretsTable | undefined> {
  return db.selectFrom('secrets').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('name', '=', name).executeTakeFirst();
}

export async function findSecretByArn(db: Db, scope: Scope, arn: string): Promise<SecretsTable | undefined> {
  return db.selectFrom('secrets').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('arn', '=', arn).executeTakeFirst();
}

export async function insertSecret(db: Db, secret: SecretsTable, version?: SecretVersionsTable): Promise<boolean> {
  try {
    await db.transaction().execute(async (tx) => {
      await tx.insertInto('secrets').values(secret).execute();
      if (version) await tx.insertInto('secret_versions').values(version).execute();
    });
    return true;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return false;
    throw error;
  }
}

export async function updateSecret(db: Db, arn: string, changes: Partial<Omit<SecretsTable, 'arn' | 'account_id' | 'region'>>): Promise<void> {
  await db.updateTable('secrets').set(changes).where('arn', '=', arn).execute();
}

export async function getSecretVersions(db: Db, arn: string): Promise<SecretVersionsTable[]> {
  return db.selectFrom('secret_versions').selectAll().where('secret_arn', '=', arn).orderBy('created_at').orderBy('version_id').execute();
}

/** Adds a version and rewrites the stages of others, in one transaction. */
export async function addSecretVersion(db: Db, version: SecretVersionsTable | undefined, stageChanges: readonly { versionId: string; stages: readonly string[] }[], secretChanges: Partial<SecretsTable>, arn: string): Promise<void> {
  await db.transaction().execute(async (tx) => {
    if (version) await tx.insertInto('secret_versions').values(version).execute();
    for (const change of stageChanges) {
      await tx.updateTable('secret_versions').set({ stages: JSON.stringify(change.stages) }).where('secret_arn', '=', arn).where('version_id', '=', change.versionId).execute();
    }
    if (Object.keys(secretChanges).length > 0) await tx.updateTable('secrets').set(secretChanges).where('arn', '=', arn).execute();
  });
}

export async function deleteSecretNow(db: Db, arn: string): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx.deleteFrom('secret_versions').where('secret_arn', '=', arn).execute();
    await tx.deleteFrom('secrets').where('arn', '=', arn).execute();
  });
}

export async function listSecrets(db: Db, scope: Scope): Promise<SecretsTable[]> {
  return db.selectFrom('secrets').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region).orderBy('created_at').orderBy('arn').execute();
}

/** Every region's: the sweep runs for the whole store. */
export async function dueSecretDeletions(db: Db, now: number, limit: number): Promise<SecretsTable[]> {
  return db.selectFrom('secrets').selectAll().where('deletion_at', '<=', now).limit(limit).execute();
}
