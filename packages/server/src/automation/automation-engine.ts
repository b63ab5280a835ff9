import crypto from 'node:crypto';
import { isAwsError, type Scope, type ssm } from '@bosun/protocol';
import type { Principal } from '../accounts/principal.ts';
import { findCommand, commandInvocations, type CommandRow } from '../commands/command-store.ts';
import { PeriodicTask } from '../engine/periodic-task.ts';
import type { Logger } from '../logger.ts';
import type { Db } from '../store/store.ts';
import type { ApiInvoker } from './api-invoker.ts';
import {
  appendEvents, claimExecution, dueExecutions, findExecution, findTaggedCommand, loadEvents, releaseExecution, type ExecutionRow, type Projection,
} from './automation-store.ts';
import { currentStep, isEnded, replay, stepExecutionId, type AutomationEvent, type ExecutionState, type StepRun } from './execution-history.ts';
import { decide, stepFacts, type Decision, type ExecutionFacts } from './executor.ts';
import { loadRunbook, type Runbook, type RunbookStep } from './runbook.ts';
import { outputStrings, select, selectOutputs } from './selectors.ts';

export interface AutomationEngineOptions {
  /** Pause between passes over due executions, ms (default 1000). */
  readonly intervalMs?: number;
  /** How long a replica's lease on an execution lasts, ms (default 10000; held only while a step is being advanced, never while it waits): after a crash, another replica (or the restarted one) takes it over once it lapses. */
  readonly claimLeaseMs?: number;
  /** How often a step that follows something looks again (aws:runCommand, aws:executeAutomation, aws:waitForAwsResourceProperty), ms (default 1000). */
  readonly commandPollMs?: number;
  /** Executions advanced per pass (default 100). */
  readonly batchSize?: number;
}

export interface AutomationEngineDeps {
  readonly db: Db;
  readonly now: () => number;
  readonly logger: Logger;
  readonly api: ApiInvoker;
  /** Run Command's send (commands-capability `send`, i.e. sendCommandAs). */
  readonly sendCommand: (scope: Scope, now: number, input: ssm.SendCommandRequest) => Promise<CommandRow>;
  /** aws:executeAutomation: starts a child execution as `principal` (operations.ts startAutomationExecution). */
  readonly startChild?: (principal: Principal, scope: Scope, now: number, input: ssm.StartAutomationExecutionRequest, parentExecutionId: string) => Promise<string>;
  readonly options?: AutomationEngineOptions;
}

const TERMINAL_COMMAND = new Set(['Success', 'Failed', 'Cancelled', 'TimedOut']);
/** Decisions applied to one execution in one go, a backstop against a runbook that loops without waiting. */
const MAX_DECISIONS_PER_ADVANCE = 200;

/** Runbooks read for executions, by execution id: an execution's runbook and parameters never change. */
const runbooks = new Map<string, { content: string; parameters: Record<string, unknown>; runbook: Runbook }>();
const RUNBOOK_CACHE_SIZE = 1000;

function runbookOf(row: ExecutionRow): { parameters: Record<string, unknown>; runbook: Runbook } {
  const known = runbooks.get(row.execution_id);
  if (known && known.content === row.document_content) return known;
  const parameters = JSON.parse(row.parameters) as Record<string, unknown>;
  const entry = { content: row.document_content, parameters, runbook: loadRunbook(row.document_content, parameters) };
  if (runbooks.size >= RUNBOOK_CACHE_SIZE) runbooks.delete(runbooks.keys().next().value!);
  runbooks.set(row.execution_id, entry);
  return entry;
}

/** The execution's facts and state, from its row and log. */
export function executionView(row: ExecutionRow, events: readonly AutomationEvent[]): { facts: ExecutionFacts; state: ExecutionState } {
  const { parameters, runbook } = runbookOf(row);
  const facts: ExecutionFacts = { executionId: row.execution_id, accountId: row.account_id, region: row.region, parameters, runbook };
  return { facts, state: replay(row.execution_id, events, stepFacts(runbook)) };
}

