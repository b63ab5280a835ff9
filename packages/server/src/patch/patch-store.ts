import type { Scope } from '@bosun/protocol';
import type { Db } from '../store/store.ts';
import type { PatchBaselinesTable, PatchDefaultBaselinesTable, PatchGroupsTable } from './tables.ts';

/**
 * Patch Manager's rows. Callers pass ids and `now`; nothing here reads the clock. Every
 * function takes a Scope: baselines, patch groups and defaults are regional.
 */
export type BaselineRow = PatchBaselinesTable;
export type PatchGroupRow = PatchGroupsTable;
export type DefaultBaselineRow = PatchDefaultBaselinesTable;

const baselineOf = (r: BaselineRow): BaselineRow => ({ ...r, created_at: Number(r.created_at), updated_at: Number(r.updated_at) });
const groupOf = (r: PatchGroupRow): PatchGroupRow => ({ ...r, registered_at: Number(r.registered_at) });

export type InsertedBaseline = { ok: true; row: BaselineRow } | { ok: false; reason: 'limit' } | { ok: false; reason: 'token'; existing: BaselineRow };

/** A baseline, unless the scope holds `limit` already or the ClientToken was used (the existing baseline is returned). */
export async function insertBaseline(db: Db, row: BaselineRow, limit: number): Promise<InsertedBaseline> {
  return db.transaction().execute(async (tx) => {
    if (row.client_token !== null) {
      const existing = await tx.selectFrom('patch_baselines').selectAll().where('account_id', '=', row.account_id).where('region', '=', row.region)
        .where('client_token', '=', row.client_token).executeTakeFirst();
      if (existing) return { ok: false, reason: 'token', existing: baselineOf(existing) } as const;
    }
    const { n } = await tx.selectFrom('patch_baselines').select((eb) => eb.fn.countAll<number>().as('n'))
      .where('account_id', '=', row.account_id).where('region', '=', row.region).executeTakeFirstOrThrow();
    if (Number(n) >= limit) return { ok: false, reason: 'limit' } as const;
    await tx.insertInto('patch_baselines').values(row).execute();
    return { ok: true, row } as const;
  });
}

export async function findBaseline(db: Db, scope: Scope, baselineId: string): Promise<BaselineRow | undefined> {
  const row = await db.selectFrom('patch_baselines').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region)
    .where('baseline_id', '=', baselineId).executeTakeFirst();
  return row && baselineOf(row);
}

/** The scope's custom baselines, oldest first. */
export async function listBaselines(db: Db, scope: Scope): Promise<BaselineRow[]> {
  const rows = await db.selectFrom('patch_baselines').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region)
    .orderBy('created_at').orderBy('baseline_id').execute();
  return rows.map(baselineOf);
}

export async function updateBaselineRow(db: Db, scope: Scope, baselineId: string, changes: Pick<BaselineRow, 'name' | 'description' | 'definition' | 'updated_at'>): Promise<boolean> {
  const updated = await db.updateTable('patch_baselines').set(changes).where('account_id', '=', scope.accountId).where('region', '=', scope.region)
    .where('baseline_id', '=', baselineId).executeTakeFirst();
  return Number(updated.numUpdatedRows) > 0;
}

export async function setBaselineTags(db: Db, scope: Scope, baselineId: string, tags: string): Promise<void> {
  await db.updateTable('patch_baselines').set({ tags }).where('account_id', '=', scope.accountId).where('region', '=', scope.region)
    .where('baseline_id', '=', baselineId).execute();
}

/**
 * Removes a custom baseline unless it is the scope's default for its OS or registered with a
 * patch group ('in-use'); the check and the delete are one transaction.
 */
export async function deleteBaseline(db: Db, scope: Scope, baselineId: string): Promise<'ok' | 'missing' | 'default' | 'in-use'> {
  return db.transaction().execute(async (tx) => {
    const row = await tx.selectFrom('patch_baselines').select('baseline_id').where('account_id', '=', scope.accountId).where('region', '=', scope.region)
      .where('baseline_id', '=', baselineId).executeTakeFirst();
    if (!row) return 'missing' as const;
    const asDefault = await tx.selectFrom('patch_default_baselines').select('baseline_id').where('account_id', '=', scope.accountId).where('region', '=', scope.region)
      .where('baseline_id', '=', baselineId).executeTakeFirst();
    if (asDefault) return 'default' as const;
    const group = await tx.selectFrom('patch_groups').select('patch_group').where('account_id', '=', scope.accountId).where('region', '=', scope.region)
      .where('baseline_id', '=', baselineId).executeTakeFirst();
    if (group) return 'in-use' as const;
    await tx.deleteFrom('patch_baselines').where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('baseline_id', '=', baselineId).execute();
    return 'ok' as const;
  });
}

