import type { Scope } from '@bosun/protocol';
import type { Db } from '../store/store.ts';
import type {
  MaintenanceWindowExecutionsTable, MaintenanceWindowInvocationsTable, MaintenanceWindowsTable, MaintenanceWindowTargetsTable,
  MaintenanceWindowTaskExecutionsTable, MaintenanceWindowTasksTable,
} from './tables.ts';

/**
 * Maintenance windows' rows. Callers pass ids and `now`; nothing here reads the clock. Every
 * function that lists takes a Scope: windows are regional. State changes of the history are
 * compare-and-set (a status moves only from the statuses named), so two passes or two
 * replicas that decide the same thing record it once.
 */
export type WindowRow = MaintenanceWindowsTable;
export type WindowTargetRow = MaintenanceWindowTargetsTable;
export type WindowTaskRow = MaintenanceWindowTasksTable;
export type WindowExecutionRow = MaintenanceWindowExecutionsTable;
export type TaskExecutionRow = MaintenanceWindowTaskExecutionsTable;
export type InvocationRow = MaintenanceWindowInvocationsTable;

export const OPEN_STATUSES: readonly string[] = ['PENDING', 'IN_PROGRESS', 'CANCELLING'];

const num = (v: number | null) => (v === null ? null : Number(v));
const windowOf = (r: WindowRow): WindowRow => ({ ...r, next_due_at: num(r.next_due_at), created_at: Number(r.created_at), updated_at: Number(r.updated_at) });
const targetOf = (r: WindowTargetRow): WindowTargetRow => ({ ...r, created_at: Number(r.created_at) });
const taskOf = (r: WindowTaskRow): WindowTaskRow => ({ ...r, created_at: Number(r.created_at), priority: Number(r.priority) });
const executionOf = (r: WindowExecutionRow): WindowExecutionRow => ({
  ...r, due_at: Number(r.due_at), cutoff_at: Number(r.cutoff_at), ends_at: Number(r.ends_at), start_time: Number(r.start_time), end_time: num(r.end_time),
  cancel_requested: Number(r.cancel_requested),
});
const taskExecutionOf = (r: TaskExecutionRow): TaskExecutionRow => ({
  ...r, priority: Number(r.priority), start_time: num(r.start_time), end_time: num(r.end_time), claimed_at: num(r.claimed_at),
});
const invocationOf = (r: InvocationRow): InvocationRow => ({ ...r, seq: Number(r.seq), start_time: num(r.start_time), end_time: num(r.end_time) });

// ---------------------------------------------------------------------------------------------
// Definitions

export type Inserted<T> = { ok: true; row: T } | { ok: false; reason: 'limit' } | { ok: false; reason: 'token'; existing: T };

/** A window, unless the scope holds `limit` already or the ClientToken was used (the existing window is returned). */
export async function insertWindow(db: Db, row: WindowRow, limit: number): Promise<Inserted<WindowRow>> {
  return db.transaction().execute(async (tx) => {
    if (row.client_token !== null) {
      const existing = await tx.selectFrom('maintenance_windows').selectAll().where('account_id', '=', row.account_id).where('region', '=', row.region)
        .where('client_token', '=', row.client_token).executeTakeFirst();
      if (existing) return { ok: false, reason: 'token', existing: windowOf(existing) } as const;
    }
    const { n } = await tx.selectFrom('maintenance_windows').select((eb) => eb.fn.countAll<number>().as('n'))
      .where('account_id', '=', row.account_id).where('region', '=', row.region).executeTakeFirstOrThrow();
    if (Number(n) >= limit) return { ok: false, reason: 'limit' } as const;
    await tx.insertInto('maintenance_windows').values(row).execute();
    return { ok: true, row } as const;
  });
}

export async function findWindow(db: Db, scope: Scope, windowId: string): Promise<WindowRow | undefined> {
  const row = await db.selectFrom('maintenance_windows').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region)
    .where('window_id', '=', windowId).executeTakeFirst();
  return row && windowOf(row);
}

/** The scope's windows, oldest first. */
export async function listWindows(db: Db, scope: Scope): Promise<WindowRow[]> {
  const rows = await db.selectFrom('maintenance_windows').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region)
    .orderBy('created_at').orderBy('window_id').execute();
  return rows.map(windowOf);
}

