import crypto from 'node:crypto';
import type { Scope, ssm } from '@bosun/protocol';
import type { CommandRow, InvocationRow } from '../commands/command-store.ts';
import { commandInvocations } from '../commands/command-store.ts';
import { parsePlugins } from '../commands/invocation-output.ts';
import { PeriodicTask } from '../engine/periodic-task.ts';
import type { TargetNode } from '../engine/targets.ts';
import type { Logger } from '../logger.ts';
import { listInstances, type InstanceRow } from '../nodes/nodes-store.ts';
import { targetNodeOf } from '../nodes/target-node.ts';
import type { Db } from '../store/store.ts';
import {
  associationScopes, claimExecution, commandsWithComment, dueAssociations, endExecution, findAssociation, insertExecution, listAssociations, moveSchedule,
  openExecutions, recordCommands, recordTargetResult, targetStates, type AssociationRow, type ExecutionRow, type TargetStateRow,
} from './association-store.ts';
import { chunksOf, commandComment, executionEndOf, matchNodes, nodesToApply, overviewOf, resultOf } from './association-decisions.ts';
import type { recordAssociationCompliance } from '../compliance/association-compliance.ts';
import { nextRunAfter, parseSchedule } from './schedule.ts';

export interface AssociationEngineOptions {
  /** How often executions are followed and schedules checked, ms. Default 1 s. */
  readonly tickMs?: number;
  /** How often every association is matched against every node again (what an event missed), ms. Default 30 s. */
  readonly reconcileMs?: number;
  /** A Pending execution whose creator has not recorded its commands for this long is taken over, ms. Default 30 s. */
  readonly claimLeaseMs?: number;
  /** Node changes arriving within this window are applied together, ms. Default 100. */
  readonly nodeBatchMs?: number;
  /**
   * Nodes per Run Command command of an execution. Default: all of them in one command, so that
   * MaxConcurrency and MaxErrors apply to the whole application as on AWS (SendCommand's limit of
   * 50 InstanceIds is the API's; the server's own commands are not bound by it).
   */
  readonly nodesPerCommand?: number;
  /** How often due schedules are looked for between ticks, ms (a due run waits at most this long). Default 100. */
  readonly scheduleCheckMs?: number;
}

/** SendCommand's longest delivery timeout: an offline node still gets its one pending application when it returns. */
export const APPLICATION_TIMEOUT_SECONDS = 30 * 24 * 3600;

interface ApplyOptions {
  /** Only these nodes (a node event). */
  readonly onlyNodes?: ReadonlySet<string>;
  /** Move the schedule from its due time to the next in the execution's transaction (once per due time). */
  readonly claimSchedule?: { from: number; to: number | null };
  /** The scope's node rows, read once for every association due in one pass. */
  readonly fleet?: readonly InstanceRow[];
}

export type Trigger = 'create' | 'update' | 'schedule' | 'start-once' | 'node' | 'reconcile';

export interface NodeChange {
  readonly accountId: string;
  readonly region: string;
  readonly instanceId: string;
}

/**
 * Applies associations: each application is an execution row and Run Command commands
 * (`send`), followed by reading the commands' invocations. The loop (a PeriodicTask) follows
 * open executions, runs due schedules, resumes executions a crashed server left half-made,
 * and every `reconcileMs` re-matches every association (a node event missed by a restart or
 * by another replica). Node changes (registration, tags) apply within a moment.
 */
export class AssociationEngine {
  private readonly task: PeriodicTask;
  private readonly schedules: PeriodicTask;
  /** The schedule pass under way (the tick and the schedule task share it rather than run two at once). */
  private scheduling?: Promise<void>;
  private readonly inFlight = new Set<string>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private pendingNodes = new Map<string, { scope: Scope; ids: Set<string> }>();
  private nodeTimer?: NodeJS.Timeout;
  private nodeBatch?: Promise<void>;
  private lastReconcile = -Infinity;
  private stopped = false;
  private readonly options: Required<AssociationEngineOptions>;

  constructor(private readonly deps: {
    db: Db;
    send: (scope: Scope, now: number, input: ssm.SendCommandRequest, known?: readonly InstanceRow[]) => Promise<CommandRow>;
    now: () => number;
    logger: Logger;
    /** Holds Run Command's sending while `work` makes several commands (the dispatcher's `holding`); default: none. */
    holdDispatch?: <T>(work: () => Promise<T>) => Promise<T>;
    /** Writes a node's Association compliance item (compliance/association-compliance.ts; tests pass their own). */
    recordCompliance?: typeof recordAssociationCompliance;
    options?: AssociationEngineOptions;
  }) {
    this.options = { tickMs: 1000, reconcileMs: 30_000, claimLeaseMs: 30_000, nodeBatchMs: 100, nodesPerCommand: Number.POSITIVE_INFINITY, scheduleCheckMs: 100, ...deps.options };
    this.task = new PeriodicTask({ name: 'associations', intervalMs: this.options.tickMs, logger: deps.logger, run: () => this.tick() });
    // Due schedules are cheap to look for (an index on next_run_at): more often than the tick, so a run is late by little.
    this.schedules = new PeriodicTask({ name: 'association schedules', intervalMs: this.options.scheduleCheckMs, logger: deps.logger, run: () => this.runDueSchedules() });
  }

