import type { Scope } from '@bosun/protocol';
import type { AssociationExecutionsTable, AssociationsTable, AssociationTargetsTable, AssociationVersionsTable } from '../store/schema.ts';
import type { Db } from '../store/store.ts';
import { bulkInsert } from '../store/bulk-insert.ts';

/**
 * State Manager's rows. Callers pass ids and `now`; nothing here reads the clock. Every
 * function that lists takes a Scope: associations are regional.
 */
export type AssociationRow = AssociationsTable;
export type AssociationVersionRow = AssociationVersionsTable;
export type ExecutionRow = AssociationExecutionsTable;
export type TargetStateRow = AssociationTargetsTable;

/** AWS: 2,000 associations per account and region; 1,000 versions of one. */
export const MAX_ASSOCIATIONS = 2000;
export const MAX_VERSIONS = 1000;

export const OPEN_EXECUTION_STATUSES: readonly string[] = ['Pending', 'InProgress'];

export type InsertAssociationResult = { ok: true } | { ok: false; reason: 'limit' | 'exists' };

/** The association and its version 1, unless the scope holds MAX_ASSOCIATIONS already (or, for a legacy one, the pair exists). */
export async function insertAssociation(db: Db, row: AssociationRow, version: AssociationVersionRow, limit = MAX_ASSOCIATIONS): Promise<InsertAssociationResult> {
  return db.transaction().execute(async (tx) => {
    const { n } = await tx.selectFrom('associations').select((eb) => eb.fn.countAll<number>().as('n'))
      .where('account_id', '=', row.account_id).where('region', '=', row.region).executeTakeFirstOrThrow();
    if (Number(n) >= limit) return { ok: false, reason: 'limit' } as const;
    if (row.instance_id !== null) {
      const same = await tx.selectFrom('associations').select('association_id').where('account_id', '=', row.account_id).where('region', '=', row.region)
        .where('instance_id', '=', row.instance_id).where('name', '=', row.name).executeTakeFirst();
      if (same) return { ok: false, reason: 'exists' } as const;
    }
    await tx.insertInto('associations').values(row).execute();
    await tx.insertInto('association_versions').values(version).execute();
    return { ok: true } as const;
  });
}

export async function findAssociation(db: Db, scope: Scope, associationId: string): Promise<AssociationRow | undefined> {
  const row = await db.selectFrom('associations').selectAll().where('association_id', '=', associationId)
    .where('account_id', '=', scope.accountId).where('region', '=', scope.region).executeTakeFirst();
  return row && normalise(row);
}

export async function findLegacyAssociation(db: Db, scope: Scope, name: string, instanceId: string): Promise<AssociationRow | undefined> {
  const row = await db.selectFrom('associations').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region)
    .where('instance_id', '=', instanceId).where('name', '=', name).executeTakeFirst();
  return row && normalise(row);
}

/** The scope's associations, oldest first. */
export async function listAssociations(db: Db, scope: Scope): Promise<AssociationRow[]> {
  const rows = await db.selectFrom('associations').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region)
    .orderBy('created_at').orderBy('association_id').execute();
  return rows.map(normalise);
}

/** Associations of every scope whose schedule is due. */
export async function dueAssociations(db: Db, now: number, limit: number): Promise<AssociationRow[]> {
  const rows = await db.selectFrom('associations').selectAll().where('next_run_at', 'is not', null).where('next_run_at', '<=', now)
    .orderBy('next_run_at').limit(limit).execute();
  return rows.map(normalise);
}

/** Every scope that holds associations (the reconcile pass walks them). */
export async function associationScopes(db: Db): Promise<Scope[]> {
  const rows = await db.selectFrom('associations').select(['account_id', 'region']).distinct().execute();
  return rows.map((r) => ({ accountId: r.account_id, region: r.region }));
}

/**
 * A new version: the row's definition replaced and version raised by one, only if the
 * association is still at `expectedVersion` (two concurrent updates cannot both win).
 */
export async function updateAssociationRow(db: Db, row: AssociationRow, version: AssociationVersionRow, expectedVersion: number): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const changes: Partial<AssociationRow> = { ...row };
    for (const key of ['association_id', 'account_id', 'region', 'created_at'] as const) delete changes[key];
    const updated = await tx.updateTable('associations').set(changes).where('association_id', '=', row.association_id)
      .where('association_version', '=', expectedVersion).executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) return false;
    await tx.insertInto('association_versions').values(version).execute();
    return true;
  });
}

export async function setLegacyStatus(db: Db, associationId: string, status: string, now: number): Promise<void> {
  await db.updateTable('associations').set({ legacy_status: status, updated_at: now }).where('association_id', '=', associationId).execute();
}

/** The association with its versions, executions and node states. */
export async function deleteAssociationRows(db: Db, scope: Scope, associationId: string): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const deleted = await tx.deleteFrom('associations').where('association_id', '=', associationId)
      .where('account_id', '=', scope.accountId).where('region', '=', scope.region).executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) return false;
    for (const table of ['association_versions', 'association_executions', 'association_targets'] as const) {
      await tx.deleteFrom(table).where('association_id', '=', associationId).execute();
    }
    return true;
  });
}