export async function updateWindowRow(db: Db, scope: Scope, windowId: string, changes: Partial<WindowRow>): Promise<boolean> {
  const updated = await db.updateTable('maintenance_windows').set(changes).where('account_id', '=', scope.accountId).where('region', '=', scope.region)
    .where('window_id', '=', windowId).executeTakeFirst();
  return Number(updated.numUpdatedRows) > 0;
}

/** The window with its targets, tasks and history. */
export async function deleteWindowRows(db: Db, scope: Scope, windowId: string): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const deleted = await tx.deleteFrom('maintenance_windows').where('account_id', '=', scope.accountId).where('region', '=', scope.region)
      .where('window_id', '=', windowId).executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) return false;
    const executions = (await tx.selectFrom('maintenance_window_executions').select('window_execution_id').where('window_id', '=', windowId).execute()).map((e) => e.window_execution_id);
    for (let i = 0; i < executions.length; i += 500) {
      const slice = executions.slice(i, i + 500);
      await tx.deleteFrom('maintenance_window_invocations').where('window_execution_id', 'in', slice).execute();
    }
    for (const table of ['maintenance_window_task_executions', 'maintenance_window_executions', 'maintenance_window_tasks', 'maintenance_window_targets'] as const) {
      await tx.deleteFrom(table).where('window_id', '=', windowId).execute();
    }
    return true;
  });
}

/** A target of a window (or the one made before with the same ClientToken), unless the window has `limit` targets or is gone. */
export async function insertTarget(db: Db, row: WindowTargetRow, limit: number): Promise<Inserted<WindowTargetRow> | { ok: false; reason: 'no-window' }> {
  return db.transaction().execute(async (tx) => {
    const window = await tx.selectFrom('maintenance_windows').select('window_id').where('window_id', '=', row.window_id).executeTakeFirst();
    if (!window) return { ok: false, reason: 'no-window' } as const;
    if (row.client_token !== null) {
      const existing = await tx.selectFrom('maintenance_window_targets').selectAll().where('window_id', '=', row.window_id).where('client_token', '=', row.client_token).executeTakeFirst();
      if (existing) return { ok: false, reason: 'token', existing: targetOf(existing) } as const;
    }
    const { n } = await tx.selectFrom('maintenance_window_targets').select((eb) => eb.fn.countAll<number>().as('n')).where('window_id', '=', row.window_id).executeTakeFirstOrThrow();
    if (Number(n) >= limit) return { ok: false, reason: 'limit' } as const;
    await tx.insertInto('maintenance_window_targets').values(row).execute();
    return { ok: true, row } as const;
  });
}

export async function listTargets(db: Db, scope: Scope, windowId: string): Promise<WindowTargetRow[]> {
  const rows = await db.selectFrom('maintenance_window_targets').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region)
    .where('window_id', '=', windowId).orderBy('created_at').orderBy('window_target_id').execute();
  return rows.map(targetOf);
}

/** Every target of the scope (DescribeMaintenanceWindowsForTarget, the schedule of a node). */
export async function scopeTargets(db: Db, scope: Scope): Promise<WindowTargetRow[]> {
  const rows = await db.selectFrom('maintenance_window_targets').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region).execute();
  return rows.map(targetOf);
}

export async function updateTargetRow(db: Db, windowTargetId: string, changes: Partial<WindowTargetRow>): Promise<void> {
  await db.updateTable('maintenance_window_targets').set(changes).where('window_target_id', '=', windowTargetId).execute();
}

/**
 * Removes a target. Tasks that name it lose it from their WindowTargetIds (a task left with
 * no target runs on nothing), unless `safe`, when a target some task names is kept: 'in-use'.
 */