/** The row's projection of a state: what listing shows, and when the engine must look again. */
export function projectionOf(facts: ExecutionFacts, state: ExecutionState, now: number): Projection {
  const decision = decide(facts, state, now);
  const last = state.steps.at(-1);
  const outputs: Record<string, string[]> = {};
  for (const name of facts.runbook.outputs) {
    const [step, ...rest] = name.split('.');
    const run = state.steps.findLast((s) => s.name === step);
    const value = run?.outputs[rest.join('.')];
    if (value !== undefined) outputs[name] = outputStrings(value);
  }
  return {
    status: state.cancelRequested && !isEnded(state) ? 'Cancelling' : state.status,
    current_step_name: isEnded(state) ? null : last?.name ?? null,
    current_action: isEnded(state) ? null : last ? facts.runbook.step(last.name).action : null,
    failure_message: state.failureMessage ?? null,
    outputs: JSON.stringify(outputs),
    due_at: decision.kind === 'ended' ? null : decision.kind === 'wait' ? decision.until : now,
    ended_at: state.endedAt ?? null,
  };
}

/**
 * The thin loop around the executor (executor.ts): finds executions that are due, leases one
 * at a time to this replica, replays its log, applies the executor's decisions and performs
 * its actions, recording each outcome as an event before going on. Everything it knows is in
 * the store, so a restart (or another replica, once the lease lapses) picks up where it stopped.
 */
export class AutomationEngine {
  private readonly owner = crypto.randomUUID();
  private readonly task: PeriodicTask;
  private readonly advancing = new Map<string, Promise<void>>();
  private readonly leaseMs: number;
  private readonly pollMs: number;

  constructor(private readonly deps: AutomationEngineDeps) {
    this.leaseMs = deps.options?.claimLeaseMs ?? 10_000;
    this.pollMs = deps.options?.commandPollMs ?? 1000;
    this.task = new PeriodicTask({ name: 'automation engine', intervalMs: deps.options?.intervalMs ?? 1000, logger: deps.logger, run: () => this.runPass() });
  }

  start(): void {
    this.task.start();
  }

  async stop(): Promise<void> {
    await this.task.stop();
    await this.settle();
  }

  /** Resolves once no execution is being advanced (woken ones included): for tests and shutdown. */
  async settle(): Promise<void> {
    while (this.advancing.size > 0) await Promise.allSettled([...this.advancing.values()]);
  }

  /** Advances every due execution once. */
  async runPass(): Promise<void> {
    const now = this.deps.now();
    for (const id of await dueExecutions(this.deps.db, now, this.deps.options?.batchSize ?? 100)) await this.advance(id);
  }

  /** Something happened to an execution (started, signalled, stopped): advance it now rather than on the next pass. */
  wake(executionId: string): void {
    void this.advance(executionId).catch((error) => this.deps.logger.error({ err: error, executionId }, 'automation execution failed to advance'));
  }

  /** Applies decisions to one execution until it waits or ends. One at a time per execution in this process. */
  advance(executionId: string): Promise<void> {
    const running = this.advancing.get(executionId);
    const next = (running ?? Promise.resolve()).catch(() => {}).then(() => this.advanceNow(executionId));
    const tracked = next.finally(() => {
      if (this.advancing.get(executionId) === tracked) this.advancing.delete(executionId);
    });
    this.advancing.set(executionId, tracked);
    return tracked;
  }