export async function listVersions(db: Db, associationId: string): Promise<AssociationVersionRow[]> {
  const rows = await db.selectFrom('association_versions').selectAll().where('association_id', '=', associationId).orderBy('association_version').execute();
  return rows.map((r) => ({ ...r, created_at: Number(r.created_at) }));
}

export async function findVersion(db: Db, associationId: string, version: number): Promise<AssociationVersionRow | undefined> {
  const row = await db.selectFrom('association_versions').selectAll().where('association_id', '=', associationId).where('association_version', '=', version).executeTakeFirst();
  return row && { ...row, created_at: Number(row.created_at) };
}

/** Target-state rows per statement (store/bulk-insert.ts). */
const STATE_BATCH = 5000;

const STATE_COLUMNS = ([
  ['association_id', 'text'], ['instance_id', 'text'], ['account_id', 'text'], ['region', 'text'], ['association_version', 'integer'], ['execution_id', 'text'],
  ['status', 'text'], ['detailed_status', 'text'], ['error_code', 'text'], ['summary', 'text'], ['execution_at', 'bigint'], ['updated_at', 'bigint'],
] as const).map(([name, type]) => ({ name, type }));

/**
 * Starts an execution: its row, and a Pending state for each of its nodes, in one
 * transaction. With `claimSchedule`, the association's next_run_at moves from `from` to `to`
 * in the same transaction, and nothing is written if another pass moved it first.
 */
export async function insertExecution(
  db: Db,
  execution: ExecutionRow,
  states: readonly TargetStateRow[],
  options: { claimSchedule?: { from: number; to: number | null } } = {},
): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    if (options.claimSchedule) {
      const moved = await tx.updateTable('associations').set({ next_run_at: options.claimSchedule.to })
        .where('association_id', '=', execution.association_id).where('next_run_at', '=', options.claimSchedule.from).executeTakeFirst();
      if (Number(moved.numUpdatedRows) === 0) return false;
    }
    const exists = await tx.selectFrom('associations').select('association_id').where('association_id', '=', execution.association_id).executeTakeFirst();
    if (!exists) return false;
    await tx.insertInto('association_executions').values(execution).execute();
    // A fleet is 10,000 rows: they travel as one JSON parameter, and a node's new state replaces its last one.
    for (let i = 0; i < states.length; i += STATE_BATCH) {
      await bulkInsert(tx, {
        table: 'association_targets', columns: STATE_COLUMNS, rows: states.slice(i, i + STATE_BATCH),
        onConflict: { key: ['association_id', 'instance_id'], update: STATE_COLUMNS.map((c) => c.name).filter((n) => !['association_id', 'instance_id', 'account_id', 'region'].includes(n)) },
      });
    }
    if (states.length > 0) {
      await tx.updateTable('associations').set({ status: 'Pending', detailed_status: 'Pending', last_execution_at: execution.created_at })
        .where('association_id', '=', execution.association_id).execute();
    }
    return true;
  });
}

/** Moves a schedule on without an execution (nothing matched). */
export async function moveSchedule(db: Db, associationId: string, from: number, to: number | null): Promise<boolean> {
  const moved = await db.updateTable('associations').set({ next_run_at: to }).where('association_id', '=', associationId).where('next_run_at', '=', from).executeTakeFirst();
  return Number(moved.numUpdatedRows) > 0;
}

/** Takes over an execution whose claim is older than `staleBefore` (its creator crashed), or refreshes one's own. */
export async function claimExecution(db: Db, executionId: string, staleBefore: number, now: number): Promise<boolean> {
  const claimed = await db.updateTable('association_executions').set({ claimed_at: now }).where('execution_id', '=', executionId)
    .where('status', '=', 'Pending').where('claimed_at', '<', staleBefore).executeTakeFirst();
  return Number(claimed.numUpdatedRows) > 0;
}

export async function recordCommands(db: Db, executionId: string, commandIds: readonly string[]): Promise<void> {
  await db.updateTable('association_executions').set({ command_ids: JSON.stringify(commandIds), status: 'InProgress', detailed_status: 'InProgress' })
    .where('execution_id', '=', executionId).where('status', '=', 'Pending').execute();
}

export async function findExecution(db: Db, associationId: string, executionId: string): Promise<ExecutionRow | undefined> {
  const row = await db.selectFrom('association_executions').selectAll().where('association_id', '=', associationId).where('execution_id', '=', executionId).executeTakeFirst();
  return row && normaliseExecution(row);
}

/** An association's executions, newest first. */
export async function listExecutions(db: Db, associationId: string): Promise<ExecutionRow[]> {
  const rows = await db.selectFrom('association_executions').selectAll().where('association_id', '=', associationId)
    .orderBy('created_at', 'desc').orderBy('execution_id', 'desc').execute();
  return rows.map(normaliseExecution);
}