export async function deleteTarget(db: Db, scope: Scope, windowId: string, windowTargetId: string, safe: boolean): Promise<'ok' | 'missing' | 'in-use'> {
  return db.transaction().execute(async (tx) => {
    const target = await tx.selectFrom('maintenance_window_targets').select('window_target_id').where('account_id', '=', scope.accountId).where('region', '=', scope.region)
      .where('window_id', '=', windowId).where('window_target_id', '=', windowTargetId).executeTakeFirst();
    if (!target) return 'missing' as const;
    const tasks = (await tx.selectFrom('maintenance_window_tasks').selectAll().where('window_id', '=', windowId).execute()).map(taskOf);
    const users = tasks.filter((t) => (JSON.parse(t.targets) as { Key?: string; Values?: string[] }[]).some((x) => x.Key === 'WindowTargetIds' && (x.Values ?? []).includes(windowTargetId)));
    if (safe && users.length > 0) return 'in-use' as const;
    for (const task of users) {
      const targets = (JSON.parse(task.targets) as { Key?: string; Values?: string[] }[])
        .map((x) => (x.Key === 'WindowTargetIds' ? { ...x, Values: (x.Values ?? []).filter((v) => v !== windowTargetId) } : x))
        .filter((x) => (x.Values ?? []).length > 0);
      await tx.updateTable('maintenance_window_tasks').set({ targets: JSON.stringify(targets) }).where('window_task_id', '=', task.window_task_id).execute();
    }
    await tx.deleteFrom('maintenance_window_targets').where('window_target_id', '=', windowTargetId).execute();
    return 'ok' as const;
  });
}

export async function insertTask(db: Db, row: WindowTaskRow, limit: number): Promise<Inserted<WindowTaskRow> | { ok: false; reason: 'no-window' }> {
  return db.transaction().execute(async (tx) => {
    const window = await tx.selectFrom('maintenance_windows').select('window_id').where('window_id', '=', row.window_id).executeTakeFirst();
    if (!window) return { ok: false, reason: 'no-window' } as const;
    if (row.client_token !== null) {
      const existing = await tx.selectFrom('maintenance_window_tasks').selectAll().where('window_id', '=', row.window_id).where('client_token', '=', row.client_token).executeTakeFirst();
      if (existing) return { ok: false, reason: 'token', existing: taskOf(existing) } as const;
    }
    const { n } = await tx.selectFrom('maintenance_window_tasks').select((eb) => eb.fn.countAll<number>().as('n')).where('window_id', '=', row.window_id).executeTakeFirstOrThrow();
    if (Number(n) >= limit) return { ok: false, reason: 'limit' } as const;
    await tx.insertInto('maintenance_window_tasks').values(row).execute();
    return { ok: true, row } as const;
  });
}

export async function listTasks(db: Db, scope: Scope, windowId: string): Promise<WindowTaskRow[]> {
  const rows = await db.selectFrom('maintenance_window_tasks').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region)
    .where('window_id', '=', windowId).orderBy('created_at').orderBy('window_task_id').execute();
  return rows.map(taskOf);
}

export async function updateTaskRow(db: Db, windowTaskId: string, changes: Partial<WindowTaskRow>): Promise<void> {
  await db.updateTable('maintenance_window_tasks').set(changes).where('window_task_id', '=', windowTaskId).execute();
}

export async function deleteTask(db: Db, scope: Scope, windowId: string, windowTaskId: string): Promise<boolean> {
  const deleted = await db.deleteFrom('maintenance_window_tasks').where('account_id', '=', scope.accountId).where('region', '=', scope.region)
    .where('window_id', '=', windowId).where('window_task_id', '=', windowTaskId).executeTakeFirst();
  return Number(deleted.numDeletedRows) > 0;
}

// ---------------------------------------------------------------------------------------------
// Schedule and history

/** Enabled windows of every scope whose next due time has come, soonest first. */
export async function dueWindows(db: Db, now: number, limit: number): Promise<WindowRow[]> {
  const rows = await db.selectFrom('maintenance_windows').selectAll().where('enabled', '=', 1).where('next_due_at', 'is not', null).where('next_due_at', '<=', now)
    .orderBy('next_due_at').limit(limit).execute();
  return rows.map(windowOf);
}

/** The soonest due time of any enabled window (the scheduler waits for it when it is near). */
export async function earliestDue(db: Db): Promise<number | undefined> {
  const row = await db.selectFrom('maintenance_windows').select((eb) => eb.fn.min<number>('next_due_at').as('at')).where('enabled', '=', 1).where('next_due_at', 'is not', null).executeTakeFirst();
  return row?.at === null || row?.at === undefined ? undefined : Number(row.at);
}