// ---------------------------------------------------------------------------------------------
// Defaults

export async function findDefault(db: Db, scope: Scope, operatingSystem: string): Promise<DefaultBaselineRow | undefined> {
  const row = await db.selectFrom('patch_default_baselines').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region)
    .where('operating_system', '=', operatingSystem).executeTakeFirst();
  return row && { ...row, registered_at: Number(row.registered_at) };
}

export async function listDefaults(db: Db, scope: Scope): Promise<DefaultBaselineRow[]> {
  const rows = await db.selectFrom('patch_default_baselines').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region).execute();
  return rows.map((r) => ({ ...r, registered_at: Number(r.registered_at) }));
}

/**
 * Makes `baselineId` the scope's default for `operatingSystem`; `predefined` clears the row (AWS's
 * baseline is the default without one). Two registrations racing meet at the unique index; the
 * loser tries once more, so the last one wins as it would one after the other.
 */
export async function setDefault(db: Db, scope: Scope, operatingSystem: string, baselineId: string, now: number, predefined: boolean): Promise<void> {
  try {
    await setDefaultTx(db, scope, operatingSystem, baselineId, now, predefined);
  } catch {
    await setDefaultTx(db, scope, operatingSystem, baselineId, now, predefined);
  }
}

async function setDefaultTx(db: Db, scope: Scope, operatingSystem: string, baselineId: string, now: number, predefined: boolean): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx.deleteFrom('patch_default_baselines').where('account_id', '=', scope.accountId).where('region', '=', scope.region)
      .where('operating_system', '=', operatingSystem).execute();
    if (!predefined) {
      await tx.insertInto('patch_default_baselines').values({ account_id: scope.accountId, region: scope.region, operating_system: operatingSystem, baseline_id: baselineId, registered_at: now }).execute();
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Patch groups

/**
 * Registers a group with a baseline of `operatingSystem`, unless the group has one for that OS
 * ('exists') or the baseline has `limit` groups. Two registrations racing for one group and OS
 * meet at the unique index: the loser reads 'exists'.
 */
export async function insertPatchGroup(db: Db, row: PatchGroupRow, limit: number): Promise<'ok' | 'exists' | 'limit'> {
  const registered = () => db.selectFrom('patch_groups').select('baseline_id').where('account_id', '=', row.account_id).where('region', '=', row.region)
    .where('patch_group', '=', row.patch_group).where('operating_system', '=', row.operating_system).executeTakeFirst();
  try {
    return await db.transaction().execute(async (tx) => {
      const existing = await tx.selectFrom('patch_groups').select('baseline_id').where('account_id', '=', row.account_id).where('region', '=', row.region)
        .where('patch_group', '=', row.patch_group).where('operating_system', '=', row.operating_system).executeTakeFirst();
      if (existing) return 'exists' as const;
      const { n } = await tx.selectFrom('patch_groups').select((eb) => eb.fn.countAll<number>().as('n'))
        .where('account_id', '=', row.account_id).where('region', '=', row.region).where('baseline_id', '=', row.baseline_id).executeTakeFirstOrThrow();
      if (Number(n) >= limit) return 'limit' as const;
      await tx.insertInto('patch_groups').values(row).execute();
      return 'ok' as const;
    });
  } catch (error) {
    if (await registered()) return 'exists';
    throw error;
  }
}

export async function deletePatchGroup(db: Db, scope: Scope, patchGroup: string, baselineId: string): Promise<boolean> {
  const deleted = await db.deleteFrom('patch_groups').where('account_id', '=', scope.accountId).where('region', '=', scope.region)
    .where('patch_group', '=', patchGroup).where('baseline_id', '=', baselineId).executeTakeFirst();
  return Number(deleted.numDeletedRows) > 0;
}

/** The scope's registrations, by group then OS. */
export async function listPatchGroups(db: Db, scope: Scope): Promise<PatchGroupRow[]> {
  const rows = await db.selectFrom('patch_groups').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region)
    .orderBy('patch_group').orderBy('operating_system').execute();
  return rows.map(groupOf);
}
