import crypto from 'node:crypto';

/**
 * The recorded history of an automation execution, and the state derived from it.
 *
 * Every step transition is an event appended to the execution's log (automation_events); the
 * execution's current state is never stored on its own, it is `replay(events)`. A restart
 * therefore resumes an execution by reading its log: a step whose end is recorded is never
 * run again, and a step whose start is recorded is continued, not started over.
 *
 * Event types are append-only: a new kind of event gets a new type, and the fields of an
 * existing type keep their meaning, so that old logs replay the same way forever.
 *
 *   ExecutionStarted ─▶ StepStarted ─▶ [CallStarted | CommandSent | ChildStarted | SignalReceived…] ─▶ StepSucceeded | StepFailed
 *                         ▲                                                               │
 *                         └──────────────── next step / retry / onFailure ◀───────────────┘
 *   CancelRequested (any time) … ExecutionEnded (last)
 */
export type AutomationEvent =
  | { readonly type: 'ExecutionStarted'; readonly at: number }
  | {
    readonly type: 'StepStarted'; readonly at: number; readonly step: string; readonly attempt: number;
    /** The step's inputs with every reference resolved when it started: a replay sees the same values. */
    readonly inputs: Record<string, unknown>;
    /** aws:sleep: when it wakes. */
    readonly wakeAt?: number;
  }
  /** aws:executeAwsApi: the call is about to be made; readOnly says whether it may be made again after a crash. */
  | { readonly type: 'CallStarted'; readonly at: number; readonly step: string; readonly readOnly: boolean }
  /** aws:runCommand: the Run Command command this step follows. */
  | { readonly type: 'CommandSent'; readonly at: number; readonly step: string; readonly commandId: string }
  /** aws:executeAutomation: the child execution this step follows. */
  | { readonly type: 'ChildStarted'; readonly at: number; readonly step: string; readonly executionId: string }
  | {
    readonly type: 'StepSucceeded'; readonly at: number; readonly step: string;
    readonly outputs: Record<string, unknown>;
    /** aws:branch: the step it chose. */
    readonly next?: string;
  }
  | { readonly type: 'StepFailed'; readonly at: number; readonly step: string; readonly status: 'Failed' | 'TimedOut' | 'Cancelled'; readonly message: string; readonly outputs?: Record<string, unknown> }
  | { readonly type: 'SignalReceived'; readonly at: number; readonly step: string; readonly signal: 'Approve' | 'Reject' | 'Resume'; readonly by: string; readonly comment?: string }
  | { readonly type: 'CancelRequested'; readonly at: number; readonly by: string }
  | { readonly type: 'ExecutionEnded'; readonly at: number; readonly status: 'Success' | 'Failed' | 'Cancelled' | 'TimedOut'; readonly message?: string };

export type StepStatus = 'InProgress' | 'Waiting' | 'Success' | 'Failed' | 'TimedOut' | 'Cancelled';

/** One run of a step (its attempts included), as StepExecution shows it. */
export interface StepRun {
  readonly stepExecutionId: string;
  /** Its place among the execution's step runs (0, 1…). */
  readonly index: number;
  readonly name: string;
  attempt: number;
  status: StepStatus;
  startedAt: number;
  /** When its current attempt started: timeoutSeconds counts from here. */
  attemptStartedAt: number;
  endedAt?: number;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  failureMessage?: string;
  wakeAt?: number;
  commandId?: string;
  childExecutionId?: string;
  callStarted?: { readOnly: boolean };
  approvedBy: string[];
  rejectedBy?: string;
  resumed: boolean;
  /** aws:branch: the chosen step. */
  next?: string;
}

export type ExecutionStatus = 'Pending' | 'InProgress' | 'Waiting' | 'Success' | 'Failed' | 'Cancelled' | 'TimedOut';

export interface ExecutionState {
  status: ExecutionStatus;
  steps: StepRun[];
  cancelRequested: boolean;
  failureMessage?: string;
  endedAt?: number;
  /** Number of events replayed: the seq the next event takes. */
  seq: number;
}