/** Executions not ended yet, of every scope (the reconcile loop follows them). */
export async function openExecutions(db: Db, limit: number): Promise<ExecutionRow[]> {
  const rows = await db.selectFrom('association_executions').selectAll().where('status', 'in', [...OPEN_EXECUTION_STATUSES]).orderBy('created_at').limit(limit).execute();
  return rows.map(normaliseExecution);
}

/**
 * One node's result of an execution, applied only while its state is still Pending for that
 * execution: a result read twice (two passes, two replicas) is recorded once. Returns whether it was.
 */
export async function recordTargetResult(
  db: Db,
  key: { associationId: string; instanceId: string; executionId: string },
  result: { status: string; detailedStatus: string; errorCode: string; summary: string; executionAt: number },
  now: number,
): Promise<boolean> {
  const updated = await db.updateTable('association_targets').set({
    status: result.status, detailed_status: result.detailedStatus, error_code: result.errorCode, summary: result.summary, execution_at: result.executionAt, updated_at: now,
  }).where('association_id', '=', key.associationId).where('instance_id', '=', key.instanceId).where('execution_id', '=', key.executionId)
    .where('status', '=', 'Pending').executeTakeFirst();
  return Number(updated.numUpdatedRows) > 0;
}

/** Ends an execution and refreshes its association's overview from the node states, in one transaction. */
export async function endExecution(
  db: Db,
  execution: ExecutionRow,
  end: { status: string; detailedStatus: string; resourceCounts: Record<string, number> },
  overview: (states: readonly TargetStateRow[]) => { status: string; detailedStatus: string; counts: Record<string, number> },
  now: number,
): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const ended = await tx.updateTable('association_executions').set({
      status: end.status, detailed_status: end.detailedStatus, resource_counts: JSON.stringify(end.resourceCounts), ended_at: now,
    }).where('execution_id', '=', execution.execution_id).where('status', 'in', [...OPEN_EXECUTION_STATUSES]).executeTakeFirst();
    if (Number(ended.numUpdatedRows) === 0) return false;
    const states = (await tx.selectFrom('association_targets').selectAll().where('association_id', '=', execution.association_id).execute()).map(normaliseState);
    const o = overview(states);
    await tx.updateTable('associations').set({
      status: o.status, detailed_status: o.detailedStatus, status_counts: JSON.stringify(o.counts),
      ...(end.status === 'Success' ? { last_successful_execution_at: execution.created_at } : {}),
    }).where('association_id', '=', execution.association_id).execute();
    return true;
  });
}

/** The association's node states, or only those of `instanceIds`; with `pendingOnly`, only the nodes whose application is still pending. */
export async function targetStates(db: Db, associationId: string, instanceIds?: readonly string[], options: { pendingOnly?: boolean } = {}): Promise<TargetStateRow[]> {
  const query = () => {
    const q = db.selectFrom('association_targets').selectAll().where('association_id', '=', associationId);
    return options.pendingOnly ? q.where('status', '=', 'Pending') : q;
  };
  if (!instanceIds) return (await query().orderBy('instance_id').execute()).map(normaliseState);
  const rows: TargetStateRow[] = [];
  for (let i = 0; i < instanceIds.length; i += 500) {
    const slice = instanceIds.slice(i, i + 500);
    if (slice.length > 0) rows.push(...(await query().where('instance_id', 'in', slice).execute()).map(normaliseState));
  }
  return rows;
}

/** A node's state in every association of the scope. */
export async function nodeStates(db: Db, scope: Scope, instanceId: string): Promise<TargetStateRow[]> {
  const rows = await db.selectFrom('association_targets').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region)
    .where('instance_id', '=', instanceId).orderBy('association_id').execute();
  return rows.map(normaliseState);
}

/** Commands of an execution already made (found by their comment): what a crashed creator left. */
export async function commandsWithComment(db: Db, scope: Scope, comment: string): Promise<{ command_id: string; instance_ids: string }[]> {
  return db.selectFrom('commands').select(['command_id', 'instance_ids']).where('account_id', '=', scope.accountId).where('region', '=', scope.region)
    .where('comment', '=', comment).execute();
}

function normalise(row: AssociationRow): AssociationRow {
  const n = (v: number | null) => (v === null ? null : Number(v));
  return {
    ...row, created_at: Number(row.created_at), updated_at: Number(row.updated_at), last_execution_at: n(row.last_execution_at),
    last_successful_execution_at: n(row.last_successful_execution_at), next_run_at: n(row.next_run_at),
  };
}

function normaliseExecution(row: ExecutionRow): ExecutionRow {
  return { ...row, created_at: Number(row.created_at), claimed_at: Number(row.claimed_at), ended_at: row.ended_at === null ? null : Number(row.ended_at) };
}

function normaliseState(row: TargetStateRow): TargetStateRow {
  return { ...row, execution_at: Number(row.execution_at), updated_at: Number(row.updated_at) };
}
