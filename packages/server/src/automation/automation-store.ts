import type { Scope } from '@bosun/protocol';
import type { Db } from '../store/store.ts';
import type { AutomationEvent } from './execution-history.ts';
import type { AutomationExecutionsTable } from './tables.ts';

/**
 * The store of Automation: executions and their append-only event logs. Functions take ids
 * and `now` from their callers and never read the clock.
 */
export type ExecutionRow = AutomationExecutionsTable;

/** The part of an execution row that is a projection of its log, rewritten with every append. */
export type Projection = Pick<ExecutionRow, 'status' | 'current_step_name' | 'current_action' | 'failure_message' | 'outputs' | 'due_at' | 'ended_at'>;

const numberOrNull = (v: unknown) => (v === null || v === undefined ? null : Number(v));

function normalise(row: ExecutionRow): ExecutionRow {
  return {
    ...row, event_count: Number(row.event_count), started_at: Number(row.started_at), ended_at: numberOrNull(row.ended_at), due_at: numberOrNull(row.due_at),
    claimed_until: numberOrNull(row.claimed_until),
  };
}

/** Inserts a new execution with an empty log, due at once. */
export async function insertExecution(db: Db, row: ExecutionRow): Promise<void> {
  await db.insertInto('automation_executions').values(row).execute();
}

export async function findExecution(db: Db, scope: Scope, executionId: string): Promise<ExecutionRow | undefined> {
  const row = await db.selectFrom('automation_executions').selectAll()
    .where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('execution_id', '=', executionId).executeTakeFirst();
  return row && normalise(row);
}

export async function findByClientToken(db: Db, scope: Scope, clientToken: string): Promise<ExecutionRow | undefined> {
  const row = await db.selectFrom('automation_executions').selectAll()
    .where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('client_token', '=', clientToken).executeTakeFirst();
  return row && normalise(row);
}

/** An account's executions in a region, newest first. */
export async function listExecutions(db: Db, scope: Scope): Promise<ExecutionRow[]> {
  const rows = await db.selectFrom('automation_executions').selectAll()
    .where('account_id', '=', scope.accountId).where('region', '=', scope.region).orderBy('started_at', 'desc').orderBy('execution_id').execute();
  return rows.map(normalise);
}

export async function countRunning(db: Db, scope: Scope): Promise<number> {
  const row = await db.selectFrom('automation_executions').select((eb) => eb.fn.countAll().as('n'))
    .where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('ended_at', 'is', null).executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function loadEvents(db: Db, executionId: string): Promise<AutomationEvent[]> {
  const rows = await db.selectFrom('automation_events').select(['type', 'at', 'step_name', 'data']).where('execution_id', '=', executionId).orderBy('seq').execute();
  return rows.map((r) => ({ ...(JSON.parse(r.data) as object), type: r.type, at: Number(r.at), ...(r.step_name === null ? {} : { step: r.step_name }) }) as AutomationEvent);
}

export interface AppendResult {
  readonly appended: readonly AutomationEvent[];
  readonly row: ExecutionRow;
}

/**
 * Appends events to an execution's log in one transaction with its new projection. `decide`
 * sees the row (its event_count is the log's length) and, through `log()`, the log as it is
 * inside the transaction (the row is locked first, so concurrent appends queue); it returns the
 * events to add and the projection after them, or undefined to add nothing. Undefined when the
 * execution does not exist.
 */
export async function appendEvents(
  db: Db,
  executionId: string,
  decide: (row: ExecutionRow, log: () => Promise<AutomationEvent[]>) => Promise<{ events: readonly AutomationEvent[]; projection: Projection } | undefined>
    | { events: readonly AutomationEvent[]; projection: Projection } | undefined,
): Promise<AppendResult | undefined> {
  return db.transaction().execute(async (tx) => {
    // Writing the row first takes its lock (PostgreSQL) or the write lock (SQLite): appends to one log are serial.
    const locked = await tx.updateTable('automation_executions').set((eb) => ({ event_count: eb.ref('event_count') })).where('execution_id', '=', executionId).executeTakeFirst();
    if (Number(locked.numUpdatedRows) === 0) return undefined;
    const row = normalise(await tx.selectFrom('automation_executions').selectAll().where('execution_id', '=', executionId).executeTakeFirstOrThrow());
    const outcome = await decide(row, () => loadEvents(tx, executionId));
    if (!outcome) return { appended: [], row };
    if (outcome.events.length === 0) {
      await tx.updateTable('automation_executions').set(outcome.projection).where('execution_id', '=', executionId).execute();
      return { appended: [], row: { ...row, ...outcome.projection } };
    }
    const rows = outcome.events.map((event, i) => {
      const { type, at, ...rest } = event as AutomationEvent & { step?: string };
      const { step, ...data } = rest as { step?: string };
      return { execution_id: executionId, seq: row.event_count + i, account_id: row.account_id, region: row.region, at, type, step_name: step ?? null, data: JSON.stringify(data) };
    });
    await tx.insertInto('automation_events').values(rows).execute();
    const next = { ...outcome.projection, event_count: row.event_count + rows.length };
    await tx.updateTable('automation_executions').set(next).where('execution_id', '=', executionId).execute();
    return { appended: outcome.events, row: { ...row, ...next } };
  });
}

/** Executions the engine should look at: due by `now` and not leased to another replica. */
export async function dueExecutions(db: Db, now: number, limit: number): Promise<string[]> {
  const rows = await db.selectFrom('automation_executions').select('execution_id')
    .where('due_at', '<=', now).where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
    .orderBy('due_at').limit(limit).execute();
  return rows.map((r) => r.execution_id);
}

/** Leases an execution to one replica until `until`; false when another holds it. */
export async function claimExecution(db: Db, executionId: string, owner: string, now: number, until: number): Promise<boolean> {
  const result = await db.updateTable('automation_executions').set({ claimed_by: owner, claimed_until: until })
    .where('execution_id', '=', executionId)
    .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now), eb('claimed_by', '=', owner)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function releaseExecution(db: Db, executionId: string, owner: string): Promise<void> {
  await db.updateTable('automation_executions').set({ claimed_by: null, claimed_until: null }).where('execution_id', '=', executionId).where('claimed_by', '=', owner).execute();
}

/** A command this execution's step already sent (found by the tag in its comment): a restart between sending and recording it does not send it twice. */
export async function findTaggedCommand(db: Db, scope: Scope, tag: string): Promise<string | undefined> {
  const row = await db.selectFrom('commands').select('command_id')
    .where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('comment', 'like', `%${tag}`).executeTakeFirst();
  return row?.command_id;
}