/** The step run still in progress, if any. */
export function currentStep(state: ExecutionState): StepRun | undefined {
  const last = state.steps.at(-1);
  return last && (last.status === 'InProgress' || last.status === 'Waiting') ? last : undefined;
}

export function isEnded(state: ExecutionState): boolean {
  return state.status === 'Success' || state.status === 'Failed' || state.status === 'Cancelled' || state.status === 'TimedOut';
}

/** A step execution id derived from the execution and the step run's place: the same on every replay. */
export function stepExecutionId(executionId: string, index: number): string {
  const hex = crypto.createHash('sha256').update(`${executionId}/${index}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export interface StepFacts {
  /** Whether the step waits for a person (aws:pause, aws:approve): its status is Waiting, not InProgress. */
  readonly waits: (step: string) => boolean;
}

/** The state an execution's log describes. Pure: the same events always give the same state. */
export function replay(executionId: string, events: readonly AutomationEvent[], facts: StepFacts): ExecutionState {
  const state: ExecutionState = { status: 'Pending', steps: [], cancelRequested: false, seq: 0 };
  for (const event of events) {
    apply(executionId, state, event, facts);
    state.seq++;
  }
  return state;
}

function apply(executionId: string, state: ExecutionState, event: AutomationEvent, facts: StepFacts): void {
  const current = currentStep(state);
  const forCurrent = (step: string) => (current && current.name === step ? current : undefined);
  switch (event.type) {
    case 'ExecutionStarted':
      state.status = 'InProgress';
      return;
    case 'StepStarted': {
      const last = state.steps.at(-1);
      const waits = facts.waits(event.step);
      if (event.attempt > 1 && last && last.name === event.step) {
        // A retry (maxAttempts) is another attempt of the same step run.
        Object.assign(last, { attempt: event.attempt, attemptStartedAt: event.at, status: waits ? 'Waiting' : 'InProgress', inputs: event.inputs, wakeAt: event.wakeAt, endedAt: undefined,
          failureMessage: undefined, commandId: undefined, childExecutionId: undefined, callStarted: undefined, approvedBy: [], rejectedBy: undefined, resumed: false, outputs: {} });
      } else {
        const index = state.steps.length;
        state.steps.push({
          stepExecutionId: stepExecutionId(executionId, index), index, name: event.step, attempt: event.attempt, status: waits ? 'Waiting' : 'InProgress', startedAt: event.at, attemptStartedAt: event.at,
          inputs: event.inputs, outputs: {}, wakeAt: event.wakeAt, approvedBy: [], resumed: false,
        });
      }
      state.status = waits ? 'Waiting' : 'InProgress';
      return;
    }
    case 'CallStarted': {
      const step = forCurrent(event.step);
      if (step) step.callStarted = { readOnly: event.readOnly };
      return;
    }
    case 'CommandSent': {
      const step = forCurrent(event.step);
      if (step) step.commandId = event.commandId;
      return;
    }
    case 'ChildStarted': {
      const step = forCurrent(event.step);
      if (step) step.childExecutionId = event.executionId;
      return;
    }
    case 'SignalReceived': {
      const step = forCurrent(event.step);
      if (!step) return;
      if (event.signal === 'Approve' && !step.approvedBy.includes(event.by)) step.approvedBy.push(event.by);
      else if (event.signal === 'Reject') step.rejectedBy ??= event.by;
      else if (event.signal === 'Resume') step.resumed = true;
      return;
    }
    case 'StepSucceeded': {
      const step = forCurrent(event.step);
      if (!step) return;
      Object.assign(step, { status: 'Success', endedAt: event.at, outputs: event.outputs, next: event.next });
      state.status = 'InProgress';
      return;
    }
    case 'StepFailed': {
      const step = forCurrent(event.step);
      if (!step) return;
      Object.assign(step, { status: event.status, endedAt: event.at, failureMessage: event.message, outputs: event.outputs ?? step.outputs });
      state.status = 'InProgress';
      return;
    }
    case 'CancelRequested':
      state.cancelRequested = true;
      return;
    case 'ExecutionEnded':
      state.status = event.status;
      state.failureMessage = event.message;
      state.endedAt = event.at;
      return;
  }
}
