import crypto from 'node:crypto';
import type { Scope, ssm } from '@bosun/protocol';
import { matchNodes } from '../associations/association-decisions.ts';
import type { CommandRow } from '../commands/command-store.ts';
import { commandInvocations } from '../commands/command-store.ts';
import { PeriodicTask } from '../engine/periodic-task.ts';
import { DEFAULT_MAX_CONCURRENCY, DEFAULT_MAX_ERRORS, limitFor, parseLimit } from '../engine/rate-control.ts';
import type { TargetNode } from '../engine/targets.ts';
import type { Logger } from '../logger.ts';
import { targetNodeOf } from '../nodes/target-node.ts';
import { listInstances, type InstanceRow } from '../nodes/nodes-store.ts';
import type { Db } from '../store/store.ts';
import { decideExecution, invocationStatusOf, perNodeParameters, planDue, substitute, taskOutcome, TERMINAL, type PseudoValues } from './window-decisions.ts';
import { timingOf } from './window-definitions.ts';
import {
  claimDue, claimDueMany, commandsWithComment, dueWindows, earliestDue, listInvocations, listTargets, listTaskExecutions, openExecutions, reclaimTask, recordSent, recordSentMany,
  refreshClaim, startTasks, targetsOfWindows, tasksOfWindows, windowsWithOpenExecutions, setExecutionStatus, setInvocationStatus, setTaskStatus, startTask, OPEN_STATUSES, type Claim, type InvocationRow, type TaskExecutionRow, type WindowExecutionRow, type WindowRow,
  type WindowTargetRow, type WindowTaskRow,
} from './window-store.ts';

export interface WindowEngineOptions {
  /** How often open executions are followed (task results, priorities, cutoff, end), ms. Default 500. */
  readonly tickMs?: number;
  /** How often due windows are looked for, ms (a due window starts at most this late). Default 200. */
  readonly scheduleCheckMs?: number;
  /** A task whose starter has not sent its commands for this long is taken over, ms. Default 30 s. */
  readonly claimLeaseMs?: number;
}

const HOUR = 3_600_000;
/** Windows claimed in one transaction. */
const BATCH = 500;
/** Tasks of windows due together sent at once. */
const SEND_WORKERS = 16;

/** The task's definition members kept as JSON in its row. */
export interface TaskDefinition {
  readonly TaskParameters?: Record<string, ssm.MaintenanceWindowTaskParameterValueExpression>;
  readonly TaskInvocationParameters?: ssm.MaintenanceWindowTaskInvocationParameters;
  readonly LoggingInfo?: ssm.LoggingInfo;
  readonly AlarmConfiguration?: ssm.AlarmConfiguration;
}

/** The comment of a window's Run Command command: names the task execution (one command) or the invocation (one per node). */
export const commandComment = (id: string) => `maintenance-window:${id}`;

/**
 * Runs maintenance windows. The schedule pass claims each due time of each window once (the
 * claim moves the window's next due time and writes the execution in one transaction: a
 * second pass, restart or replica finds it moved) and starts the execution at once. The
 * follow pass drives every open execution from its rows: results of its Run Command commands,
 * the next priority, the cutoff, the window's end, cancel. Nothing lives only in memory, so a
 * restart carries on from the rows.
 */
export class WindowEngine {
  private readonly follows: PeriodicTask;
  private readonly schedules: PeriodicTask;
  private scheduling?: Promise<void>;
  private following?: Promise<void>;
  /** Tasks this process is sending commands for (another pass leaves them alone). */
  private readonly sending = new Set<string>();
  /** Tasks whose claim this process holds, with the claimed_at it wrote. */
  private readonly owned = new Map<string, number>();
  private fleet = new Map<string, { at: number; rows: Promise<InstanceRow[]> }>();
  private stopped = false;
  private readonly options: Required<WindowEngineOptions>;

