import type { Scope } from '@bosun/protocol';
import type { Transaction } from 'kysely';
import { queryRows, readCacheOf, type ReadCache } from '../store/read-cache.ts';
import type { Db } from '../store/store.ts';
import type { Database, DeletedParametersTable, ParameterVersionsTable } from '../store/schema.ts';
import { nameForms } from './names.ts';

/**
 * Store queries for Parameter Store. Every version of a parameter is a row; the newest has
 * is_current = 1, so reading a parameter is one indexed lookup. A deleted parameter's rows
 * move, as they are (SecureStrings still encrypted), into deleted_parameters.
 *
 * A top-level parameter is stored under the form it was created with (`foo` or `/foo`); every
 * function here that takes a name finds it by either form (names.ts nameForms). Migration
 * 0009 guarantees at most one current parameter per account and region for the two forms.
 *
 * Parameters are regional (0010-regions): every read and write is within one account's region.
 */

export type VersionRow = ParameterVersionsTable;

/**
 * Current versions as read, kept until parameter_versions changes (store/read-cache.ts):
 * GetParameter and GetParametersByPath answer from memory. Rows from it are shared: never change one.
 */
const currentReads = new WeakMap<Db, ReadCache>();
const CURRENT_SQL = 'select * from parameter_versions where account_id = ? and region = ? and name in (?, ?) and is_current = ?';

export async function getCurrent(db: Db, scope: Scope, name: string): Promise<VersionRow | undefined> {
  // The read of every GetParameter, cached: on SQLite a prepared statement; on PostgreSQL the fixed text, not built each time.
  const cache = readCacheOf(db, currentReads, ['parameter_versions']);
  const key = `current\0${scope.accountId}\0${scope.region}\0${name}`;
  const params = [scope.accountId, scope.region, ...nameForms(name), 1];
  const cached = cache.read(db, key, (q) => q.get<VersionRow>(CURRENT_SQL, params));
  if (cached) return cached.value;
  return cache.readAsync(db, key, async () => (await queryRows<VersionRow>(db, CURRENT_SQL, params))[0]);
}

export async function getVersions(db: Db, scope: Scope, name: string): Promise<VersionRow[]> {
  return db.selectFrom('parameter_versions').selectAll()
    .where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('name', 'in', nameForms(name))
    .orderBy('version').execute();
}

export class VersionConflict extends Error {}

/**
 * Writes a new version under `row.name`, the stored form (the current version's name when
 * there is one). `previous` is the version the caller read (undefined for a new parameter); when another write got there first, throws VersionConflict. `drop` removes the
 * oldest version (the 100-version limit).
 */
export async function putVersion(db: Db, row: VersionRow, options: { previous?: number; drop?: number; tags?: string }): Promise<void> {
  try {
    await db.transaction().execute(async (tx) => {
      if (options.previous !== undefined) {
        const updated = await tx.updateTable('parameter_versions').set({ is_current: 0, expires_at: null, policy_due_at: null })
          .where('account_id', '=', row.account_id).where('region', '=', row.region).where('name', '=', row.name)
          .where('version', '=', options.previous).where('is_current', '=', 1)
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) !== 1) throw new VersionConflict();
      }
      if (options.drop !== undefined) {
        await tx.deleteFrom('parameter_versions').where('account_id', '=', row.account_id).where('region', '=', row.region)
          .where('name', '=', row.name).where('version', '=', options.drop).execute();
      }
      await tx.insertInto('parameter_versions').values(row).execute();
      if (options.tags !== undefined) {
        await tx.insertInto('parameter_tags').values({ account_id: row.account_id, region: row.region, name: row.name, tags: options.tags })
          .onConflict((oc) => oc.columns(['account_id', 'region', 'name']).doUpdateSet({ tags: options.tags! })).execute();
      }
    });
  } catch (error) {
    if (error instanceof VersionConflict || isUniqueViolation(error)) throw new VersionConflict();
    throw error;
  }
}

/** Sets the labels of some versions in one transaction. */
export async function setLabels(db: Db, scope: Scope, name: string, changes: readonly { version: number; labels: readonly string[] }[]): Promise<void> {
  await db.transaction().execute(async (tx) => {
    for (const change of changes) {
      await tx.updateTable('parameter_versions').set({ labels: JSON.stringify(change.labels) })
        .where('account_id', '=', scope.accountId).where('region', '=', scope.region)
        .where('name', 'in', nameForms(name)).where('version', '=', change.version).execute();
    }
  });
}

/** Moves a parameter's versions and tags to deleted_parameters; false when there was none. */
export async function deleteParameter(
  db: Db, scope: Scope, name: string, deletion: { id: string; at: number; by: string },
  options: { version?: number; also?: (tx: Transaction<Database>) => Promise<void> } = {},
): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const versions = await tx.selectFrom('parameter_versions').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region)
      .where('name', 'in', nameForms(name)).orderBy('version').execute();
    if (versions.length === 0) return false;
    // Only the version the caller decided on: a newer write in the meantime wins.
    if (options.version !== undefined && versions[versions.length - 1].version !== options.version) return false;
    const existing = await tx.selectFrom('deleted_parameters').select('deletion_id').where('deletion_id', '=', deletion.id).executeTakeFirst();
    if (existing) return false;
    await options.also?.(tx);
    const stored = versions[0].name;
    const tags = await tx.selectFrom('parameter_tags').select('tags').where('account_id', '=', scope.accountId).where('region', '=', scope.region)
      .where('name', '=', stored).executeTakeFirst();
    await tx.insertInto('deleted_parameters').values({
      deletion_id: deletion.id, account_id: scope.accountId, region: scope.region, name: stored, deleted_at: deletion.at, deleted_by: deletion.by,
      versions: JSON.stringify(versions), tags: tags?.tags ?? '[]',
    }).execute();
    await tx.deleteFrom('parameter_versions').where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('name', '=', stored).execute();
    await tx.deleteFrom('parameter_tags').where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('name', '=', stored).execute();
    return true;
  });
}

