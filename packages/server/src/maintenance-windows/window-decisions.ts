/**
 * Maintenance windows' pure decisions: which due times of a window run and which are
 * recorded as skipped, what an execution does next (start the next priority, stop at the
 * cutoff, cancel at the end, end), the statuses derived from Run Command's, and the task
 * parameters with their pseudo-parameters filled in. No I/O and no clock: the engine reads
 * the rows, passes `now`, and applies what these return.
 */
import { dueTimesAfter, nextDueAfter, type WindowTiming } from './window-schedule.ts';

const HOUR = 3_600_000;
/** At most this many missed due times are recorded (skipped) after a long downtime; older ones are only counted in the log. */
export const MAX_SKIPPED_RECORDS = 100;

export type ExecutionStatus = 'PENDING' | 'IN_PROGRESS' | 'SUCCESS' | 'FAILED' | 'TIMED_OUT' | 'CANCELLING' | 'CANCELLED' | 'SKIPPED_OVERLAPPING';
export const TERMINAL: ReadonlySet<string> = new Set(['SUCCESS', 'FAILED', 'TIMED_OUT', 'CANCELLED', 'SKIPPED_OVERLAPPING']);

export interface DuePlan {
  /** The due time that starts an execution now, if any. */
  readonly run?: number;
  /** Due times recorded as SKIPPED_OVERLAPPING, with the reason (StatusDetails). */
  readonly skipped: readonly { readonly dueAt: number; readonly reason: string }[];
  /** How many more missed due times were not recorded. */
  readonly unrecorded: number;
  /** The window's next due time after now (undefined: none left). */
  readonly next?: number;
}

/**
 * What a window whose next due time (`dueAt`) has come does at `now`. Normally the one due
 * time runs. After a downtime that missed several, only the most recent runs, and only if
 * tasks may still start in it (before its cutoff); the others are skipped with the reason.
 * A due time while the window's previous execution is still open is SKIPPED_OVERLAPPING.
 */
export function planDue(timing: WindowTiming, window: { readonly durationHours: number; readonly cutoffHours: number }, dueAt: number, now: number, previousOpen: boolean): DuePlan {
  const later = dueTimesAfter(timing, dueAt, { limit: 100_000, untilMs: now });
  const all = [dueAt, ...later];
  const latest = all[all.length - 1];
  const skipped: { dueAt: number; reason: string }[] = [];
  const missed = all.slice(0, -1);
  const recorded = missed.slice(-MAX_SKIPPED_RECORDS);
  for (const d of recorded) skipped.push({ dueAt: d, reason: `Skipped: the server was not running at this start time; the run due at ${new Date(latest).toISOString()} replaced it.` });
  let run: number | undefined;
  if (now >= latest + (window.durationHours - window.cutoffHours) * HOUR) {
    skipped.push({ dueAt: latest, reason: 'Skipped: the server was not running at this start time and the window reached its cutoff before it came back.' });
  } else if (previousOpen) {
    skipped.push({ dueAt: latest, reason: 'Skipped: the previous execution of this window was still running.' });
  } else {
    run = latest;
  }
  return { run, skipped, unrecorded: missed.length - recorded.length, next: nextDueAfter(timing, now) };
}

export interface TaskState {
  readonly id: string;
  readonly priority: number;
  readonly status: string;
  readonly cutoffBehavior: string;
}

export interface ExecutionActions {
  /** PENDING tasks to start now (the lowest priority not done; equal priorities together). */
  readonly start: string[];
  /** PENDING tasks that will not start (cutoff, end, cancel), with their status and details. */
  readonly drop: { id: string; status: ExecutionStatus; details: string }[];
  /** Running tasks whose commands are to be cancelled, with the status they take. */
  readonly stop: { id: string; status: ExecutionStatus; details: string }[];
  /** The execution's end, once every task is done. */
  readonly end?: { status: ExecutionStatus; details: string };
}

/**
 * The next step of an open execution at `now`. Tasks start by Priority (lower first, equal in
 * parallel), none at or after the cutoff. At the window's end a running CANCEL_TASK task is
 * cancelled and TIMED_OUT; a CONTINUE_TASK task runs on. A cancelled execution drops its
 * pending tasks and cancels its running ones. When every task is done, the execution ends.
 */
