/**
 * Rate control of Run Command (MaxConcurrency, MaxErrors) and the status a command takes
 * from its invocations' counts: pure arithmetic, no I/O, no clock. The dispatcher
 * (commands/dispatcher.ts) applies the decisions to the store.
 */

/** A MaxConcurrency or MaxErrors value: a number of nodes, or a percentage of the targets. */
export type Limit = { readonly kind: 'count'; readonly value: number } | { readonly kind: 'percent'; readonly value: number };

/** AWS's patterns (the model's): MaxConcurrency has no 0; MaxErrors allows 0 and 0%. */
const CONCURRENCY = /^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$/;
const ERRORS = /^([1-9][0-9]*|[0]|[1-9][0-9]%|[0-9]%|100%)$/;

export const DEFAULT_MAX_CONCURRENCY = '50';
export const DEFAULT_MAX_ERRORS = '0';

/** Parses a MaxConcurrency / MaxErrors value; undefined when it does not match AWS's pattern. */
export function parseLimit(text: string, kind: 'concurrency' | 'errors'): Limit | undefined {
  if (!(kind === 'concurrency' ? CONCURRENCY : ERRORS).test(text)) return undefined;
  return text.endsWith('%') ? { kind: 'percent', value: Number(text.slice(0, -1)) } : { kind: 'count', value: Number(text) };
}

/**
 * The limit as a number of nodes for `targetCount` targets. A percentage is rounded down
 * (10% of 50 targets allows 5 errors: the 6th stops the command, as AWS's guide says); a
 * concurrency is at least 1 so that a command always makes progress.
 */
export function limitFor(limit: Limit, targetCount: number, kind: 'concurrency' | 'errors'): number {
  const n = limit.kind === 'count' ? limit.value : Math.floor((targetCount * limit.value) / 100);
  return kind === 'concurrency' ? Math.max(1, n) : n;
}

export interface DispatchState {
  readonly targetCount: number;
  /** Invocations taken out of the queue so far (sent, or ended without being sent). */
  readonly started: number;
  /** Sent and not yet terminal. */
  readonly inFlight: number;
  /** Invocations that count against MaxErrors: Failed and Execution Timed Out. */
  readonly errorCount: number;
  readonly maxConcurrency: number;
  readonly maxErrors: number;
  /** CancelCommand asked for every node: nothing more starts. */
  readonly cancelled: boolean;
}

export interface DispatchDecision {
  /** How many of the queued invocations to send now. */
  readonly start: number;
  /**
   * MaxErrors was exceeded: the queued invocations never start; they end Cancelled with
   * StatusDetails Terminated (AWS: "the parent command exceeded its MaxErrors limit and
   * subsequent command invocations were canceled by the system"). Running ones finish.
   */
  readonly terminateQueued: boolean;
}

/** What to do now for one command, given its counts. */
export function decideDispatch(s: DispatchState): DispatchDecision {
  const queued = s.targetCount - s.started;
  if (queued <= 0 || s.cancelled) return { start: 0, terminateQueued: false };
  if (s.errorCount > s.maxErrors) return { start: 0, terminateQueued: true };
  return { start: Math.max(0, Math.min(queued, s.maxConcurrency - s.inFlight)), terminateQueued: false };
}

/** Counts of a command's invocations by outcome (terminal ones), kept incrementally in its row. */
export interface OutcomeCounts {
  readonly targetCount: number;
  readonly started: number;
  readonly success: number;
  readonly failed: number;
  readonly executionTimedOut: number;
  readonly deliveryTimedOut: number;
  readonly undeliverable: number;
  readonly invalidPlatform: number;
  /** Cancelled by CancelCommand. */
  readonly cancelled: number;
  /** Never started because MaxErrors was exceeded. */
  readonly terminated: number;
}

export function completedOf(c: OutcomeCounts): number {
  return c.success + c.failed + c.executionTimedOut + c.deliveryTimedOut + c.undeliverable + c.invalidPlatform + c.cancelled + c.terminated;
}

export type CommandStatusName = 'Pending' | 'InProgress' | 'Success' | 'Cancelled' | 'Failed' | 'TimedOut' | 'Cancelling';

/**
 * A command's Status and StatusDetails from its counts, as AWS's "Understanding command
 * statuses" describes them: Failed and Execution Timed Out count against MaxErrors; Delivery
 * Timed Out does not, but makes the end TimedOut (Delivery Timed Out) when more than
 * MaxErrors invocations show it, Incomplete otherwise; every node Undeliverable is Failed.
 */
export function commandStatus(c: OutcomeCounts, options: { maxErrors: number; cancelRequested: boolean }): { status: CommandStatusName; statusDetails: string } {
  const completed = completedOf(c);
  if (completed < c.targetCount) {
    if (options.cancelRequested) return { status: 'Cancelling', statusDetails: 'Cancelling' };
    return c.started > 0 || completed > 0 ? { status: 'InProgress', statusDetails: 'InProgress' } : { status: 'Pending', statusDetails: 'Pending' };
  }
  if (options.cancelRequested) return { status: 'Cancelled', statusDetails: 'Cancelled' };
  if (c.targetCount === 0) return { status: 'Success', statusDetails: 'NoInstancesInTag' };
  if (c.success === c.targetCount) return { status: 'Success', statusDetails: 'Success' };
  const errors = c.failed + c.executionTimedOut;
  if (errors > options.maxErrors) {
    return c.executionTimedOut > c.failed ? { status: 'TimedOut', statusDetails: 'ExecutionTimedOut' } : { status: 'Failed', statusDetails: 'Failed' };
  }
  if (c.undeliverable === c.targetCount) return { status: 'Failed', statusDetails: 'Undeliverable' };
  if (c.deliveryTimedOut > 0 && c.deliveryTimedOut > options.maxErrors) return { status: 'TimedOut', statusDetails: 'DeliveryTimedOut' };
  if (c.cancelled > 0 && c.cancelled + c.success === c.targetCount) return { status: 'Cancelled', statusDetails: 'Cancelled' };
  return { status: 'Failed', statusDetails: 'Incomplete' };
}