export interface Claim {
  readonly windowId: string;
  /** The window's next_due_at as read: the claim is taken only if nobody moved it since. */
  readonly from: number;
  readonly to: number | null;
  readonly executions: readonly WindowExecutionRow[];
  readonly taskExecutions: readonly TaskExecutionRow[];
}

/**
 * Claims a window's due times: next_due_at moves from `from` to `to` and the executions (the
 * one that runs, those recorded as skipped) are written, in one transaction, or nothing is
 * (another pass or replica claimed it: the move finds no row, or the unique (window, due time) refuses).
 */
export async function claimDue(db: Db, claim: Claim): Promise<boolean> {
  try {
    return await db.transaction().execute(async (tx) => {
      const moved = await tx.updateTable('maintenance_windows').set({ next_due_at: claim.to }).where('window_id', '=', claim.windowId)
        .where('next_due_at', '=', claim.from).executeTakeFirst();
      if (Number(moved.numUpdatedRows) === 0) return false;
      if (claim.executions.length > 0) await tx.insertInto('maintenance_window_executions').values([...claim.executions]).execute();
      if (claim.taskExecutions.length > 0) await tx.insertInto('maintenance_window_task_executions').values([...claim.taskExecutions]).execute();
      return true;
    });
  } catch (error) {
    if (/unique|duplicate/i.test((error as Error).message)) return false;
    throw error;
  }
}

/**
 * claimDue for many windows in one transaction (the scheduler's batch when many fall due
 * together): each claim is still its own compare-and-set; returns the windows claimed. Throws
 * if a (window, due time) already exists, and then nothing is written: the caller claims one by one.
 */
export async function claimDueMany(db: Db, claims: readonly Claim[]): Promise<Set<string>> {
  return db.transaction().execute(async (tx) => {
    const claimed = new Set<string>();
    const executions: WindowExecutionRow[] = [];
    const taskExecutions: TaskExecutionRow[] = [];
    for (const claim of claims) {
      const moved = await tx.updateTable('maintenance_windows').set({ next_due_at: claim.to }).where('window_id', '=', claim.windowId)
        .where('next_due_at', '=', claim.from).executeTakeFirst();
      if (Number(moved.numUpdatedRows) === 0) continue;
      claimed.add(claim.windowId);
      executions.push(...claim.executions);
      taskExecutions.push(...claim.taskExecutions);
    }
    for (let i = 0; i < executions.length; i += 200) await tx.insertInto('maintenance_window_executions').values(executions.slice(i, i + 200)).execute();
    for (let i = 0; i < taskExecutions.length; i += 200) await tx.insertInto('maintenance_window_task_executions').values(taskExecutions.slice(i, i + 200)).execute();
    return claimed;
  });
}

/** Which of these windows have an execution not ended. */
export async function windowsWithOpenExecutions(db: Db, windowIds: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (let i = 0; i < windowIds.length; i += 500) {
    const rows = await db.selectFrom('maintenance_window_executions').select('window_id').distinct().where('window_id', 'in', windowIds.slice(i, i + 500))
      .where('status', 'in', [...OPEN_STATUSES]).execute();
    for (const r of rows) out.add(r.window_id);
  }
  return out;
}

/** The tasks, or the targets, of these windows (window ids are unique everywhere), by window. */
export async function tasksOfWindows(db: Db, windowIds: readonly string[]): Promise<Map<string, WindowTaskRow[]>> {
  const out = new Map<string, WindowTaskRow[]>();
  for (let i = 0; i < windowIds.length; i += 500) {
    const rows = await db.selectFrom('maintenance_window_tasks').selectAll().where('window_id', 'in', windowIds.slice(i, i + 500)).orderBy('created_at').orderBy('window_task_id').execute();
    for (const r of rows.map(taskOf)) out.set(r.window_id, [...(out.get(r.window_id) ?? []), r]);
  }
  return out;
}

export async function targetsOfWindows(db: Db, windowIds: readonly string[]): Promise<Map<string, WindowTargetRow[]>> {
  const out = new Map<string, WindowTargetRow[]>();
  for (let i = 0; i < windowIds.length; i += 500) {
    const rows = await db.selectFrom('maintenance_window_targets').selectAll().where('window_id', 'in', windowIds.slice(i, i + 500)).orderBy('created_at').orderBy('window_target_id').execute();
    for (const r of rows.map(targetOf)) out.set(r.window_id, [...(out.get(r.window_id) ?? []), r]);
  }
  return out;
}