export function decideExecution(execution: { readonly cutoffAt: number; readonly endsAt: number; readonly cancelRequested: boolean }, tasks: readonly TaskState[], now: number): ExecutionActions {
  const start: string[] = [];
  const drop: ExecutionActions['drop'] = [];
  const stop: ExecutionActions['stop'] = [];
  const statuses = new Map(tasks.map((t) => [t.id, t.status]));
  if (execution.cancelRequested) {
    for (const t of tasks) {
      if (t.status === 'PENDING') drop.push({ id: t.id, status: 'CANCELLED', details: 'The task was not started: the execution was cancelled.' });
      else if (t.status === 'IN_PROGRESS') stop.push({ id: t.id, status: 'CANCELLING', details: 'Cancelling: the execution was cancelled.' });
    }
  } else {
    const ended = now >= execution.endsAt;
    if (now >= execution.cutoffAt || ended) {
      const why = ended ? 'the maintenance window ended' : 'the maintenance window reached its cutoff';
      for (const t of tasks) if (t.status === 'PENDING') drop.push({ id: t.id, status: 'CANCELLED', details: `The task was not started: ${why}.` });
    } else {
      const open = tasks.filter((t) => !TERMINAL.has(t.status));
      const lowest = Math.min(...open.map((t) => t.priority));
      for (const t of open) if (t.priority === lowest && t.status === 'PENDING') start.push(t.id);
    }
    if (ended) {
      for (const t of tasks) {
        if (t.status === 'IN_PROGRESS' && t.cutoffBehavior === 'CANCEL_TASK') stop.push({ id: t.id, status: 'TIMED_OUT', details: 'The maintenance window ended: the task was cancelled (CANCEL_TASK).' });
      }
    }
  }
  for (const d of [...drop, ...stop]) statuses.set(d.id, d.status);
  const after = [...statuses.values()];
  let end: ExecutionActions['end'];
  if (start.length === 0 && after.every((s) => TERMINAL.has(s))) end = executionOutcome(after, execution.cancelRequested, tasks.length);
  return { start, drop, stop, end };
}

/** An execution's end from its tasks' statuses. */
export function executionOutcome(statuses: readonly string[], cancelled: boolean, taskCount: number): { status: ExecutionStatus; details: string } {
  if (cancelled) return { status: 'CANCELLED', details: 'The execution was cancelled.' };
  if (taskCount === 0) return { status: 'SUCCESS', details: 'The window has no tasks.' };
  if (statuses.includes('FAILED')) return { status: 'FAILED', details: 'One or more tasks in the execution failed.' };
  if (statuses.includes('TIMED_OUT') || statuses.includes('CANCELLED')) return { status: 'TIMED_OUT', details: 'One or more tasks did not finish within the maintenance window.' };
  return { status: 'SUCCESS', details: 'Success' };
}

/** A task's end from its invocations' statuses; undefined while one is open. */
export function taskOutcome(statuses: readonly string[]): { status: ExecutionStatus; details: string } | undefined {
  if (statuses.some((s) => !TERMINAL.has(s))) return undefined;
  if (statuses.length === 0) return { status: 'SUCCESS', details: 'No managed node matched the task\'s targets.' };
  if (statuses.includes('FAILED')) return { status: 'FAILED', details: 'One or more invocations failed.' };
  if (statuses.includes('TIMED_OUT')) return { status: 'TIMED_OUT', details: 'One or more invocations timed out.' };
  if (statuses.includes('CANCELLED')) return { status: 'CANCELLED', details: 'One or more invocations were cancelled.' };
  return { status: 'SUCCESS', details: 'Success' };
}

/** A Run Command invocation's status as the window's invocation shows it. */
export function invocationStatusOf(status: string, statusDetails: string): { status: ExecutionStatus; details: string } {
  switch (status) {
    case 'Pending':
    case 'Delayed':
    case 'InProgress':
      return { status: 'IN_PROGRESS', details: statusDetails };
    case 'Success':
      return { status: 'SUCCESS', details: 'Success' };
    case 'TimedOut':
      return { status: 'TIMED_OUT', details: statusDetails };
    case 'Cancelling':
      return { status: 'CANCELLING', details: statusDetails };
    case 'Cancelled':
      return { status: 'CANCELLED', details: statusDetails };
    default:
      return { status: 'FAILED', details: statusDetails };
  }
}

export interface PseudoValues {
  readonly RESOURCE_ID?: string;
  readonly RESOURCE_TYPE?: string;
  readonly TARGET_ID?: string;
  readonly TARGET_TYPE?: string;
  readonly WINDOW_ID: string;
  readonly WINDOW_EXECUTION_ID: string;
  readonly WINDOW_TASK_ID: string;
  readonly LOGGING_S3_BUCKET_NAME?: string;
  readonly LOGGING_S3_KEY_PREFIX?: string;
  readonly LOGGING_S3_REGION?: string;
}

/** The pseudo-parameters whose value differs from one node to the next. */
const PER_NODE = /\{\{\s*(RESOURCE_ID|TARGET_ID)\s*\}\}/;
const PSEUDO = /\{\{\s*(RESOURCE_ID|RESOURCE_TYPE|TARGET_ID|TARGET_TYPE|WINDOW_ID|WINDOW_EXECUTION_ID|WINDOW_TASK_ID|LOGGING_S3_BUCKET_NAME|LOGGING_S3_KEY_PREFIX|LOGGING_S3_REGION)\s*\}\}/g;

/** Whether parameters name a pseudo-parameter whose value differs per node: then each node gets a command of its own. */
export function perNodeParameters(parameters: Readonly<Record<string, readonly string[]>>): boolean {
  return Object.values(parameters).some((values) => values.some((v) => PER_NODE.test(v)));
}

/** The parameters with `{{RESOURCE_ID}}`, `{{WINDOW_ID}}`… replaced (a pseudo-parameter with no value becomes empty); other `{{…}}` are left to Run Command. */
export function substitute(parameters: Readonly<Record<string, readonly string[]>>, values: PseudoValues): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, list] of Object.entries(parameters)) {
    out[name] = list.map((v) => v.replace(PSEUDO, (_m, key: keyof PseudoValues) => values[key] ?? ''));
  }
  return out;
}
