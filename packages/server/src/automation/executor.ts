import { chooseNext, ChoiceError } from './choices.ts';
import { currentStep, isEnded, type AutomationEvent, type ExecutionState, type StepFacts, type StepRun } from './execution-history.ts';
import { resolveReferences, UnresolvedReference } from './references.ts';
import type { Runbook, RunbookStep } from './runbook.ts';

/**
 * The executor as a pure state machine: given an execution's state (replayed from its log),
 * its runbook and `now`, what happens next. The engine (automation-engine.ts) is the thin loop
 * that appends `append` decisions, performs `act` decisions (the only I/O: calling the API,
 * sending and following a command) and sleeps until `wait.until`.
 */
export type Decision =
  /** Events that follow from the state and the time alone. */
  | { readonly kind: 'append'; readonly events: AutomationEvent[] }
  /** The current step needs the outside world (aws:executeAwsApi, aws:runCommand, aws:executeAutomation). */
  | { readonly kind: 'act'; readonly run: StepRun; readonly step: RunbookStep }
  /** Nothing to do until `until` (epoch ms), or until a signal when null. */
  | { readonly kind: 'wait'; readonly until: number | null }
  | { readonly kind: 'ended' };

export interface ExecutionFacts {
  readonly executionId: string;
  readonly accountId: string;
  readonly region: string;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly runbook: Runbook;
}

/** What replay needs to know of a runbook's steps. */
export function stepFacts(runbook: Runbook): StepFacts {
  return { waits: (name) => ['aws:pause', 'aws:approve'].includes(runbook.step(name).action) };
}

const MAX_SLEEP_MS = 7 * 24 * 3600 * 1000;

export function decide(facts: ExecutionFacts, state: ExecutionState, now: number): Decision {
  if (isEnded(state)) return { kind: 'ended' };
  const { runbook } = facts;
  const run = currentStep(state);
  if (state.cancelRequested) {
    const events: AutomationEvent[] = [];
    if (run) events.push({ type: 'StepFailed', at: now, step: run.name, status: 'Cancelled', message: 'Step cancelled: the execution was stopped.' });
    events.push({ type: 'ExecutionEnded', at: now, status: 'Cancelled' });
    return { kind: 'append', events };
  }
  if (state.status === 'Pending') return { kind: 'append', events: [{ type: 'ExecutionStarted', at: now }, ...start(facts, state, runbook.steps[0], 1, now)] };
  if (run) return decideRunning(facts, run, runbook.step(run.name), now);
  const last = state.steps.at(-1);
  if (!last) return { kind: 'append', events: start(facts, state, runbook.steps[0], 1, now) };
  return { kind: 'append', events: afterStep(facts, state, last, now) };
}

function decideRunning(facts: ExecutionFacts, run: StepRun, step: RunbookStep, now: number): Decision {
  const timeoutAt = step.timeoutSeconds === undefined ? undefined : run.attemptStartedAt + step.timeoutSeconds * 1000;
  if (timeoutAt !== undefined && now >= timeoutAt) {
    return { kind: 'append', events: [{ type: 'StepFailed', at: now, step: run.name, status: 'TimedOut', message: `Step timed out after ${step.timeoutSeconds} seconds.` }] };
  }
  const earliest = (...times: (number | undefined)[]) => {
    const set = times.filter((t): t is number => t !== undefined);
    return set.length === 0 ? null : Math.min(...set);
  };
  const succeed = (outputs: Record<string, unknown> = {}, next?: string): Decision => ({ kind: 'append', events: [{ type: 'StepSucceeded', at: now, step: run.name, outputs, ...(next ? { next } : {}) }] });
  const fail = (message: string): Decision => ({ kind: 'append', events: [{ type: 'StepFailed', at: now, step: run.name, status: 'Failed', message }] });
  switch (step.action) {
    case 'aws:sleep':
      if (run.wakeAt === undefined || now >= run.wakeAt) return succeed();
      return { kind: 'wait', until: earliest(run.wakeAt, timeoutAt) };
    case 'aws:pause':
      if (run.resumed) return succeed();
      return { kind: 'wait', until: earliest(timeoutAt) };
    case 'aws:approve': {
      if (run.rejectedBy) return fail(`Step was rejected by ${run.rejectedBy}.`);
      const needed = minRequiredApprovals(run.inputs);
      if (run.approvedBy.length >= needed) {
        return succeed({ ApprovalStatus: 'Approved', ApproverDecisions: run.approvedBy.map((approver) => ({ Approver: approver, Decision: 'Approved' })) });
      }
      return { kind: 'wait', until: earliest(timeoutAt) };
    }
    case 'aws:branch':
      try {
        const next = chooseNext(run.inputs);
        if (next === undefined) return fail('No choice matched and the step has no Default.');
        return succeed({}, next);
      } catch (error) {
        if (error instanceof ChoiceError) return fail(error.message);
        throw error;
      }
    case 'aws:executeAwsApi':
      // A call that changes something is never made twice: after a crash mid-call, the step fails.
      if (run.callStarted && !run.callStarted.readOnly) return fail('The server stopped while the call was in flight; a call that changes something is not repeated.');
      return { kind: 'act', run, step };
    case 'aws:runCommand':
    case 'aws:executeAutomation':
    case 'aws:waitForAwsResourceProperty':
    case 'aws:assertAwsResourceProperty':
      return { kind: 'act', run, step };
  }
}