  private async advanceNow(executionId: string): Promise<void> {
    const { db } = this.deps;
    const now = this.deps.now();
    if (!(await claimExecution(db, executionId, this.owner, now, now + this.leaseMs))) return;
    try {
      const row = await this.row(executionId);
      if (!row) return;
      // The log as last read; extended in memory by what this loop appends, read again when anything else may have.
      let events: AutomationEvent[] | undefined;
      for (let i = 0; i < MAX_DECISIONS_PER_ADVANCE; i++) {
        events ??= await loadEvents(db, executionId);
        const { facts, state } = executionView(row, events);
        const at = this.deps.now();
        const decision = decide(facts, state, at);
        if (decision.kind === 'ended' || decision.kind === 'wait') {
          await this.record(executionId, events, []);
          if (decision.kind === 'ended' && row.parent_execution_id) await this.wakeParent(row.parent_execution_id, at);
          return;
        }
        if (decision.kind === 'append') {
          const recorded = await this.record(executionId, events, decision.events);
          const running = currentStep(state);
          if (recorded && running?.childExecutionId && state.cancelRequested) await this.cancelChild(running.childExecutionId, at);
          if (recorded && running?.commandId && decision.events.some((e) => e.type === 'StepFailed' && e.step === running.name && e.status !== 'Failed')) {
            await this.cancelCommand(row, running.commandId, at);
          }
          events = recorded ? [...events, ...decision.events] : undefined;
        } else {
          if (!(await this.act(row, events, decision, at))) return;
          events = undefined;
        }
      }
    } finally {
      await releaseExecution(db, executionId, this.owner);
    }
  }

  /** An aws:runCommand step was cancelled or timed out: its command is cancelled too (CancelCommand as the caller; a failure is only logged). */
  private async cancelCommand(row: ExecutionRow, commandId: string, now: number): Promise<void> {
    try {
      await this.deps.api.call(JSON.parse(row.principal) as Principal, { accountId: row.account_id, region: row.region }, now, 'ssm', 'CancelCommand', { CommandId: commandId });
    } catch (error) {
      this.deps.logger.warn({ err: error, executionId: row.execution_id, commandId }, 'could not cancel the command of a stopped automation step');
    }
  }

  /** The parent was stopped while its aws:executeAutomation step ran: the child is stopped too. */
  private async cancelChild(childId: string, now: number): Promise<void> {
    await appendEvents(this.deps.db, childId, async (row, readLog) => {
      const log = await readLog();
      const { state } = executionView(row, log);
      if (isEnded(state) || state.cancelRequested) return undefined;
      const events: AutomationEvent[] = [{ type: 'CancelRequested', at: now, by: `automation-execution/${row.parent_execution_id}` }];
      const after = executionView(row, [...log, ...events]);
      return { events, projection: projectionOf(after.facts, after.state, now) };
    });
    this.wake(childId);
  }

  /** A child execution ended: its parent's aws:executeAutomation step looks at once. */
  private async wakeParent(parentId: string, now: number): Promise<void> {
    await this.deps.db.updateTable('automation_executions').set({ due_at: now }).where('execution_id', '=', parentId).where('ended_at', 'is', null).execute();
    this.wake(parentId);
  }

  private async row(executionId: string): Promise<ExecutionRow | undefined> {
    return (await this.deps.db.selectFrom('automation_executions').selectAll().where('execution_id', '=', executionId).executeTakeFirst()) as ExecutionRow | undefined;
  }

  /**
   * Appends events decided from a log of `seq` events, with the new projection. When the log has
   * grown since (a signal or a stop came in), nothing is appended: the caller decides again.
   */
  private async record(executionId: string, log: readonly AutomationEvent[], events: readonly AutomationEvent[]): Promise<boolean> {
    const result = await appendEvents(this.deps.db, executionId, (row) => {
      if (Number(row.event_count) !== log.length) return undefined;
      const { facts, state } = executionView(row, [...log, ...events]);
      return { events, projection: projectionOf(facts, state, this.deps.now()) };
    });
    return result !== undefined && result.appended.length === events.length && events.length > 0;
  }

  /**
   * Appends the outcome of an action of step run `run`, whatever else was appended meanwhile,
   * provided that attempt of the step is still the one in progress (a stop may have ended it).
   */
  private async recordOutcome(executionId: string, run: StepRun, events: readonly AutomationEvent[]): Promise<void> {
    await appendEvents(this.deps.db, executionId, async (row, readLog) => {
      const log = await readLog();
      const before = executionView(row, log);
      const current = currentStep(before.state);
      if (!current || current.index !== run.index || current.attempt !== run.attempt) return undefined;
      const { facts, state } = executionView(row, [...log, ...events]);
      return { events, projection: projectionOf(facts, state, this.deps.now()) };
    });
  }