/** startTask for many tasks in one transaction (one compare-and-set over them all); returns the tasks taken. */
export async function startTasks(db: Db, starts: readonly { taskExecutionId: string; invocations: readonly InvocationRow[] }[], now: number): Promise<Set<string>> {
  return db.transaction().execute(async (tx) => {
    const started = new Set<string>();
    for (let i = 0; i < starts.length; i += 500) {
      const taken = await tx.updateTable('maintenance_window_task_executions').set({ status: 'IN_PROGRESS', status_details: 'In progress', start_time: now, claimed_at: now })
        .where('task_execution_id', 'in', starts.slice(i, i + 500).map((s) => s.taskExecutionId)).where('status', '=', 'PENDING').returning('task_execution_id').execute();
      for (const t of taken) started.add(t.task_execution_id);
    }
    const invocations = starts.filter((s) => started.has(s.taskExecutionId)).flatMap((s) => s.invocations);
    for (let i = 0; i < invocations.length; i += 200) await tx.insertInto('maintenance_window_invocations').values(invocations.slice(i, i + 200)).execute();
    return started;
  });
}

/** recordSent of many commands in one transaction. */
export async function recordSentMany(db: Db, sent: readonly { invocationIds: readonly string[]; commandId: string }[], now: number): Promise<void> {
  if (sent.length === 0) return;
  await db.transaction().execute(async (tx) => {
    for (const s of sent) {
      for (let i = 0; i < s.invocationIds.length; i += 500) {
        await tx.updateTable('maintenance_window_invocations').set({ execution_id: s.commandId, status: 'IN_PROGRESS', status_details: 'In progress', start_time: now })
          .where('invocation_id', 'in', s.invocationIds.slice(i, i + 500)).where('execution_id', 'is', null).where('status', '=', 'PENDING').execute();
      }
    }
  });
}

/** Executions not ended, of every scope, oldest first. */
export async function openExecutions(db: Db, limit: number): Promise<WindowExecutionRow[]> {
  const rows = await db.selectFrom('maintenance_window_executions').selectAll().where('status', 'in', [...OPEN_STATUSES]).orderBy('start_time').limit(limit).execute();
  return rows.map(executionOf);
}

export async function findExecution(db: Db, scope: Scope, windowExecutionId: string): Promise<WindowExecutionRow | undefined> {
  const row = await db.selectFrom('maintenance_window_executions').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region)
    .where('window_execution_id', '=', windowExecutionId).executeTakeFirst();
  return row && executionOf(row);
}

/** A window's executions, newest first. */
export async function listExecutions(db: Db, scope: Scope, windowId: string): Promise<WindowExecutionRow[]> {
  const rows = await db.selectFrom('maintenance_window_executions').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region)
    .where('window_id', '=', windowId).orderBy('start_time', 'desc').orderBy('due_at', 'desc').execute();
  return rows.map(executionOf);
}

/** Moves an execution to `status` from one of `from`; false when it was not in one of them. */
export async function setExecutionStatus(db: Db, windowExecutionId: string, from: readonly string[], to: { status: string; details: string; endTime?: number; cancel?: boolean }): Promise<boolean> {
  const updated = await db.updateTable('maintenance_window_executions').set({
    status: to.status, status_details: to.details, ...(to.endTime !== undefined ? { end_time: to.endTime } : {}), ...(to.cancel ? { cancel_requested: 1 } : {}),
  }).where('window_execution_id', '=', windowExecutionId).where('status', 'in', [...from]).executeTakeFirst();
  return Number(updated.numUpdatedRows) > 0;
}

export async function listTaskExecutions(db: Db, windowExecutionId: string): Promise<TaskExecutionRow[]> {
  const rows = await db.selectFrom('maintenance_window_task_executions').selectAll().where('window_execution_id', '=', windowExecutionId)
    .orderBy('priority').orderBy('task_execution_id').execute();
  return rows.map(taskExecutionOf);
}

/**
 * Takes a PENDING task to start it: IN_PROGRESS, its start time and claim, and its
 * invocations (PENDING, not sent yet), in one transaction. False when another pass took it.
 */