  constructor(private readonly deps: {
    db: Db;
    send: (scope: Scope, now: number, input: ssm.SendCommandRequest, known?: readonly InstanceRow[]) => Promise<CommandRow>;
    /** Cancels a Run Command command (no-op when it ended). */
    cancel: (commandId: string, now: number) => Promise<void>;
    now: () => number;
    logger: Logger;
    options?: WindowEngineOptions;
  }) {
    this.options = { tickMs: 500, scheduleCheckMs: 200, claimLeaseMs: 30_000, ...deps.options };
    this.follows = new PeriodicTask({ name: 'maintenance window executions', intervalMs: this.options.tickMs, logger: deps.logger, run: () => this.followAll() });
    this.schedules = new PeriodicTask({ name: 'maintenance window schedules', intervalMs: this.options.scheduleCheckMs, logger: deps.logger, run: () => this.runDue() });
  }

  start(): void {
    this.follows.start();
    this.schedules.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.schedules.stop();
    await this.follows.stop();
    await this.scheduling;
    await this.following;
  }

  /** One pass of each loop, for tests with a clock of their own. */
  async tick(): Promise<void> {
    await this.runDue();
    await this.followAll();
  }

  /** Claims and starts every window whose due time has come (one pass at a time). */
  runDue(): Promise<void> {
    this.scheduling ??= this.runDueOnce().finally(() => {
      this.scheduling = undefined;
    });
    return this.scheduling;
  }

  /** Follows every open execution (one pass at a time). */
  followAll(): Promise<void> {
    this.following ??= this.followAllOnce().finally(() => {
      this.following = undefined;
    });
    return this.following;
  }