  /** Performs the I/O of a step; false when the execution now waits (for a command to end). */
  private async act(row: ExecutionRow, log: readonly AutomationEvent[], decision: Extract<Decision, { kind: 'act' }>, now: number): Promise<boolean> {
    const { run, step } = decision;
    const principal = JSON.parse(row.principal) as Principal;
    const scope = { accountId: row.account_id, region: row.region };
    if (step.action === 'aws:executeAwsApi') {
      await this.executeAwsApi(row, principal, scope, run, step, now, log);
      return true;
    }
    if (step.action === 'aws:executeAutomation') return this.executeAutomation(row, principal, scope, run, now);
    if (step.action === 'aws:waitForAwsResourceProperty' || step.action === 'aws:assertAwsResourceProperty') return this.resourceProperty(row, principal, scope, run, step, now);
    return this.runCommand(row, principal, scope, run, step, now);
  }

  /**
   * aws:assertAwsResourceProperty (one look) and aws:waitForAwsResourceProperty (a look every
   * commandPollMs until it holds or the step times out): a read-only call as the caller, its
   * PropertySelector compared with DesiredValues. Only read-only APIs: a look may be repeated.
   */
  private async resourceProperty(row: ExecutionRow, principal: Principal, scope: Scope, run: StepRun, step: RunbookStep, now: number): Promise<boolean> {
    const { Service, Api, PropertySelector, DesiredValues, ...params } = run.inputs as { Service?: unknown; Api?: unknown; PropertySelector: string; DesiredValues: unknown } & Record<string, unknown>;
    const fail = async (message: string) => {
      await this.recordOutcome(row.execution_id, run, [{ type: 'StepFailed', at: this.deps.now(), step: run.name, status: 'Failed', message }]);
      return true;
    };
    if (typeof Service !== 'string' || typeof Api !== 'string') return fail(`${step.action} needs Service and Api.`);
    let response: unknown;
    try {
      if (!this.deps.api.isReadOnly(Service, Api)) return fail(`${step.action} calls read-only APIs only (Get, List, Describe…): ${Api} changes something.`);
      response = (await this.deps.api.call(principal, scope, now, Service, Api, params)).output;
    } catch (error) {
      if (isAwsError(error)) return fail(`${error.code}: ${error.message}`);
      throw error;
    }
    const desired = (Array.isArray(DesiredValues) ? DesiredValues : [DesiredValues]).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
    const found = select(response, PropertySelector);
    const values = !found.found ? [] : Array.isArray(found.value) ? found.value : [found.value];
    const actual = values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
    if (actual.length > 0 && actual.every((v) => desired.includes(v))) {
      await this.recordOutcome(row.execution_id, run, [{ type: 'StepSucceeded', at: this.deps.now(), step: run.name, outputs: {} }]);
      return true;
    }
    if (step.action === 'aws:waitForAwsResourceProperty') return this.pollLater(row.execution_id, now);
    return fail(`${PropertySelector} is ${actual.length === 0 ? 'not in the response' : JSON.stringify(actual.length === 1 ? actual[0] : actual)}, not one of ${JSON.stringify(desired)}.`);
  }

  /** Looks again after commandPollMs (a command or a child execution still running). */
  private async pollLater(executionId: string, now: number): Promise<false> {
    await this.deps.db.updateTable('automation_executions').set({ due_at: now + this.pollMs }).where('execution_id', '=', executionId).where('ended_at', 'is', null).execute();
    return false;
  }