export interface ListOptions {
  readonly after?: string;
  readonly limit: number;
  /** Only direct children of this path (one level). */
  readonly parent?: string;
  /** Only names under this path at any depth (path + '/'); '/' is every name, top-level ones stored without their slash too. */
  readonly prefix?: string;
}

/** Current versions of an account's parameters in a region, by name. */
export async function listCurrent(db: Db, scope: Scope, options: ListOptions): Promise<VersionRow[]> {
  // One query text per combination of options; the same text on both engines.
  let text = 'select * from parameter_versions where account_id = ? and region = ? and is_current = ?';
  const params: unknown[] = [scope.accountId, scope.region, 1];
  if (options.parent !== undefined) {
    text += ' and parent_path = ?';
    params.push(options.parent);
  }
  if (options.prefix !== undefined && options.prefix !== '/') {
    text += ' and substr(name, 1, ?) = ?';
    params.push(options.prefix.length, options.prefix);
  }
  if (options.after !== undefined) {
    text += ' and name > ?';
    params.push(options.after);
  }
  params.push(options.limit);
  text += ' order by name limit ?';
  const cache = readCacheOf(db, currentReads, ['parameter_versions']);
  const key = `${text}\0${params.join('\0')}`;
  const cached = cache.read(db, key, (q) => q.all<VersionRow>(text, params));
  if (cached) return cached.value;
  return cache.readAsync(db, key, () => queryRows<VersionRow>(db, text, params));
}

/** Replaces a parameter's tags (AddTagsToResource / RemoveTagsFromResource); `name` is the stored form. */
export async function setTags(db: Db, scope: Scope, name: string, tags: string): Promise<void> {
  await db.insertInto('parameter_tags').values({ account_id: scope.accountId, region: scope.region, name, tags })
    .onConflict((oc) => oc.columns(['account_id', 'region', 'name']).doUpdateSet({ tags })).execute();
}

/** Tags by stored name (the names of rows read). */
export async function getTags(db: Db, scope: Scope, names: readonly string[]): Promise<Map<string, string>> {
  if (names.length === 0) return new Map();
  const rows = await db.selectFrom('parameter_tags').select(['name', 'tags'])
    .where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('name', 'in', names).execute();
  return new Map(rows.map((r) => [r.name, r.tags]));
}

export async function listDeleted(db: Db, scope: Scope, name: string): Promise<DeletedParametersTable[]> {
  return db.selectFrom('deleted_parameters').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region)
    .where('name', 'in', nameForms(name)).orderBy('deleted_at', 'desc').execute();
}

export class RestoreConflict extends Error {}

/** Puts the versions of a deletion back; RestoreConflict when the name is in use again. */
export async function restoreDeleted(db: Db, deleted: DeletedParametersTable, now: number): Promise<void> {
  try {
    await db.transaction().execute(async (tx) => {
      const existing = await tx.selectFrom('parameter_versions').select('version').where('account_id', '=', deleted.account_id).where('region', '=', deleted.region)
        .where('name', 'in', nameForms(deleted.name)).executeTakeFirst();
      if (existing) throw new RestoreConflict();
      // Versions deleted before regions (0010) carry no region of their own: they come back where the deletion was moved.
      const versions = (JSON.parse(deleted.versions) as VersionRow[]).map((v) => ({ ...v, region: deleted.region }));
      for (const v of versions) {
        // A parameter restored after its expiration deleted it stays: its past expiration no longer applies.
        const expired = v.expires_at !== null && Number(v.expires_at) <= now;
        await tx.insertInto('parameter_versions').values(expired ? { ...v, expires_at: null, policy_due_at: null } : v).execute();
      }
      await tx.insertInto('parameter_tags').values({ account_id: deleted.account_id, region: deleted.region, name: deleted.name, tags: deleted.tags }).execute();
      await tx.deleteFrom('deleted_parameters').where('deletion_id', '=', deleted.deletion_id).execute();
    });
  } catch (error) {
    if (error instanceof RestoreConflict || isUniqueViolation(error)) throw new RestoreConflict();
    throw error;
  }
}

/** Current versions with a policy due at `now` or before (an index range), most overdue first, of every account and region. */
export async function duePolicies(db: Db, now: number, limit: number): Promise<VersionRow[]> {
  return db.selectFrom('parameter_versions').selectAll()
    .where('policy_due_at', '<=', now).where('is_current', '=', 1).orderBy('policy_due_at').limit(limit).execute();
}

/** Moves a version's next policy time on, unless the version changed meanwhile. */
export async function setPolicyDueAt(db: Db, row: VersionRow, dueAt: number | null): Promise<void> {
  await db.updateTable('parameter_versions').set({ policy_due_at: dueAt })
    .where('account_id', '=', row.account_id).where('region', '=', row.region).where('name', '=', row.name)
    .where('version', '=', row.version).where('is_current', '=', 1).execute();
}

/** Forgets deletions older than `before` (the retention period, an account's option: every region of the account alike). */
export async function purgeDeleted(db: Db, before: number, scope: { accountId?: string; except?: readonly string[] } = {}): Promise<number> {
  let query = db.deleteFrom('deleted_parameters').where('deleted_at', '<', before);
  if (scope.accountId) query = query.where('account_id', '=', scope.accountId);
  if (scope.except && scope.except.length > 0) query = query.where('account_id', 'not in', scope.except);
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows);
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string })?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