  private async runDueOnce(): Promise<void> {
    for (;;) {
      let now = this.deps.now();
      let due = await dueWindows(this.deps.db, now, BATCH);
      if (due.length === 0) {
        // A due time before the next pass: wait for it exactly rather than up to a whole interval late.
        const soonest = await earliestDue(this.deps.db);
        if (soonest === undefined || soonest - now > this.options.scheduleCheckMs || this.stopped) return;
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, soonest - now)));
        now = this.deps.now();
        due = await dueWindows(this.deps.db, now, BATCH);
        if (due.length === 0) return;
      }
      await this.claimBatch(due, now);
      if (due.length < BATCH) return;
    }
  }

  /**
   * Claims the due times of windows that fell due together, in one transaction (each claim its
   * own compare-and-set), then starts the claimed executions' first tasks, together.
   */
  private async claimBatch(due: readonly WindowRow[], now: number): Promise<void> {
    const { db } = this.deps;
    const ids = due.map((w) => w.window_id);
    const open = await windowsWithOpenExecutions(db, ids);
    const tasks = await tasksOfWindows(db, ids);
    const claims: { claim: Claim; running?: WindowExecutionRow }[] = [];
    for (const window of due) {
      try {
        claims.push(this.planClaim(window, now, open.has(window.window_id), tasks.get(window.window_id) ?? []));
      } catch (error) {
        this.deps.logger.error({ err: error, windowId: window.window_id }, 'planning a maintenance window run failed');
      }
    }
    let claimed: Set<string>;
    try {
      claimed = await claimDueMany(db, claims.map((c) => c.claim));
    } catch {
      // A due time recorded already (a race the compare-and-set did not see): one by one, each refused alone.
      claimed = new Set();
      for (const c of claims) if (await claimDue(db, c.claim)) claimed.add(c.claim.windowId);
    }
    const fresh = claims.filter((c) => c.running && claimed.has(c.claim.windowId));
    await this.startFresh(fresh.map((c) => ({ execution: c.running!, tasks: c.claim.taskExecutions })));
  }

  private planClaim(window: WindowRow, now: number, previousOpen: boolean, tasks: readonly WindowTaskRow[]): { claim: Claim; running?: WindowExecutionRow } {
    const plan = planDue(timingOf(window), { durationHours: window.duration, cutoffHours: window.cutoff }, window.next_due_at!, now, previousOpen);
    if (plan.unrecorded > 0) this.deps.logger.warn({ windowId: window.window_id, unrecorded: plan.unrecorded }, 'maintenance window missed more due times than are recorded');
    const executions: WindowExecutionRow[] = plan.skipped.map((s) => ({
      window_execution_id: crypto.randomUUID(), window_id: window.window_id, account_id: window.account_id, region: window.region, due_at: s.dueAt,
      status: 'SKIPPED_OVERLAPPING', status_details: s.reason, cutoff_at: s.dueAt + (window.duration - window.cutoff) * HOUR, ends_at: s.dueAt + window.duration * HOUR,
      start_time: s.dueAt, end_time: now, cancel_requested: 0,
    }));
    const taskExecutions: TaskExecutionRow[] = [];
    let running: WindowExecutionRow | undefined;
    if (plan.run !== undefined) {
      running = {
        window_execution_id: crypto.randomUUID(), window_id: window.window_id, account_id: window.account_id, region: window.region, due_at: plan.run,
        status: 'IN_PROGRESS', status_details: 'In progress', cutoff_at: plan.run + (window.duration - window.cutoff) * HOUR, ends_at: plan.run + window.duration * HOUR,
        start_time: now, end_time: null, cancel_requested: 0,
      };
      executions.push(running);
      for (const task of tasks) {
        taskExecutions.push({
          task_execution_id: crypto.randomUUID(), window_execution_id: running.window_execution_id, window_id: window.window_id, window_task_id: task.window_task_id,
          account_id: window.account_id, region: window.region, priority: task.priority, task: JSON.stringify(task), status: 'PENDING', status_details: 'Pending',
          start_time: null, end_time: null, claimed_at: null,
        });
      }
    }
    return { claim: { windowId: window.window_id, from: window.next_due_at!, to: plan.next ?? null, executions, taskExecutions }, running };
  }

  /** Executions just claimed: their first tasks' nodes read together, the tasks taken in one transaction, then their commands sent. */
  private async startFresh(list: readonly { execution: WindowExecutionRow; tasks: readonly TaskExecutionRow[] }[]): Promise<void> {
    const { db } = this.deps;
    const now = this.deps.now();
    const starts: { execution: WindowExecutionRow; taskExecution: TaskExecutionRow }[] = [];
    for (const { execution, tasks } of list) {
      const actions = decideExecution({ cutoffAt: execution.cutoff_at, endsAt: execution.ends_at, cancelRequested: false },
        tasks.map((t) => ({ id: t.task_execution_id, priority: t.priority, status: t.status, cutoffBehavior: (JSON.parse(t.task) as WindowTaskRow).cutoff_behavior })), now);
      if (actions.end) await setExecutionStatus(db, execution.window_execution_id, OPEN_STATUSES, { status: actions.end.status, details: actions.end.details, endTime: now });
      for (const d of actions.drop) await setTaskStatus(db, d.id, ['PENDING'], { status: d.status, details: d.details, endTime: now });
      for (const id of actions.start) starts.push({ execution, taskExecution: tasks.find((t) => t.task_execution_id === id)! });
    }
    if (starts.length === 0) return;
    const targets = await targetsOfWindows(db, [...new Set(starts.map((s) => s.execution.window_id))]);
    // The nodes named by id in every starting task, read in one query per scope (tag targets read the scope's fleet once).
    const named = new Map<string, { scope: Scope; ids: Set<string> }>();
    for (const s of starts) {
      const key = `${s.execution.account_id}/${s.execution.region}`;
      const entry = named.get(key) ?? { scope: { accountId: s.execution.account_id, region: s.execution.region }, ids: new Set<string>() };
      for (const t of targets.get(s.execution.window_id) ?? []) for (const x of JSON.parse(t.targets) as ssm.Target[]) if (x.Key === 'InstanceIds') for (const v of x.Values ?? []) entry.ids.add(v);
      for (const x of JSON.parse((JSON.parse(s.taskExecution.task) as WindowTaskRow).targets) as ssm.Target[]) if (x.Key === 'InstanceIds') for (const v of x.Values ?? []) entry.ids.add(v);
      named.set(key, entry);
    }
    const byId = new Map<string, InstanceRow>();
    for (const { scope, ids } of named.values()) for (const r of await listInstances(db, scope, [...ids])) byId.set(r.instance_id, r);
    const prepared = [];
    for (const s of starts) prepared.push(await this.prepareStart(s.execution, s.taskExecution, { targets: targets.get(s.execution.window_id) ?? [], rows: byId }));
    for (const p of prepared) this.sending.add(p.taskExecution.task_execution_id);
    try {
        const taken = await startTasks(db, prepared.map((p) => ({ taskExecutionId: p.taskExecution.task_execution_id, invocations: p.invocations })), now);
      // Sent by a few workers: on PostgreSQL each send waits on the network, and the sends of windows due together should not queue behind each other.
      const queue = prepared.filter((p) => taken.has(p.taskExecution.task_execution_id));
      const sent: { invocationIds: string[]; commandId: string }[] = [];
      const record = (invocationIds: string[], commandId: string) => void sent.push({ invocationIds, commandId });
      await Promise.all(Array.from({ length: Math.min(SEND_WORKERS, queue.length) }, async () => {
        for (let p = queue.shift(); p; p = queue.shift()) {
          this.owned.set(p.taskExecution.task_execution_id, now);
          try {
            await this.send(p.execution, { ...p.taskExecution, status: 'IN_PROGRESS', claimed_at: now }, p.task, p.invocations, p.known, false, record);
          } catch (error) {
            this.deps.logger.error({ err: error, taskExecutionId: p.taskExecution.task_execution_id }, 'starting a maintenance window task failed');
          }
        }
      }));
      await recordSentMany(db, sent, this.deps.now());
    } finally {
      for (const p of prepared) this.sending.delete(p.taskExecution.task_execution_id);
    }
  }

  private async followAllOnce(): Promise<void> {
    this.fleet = new Map();
    for (const execution of await openExecutions(this.deps.db, 1000)) {
      if (this.stopped) return;
      try {
        await this.drive(execution);
      } catch (error) {
        this.deps.logger.error({ err: error, windowExecutionId: execution.window_execution_id }, 'following a maintenance window execution failed');
      }
    }
  }

  /** One step of an execution: follow its running tasks, then apply decideExecution. */
  /** `fresh`: the task executions of an execution just claimed (none running yet: nothing to follow or read back). */
  private async drive(execution: WindowExecutionRow, fresh?: readonly TaskExecutionRow[]): Promise<void> {
    const { db } = this.deps;
    let tasks = fresh ? [...fresh] : await listTaskExecutions(db, execution.window_execution_id);
    if (!fresh) {
      for (const task of tasks) {
        if (task.status === 'IN_PROGRESS' || task.status === 'CANCELLING') await this.followTask(execution, task);
      }
      tasks = await listTaskExecutions(db, execution.window_execution_id);
    }
    const now = this.deps.now();
    const actions = decideExecution({ cutoffAt: execution.cutoff_at, endsAt: execution.ends_at, cancelRequested: execution.cancel_requested === 1 },
      tasks.map((t) => ({ id: t.task_execution_id, priority: t.priority, status: t.status, cutoffBehavior: (JSON.parse(t.task) as WindowTaskRow).cutoff_behavior })), now);
    for (const d of actions.drop) await setTaskStatus(db, d.id, ['PENDING'], { status: d.status, details: d.details, endTime: now });
    for (const s of actions.stop) {
      await this.cancelTask(s.id, now, s.status === 'TIMED_OUT' ? s : undefined);
      await setTaskStatus(db, s.id, ['IN_PROGRESS'], { status: s.status, details: s.details, ...(s.status === 'TIMED_OUT' ? { endTime: now } : {}) });
    }
    const byId = new Map(tasks.map((t) => [t.task_execution_id, t]));
    await Promise.all(actions.start.map((id) => this.startTaskNow(execution, byId.get(id)!)));
    if (actions.end) await setExecutionStatus(db, execution.window_execution_id, OPEN_STATUSES, { status: actions.end.status, details: actions.end.details, endTime: now });
  }

  /** Cancels the commands of a task's invocations still open; with `end`, those invocations end with its status. */
  private async cancelTask(taskExecutionId: string, now: number, end?: { status: string; details: string }): Promise<void> {
    const invocations = await listInvocations(this.deps.db, taskExecutionId);
    const commands = new Set(invocations.filter((i) => i.execution_id !== null && !TERMINAL.has(i.status)).map((i) => i.execution_id!));
    for (const commandId of commands) await this.deps.cancel(commandId, now);
    for (const inv of invocations) {
      if (TERMINAL.has(inv.status)) continue;
      if (end) await setInvocationStatus(this.deps.db, inv.invocation_id, ['PENDING', 'IN_PROGRESS', 'CANCELLING'], { status: end.status, details: end.details, endTime: now });
      else if (inv.execution_id === null) await setInvocationStatus(this.deps.db, inv.invocation_id, ['PENDING'], { status: 'CANCELLED', details: 'Not sent: the execution was cancelled.', endTime: now });
    }
  }

  /** The nodes a task runs on, each with the window target it came through. */
  private async taskNodes(scope: Scope, task: WindowTaskRow, preloaded?: { targets: readonly WindowTargetRow[]; rows: ReadonlyMap<string, InstanceRow> }): Promise<{ nodes: { node: TargetNode; windowTargetId: string | null; owner: string | null }[]; rows: InstanceRow[] }> {
    const targets = JSON.parse(task.targets) as ssm.Target[];
    const direct = targets.filter((t) => t.Key !== 'WindowTargetIds');
    const wanted = new Set(targets.filter((t) => t.Key === 'WindowTargetIds').flatMap((t) => t.Values ?? []));
    const windowTargets = (preloaded?.targets ?? await listTargets(this.deps.db, scope, task.window_id)).filter((t) => wanted.has(t.window_target_id));
    const specs = [...windowTargets.map((t) => ({ id: t.window_target_id as string | null, owner: t.owner_information, targets: JSON.parse(t.targets) as ssm.Target[] })),
      ...(direct.length > 0 ? [{ id: null, owner: null, targets: direct }] : [])];
    // Instance ids alone are read by id; tags need the scope's fleet (read once per pass).
    const onlyIds = specs.every((s) => s.targets.every((t) => t.Key?.toLowerCase() === 'instanceids' && !(t.Values ?? []).includes('*')));
    const named = [...new Set(specs.flatMap((s) => s.targets.flatMap((t) => t.Values ?? [])))];
    const rows = !onlyIds ? await this.fleetOf(scope)
      : preloaded ? named.flatMap((id) => preloaded.rows.get(id) ?? [])
        : await listInstances(this.deps.db, scope, named);
    // The fleet's rows are shared by every window of a pass: their tags are parsed once (targetNodeOf).
    const nodes: TargetNode[] = rows.filter((r) => r.deregistered_at === null).map(targetNodeOf);
    const seen = new Map<string, { node: TargetNode; windowTargetId: string | null; owner: string | null }>();
    for (const spec of specs) {
      for (const node of matchNodes(nodes, { instanceId: null, targets: spec.targets })) {
        if (!seen.has(node.instanceId)) seen.set(node.instanceId, { node, windowTargetId: spec.id, owner: spec.owner });
      }
    }
    return { nodes: [...seen.values()].sort((a, b) => (a.node.instanceId < b.node.instanceId ? -1 : 1)), rows };
  }

  private fleetOf(scope: Scope): Promise<InstanceRow[]> {
    const key = `${scope.accountId}/${scope.region}`;
    const now = this.deps.now();
    const cached = this.fleet.get(key);
    if (cached && now - cached.at < 1000) return cached.rows;
    const rows = listInstances(this.deps.db, scope);
    this.fleet.set(key, { at: now, rows });
    return rows;
  }

  /** A task's nodes and its invocations (one per node), not written yet; `known`: the node rows SendCommand needs. */
  private async prepareStart(execution: WindowExecutionRow, taskExecution: TaskExecutionRow, preloaded?: { targets: readonly WindowTargetRow[]; rows: ReadonlyMap<string, InstanceRow> }) {
    const scope = { accountId: execution.account_id, region: execution.region };
    const task = JSON.parse(taskExecution.task) as WindowTaskRow;
    const { nodes, rows } = await this.taskNodes(scope, task, preloaded);
    const mine = new Set(nodes.map((n) => n.node.instanceId));
    const invocations: InvocationRow[] = nodes.map((n, seq) => ({
      invocation_id: crypto.randomUUID(), task_execution_id: taskExecution.task_execution_id, window_execution_id: execution.window_execution_id,
      account_id: execution.account_id, region: execution.region, seq, resource_id: n.node.instanceId, window_target_id: n.windowTargetId, owner_information: n.owner,
      execution_id: null, parameters: JSON.stringify(this.commandInput(execution, task, [n.node.instanceId], { id: n.node.instanceId, windowTargetId: n.windowTargetId })),
      status: 'PENDING', status_details: 'Pending', start_time: null, end_time: null,
    }));
    return { execution, taskExecution, task, invocations, known: rows.filter((r) => mine.has(r.instance_id)) };
  }

  /** Starts a PENDING task: its invocations and its commands, once (startTask is the claim). */
  private async startTaskNow(execution: WindowExecutionRow, taskExecution: TaskExecutionRow): Promise<void> {
    const { db } = this.deps;
    const p = await this.prepareStart(execution, taskExecution);
    const now = this.deps.now();
    this.sending.add(taskExecution.task_execution_id);
    try {
      if (!(await startTask(db, taskExecution.task_execution_id, now, p.invocations))) return;
      this.owned.set(taskExecution.task_execution_id, now);
      await this.send(execution, { ...taskExecution, status: 'IN_PROGRESS', claimed_at: now }, p.task, p.invocations, p.known, false);
    } finally {
      this.sending.delete(taskExecution.task_execution_id);
    }
  }

  /** SendCommand's input for a task on `instanceIds`; `node`: the one node whose pseudo-parameters fill it in. */
  private commandInput(execution: WindowExecutionRow, task: WindowTaskRow, instanceIds: string[], node?: { id: string; windowTargetId: string | null }): ssm.SendCommandRequest {
    const definition = JSON.parse(task.definition) as TaskDefinition;
    const run = definition.TaskInvocationParameters?.RunCommand ?? {};
    const legacy = Object.fromEntries(Object.entries(definition.TaskParameters ?? {}).map(([k, v]) => [k, v.Values ?? []]));
    const parameters = run.Parameters ?? legacy;
    const values: PseudoValues = {
      WINDOW_ID: execution.window_id, WINDOW_EXECUTION_ID: execution.window_execution_id, WINDOW_TASK_ID: task.window_task_id,
      ...(node ? { RESOURCE_ID: node.id, RESOURCE_TYPE: 'INSTANCE', TARGET_TYPE: 'INSTANCE', ...(node.windowTargetId ? { TARGET_ID: node.windowTargetId } : {}) } : {}),
      ...(definition.LoggingInfo ? {
        LOGGING_S3_BUCKET_NAME: definition.LoggingInfo.S3BucketName, LOGGING_S3_REGION: definition.LoggingInfo.S3Region,
        ...(definition.LoggingInfo.S3KeyPrefix ? { LOGGING_S3_KEY_PREFIX: definition.LoggingInfo.S3KeyPrefix } : {}),
      } : {}),
    };
    const substituted = substitute(parameters, values);
    return {
      DocumentName: task.task_arn, InstanceIds: instanceIds,
      ...(run.DocumentVersion ? { DocumentVersion: run.DocumentVersion } : {}),
      ...(Object.keys(substituted).length > 0 ? { Parameters: substituted } : {}),
      ...(run.TimeoutSeconds ? { TimeoutSeconds: run.TimeoutSeconds } : {}),
      ...(run.OutputS3BucketName ? { OutputS3BucketName: run.OutputS3BucketName } : definition.LoggingInfo ? { OutputS3BucketName: definition.LoggingInfo.S3BucketName } : {}),
      ...(run.OutputS3KeyPrefix ? { OutputS3KeyPrefix: run.OutputS3KeyPrefix } : definition.LoggingInfo?.S3KeyPrefix ? { OutputS3KeyPrefix: definition.LoggingInfo.S3KeyPrefix } : {}),
      ...(run.ServiceRoleArn ?? task.service_role_arn ? { ServiceRoleArn: run.ServiceRoleArn ?? task.service_role_arn! } : {}),
      ...(run.NotificationConfig ? { NotificationConfig: run.NotificationConfig } : {}),
      ...(run.CloudWatchOutputConfig ? { CloudWatchOutputConfig: run.CloudWatchOutputConfig } : {}),
      MaxConcurrency: task.max_concurrency ?? DEFAULT_MAX_CONCURRENCY,
      MaxErrors: task.max_errors ?? DEFAULT_MAX_ERRORS,
    };
  }

  private perNode(task: WindowTaskRow): boolean {
    const definition = JSON.parse(task.definition) as TaskDefinition;
    const parameters = definition.TaskInvocationParameters?.RunCommand?.Parameters
      ?? Object.fromEntries(Object.entries(definition.TaskParameters ?? {}).map(([k, v]) => [k, v.Values ?? []]));
    return perNodeParameters(parameters);
  }

  /**
   * Sends what a task has not sent. Parameters the same for every node: one command over all
   * of them, with the task's MaxConcurrency and MaxErrors (Run Command's rate control). A
   * per-node pseudo-parameter ({{RESOURCE_ID}}, {{TARGET_ID}}): one command per node, at
   * most MaxConcurrency at a time, none more once more than MaxErrors failed. `resuming`: a
   * crashed sender may have made some already; they are found by their comment.
   */
  private async send(
    execution: WindowExecutionRow, taskExecution: TaskExecutionRow, task: WindowTaskRow, invocations: readonly InvocationRow[], known: readonly InstanceRow[] | undefined, resuming: boolean,
    /** Collects what was sent for the caller to record in one transaction (the caller keeps the task in `sending` until then). */
    record?: (invocationIds: string[], commandId: string) => void,
  ): Promise<void> {
    const { db } = this.deps;
    const scope = { accountId: execution.account_id, region: execution.region };
    const unsent = invocations.filter((i) => i.execution_id === null && i.status === 'PENDING');
    if (unsent.length === 0) return;
    const sendOne = async (comment: string, ids: readonly InvocationRow[], input: ssm.SendCommandRequest) => {
      if (resuming) {
        const made = await commandsWithComment(db, scope, comment);
        if (made.length > 0) {
          await recordSent(db, ids.map((i) => i.invocation_id), made[0].command_id, this.deps.now());
          return;
        }
      }
      try {
        const command = await this.deps.send(scope, this.deps.now(), { ...input, Comment: comment }, known);
        if (record) record(ids.map((i) => i.invocation_id), command.command_id);
        else await recordSent(db, ids.map((i) => i.invocation_id), command.command_id, this.deps.now());
      } catch (error) {
        const message = ((error as Error).message ?? String(error)).slice(0, 500);
        this.deps.logger.warn({ err: error, taskExecutionId: taskExecution.task_execution_id }, 'a maintenance window task was refused by Run Command');
        for (const inv of ids) await setInvocationStatus(db, inv.invocation_id, ['PENDING'], { status: 'FAILED', details: message, endTime: this.deps.now() });
      }
    };
    if (!this.perNode(task)) {
      await sendOne(commandComment(taskExecution.task_execution_id), unsent, this.commandInput(execution, task, unsent.map((i) => i.resource_id)));
      return;
    }
    const count = invocations.length;
    const concurrency = limitFor(parseLimit(task.max_concurrency ?? DEFAULT_MAX_CONCURRENCY, 'concurrency') ?? { kind: 'count', value: 50 }, count, 'concurrency');
    const maxErrors = limitFor(parseLimit(task.max_errors ?? DEFAULT_MAX_ERRORS, 'errors') ?? { kind: 'count', value: 0 }, count, 'errors');
    const running = invocations.filter((i) => i.execution_id !== null && !TERMINAL.has(i.status)).length;
    const errors = invocations.filter((i) => i.status === 'FAILED' || i.status === 'TIMED_OUT').length;
    if (errors > maxErrors) {
      for (const inv of unsent) await setInvocationStatus(db, inv.invocation_id, ['PENDING'], { status: 'CANCELLED', details: `Not sent: more than MaxErrors (${maxErrors}) invocations failed.`, endTime: this.deps.now() });
      return;
    }
    for (const inv of unsent.slice(0, Math.max(0, concurrency - running))) {
      const input = JSON.parse(inv.parameters) as ssm.SendCommandRequest;
      await sendOne(commandComment(inv.invocation_id), [inv], { ...input, MaxConcurrency: '1', MaxErrors: '0' });
    }
  }

  /** Reads a running task's commands: each invocation's status, then the task's end. Sends what is left to send. */
  private async followTask(execution: WindowExecutionRow, taskExecution: TaskExecutionRow): Promise<void> {
    const { db } = this.deps;
    const task = JSON.parse(taskExecution.task) as WindowTaskRow;
    let invocations = await listInvocations(db, taskExecution.task_execution_id);
    const byCommand = new Map<string, InvocationRow[]>();
    for (const inv of invocations) {
      if (inv.execution_id === null || TERMINAL.has(inv.status)) continue;
      byCommand.set(inv.execution_id, [...(byCommand.get(inv.execution_id) ?? []), inv]);
    }
    let changed = false;
    for (const [commandId, mine] of byCommand) {
      const states = new Map((await commandInvocations(db, commandId)).map((c) => [c.instance_id, c]));
      for (const inv of mine) {
        const state = states.get(inv.resource_id);
        if (!state) continue;
        const next = invocationStatusOf(state.status, state.status_details);
        if (next.status === inv.status && next.details === inv.status_details) continue;
        await setInvocationStatus(db, inv.invocation_id, ['PENDING', 'IN_PROGRESS', 'CANCELLING'], {
          status: next.status, details: next.details, ...(state.started_at !== null ? { startTime: Number(state.started_at) } : {}),
          ...(TERMINAL.has(next.status) ? { endTime: state.ended_at !== null ? Number(state.ended_at) : this.deps.now() } : {}),
        });
        changed = true;
      }
    }
    if (changed) invocations = await listInvocations(db, taskExecution.task_execution_id);
    const now = this.deps.now();
    if (taskExecution.status === 'IN_PROGRESS' && !this.sending.has(taskExecution.task_execution_id) && invocations.some((i) => i.execution_id === null && i.status === 'PENDING')) {
      // Unsent invocations: the task's claimer sends them (per-node rate control), keeping its claim fresh; a stale claim (a crashed claimer) is taken over.
      const mine = this.owned.get(taskExecution.task_execution_id);
      let resuming = false;
      let maysend = false;
      if (mine !== undefined) {
        maysend = await refreshClaim(db, taskExecution.task_execution_id, mine, now);
        if (!maysend) this.owned.delete(taskExecution.task_execution_id);
      } else if (await reclaimTask(db, taskExecution.task_execution_id, now - this.options.claimLeaseMs, now)) {
        maysend = true;
        resuming = true;
      }
      if (maysend) {
        this.owned.set(taskExecution.task_execution_id, now);
        this.sending.add(taskExecution.task_execution_id);
        try {
          await this.send(execution, taskExecution, task, invocations, undefined, resuming);
        } finally {
          this.sending.delete(taskExecution.task_execution_id);
        }
        invocations = await listInvocations(db, taskExecution.task_execution_id);
      }
    }
    const outcome = taskOutcome(invocations.map((i) => i.status));
    if (!outcome) return;
    const status = taskExecution.status === 'CANCELLING' && outcome.status !== 'SUCCESS' && outcome.status !== 'FAILED' ? 'CANCELLED' : outcome.status;
    await setTaskStatus(db, taskExecution.task_execution_id, ['IN_PROGRESS', 'CANCELLING'], { status, details: status === 'CANCELLED' ? 'The task was cancelled.' : outcome.details, endTime: now });
    this.owned.delete(taskExecution.task_execution_id);
  }
}