  start(): void {
    this.task.start();
    this.schedules.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.nodeTimer);
    await this.task.stop();
    await this.schedules.stop();
    await this.nodeBatch;
    await Promise.allSettled([...this.locks.values()]);
  }

  /** A node registered or its tags changed: every association now matching it that it has not had at its version applies. */
  nodeChanged(change: NodeChange): void {
    if (this.stopped) return;
    const key = `${change.accountId}/${change.region}`;
    const entry = this.pendingNodes.get(key) ?? { scope: { accountId: change.accountId, region: change.region }, ids: new Set<string>() };
    entry.ids.add(change.instanceId);
    this.pendingNodes.set(key, entry);
    this.nodeTimer ??= setTimeout(() => {
      this.nodeTimer = undefined;
      const batch = this.pendingNodes;
      this.pendingNodes = new Map();
      this.nodeBatch = (async () => {
        for (const { scope, ids } of batch.values()) {
          for (const a of await listAssociations(this.deps.db, scope)) {
            if (a.apply_only_at_cron_interval) continue;
            await this.apply(a, 'node', 'missing', { onlyNodes: ids });
          }
        }
      })().catch((error) => this.deps.logger.error({ err: error }, 'applying associations to changed nodes failed'));
    }, this.options.nodeBatchMs);
  }

  /**
   * One application of an association: the nodes it goes to (see nodesToApply), an execution
   * with their Pending states, then its commands. Applications of one association are made
   * one at a time in this process. Returns the execution, or undefined when no node needed it.
   */
  apply(association: AssociationRow, trigger: Trigger, mode: 'all' | 'missing', options: ApplyOptions = {}): Promise<ExecutionRow | undefined> {
    const id = association.association_id;
    const previous = this.locks.get(id) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.applyNow(id, { accountId: association.account_id, region: association.region }, trigger, mode, options));
    this.locks.set(id, next);
    void next.catch(() => undefined).finally(() => {
      if (this.locks.get(id) === next) this.locks.delete(id);
    });
    return next;
  }

  private async applyNow(associationId: string, scope: Scope, trigger: Trigger, mode: 'all' | 'missing', options: ApplyOptions): Promise<ExecutionRow | undefined> {
    const { db } = this.deps;
    const association = await findAssociation(db, scope, associationId);
    if (!association) return undefined;
    // A node event concerns a few nodes: read those, not the fleet.
    const only = options.onlyNodes ? [...options.onlyNodes] : undefined;
    const instances = !only && options.fleet ? options.fleet : await listInstances(db, scope, only);
    const nodes: TargetNode[] = instances.filter((r) => r.deregistered_at === null).map(targetNodeOf);
    let matched = matchNodes(nodes, { instanceId: association.instance_id, targets: JSON.parse(association.targets) as ssm.Target[] }).map((n) => n.instanceId);
    if (options.onlyNodes) matched = matched.filter((n) => options.onlyNodes!.has(n));
    // Applying to every matched node, only those still pending one matter (nodesToApply).
    const states = await targetStates(db, associationId, only, { pendingOnly: mode === 'all' });
    const ids = nodesToApply(matched, states.map((s) => ({ instanceId: s.instance_id, associationVersion: s.association_version, status: s.status })), mode, association.association_version);
    if (ids.length === 0) {
      if (options.claimSchedule) await moveSchedule(db, associationId, options.claimSchedule.from, options.claimSchedule.to);
      return undefined;
    }
    const now = this.deps.now();
    const execution: ExecutionRow = {
      execution_id: crypto.randomUUID(), association_id: associationId, account_id: scope.accountId, region: scope.region,
      association_version: association.association_version, trigger, status: 'Pending', detailed_status: 'Pending',
      instance_ids: JSON.stringify(ids), command_ids: '[]', resource_counts: '{}', created_at: now, claimed_at: now, ended_at: null,
    };
    const rows: TargetStateRow[] = ids.map((instanceId) => ({
      association_id: associationId, instance_id: instanceId, account_id: scope.accountId, region: scope.region, association_version: association.association_version,
      execution_id: execution.execution_id, status: 'Pending', detailed_status: 'Pending', error_code: '', summary: '', execution_at: now, updated_at: now,
    }));
    this.inFlight.add(execution.execution_id);
    try {
      if (!(await insertExecution(db, execution, rows, { claimSchedule: options.claimSchedule }))) return undefined;
      await this.createCommands(association, execution, new Map(), instances);
      return execution;
    } finally {
      this.inFlight.delete(execution.execution_id);
    }
  }

  /**
   * The commands of an execution (one, unless nodesPerCommand splits them), each named by the
   * execution in its Comment; `existing` are those already made (by a creator
   * that crashed before recording them), found by that Comment and their nodes.
   */
  private async createCommands(association: AssociationRow, execution: ExecutionRow, existing: ReadonlyMap<string, string>, known?: readonly InstanceRow[]): Promise<void> {
    const { db } = this.deps;
    const scope = { accountId: execution.account_id, region: execution.region };
    const comment = commandComment(association.association_id, execution.execution_id);
    const commandIds: string[] = [];
    const parameters = JSON.parse(association.parameters) as Record<string, string[]>;
    for (const chunk of chunksOf(JSON.parse(execution.instance_ids) as string[], this.options.nodesPerCommand)) {
      const made = existing.get(JSON.stringify(chunk));
      if (made) {
        commandIds.push(made);
        continue;
      }
      try {
        const command = await this.deps.send(scope, this.deps.now(), {
          DocumentName: association.name,
          ...(association.document_version ? { DocumentVersion: association.document_version } : {}),
          ...(Object.keys(parameters).length > 0 ? { Parameters: parameters } : {}),
          InstanceIds: chunk,
          Comment: comment,
          ...(association.max_concurrency ? { MaxConcurrency: association.max_concurrency } : {}),
          ...(association.max_errors ? { MaxErrors: association.max_errors } : {}),
          TimeoutSeconds: APPLICATION_TIMEOUT_SECONDS,
        }, known);
        commandIds.push(command.command_id);
      } catch (error) {
        // The document or its parameters changed since the association was written: these nodes fail with the reason.
        const message = (error as Error).message;
        this.deps.logger.warn({ associationId: association.association_id, executionId: execution.execution_id, err: error }, 'association application refused by Run Command');
        for (const instanceId of chunk) {
          await recordTargetResult(db, { associationId: association.association_id, instanceId, executionId: execution.execution_id }, {
            status: 'Failed', detailedStatus: 'Failed', errorCode: (error as { code?: string }).code ?? 'InternalServerError', summary: message.slice(0, 512), executionAt: this.deps.now(),
          }, this.deps.now());
        }
      }
    }
    await recordCommands(db, execution.execution_id, commandIds);
  }

  /** One pass of the loop: follow open executions, resume abandoned ones, run due schedules, and now and then reconcile. */
  async tick(): Promise<void> {
    await this.followExecutions();
    await this.runDueSchedules();
    const now = this.deps.now();
    if (now - this.lastReconcile >= this.options.reconcileMs) {
      this.lastReconcile = now;
      await this.reconcile();
    }
  }

  /** Every association (not ApplyOnlyAtCronInterval) on every node it matches but has not had at its version. */
  async reconcile(): Promise<void> {
    for (const scope of await associationScopes(this.deps.db)) {
      for (const a of await listAssociations(this.deps.db, scope)) {
        if (this.stopped) return;
        if (!a.apply_only_at_cron_interval) await this.apply(a, 'reconcile', 'missing');
      }
    }
  }

  private runDueSchedules(): Promise<void> {
    this.scheduling ??= this.runDueSchedulesOnce().finally(() => {
      this.scheduling = undefined;
    });
    return this.scheduling;
  }

  /** The applications of the associations due now, every command stored before the first is sent (one due time's fleet-wide work is written at once). */
  private async runDueSchedulesOnce(): Promise<void> {
    const now = this.deps.now();
    const due = await dueAssociations(this.deps.db, now, 100);
    if (due.length === 0) return;
    await (this.deps.holdDispatch ? this.deps.holdDispatch(() => this.applyDue(due, now)) : this.applyDue(due, now));
  }

  private async applyDue(due: readonly AssociationRow[], now: number): Promise<void> {
    const fleets = new Map<string, Promise<InstanceRow[]>>();
    for (const a of due) {
      if (this.stopped) return;
      const key = `${a.account_id}/${a.region}`;
      if (!fleets.has(key)) fleets.set(key, listInstances(this.deps.db, { accountId: a.account_id, region: a.region }));
      const fleet = await fleets.get(key)!;
      let next: number | null = null;
      try {
        if (a.schedule_expression) next = nextRunAfter(parseSchedule(a.schedule_expression), now, a.schedule_offset ?? 0) ?? null;
      } catch {
        next = null;
      }
      // Once per due time, however many ticks were missed; the claim is in the execution's transaction.
      await this.apply(a, 'schedule', 'all', { claimSchedule: { from: a.next_run_at!, to: next }, fleet });
    }
  }

  private async followExecutions(): Promise<void> {
    const { db } = this.deps;
    const now = this.deps.now();
    for (const execution of await openExecutions(db, 500)) {
      if (this.stopped) return;
      if (execution.status === 'Pending') {
        if (this.inFlight.has(execution.execution_id)) continue;
        if (await claimExecution(db, execution.execution_id, now - this.options.claimLeaseMs, now)) await this.resume(execution);
        continue;
      }
      await this.follow(execution);
    }
  }

  /** An execution whose creator crashed between its row and recording its commands: the commands it made are found by their Comment, the rest are made. */
  private async resume(execution: ExecutionRow): Promise<void> {
    const scope = { accountId: execution.account_id, region: execution.region };
    const association = await findAssociation(this.deps.db, scope, execution.association_id);
    if (!association) return;
    const made = await commandsWithComment(this.deps.db, scope, commandComment(execution.association_id, execution.execution_id));
    const existing = new Map(made.map((c) => [JSON.stringify([...(JSON.parse(c.instance_ids) as string[])].sort()), c.command_id]));
    this.deps.logger.info({ associationId: execution.association_id, executionId: execution.execution_id, found: made.length }, 'resuming an association execution');
    this.inFlight.add(execution.execution_id);
    try {
      await this.createCommands(association, execution, existing);
    } finally {
      this.inFlight.delete(execution.execution_id);
    }
  }

  /** Reads the execution's invocations: each node's result once, then the execution's end and the association's overview. */
  private async follow(execution: ExecutionRow): Promise<void> {
    const { db } = this.deps;
    const scope = { accountId: execution.account_id, region: execution.region };
    const association = await findAssociation(db, scope, execution.association_id);
    if (!association) return;
    const invocations = new Map<string, InvocationRow>();
    for (const commandId of JSON.parse(execution.command_ids) as string[]) {
      for (const inv of await commandInvocations(db, commandId)) invocations.set(inv.instance_id, inv);
    }
    const states = new Map((await targetStates(db, execution.association_id)).map((s) => [s.instance_id, s]));
    const results: string[] = [];
    let open = false;
    for (const instanceId of JSON.parse(execution.instance_ids) as string[]) {
      const state = states.get(instanceId);
      const mine = state?.execution_id === execution.execution_id;
      if (mine && state.status !== 'Pending') {
        results.push(state.status);
        continue;
      }
      const inv = invocations.get(instanceId);
      const result = inv && resultOf({ status: inv.status, statusDetails: inv.status_details, responseCode: inv.response_code });
      if (!inv || !result) {
        open = true;
        continue;
      }
      const executionAt = inv.ended_at ?? this.deps.now();
      if (mine) {
        if (association.sync_compliance !== 'MANUAL') await this.recordCompliance(association, execution, instanceId, result.status, executionAt);
        await recordTargetResult(db, { associationId: execution.association_id, instanceId, executionId: execution.execution_id }, {
          status: result.status, detailedStatus: result.detailedStatus, errorCode: result.errorCode, summary: summaryOf(inv), executionAt,
        }, this.deps.now());
      }
      results.push(result.status);
    }
    if (open) return;
    await endExecution(db, execution, executionEndOf(results), overviewOf, this.deps.now());
  }

  private async recordCompliance(association: AssociationRow, execution: ExecutionRow, instanceId: string, status: string, executionTime: number): Promise<void> {
    const record = this.deps.recordCompliance;
    if (!record) return;
    try {
      await record(this.deps.db, { accountId: execution.account_id, region: execution.region }, {
        instanceId, associationId: association.association_id, ...(association.association_name ? { associationName: association.association_name } : {}),
        documentName: association.name, documentVersion: association.document_version ?? '$DEFAULT', executionId: execution.execution_id,
        severity: association.compliance_severity ?? 'UNSPECIFIED', status: status === 'Success' ? 'COMPLIANT' : 'NON_COMPLIANT', executionTime,
      });
    } catch (error) {
      this.deps.logger.error({ err: error, associationId: association.association_id, instanceId }, 'recording association compliance failed');
    }
  }
}

/** AWS's ExecutionSummary: "1 out of 1 plugin processed, 1 success, 0 failed, 0 timedout, 0 skipped. " */
function summaryOf(inv: InvocationRow): string {
  const plugins = parsePlugins(inv.plugins);
  const count = (s: string) => plugins.filter((p) => p.status === s).length;
  const n = plugins.length;
  return `${n} out of ${n} plugin${n === 1 ? '' : 's'} processed, ${count('Success')} success, ${count('Failed')} failed, ${count('TimedOut')} timedout, ${count('Skipped')} skipped. `;
}