export async function startTask(db: Db, taskExecutionId: string, now: number, invocations: readonly InvocationRow[]): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const taken = await tx.updateTable('maintenance_window_task_executions').set({ status: 'IN_PROGRESS', status_details: 'In progress', start_time: now, claimed_at: now })
      .where('task_execution_id', '=', taskExecutionId).where('status', '=', 'PENDING').executeTakeFirst();
    if (Number(taken.numUpdatedRows) === 0) return false;
    for (let i = 0; i < invocations.length; i += 200) await tx.insertInto('maintenance_window_invocations').values(invocations.slice(i, i + 200)).execute();
    return true;
  });
}

/** Takes over a task whose claim is older than `staleBefore` (its starter crashed before sending everything). */
export async function reclaimTask(db: Db, taskExecutionId: string, staleBefore: number, now: number): Promise<boolean> {
  const taken = await db.updateTable('maintenance_window_task_executions').set({ claimed_at: now })
    .where('task_execution_id', '=', taskExecutionId).where('status', '=', 'IN_PROGRESS').where('claimed_at', '<', staleBefore).executeTakeFirst();
  return Number(taken.numUpdatedRows) > 0;
}

/** Keeps a claim fresh: claimed_at moves from the value its holder wrote; false when someone took it over. */
export async function refreshClaim(db: Db, taskExecutionId: string, from: number, now: number): Promise<boolean> {
  const taken = await db.updateTable('maintenance_window_task_executions').set({ claimed_at: now })
    .where('task_execution_id', '=', taskExecutionId).where('status', '=', 'IN_PROGRESS').where('claimed_at', '=', from).executeTakeFirst();
  return Number(taken.numUpdatedRows) > 0;
}

export async function setTaskStatus(db: Db, taskExecutionId: string, from: readonly string[], to: { status: string; details: string; startTime?: number; endTime?: number }): Promise<boolean> {
  const updated = await db.updateTable('maintenance_window_task_executions').set({
    status: to.status, status_details: to.details, ...(to.startTime !== undefined ? { start_time: to.startTime } : {}), ...(to.endTime !== undefined ? { end_time: to.endTime } : {}),
  }).where('task_execution_id', '=', taskExecutionId).where('status', 'in', [...from]).executeTakeFirst();
  return Number(updated.numUpdatedRows) > 0;
}

export async function listInvocations(db: Db, taskExecutionId: string): Promise<InvocationRow[]> {
  const rows = await db.selectFrom('maintenance_window_invocations').selectAll().where('task_execution_id', '=', taskExecutionId).orderBy('seq').execute();
  return rows.map(invocationOf);
}

/** The command an invocation was sent as (only once: a second sender's record changes nothing). */
export async function recordSent(db: Db, invocationIds: readonly string[], commandId: string, now: number): Promise<void> {
  for (let i = 0; i < invocationIds.length; i += 500) {
    await db.updateTable('maintenance_window_invocations').set({ execution_id: commandId, status: 'IN_PROGRESS', status_details: 'In progress', start_time: now })
      .where('invocation_id', 'in', invocationIds.slice(i, i + 500)).where('execution_id', 'is', null).where('status', '=', 'PENDING').execute();
  }
}

export async function setInvocationStatus(db: Db, invocationId: string, from: readonly string[], to: { status: string; details: string; endTime?: number; startTime?: number }): Promise<boolean> {
  const updated = await db.updateTable('maintenance_window_invocations').set({
    status: to.status, status_details: to.details, ...(to.endTime !== undefined ? { end_time: to.endTime } : {}), ...(to.startTime !== undefined ? { start_time: to.startTime } : {}),
  }).where('invocation_id', '=', invocationId).where('status', 'in', [...from]).executeTakeFirst();
  return Number(updated.numUpdatedRows) > 0;
}

/** Commands already made for a comment (what a crashed starter left). */
export async function commandsWithComment(db: Db, scope: Scope, comment: string): Promise<{ command_id: string; instance_ids: string }[]> {
  return db.selectFrom('commands').select(['command_id', 'instance_ids']).where('account_id', '=', scope.accountId).where('region', '=', scope.region)
    .where('comment', '=', comment).execute();
}