  private async executeAutomation(row: ExecutionRow, principal: Principal, scope: Scope, run: StepRun, now: number): Promise<boolean> {
    const fail = async (message: string, outputs?: Record<string, unknown>) => {
      await this.recordOutcome(row.execution_id, run, [{ type: 'StepFailed', at: this.deps.now(), step: run.name, status: 'Failed', message, ...(outputs ? { outputs } : {}) }]);
      return true;
    };
    let childId = run.childExecutionId;
    if (!childId) {
      const { DocumentName, DocumentVersion, RuntimeParameters } = run.inputs as { DocumentName?: unknown; DocumentVersion?: unknown; RuntimeParameters?: unknown };
      for (const member of ['TargetParameterName', 'Targets', 'TargetMaps', 'MaxConcurrency', 'MaxErrors', 'TargetLocations']) {
        if (run.inputs[member] !== undefined) return fail(`aws:executeAutomation ${member} (rate control across targets) is not supported by Bosun yet.`);
      }
      if (!this.deps.startChild) return fail('aws:executeAutomation is not available: no way to start a child execution was given.');
      const parameters = RuntimeParameters && typeof RuntimeParameters === 'object' ? stringLists(RuntimeParameters as Record<string, unknown>) : undefined;
      // A ClientToken derived from this step's attempt: after a crash between the start and its record, the same child is found again.
      const input = { DocumentName, ...(DocumentVersion !== undefined ? { DocumentVersion: String(DocumentVersion) } : {}), ...(parameters ? { Parameters: parameters } : {}),
        ClientToken: stepExecutionId(`${row.execution_id}/child/${run.attempt}`, run.index) };
      try {
        const checked = await this.deps.api.authorizeCall<ssm.StartAutomationExecutionRequest>(principal, scope, now, 'ssm', 'StartAutomationExecution', input);
        childId = await this.deps.startChild(principal, scope, now, checked, row.execution_id);
      } catch (error) {
        if (isAwsError(error)) return fail(`${error.code}: ${error.message}`);
        throw error;
      }
      await this.recordOutcome(row.execution_id, run, [{ type: 'ChildStarted', at: now, step: run.name, executionId: childId }]);
    }
    const child = await findExecution(this.deps.db, scope, childId);
    if (!child) return fail(`Child execution ${childId} no longer exists.`);
    if (child.ended_at === null) return this.pollLater(row.execution_id, now);
    const outputs = { ExecutionId: childId, Status: child.status, Output: JSON.parse(child.outputs) as Record<string, string[]> };
    if (child.status !== 'Success') return fail(`Child execution ${childId} ended ${child.status}${child.failure_message ? `: ${child.failure_message}` : ''}`, outputs);
    await this.recordOutcome(row.execution_id, run, [{ type: 'StepSucceeded', at: this.deps.now(), step: run.name, outputs }]);
    return true;
  }

  private async executeAwsApi(row: ExecutionRow, principal: Principal, scope: Scope, run: StepRun, step: RunbookStep, now: number, log: readonly AutomationEvent[]): Promise<void> {
    const { Service, Api, ...params } = run.inputs as { Service?: unknown; Api?: unknown } & Record<string, unknown>;
    const fail = (message: string) => this.recordOutcome(row.execution_id, run, [{ type: 'StepFailed', at: this.deps.now(), step: run.name, status: 'Failed', message }]);
    if (typeof Service !== 'string' || typeof Api !== 'string') return fail('aws:executeAwsApi needs Service and Api.');
    let readOnly: boolean;
    try {
      readOnly = this.deps.api.isReadOnly(Service, Api);
    } catch (error) {
      if (isAwsError(error)) return fail(`${error.code}: ${error.message}`);
      throw error;
    }
    if (!run.callStarted) {
      // Recorded before the call: after a crash, a call that changes something is not made again (executor.ts).
      if (!(await this.record(row.execution_id, log, [{ type: 'CallStarted', at: now, step: run.name, readOnly }]))) return; // the log moved on: decide again
    }
    let response: unknown;
    try {
      response = (await this.deps.api.call(principal, scope, now, Service, Api, params)).output;
    } catch (error) {
      if (isAwsError(error)) return fail(`${error.code}: ${error.message}`);
      throw error;
    }
    let outputs: Record<string, unknown>;
    try {
      outputs = selectOutputs(response, step.outputs);
    } catch (error) {
      return fail((error as Error).message);
    }
    await this.recordOutcome(row.execution_id, run, [{ type: 'StepSucceeded', at: this.deps.now(), step: run.name, outputs }]);
  }

