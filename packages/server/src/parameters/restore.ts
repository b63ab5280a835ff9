import type { Scope } from '@bosun/protocol';
import { listDeleted, restoreDeleted, RestoreConflict, type VersionRow } from './parameter-store.ts';
import type { Db } from '../store/store.ts';

/**
 * Beyond AWS: a deleted parameter's versions are kept (SecureStrings still encrypted under their
 * key, bound to the parameter's ARN) for a retention period, and can be brought back.
 */
export const DEFAULT_RETENTION_DAYS = 30;

export interface DeletedVersion {
  readonly version: number;
  readonly type: string;
  /** The stored value: plain for String/StringList, ciphertext for SecureString. */
  readonly value: string;
  readonly labels: string[];
  readonly lastModifiedAt: number;
  readonly lastModifiedUser: string;
}

export interface Deletion {
  readonly deletionId: string;
  readonly deletedAt: number;
  readonly deletedBy: string;
  readonly versions: DeletedVersion[];
}

export async function listDeletedParameters(db: Db, scope: Scope, name: string): Promise<Deletion[]> {
  return (await listDeleted(db, scope, name)).map((d) => ({
    deletionId: d.deletion_id,
    deletedAt: Number(d.deleted_at),
    deletedBy: d.deleted_by,
    versions: (JSON.parse(d.versions) as VersionRow[]).map((v) => ({
      version: Number(v.version), type: v.type, value: v.value, labels: JSON.parse(v.labels) as string[],
      lastModifiedAt: Number(v.last_modified_at), lastModifiedUser: v.last_modified_user,
    })),
  }));
}

/** Restores the most recent deletion of `name`. Throws when there is none or the name is in use. */
export async function restoreDeletedParameter(db: Db, scope: Scope, name: string, now: number): Promise<{ versions: number; deletedAt: number }> {
  const [latest] = await listDeleted(db, scope, name);
  if (!latest) {
    throw new Error(`No deleted parameter ${name} is kept in account ${scope.accountId}, region ${scope.region} (deleted parameters are kept ${DEFAULT_RETENTION_DAYS} days).`);
  }
  try {
    await restoreDeleted(db, latest, now);
  } catch (error) {
    if (error instanceof RestoreConflict) throw new Error(`${name} exists again: delete or rename the current parameter before restoring the deleted one.`);
    throw error;
  }
  return { versions: (JSON.parse(latest.versions) as unknown[]).length, deletedAt: Number(latest.deleted_at) };
}