/** The events that start a step (attempt ≥ 1): its inputs resolved, or its failure when they cannot be. */
function start(facts: ExecutionFacts, state: ExecutionState, step: RunbookStep, attempt: number, now: number): AutomationEvent[] {
  const stepOutputs = new Map(state.steps.filter((s) => s.status === 'Success' || Object.keys(s.outputs).length > 0).map((s) => [s.name, s.outputs]));
  let inputs: Record<string, unknown>;
  try {
    inputs = resolveReferences(step.inputs, { parameters: facts.parameters, stepOutputs, executionId: facts.executionId, accountId: facts.accountId, region: facts.region, now }) as Record<string, unknown>;
  } catch (error) {
    if (!(error instanceof UnresolvedReference)) throw error;
    return [
      { type: 'StepStarted', at: now, step: step.name, attempt, inputs: step.inputs },
      { type: 'StepFailed', at: now, step: step.name, status: 'Failed', message: error.message },
    ];
  }
  if (step.action === 'aws:sleep') {
    const wake = wakeTime(inputs, now);
    if (typeof wake === 'string') {
      return [{ type: 'StepStarted', at: now, step: step.name, attempt, inputs }, { type: 'StepFailed', at: now, step: step.name, status: 'Failed', message: wake }];
    }
    return [{ type: 'StepStarted', at: now, step: step.name, attempt, inputs, wakeAt: wake }];
  }
  return [{ type: 'StepStarted', at: now, step: step.name, attempt, inputs }];
}

/** Where the flow goes once the last step run ended: another attempt, the next step, or the end. */
function afterStep(facts: ExecutionFacts, state: ExecutionState, last: StepRun, now: number): AutomationEvent[] {
  const { runbook } = facts;
  const step = runbook.step(last.name);
  const following = () => {
    const index = runbook.steps.findIndex((s) => s.name === step.name);
    return runbook.steps[index + 1]?.name;
  };
  let next: string | undefined;
  if (last.status === 'Success') {
    next = last.next ?? (step.isEnd ? undefined : step.nextStep ?? following());
  } else if (last.status === 'Cancelled') {
    return [{ type: 'ExecutionEnded', at: now, status: 'Cancelled' }];
  } else if (last.attempt < step.maxAttempts) {
    return start(facts, state, step, last.attempt + 1, now);
  } else if (step.onFailure === 'Continue') {
    next = step.isEnd ? undefined : step.nextStep ?? following();
  } else if (step.onFailure.startsWith('step:')) {
    next = step.onFailure.slice('step:'.length);
  } else {
    return [{ type: 'ExecutionEnded', at: now, status: 'Failed', message: failureMessage(last) }];
  }
  if (next !== undefined) return start(facts, state, runbook.step(next), 1, now);
  const failed = state.steps.find((s) => (s.status === 'Failed' || s.status === 'TimedOut') && runbook.step(s.name).isCritical);
  return failed
    ? [{ type: 'ExecutionEnded', at: now, status: 'Failed', message: failureMessage(failed) }]
    : [{ type: 'ExecutionEnded', at: now, status: 'Success' }];
}

function failureMessage(run: StepRun): string {
  return `Step ${run.name} ${run.status === 'TimedOut' ? 'timed out' : 'failed'}: ${run.failureMessage ?? 'no reason given'}`;
}

export function minRequiredApprovals(inputs: Record<string, unknown>): number {
  const n = Number(inputs.MinRequiredApprovals ?? 1);
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

/** aws:sleep: Duration (ISO 8601, e.g. PT10M, at most 7 days) or Timestamp (ISO 8601, UTC); a string is the reason it is not valid. */
export function wakeTime(inputs: Record<string, unknown>, now: number): number | string {
  if (typeof inputs.Duration === 'string') {
    const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(inputs.Duration);
    if (!m || inputs.Duration === 'P' || inputs.Duration.endsWith('T')) return `Duration ${inputs.Duration} is not an ISO 8601 duration such as PT10M.`;
    const ms = ((Number(m[1] ?? 0) * 24 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 60_000 + Number(m[4] ?? 0) * 1000;
    if (ms > MAX_SLEEP_MS) return `Duration ${inputs.Duration} is longer than the 7 days aws:sleep allows.`;
    return now + ms;
  }
  if (typeof inputs.Timestamp === 'string') {
    const at = Date.parse(inputs.Timestamp);
    if (Number.isNaN(at) || !/^\d{4}-\d{2}-\d{2}T/.test(inputs.Timestamp)) return `Timestamp ${inputs.Timestamp} is not an ISO 8601 time such as 2026-01-01T00:00:00Z.`;
    if (at - now > MAX_SLEEP_MS) return `Timestamp ${inputs.Timestamp} is more than the 7 days aws:sleep allows from now.`;
    return at;
  }
  return 'aws:sleep needs a Duration or a Timestamp.';
}