  private async runCommand(row: ExecutionRow, principal: Principal, scope: Scope, run: StepRun, step: RunbookStep, now: number): Promise<boolean> {
    const { db } = this.deps;
    const fail = async (message: string, outputs?: Record<string, unknown>) => {
      await this.recordOutcome(row.execution_id, run, [{ type: 'StepFailed', at: this.deps.now(), step: run.name, status: 'Failed', message, ...(outputs ? { outputs } : {}) }]);
      return true;
    };
    let commandId = run.commandId;
    if (!commandId) {
      // The tag in the comment finds a command sent just before a crash, so a restart does not send it again.
      const tag = `[automation ${row.execution_id} ${run.index}.${run.attempt}]`;
      commandId = await findTaggedCommand(db, scope, tag);
      if (!commandId) {
        const given = typeof run.inputs.Comment === 'string' ? run.inputs.Comment : '';
        const comment = given ? `${given.slice(0, 100 - tag.length - 1)} ${tag}` : tag;
        let input: ssm.SendCommandRequest;
        try {
          input = await this.deps.api.authorizeCall<ssm.SendCommandRequest>(principal, scope, now, 'ssm', 'SendCommand', sendCommandInput(run.inputs, comment));
          commandId = (await this.deps.sendCommand(scope, now, input)).command_id;
        } catch (error) {
          if (isAwsError(error)) return fail(`${error.code}: ${error.message}`);
          throw error;
        }
      }
      await this.recordOutcome(row.execution_id, run, [{ type: 'CommandSent', at: now, step: run.name, commandId }]);
    }
    const command = await findCommand(db, commandId);
    if (!command) return fail(`Command ${commandId} no longer exists.`);
    if (!TERMINAL_COMMAND.has(command.status)) return this.pollLater(row.execution_id, now);
    const invocations = await commandInvocations(db, commandId);
    const outputs: Record<string, unknown> = { CommandId: commandId, Status: command.status };
    if (invocations.length === 1) outputs.ResponseCode = invocations[0].response_code;
    let selected: Record<string, unknown> = {};
    try {
      selected = selectOutputs(outputs, step.outputs);
    } catch (error) {
      return fail((error as Error).message, outputs);
    }
    if (command.status !== 'Success') return fail(`Command ${commandId} ended ${command.status} (${command.status_details}).`, { ...outputs, ...selected });
    await this.recordOutcome(row.execution_id, run, [{ type: 'StepSucceeded', at: this.deps.now(), step: run.name, outputs: { ...outputs, ...selected } }]);
    return true;
  }
}

const SEND_COMMAND_MEMBERS = [
  'InstanceIds', 'Targets', 'DocumentName', 'DocumentVersion', 'DocumentHash', 'DocumentHashType', 'TimeoutSeconds', 'Parameters', 'OutputS3Region', 'OutputS3BucketName',
  'OutputS3KeyPrefix', 'MaxConcurrency', 'MaxErrors', 'ServiceRoleArn', 'NotificationConfig', 'CloudWatchOutputConfig',
];

/** aws:runCommand's inputs as SendCommand's request. Parameter values are lists of strings, as SendCommand takes them. */
function sendCommandInput(inputs: Record<string, unknown>, comment: string): Record<string, unknown> {
  const out: Record<string, unknown> = { Comment: comment };
  for (const member of SEND_COMMAND_MEMBERS) if (inputs[member] !== undefined) out[member] = inputs[member];
  if (out.Parameters && typeof out.Parameters === 'object') out.Parameters = stringLists(out.Parameters as Record<string, unknown>);
  if (typeof out.TimeoutSeconds === 'string') out.TimeoutSeconds = Number(out.TimeoutSeconds);
  return out;
}

/** Parameter values as the API takes them: lists of strings (a single value becomes a list of one). */
function stringLists(values: Record<string, unknown>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))) : [typeof v === 'string' ? v : JSON.stringify(v)]]));
}
