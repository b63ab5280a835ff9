import crypto from 'node:crypto';
import { awsError, isAwsError, type Scope, type ssm } from '@bosun/protocol';
import { defineOperation, type CallContext, type Operation, type Permission } from '../api/operation.ts';
import { matchNodes } from '../associations/association-decisions.ts';
import type { DocumentSource } from '../commands/document-source.ts';
import type { TargetNode } from '../engine/targets.ts';
import { findInstance, inScope } from '../nodes/nodes-store.ts';
import { decodeNextToken, encodeNextToken, page } from '../nodes/paging.ts';
import type { Db } from '../store/store.ts';
import { targetNodeOf } from '../nodes/target-node.ts';
import { windowArn } from './window-tags.ts';
import { checkWindowDefinition, columnsOf, definitionOf, identityOf, newWindowId, nextDueOf, timingOf, windowResultOf, type WindowDefinition } from './window-definitions.ts';
import type { TaskDefinition } from './window-engine.ts';
import { dueTimesAfter, formatExecutionTime } from './window-schedule.ts';
import {
  deleteTarget, deleteTask, deleteWindowRows, findExecution, findWindow, insertTarget, insertTask, insertWindow, listExecutions, listInvocations, listTargets,
  listTaskExecutions, listTasks, listWindows, OPEN_STATUSES, scopeTargets, setExecutionStatus, updateTargetRow, updateTaskRow, updateWindowRow,
  type InvocationRow, type TaskExecutionRow, type WindowRow, type WindowTargetRow, type WindowTaskRow,
} from './window-store.ts';

export interface WindowLimits {
  /** Windows per account and region. AWS: 50. */
  readonly windows?: number;
  /** Targets per window. AWS: 100. */
  readonly targetsPerWindow?: number;
  /** Tasks per window. AWS: 20. */
  readonly tasksPerWindow?: number;
}

export interface WindowOperationDeps {
  readonly db: Db;
  readonly documents: DocumentSource;
  readonly limits?: WindowLimits;
}

const SUPPORTED_TASK_TYPES = new Set(['RUN_COMMAND']);

/**
 * The 23 Maintenance Windows operations. A window is regional: made in the request's region,
 * its targets are that region's nodes. Its runs are the engine's (window-engine.ts); these
 * read and write definitions and read the history.
 */
export function maintenanceWindowOperations(deps: WindowOperationDeps): Operation[] {
  const { db } = deps;
  const limits = { windows: 50, targetsPerWindow: 100, tasksPerWindow: 20, ...deps.limits };

  const onWindow = (action: string) => (ctx: CallContext, input: { WindowId?: string }): Permission[] => [{ action, resource: input.WindowId ? windowArn(ctx, input.WindowId) : '*' }];
  const anywhere = (action: string) => (): Permission[] => [{ action, resource: '*' }];
  const audit = (_ctx: CallContext, input: object, output?: object) => {
    const id = (input as { WindowId?: string }).WindowId ?? (output as { WindowId?: string } | undefined)?.WindowId;
    return id ? [{ type: 'AWS::SSM::MaintenanceWindow', name: id }] : [];
  };

  async function windowOf(ctx: CallContext, windowId: string): Promise<WindowRow> {
    const row = await findWindow(db, ctx.scope, windowId);
    if (!row) throw awsError('DoesNotExistException', `Maintenance window ${windowId} does not exist`);
    return row;
  }

  async function executionOf(ctx: CallContext, windowExecutionId: string) {
    const row = await findExecution(db, ctx.scope, windowExecutionId);
    if (!row) throw awsError('DoesNotExistException', `Maintenance window execution ${windowExecutionId} does not exist`);
    return row;
  }

  async function taskExecutionOf(ctx: CallContext, windowExecutionId: string, taskId: string): Promise<TaskExecutionRow> {
    await executionOf(ctx, windowExecutionId);
    const row = (await listTaskExecutions(db, windowExecutionId)).find((t) => t.task_execution_id === taskId);
    if (!row) throw awsError('DoesNotExistException', `Maintenance window task execution ${taskId} of execution ${windowExecutionId} does not exist`);
    return row;
  }

  /** Targets of a window registration: node ids and tags; Resource Groups are not Bosun's. */
  function checkTargets(resourceType: string, targets: readonly ssm.Target[]): void {
    if (resourceType === 'RESOURCE_GROUP') {
      throw awsError('ValidationException', 'ResourceType RESOURCE_GROUP is not supported: Bosun has no AWS Resource Groups. Register nodes with ResourceType INSTANCE and Targets InstanceIds, tag:<key> or tag-key.');
    }
    if (targets.length === 0) throw awsError('ValidationException', 'Targets must name at least one target.');
    for (const t of targets) {
      const key = t.Key ?? '';
      if (key.startsWith('resource-groups:')) throw awsError('ValidationException', `Target key ${key} is not supported: Bosun has no AWS Resource Groups. Use InstanceIds, tag:<key> or tag-key.`);
      if (!(key === 'InstanceIds' || key === 'tag-key' || (key.startsWith('tag:') && key.length > 4))) {
        throw awsError('ValidationException', `Target key ${key} is not valid for ResourceType INSTANCE: use InstanceIds, tag:<key> or tag-key.`);
      }
      if ((t.Values ?? []).length === 0) throw awsError('ValidationException', `Target ${key} needs at least one value.`);
      if (key === 'InstanceIds' && (t.Values ?? []).length > 50) throw awsError('ValidationException', 'A target names at most 50 instance ids.');
    }
  }

  /** A task's definition checked against its window: task type, targets of this window, the document and its parameters. */
  async function checkTask(ctx: CallContext, window: WindowRow, input: {
    TaskType: string; TaskArn: string; Targets?: ssm.Target[]; TaskParameters?: Record<string, ssm.MaintenanceWindowTaskParameterValueExpression>;
    TaskInvocationParameters?: ssm.MaintenanceWindowTaskInvocationParameters;
  }): Promise<void> {
    if (!SUPPORTED_TASK_TYPES.has(input.TaskType)) {
      throw awsError('FeatureNotAvailableException', `Task type ${input.TaskType} is not available in Bosun yet: maintenance windows run RUN_COMMAND tasks (AUTOMATION comes with Automation; LAMBDA and STEP_FUNCTIONS need AWS).`);
    }
    const targets = input.Targets ?? [];
    if (targets.length === 0) throw awsError('ValidationException', 'One or more targets must be specified for maintenance window Run Command-type tasks.');
    const own = new Set((await listTargets(db, ctx.scope, window.window_id)).map((t) => t.window_target_id));
    for (const t of targets) {
      const key = t.Key ?? '';
      if (key === 'WindowTargetIds') {
        for (const id of t.Values ?? []) {
          if (!own.has(id)) throw awsError('DoesNotExistException', `Maintenance window target ${id} does not exist in maintenance window ${window.window_id}`);
        }
        continue;
      }
      if (!window.allow_unassociated_targets) {
        throw awsError('ValidationException', `Target key ${key} names nodes that are not registered with the window: register them (RegisterTargetWithMaintenanceWindow) and use WindowTargetIds, or create the window with AllowUnassociatedTargets.`);
      }
      checkTargets('INSTANCE', [t]);
    }
    const run = input.TaskInvocationParameters?.RunCommand;
    let document;
    try {
      document = await deps.documents(db, { scope: ctx.scope, nameOrArn: input.TaskArn, documentVersion: run?.DocumentVersion });
    } catch (error) {
      if (isAwsError(error) && error.code === 'InvalidDocument') throw awsError('DoesNotExistException', `The document ${input.TaskArn} does not exist: ${error.message}`);
      if (isAwsError(error) && error.code === 'InvalidDocumentVersion') throw awsError('DoesNotExistException', `Version ${run?.DocumentVersion} of document ${input.TaskArn} does not exist: ${error.message}`);
      throw error;
    }
    if (document.documentType !== 'Command') throw awsError('ValidationException', `Document ${document.name} is of type ${document.documentType}: a RUN_COMMAND task runs a document of type Command.`);
    const parameters = run?.Parameters ?? Object.fromEntries(Object.entries(input.TaskParameters ?? {}).map(([k, v]) => [k, v.Values ?? []]));
    // Values with {{…}} (pseudo-parameters, {{ssm:…}}) are checked when the task runs; the others now.
    if (!Object.values(parameters).some((values) => values.some((v) => v.includes('{{')))) {
      try {
        document.resolveParameters(parameters);
      } catch (error) {
        if (isAwsError(error)) throw awsError('ValidationException', error.message);
        throw error;
      }
    }
  }

  const requestHash = (input: object) => crypto.createHash('sha256').update(JSON.stringify({ ...input, ClientToken: undefined })).digest('hex');

  function taskRowOf(ctx: CallContext, id: string, windowId: string, input: ssm.RegisterTaskWithMaintenanceWindowRequest, createdAt: number): WindowTaskRow {
    const definition: TaskDefinition = {
      ...(input.TaskParameters ? { TaskParameters: input.TaskParameters } : {}), ...(input.TaskInvocationParameters ? { TaskInvocationParameters: input.TaskInvocationParameters } : {}),
      ...(input.LoggingInfo ? { LoggingInfo: input.LoggingInfo } : {}), ...(input.AlarmConfiguration ? { AlarmConfiguration: input.AlarmConfiguration } : {}),
    };
    return {
      window_task_id: id, window_id: windowId, account_id: ctx.scope.accountId, region: ctx.scope.region, task_arn: input.TaskArn, task_type: input.TaskType,
      targets: JSON.stringify(input.Targets ?? []), definition: JSON.stringify(definition), priority: input.Priority ?? 1, max_concurrency: input.MaxConcurrency ?? null,
      max_errors: input.MaxErrors ?? null, service_role_arn: input.ServiceRoleArn ?? null, name: input.Name ?? null, description: input.Description ?? null,
      cutoff_behavior: input.CutoffBehavior ?? 'CONTINUE_TASK', client_token: input.ClientToken ?? null, request_hash: requestHash(input), created_at: createdAt,
    };
  }

  return [
    defineOperation<ssm.CreateMaintenanceWindowRequest, ssm.CreateMaintenanceWindowResult>({
      service: 'ssm', name: 'CreateMaintenanceWindow', readOnly: false,
      permissions: (ctx) => [{ action: 'ssm:CreateMaintenanceWindow', resource: windowArn(ctx, '*') }],
      resources: audit,
      async handle(ctx, input) {
        const definition: WindowDefinition = { ...input, Enabled: true };
        checkWindowDefinition(definition);
        const row: WindowRow = {
          window_id: newWindowId(), account_id: ctx.scope.accountId, region: ctx.scope.region, ...columnsOf(definition), next_due_at: null,
          client_token: input.ClientToken ?? null, request_hash: requestHash(input), tags: JSON.stringify(input.Tags ?? []), created_at: ctx.now, updated_at: ctx.now,
        };
        row.next_due_at = nextDueOf(row, ctx.now);
        const result = await insertWindow(db, row, limits.windows);
        if (!result.ok && result.reason === 'limit') throw awsError('ResourceLimitExceededException', `You can have at most ${limits.windows} maintenance windows in an account and Region.`);
        if (!result.ok) {
          if (result.existing.request_hash !== row.request_hash) throw awsError('IdempotentParameterMismatch', 'The ClientToken was used before with different parameters.');
          return { WindowId: result.existing.window_id };
        }
        return { WindowId: row.window_id };
      },
    }),
    defineOperation<ssm.GetMaintenanceWindowRequest, ssm.GetMaintenanceWindowResult>({
      service: 'ssm', name: 'GetMaintenanceWindow', readOnly: true, permissions: onWindow('ssm:GetMaintenanceWindow'), resources: audit,
      async handle(ctx, input) {
        return windowResultOf(await windowOf(ctx, input.WindowId));
      },
    }),
    defineOperation<ssm.UpdateMaintenanceWindowRequest, ssm.UpdateMaintenanceWindowResult>({
      service: 'ssm', name: 'UpdateMaintenanceWindow', readOnly: false, permissions: onWindow('ssm:UpdateMaintenanceWindow'), resources: audit,
      async handle(ctx, input) {
        const current = await windowOf(ctx, input.WindowId);
        const given = stripUndefined({ ...input, WindowId: undefined, Replace: undefined });
        const base: WindowDefinition = input.Replace
          ? { Name: current.name, Schedule: current.schedule, Duration: current.duration, Cutoff: current.cutoff, AllowUnassociatedTargets: false, Enabled: true }
          : definitionOf(current);
        if (input.Replace) {
          for (const member of ['Name', 'Schedule', 'Duration', 'Cutoff', 'AllowUnassociatedTargets', 'Enabled'] as const) {
            if (input[member] === undefined) throw awsError('ValidationException', `${member} is required when Replace is true.`);
          }
        }
        const definition = { ...base, ...given } as WindowDefinition;
        checkWindowDefinition(definition);
        const columns = columnsOf(definition);
        const scheduleChanged = ['schedule', 'schedule_timezone', 'schedule_offset', 'start_date', 'end_date', 'enabled'].some((k) => columns[k as keyof typeof columns] !== current[k as keyof WindowRow]);
        const next = scheduleChanged ? nextDueOf({ ...current, ...columns }, ctx.now) : current.next_due_at;
        await updateWindowRow(db, ctx.scope, current.window_id, { ...columns, next_due_at: next, updated_at: ctx.now });
        const row = (await findWindow(db, ctx.scope, current.window_id))!;
        const out: ssm.UpdateMaintenanceWindowResult & { CreatedDate?: Date; ModifiedDate?: Date; NextExecutionTime?: string } = windowResultOf(row);
        delete out.CreatedDate;
        delete out.ModifiedDate;
        delete out.NextExecutionTime;
        return out;
      },
    }),
    defineOperation<ssm.DeleteMaintenanceWindowRequest, ssm.DeleteMaintenanceWindowResult>({
      service: 'ssm', name: 'DeleteMaintenanceWindow', readOnly: false, permissions: onWindow('ssm:DeleteMaintenanceWindow'), resources: audit,
      async handle(ctx, input) {
        // AWS answers a window that is not there with its id too (the model declares no DoesNotExistException here).
        await deleteWindowRows(db, ctx.scope, input.WindowId);
        return { WindowId: input.WindowId };
      },
    }),
    defineOperation<ssm.DescribeMaintenanceWindowsRequest, ssm.DescribeMaintenanceWindowsResult>({
      service: 'ssm', name: 'DescribeMaintenanceWindows', readOnly: true, permissions: anywhere('ssm:DescribeMaintenanceWindows'),
      async handle(ctx, input) {
        const checks = (input.Filters ?? []).map((f) => {
          const values = new Set(f.Values ?? []);
          if (f.Key === 'Name') return (r: WindowRow) => values.has(r.name);
          if (f.Key === 'Enabled') return (r: WindowRow) => values.has(r.enabled === 1 ? 'true' : 'false');
          throw awsError('ValidationException', `The filter key ${f.Key} is not valid. Valid keys: Name, Enabled.`);
        });
        const rows = (await listWindows(db, ctx.scope)).filter((r) => checks.every((c) => c(r)));
        const p = page(rows, (r) => `${String(r.created_at).padStart(16, '0')}/${r.window_id}`, { nextToken: input.NextToken, maxResults: input.MaxResults ?? 50 });
        return { WindowIdentities: p.items.map(identityOf), NextToken: p.nextToken };
      },
    }),

    // ---- targets
    defineOperation<ssm.RegisterTargetWithMaintenanceWindowRequest, ssm.RegisterTargetWithMaintenanceWindowResult>({
      service: 'ssm', name: 'RegisterTargetWithMaintenanceWindow', readOnly: false, permissions: onWindow('ssm:RegisterTargetWithMaintenanceWindow'), resources: audit,
      async handle(ctx, input) {
        await windowOf(ctx, input.WindowId);
        checkTargets(input.ResourceType, input.Targets);
        const row: WindowTargetRow = {
          window_target_id: crypto.randomUUID(), window_id: input.WindowId, account_id: ctx.scope.accountId, region: ctx.scope.region, resource_type: input.ResourceType,
          targets: JSON.stringify(input.Targets), owner_information: input.OwnerInformation ?? null, name: input.Name ?? null, description: input.Description ?? null,
          client_token: input.ClientToken ?? null, request_hash: requestHash(input), created_at: ctx.now,
        };
        const result = await insertTarget(db, row, limits.targetsPerWindow);
        if (result.ok) return { WindowTargetId: row.window_target_id };
        if (result.reason === 'no-window') throw awsError('DoesNotExistException', `Maintenance window ${input.WindowId} does not exist`);
        if (result.reason === 'limit') throw awsError('ResourceLimitExceededException', `A maintenance window has at most ${limits.targetsPerWindow} targets.`);
        if (result.existing.request_hash !== row.request_hash) throw awsError('IdempotentParameterMismatch', 'The ClientToken was used before with different parameters.');
        return { WindowTargetId: result.existing.window_target_id };
      },
    }),
    defineOperation<ssm.UpdateMaintenanceWindowTargetRequest, ssm.UpdateMaintenanceWindowTargetResult>({
      service: 'ssm', name: 'UpdateMaintenanceWindowTarget', readOnly: false, permissions: onWindow('ssm:UpdateMaintenanceWindowTarget'), resources: audit,
      async handle(ctx, input) {
        await windowOf(ctx, input.WindowId);
        const current = (await listTargets(db, ctx.scope, input.WindowId)).find((t) => t.window_target_id === input.WindowTargetId);
        if (!current) throw awsError('DoesNotExistException', `Maintenance window target ${input.WindowTargetId} does not exist in maintenance window ${input.WindowId}`);
        if (input.Replace && input.Targets === undefined) throw awsError('ValidationException', 'Targets is required when Replace is true.');
        const keep = !input.Replace;
        const targets = input.Targets ?? (JSON.parse(current.targets) as ssm.Target[]);
        checkTargets(current.resource_type, targets);
        const changes = {
          targets: JSON.stringify(targets),
          owner_information: input.OwnerInformation ?? (keep ? current.owner_information : null),
          name: input.Name ?? (keep ? current.name : null),
          description: input.Description ?? (keep ? current.description : null),
        };
        await updateTargetRow(db, current.window_target_id, changes);
        return {
          WindowId: input.WindowId, WindowTargetId: current.window_target_id, Targets: targets,
          ...(changes.owner_information !== null ? { OwnerInformation: changes.owner_information } : {}), ...(changes.name !== null ? { Name: changes.name } : {}),
          ...(changes.description !== null ? { Description: changes.description } : {}),
        };
      },
    }),
    defineOperation<ssm.DeregisterTargetFromMaintenanceWindowRequest, ssm.DeregisterTargetFromMaintenanceWindowResult>({
      service: 'ssm', name: 'DeregisterTargetFromMaintenanceWindow', readOnly: false, permissions: onWindow('ssm:DeregisterTargetFromMaintenanceWindow'), resources: audit,
      async handle(ctx, input) {
        await windowOf(ctx, input.WindowId);
        const result = await deleteTarget(db, ctx.scope, input.WindowId, input.WindowTargetId, input.Safe === true);
        if (result === 'missing') throw awsError('DoesNotExistException', `Maintenance window target ${input.WindowTargetId} does not exist in maintenance window ${input.WindowId}`);
        if (result === 'in-use') throw awsError('TargetInUseException', `Target ${input.WindowTargetId} is referenced by a task of maintenance window ${input.WindowId}; deregister with Safe false to remove it from the task too.`);
        return { WindowId: input.WindowId, WindowTargetId: input.WindowTargetId };
      },
    }),
    defineOperation<ssm.DescribeMaintenanceWindowTargetsRequest, ssm.DescribeMaintenanceWindowTargetsResult>({
      service: 'ssm', name: 'DescribeMaintenanceWindowTargets', readOnly: true, permissions: onWindow('ssm:DescribeMaintenanceWindowTargets'), resources: audit,
      async handle(ctx, input) {
        await windowOf(ctx, input.WindowId);
        const checks = (input.Filters ?? []).map((f) => {
          const values = new Set(f.Values ?? []);
          if (f.Key === 'Type') return (t: WindowTargetRow) => values.has(t.resource_type);
          if (f.Key === 'WindowTargetId') return (t: WindowTargetRow) => values.has(t.window_target_id);
          if (f.Key === 'OwnerInformation') return (t: WindowTargetRow) => t.owner_information !== null && values.has(t.owner_information);
          throw awsError('ValidationException', `The filter key ${f.Key} is not valid. Valid keys: Type, WindowTargetId, OwnerInformation.`);
        });
        const rows = (await listTargets(db, ctx.scope, input.WindowId)).filter((t) => checks.every((c) => c(t)));
        const p = page(rows, (t) => `${String(t.created_at).padStart(16, '0')}/${t.window_target_id}`, { nextToken: input.NextToken, maxResults: input.MaxResults ?? 50 });
        return { Targets: p.items.map(targetShape), NextToken: p.nextToken };
      },
    }),

    // ---- tasks
    defineOperation<ssm.RegisterTaskWithMaintenanceWindowRequest, ssm.RegisterTaskWithMaintenanceWindowResult>({
      service: 'ssm', name: 'RegisterTaskWithMaintenanceWindow', readOnly: false, permissions: onWindow('ssm:RegisterTaskWithMaintenanceWindow'), resources: audit,
      async handle(ctx, input) {
        const window = await windowOf(ctx, input.WindowId);
        await checkTask(ctx, window, input);
        const row = taskRowOf(ctx, crypto.randomUUID(), window.window_id, input, ctx.now);
        const result = await insertTask(db, row, limits.tasksPerWindow);
        if (result.ok) return { WindowTaskId: row.window_task_id };
        if (result.reason === 'no-window') throw awsError('DoesNotExistException', `Maintenance window ${input.WindowId} does not exist`);
        if (result.reason === 'limit') throw awsError('ResourceLimitExceededException', `A maintenance window has at most ${limits.tasksPerWindow} tasks.`);
        if (result.existing.request_hash !== row.request_hash) throw awsError('IdempotentParameterMismatch', 'The ClientToken was used before with different parameters.');
        return { WindowTaskId: result.existing.window_task_id };
      },
    }),
    defineOperation<ssm.UpdateMaintenanceWindowTaskRequest, ssm.UpdateMaintenanceWindowTaskResult>({
      service: 'ssm', name: 'UpdateMaintenanceWindowTask', readOnly: false, permissions: onWindow('ssm:UpdateMaintenanceWindowTask'), resources: audit,
      async handle(ctx, input) {
        const window = await windowOf(ctx, input.WindowId);
        const current = await taskOf(ctx, window, input.WindowTaskId);
        const before = registrationOf(current);
        if (input.Replace && input.TaskArn === undefined) throw awsError('ValidationException', 'TaskArn is required when Replace is true.');
        const base: ssm.RegisterTaskWithMaintenanceWindowRequest = input.Replace
          ? { WindowId: window.window_id, TaskArn: current.task_arn, TaskType: current.task_type as ssm.MaintenanceWindowTaskType, Targets: before.Targets }
          : before;
        const merged = { ...base, ...stripUndefined({ ...input, WindowTaskId: undefined, Replace: undefined }) } as ssm.RegisterTaskWithMaintenanceWindowRequest;
        await checkTask(ctx, window, merged);
        const row = taskRowOf(ctx, current.window_task_id, window.window_id, merged, current.created_at);
        await updateTaskRow(db, current.window_task_id, { ...row, client_token: current.client_token, request_hash: current.request_hash });
        const shape: ssm.MaintenanceWindowTask = taskShape(row);
        delete shape.Type;
        return { ...shape, WindowTaskId: row.window_task_id, ...(merged.TaskInvocationParameters ? { TaskInvocationParameters: merged.TaskInvocationParameters } : {}) };
      },
    }),
    defineOperation<ssm.DeregisterTaskFromMaintenanceWindowRequest, ssm.DeregisterTaskFromMaintenanceWindowResult>({
      service: 'ssm', name: 'DeregisterTaskFromMaintenanceWindow', readOnly: false, permissions: onWindow('ssm:DeregisterTaskFromMaintenanceWindow'), resources: audit,
      async handle(ctx, input) {
        await windowOf(ctx, input.WindowId);
        if (!(await deleteTask(db, ctx.scope, input.WindowId, input.WindowTaskId))) {
          throw awsError('DoesNotExistException', `Maintenance window task ${input.WindowTaskId} does not exist in maintenance window ${input.WindowId}`);
        }
        return { WindowId: input.WindowId, WindowTaskId: input.WindowTaskId };
      },
    }),
    defineOperation<ssm.GetMaintenanceWindowTaskRequest, ssm.GetMaintenanceWindowTaskResult>({
      service: 'ssm', name: 'GetMaintenanceWindowTask', readOnly: true, permissions: onWindow('ssm:GetMaintenanceWindowTask'), resources: audit,
      async handle(ctx, input) {
        const task = await taskOf(ctx, await windowOf(ctx, input.WindowId), input.WindowTaskId);
        const { Type, ...shape } = taskShape(task);
        const definition = JSON.parse(task.definition) as TaskDefinition;
        return { ...shape, TaskType: Type, ...(definition.TaskInvocationParameters ? { TaskInvocationParameters: definition.TaskInvocationParameters } : {}) };
      },
    }),
    defineOperation<ssm.DescribeMaintenanceWindowTasksRequest, ssm.DescribeMaintenanceWindowTasksResult>({
      service: 'ssm', name: 'DescribeMaintenanceWindowTasks', readOnly: true, permissions: onWindow('ssm:DescribeMaintenanceWindowTasks'), resources: audit,
      async handle(ctx, input) {
        await windowOf(ctx, input.WindowId);
        const checks = (input.Filters ?? []).map((f) => {
          const values = new Set(f.Values ?? []);
          if (f.Key === 'WindowTaskId') return (t: WindowTaskRow) => values.has(t.window_task_id);
          if (f.Key === 'TaskArn') return (t: WindowTaskRow) => values.has(t.task_arn);
          if (f.Key === 'Priority') return (t: WindowTaskRow) => values.has(String(t.priority));
          if (f.Key === 'TaskType') return (t: WindowTaskRow) => values.has(t.task_type);
          throw awsError('ValidationException', `The filter key ${f.Key} is not valid. Valid keys: WindowTaskId, TaskArn, Priority, TaskType.`);
        });
        const rows = (await listTasks(db, ctx.scope, input.WindowId)).filter((t) => checks.every((c) => c(t)));
        const p = page(rows, (t) => `${String(t.created_at).padStart(16, '0')}/${t.window_task_id}`, { nextToken: input.NextToken, maxResults: input.MaxResults ?? 50 });
        return { Tasks: p.items.map(taskShape), NextToken: p.nextToken };
      },
    }),

    // ---- history
    defineOperation<ssm.DescribeMaintenanceWindowExecutionsRequest, ssm.DescribeMaintenanceWindowExecutionsResult>({
      service: 'ssm', name: 'DescribeMaintenanceWindowExecutions', readOnly: true, permissions: onWindow('ssm:DescribeMaintenanceWindowExecutions'), resources: audit,
      async handle(ctx, input) {
        await windowOf(ctx, input.WindowId);
        const checks = (input.Filters ?? []).map((f) => {
          if (f.Key !== 'ExecutedBefore' && f.Key !== 'ExecutedAfter') throw awsError('ValidationException', `The filter key ${f.Key} is not valid. Valid keys: ExecutedBefore, ExecutedAfter.`);
          const at = Date.parse(f.Values?.[0] ?? '');
          if (!Number.isFinite(at)) throw awsError('ValidationException', `The value of filter ${f.Key} must be a timestamp, e.g. 2026-01-31T00:00:00Z.`);
          return f.Key === 'ExecutedBefore' ? (e: { start_time: number }) => e.start_time < at : (e: { start_time: number }) => e.start_time > at;
        });
        const rows = (await listExecutions(db, ctx.scope, input.WindowId)).filter((e) => checks.every((c) => c(e)));
        const p = page(rows, (e) => `${String(9e15 - e.start_time).padStart(16, '0')}/${String(9e15 - e.due_at).padStart(16, '0')}/${e.window_execution_id}`, { nextToken: input.NextToken, maxResults: input.MaxResults ?? 50 });
        return {
          WindowExecutions: p.items.map((e) => ({
            WindowId: e.window_id, WindowExecutionId: e.window_execution_id, Status: e.status as ssm.MaintenanceWindowExecutionStatus, StatusDetails: e.status_details,
            StartTime: new Date(e.start_time), ...(e.end_time !== null ? { EndTime: new Date(e.end_time) } : {}),
          })),
          NextToken: p.nextToken,
        };
      },
    }),
    defineOperation<ssm.GetMaintenanceWindowExecutionRequest, ssm.GetMaintenanceWindowExecutionResult>({
      service: 'ssm', name: 'GetMaintenanceWindowExecution', readOnly: true, permissions: anywhere('ssm:GetMaintenanceWindowExecution'),
      async handle(ctx, input) {
        const e = await executionOf(ctx, input.WindowExecutionId);
        const tasks = await listTaskExecutions(db, e.window_execution_id);
        return {
          WindowExecutionId: e.window_execution_id, TaskIds: tasks.map((t) => t.task_execution_id), Status: e.status as ssm.MaintenanceWindowExecutionStatus,
          StatusDetails: e.status_details, StartTime: new Date(e.start_time), ...(e.end_time !== null ? { EndTime: new Date(e.end_time) } : {}),
        };
      },
    }),
    defineOperation<ssm.DescribeMaintenanceWindowExecutionTasksRequest, ssm.DescribeMaintenanceWindowExecutionTasksResult>({
      service: 'ssm', name: 'DescribeMaintenanceWindowExecutionTasks', readOnly: true, permissions: anywhere('ssm:DescribeMaintenanceWindowExecutionTasks'),
      async handle(ctx, input) {
        await executionOf(ctx, input.WindowExecutionId);
        const checks = statusFilters(input.Filters);
        const rows = (await listTaskExecutions(db, input.WindowExecutionId)).filter((t) => checks(t.status));
        const p = page(rows, (t) => `${String(t.priority).padStart(6, '0')}/${t.task_execution_id}`, { nextToken: input.NextToken, maxResults: input.MaxResults ?? 50 });
        return { WindowExecutionTaskIdentities: p.items.map(taskExecutionIdentity), NextToken: p.nextToken };
      },
    }),
    defineOperation<ssm.GetMaintenanceWindowExecutionTaskRequest, ssm.GetMaintenanceWindowExecutionTaskResult>({
      service: 'ssm', name: 'GetMaintenanceWindowExecutionTask', readOnly: true, permissions: anywhere('ssm:GetMaintenanceWindowExecutionTask'),
      async handle(ctx, input) {
        const t = await taskExecutionOf(ctx, input.WindowExecutionId, input.TaskId);
        const task = JSON.parse(t.task) as WindowTaskRow;
        const definition = JSON.parse(task.definition) as TaskDefinition;
        const run = definition.TaskInvocationParameters?.RunCommand?.Parameters;
        const parameters = definition.TaskParameters ?? (run ? Object.fromEntries(Object.entries(run).map(([k, v]) => [k, { Values: v }])) : undefined);
        return {
          ...taskExecutionIdentity(t), Type: task.task_type as ssm.MaintenanceWindowTaskType, TaskParameters: parameters ? [parameters] : [], Priority: task.priority,
          ...(task.max_concurrency ? { MaxConcurrency: task.max_concurrency } : {}), ...(task.max_errors ? { MaxErrors: task.max_errors } : {}),
          ...(task.service_role_arn ? { ServiceRole: task.service_role_arn } : {}),
        };
      },
    }),
    defineOperation<ssm.DescribeMaintenanceWindowExecutionTaskInvocationsRequest, ssm.DescribeMaintenanceWindowExecutionTaskInvocationsResult>({
      service: 'ssm', name: 'DescribeMaintenanceWindowExecutionTaskInvocations', readOnly: true, permissions: anywhere('ssm:DescribeMaintenanceWindowExecutionTaskInvocations'),
      async handle(ctx, input) {
        const t = await taskExecutionOf(ctx, input.WindowExecutionId, input.TaskId);
        const checks = statusFilters(input.Filters);
        const rows = (await listInvocations(db, t.task_execution_id)).filter((i) => checks(i.status));
        const p = page(rows, (i) => String(i.seq).padStart(8, '0'), { nextToken: input.NextToken, maxResults: input.MaxResults ?? 50 });
        return { WindowExecutionTaskInvocationIdentities: p.items.map((i) => invocationShape(i, t)), NextToken: p.nextToken };
      },
    }),
    defineOperation<ssm.GetMaintenanceWindowExecutionTaskInvocationRequest, ssm.GetMaintenanceWindowExecutionTaskInvocationResult>({
      service: 'ssm', name: 'GetMaintenanceWindowExecutionTaskInvocation', readOnly: true, permissions: anywhere('ssm:GetMaintenanceWindowExecutionTaskInvocation'),
      async handle(ctx, input) {
        const t = await taskExecutionOf(ctx, input.WindowExecutionId, input.TaskId);
        const inv = (await listInvocations(db, t.task_execution_id)).find((i) => i.invocation_id === input.InvocationId);
        if (!inv) throw awsError('DoesNotExistException', `Invocation ${input.InvocationId} of task execution ${input.TaskId} does not exist`);
        return invocationShape(inv, t);
      },
    }),
    defineOperation<ssm.CancelMaintenanceWindowExecutionRequest, ssm.CancelMaintenanceWindowExecutionResult>({
      service: 'ssm', name: 'CancelMaintenanceWindowExecution', readOnly: false, permissions: anywhere('ssm:CancelMaintenanceWindowExecution'),
      async handle(ctx, input) {
        const e = await executionOf(ctx, input.WindowExecutionId);
        // The engine's next pass drops the pending tasks, cancels the running ones' commands and ends it CANCELLED.
        if (OPEN_STATUSES.includes(e.status)) await setExecutionStatus(db, e.window_execution_id, ['PENDING', 'IN_PROGRESS'], { status: 'CANCELLING', details: 'Cancelling', cancel: true });
        return { WindowExecutionId: e.window_execution_id };
      },
    }),

    // ---- schedule and targets
    defineOperation<ssm.DescribeMaintenanceWindowScheduleRequest, ssm.DescribeMaintenanceWindowScheduleResult>({
      service: 'ssm', name: 'DescribeMaintenanceWindowSchedule', readOnly: true, permissions: onWindow('ssm:DescribeMaintenanceWindowSchedule'),
      async handle(ctx, input) {
        let windows: WindowRow[];
        if (input.WindowId) {
          windows = [await windowOf(ctx, input.WindowId)];
        } else if (input.Targets && input.Targets.length > 0) {
          if (input.ResourceType === undefined) throw awsError('ValidationException', 'ResourceType is required with Targets.');
          windows = await windowsForTargets(ctx.scope, input.ResourceType, input.Targets);
        } else {
          throw awsError('ValidationException', 'Give WindowId, or Targets and ResourceType.');
        }
        const max = input.MaxResults ?? 50;
        const after = decodeNextToken(input.NextToken);
        const cursor = after === undefined ? ctx.now : Number(after.split('/')[0]);
        const runs: { at: number; window: WindowRow }[] = [];
        for (const w of windows) {
          if (w.enabled !== 1) continue;
          const from = Math.max(cursor, ctx.now - 1);
          const times = w.next_due_at !== null && w.next_due_at > from ? [w.next_due_at, ...dueTimesAfter(timingOf(w), w.next_due_at, { limit: max })] : dueTimesAfter(timingOf(w), from, { limit: max + 1 });
          for (const at of times) {
            const key = `${String(at).padStart(16, '0')}/${w.window_id}`;
            if (after === undefined || key > after) runs.push({ at, window: w });
          }
        }
        runs.sort((a, b) => a.at - b.at || (a.window.window_id < b.window.window_id ? -1 : 1));
        const items = runs.slice(0, max);
        const last = items[items.length - 1];
        return {
          ScheduledWindowExecutions: items.map((r) => ({ WindowId: r.window.window_id, Name: r.window.name, ExecutionTime: formatExecutionTime(r.at, r.window.schedule_timezone ?? undefined) })),
          ...(runs.length > max && last ? { NextToken: encodeNextToken(`${String(last.at).padStart(16, '0')}/${last.window.window_id}`) } : {}),
        };
      },
    }),
    defineOperation<ssm.DescribeMaintenanceWindowsForTargetRequest, ssm.DescribeMaintenanceWindowsForTargetResult>({
      service: 'ssm', name: 'DescribeMaintenanceWindowsForTarget', readOnly: true, permissions: anywhere('ssm:DescribeMaintenanceWindowsForTarget'),
      async handle(ctx, input) {
        const windows = await windowsForTargets(ctx.scope, input.ResourceType, input.Targets);
        const p = page(windows, (w) => w.window_id, { nextToken: input.NextToken, maxResults: input.MaxResults ?? 50 });
        return { WindowIdentities: p.items.map((w) => ({ WindowId: w.window_id, Name: w.name })), NextToken: p.nextToken };
      },
    }),
  ];

  async function taskOf(ctx: CallContext, window: WindowRow, windowTaskId: string): Promise<WindowTaskRow> {
    const task = (await listTasks(db, ctx.scope, window.window_id)).find((t) => t.window_task_id === windowTaskId);
    if (!task) throw awsError('DoesNotExistException', `Maintenance window task ${windowTaskId} does not exist in maintenance window ${window.window_id}`);
    return task;
  }

  /** The windows with a registered target that covers the nodes named (by id, or by their tags). */
  async function windowsForTargets(scope: Scope, resourceType: string, targets: readonly ssm.Target[]): Promise<WindowRow[]> {
    if (resourceType === 'RESOURCE_GROUP') throw awsError('ValidationException', 'ResourceType RESOURCE_GROUP is not supported: Bosun has no AWS Resource Groups.');
    const ids = targets.filter((t) => t.Key === 'InstanceIds').flatMap((t) => t.Values ?? []);
    const tagTargets = targets.filter((t) => t.Key !== 'InstanceIds');
    const nodes: TargetNode[] = [];
    for (const id of ids) {
      const row = await findInstance(db, id);
      nodes.push(row && inScope(row, scope) ? targetNodeOf(row) : { instanceId: id, tags: [], platformType: null });
    }
    const all = await scopeTargets(db, scope);
    const windowIds = new Set<string>();
    for (const t of all) {
      const spec = JSON.parse(t.targets) as ssm.Target[];
      if (nodes.length > 0 && matchNodes(nodes, { instanceId: null, targets: spec }).length > 0) windowIds.add(t.window_id);
      // A query by tag: a registered target with the same key and a shared value.
      for (const q of tagTargets) {
        if (spec.some((s) => s.Key === q.Key && (s.Values ?? []).some((v) => (q.Values ?? []).includes(v)))) windowIds.add(t.window_id);
      }
    }
    return (await listWindows(db, scope)).filter((w) => windowIds.has(w.window_id)).sort((a, b) => (a.window_id < b.window_id ? -1 : 1));
  }
}

function targetShape(t: WindowTargetRow): ssm.MaintenanceWindowTarget {
  return {
    WindowId: t.window_id, WindowTargetId: t.window_target_id, ResourceType: t.resource_type as ssm.MaintenanceWindowResourceType, Targets: JSON.parse(t.targets) as ssm.Target[],
    ...(t.owner_information !== null ? { OwnerInformation: t.owner_information } : {}), ...(t.name !== null ? { Name: t.name } : {}),
    ...(t.description !== null ? { Description: t.description } : {}),
  };
}

function taskShape(t: WindowTaskRow): ssm.MaintenanceWindowTask {
  const definition = JSON.parse(t.definition) as TaskDefinition;
  return {
    WindowId: t.window_id, WindowTaskId: t.window_task_id, TaskArn: t.task_arn, Type: t.task_type as ssm.MaintenanceWindowTaskType, Targets: JSON.parse(t.targets) as ssm.Target[],
    ...(definition.TaskParameters ? { TaskParameters: definition.TaskParameters } : {}), Priority: t.priority,
    ...(definition.LoggingInfo ? { LoggingInfo: definition.LoggingInfo } : {}), ...(t.service_role_arn ? { ServiceRoleArn: t.service_role_arn } : {}),
    ...(t.max_concurrency ? { MaxConcurrency: t.max_concurrency } : {}), ...(t.max_errors ? { MaxErrors: t.max_errors } : {}), ...(t.name ? { Name: t.name } : {}),
    ...(t.description ? { Description: t.description } : {}), CutoffBehavior: t.cutoff_behavior as ssm.MaintenanceWindowTaskCutoffBehavior,
    ...(definition.AlarmConfiguration ? { AlarmConfiguration: definition.AlarmConfiguration } : {}),
  };
}

/** The registration a task row came from (UpdateMaintenanceWindowTask merges into it). */
function registrationOf(t: WindowTaskRow): ssm.RegisterTaskWithMaintenanceWindowRequest {
  const definition = JSON.parse(t.definition) as TaskDefinition;
  return stripUndefined({
    WindowId: t.window_id, TaskArn: t.task_arn, TaskType: t.task_type as ssm.MaintenanceWindowTaskType, Targets: JSON.parse(t.targets) as ssm.Target[],
    TaskParameters: definition.TaskParameters, TaskInvocationParameters: definition.TaskInvocationParameters, LoggingInfo: definition.LoggingInfo,
    AlarmConfiguration: definition.AlarmConfiguration, Priority: t.priority, MaxConcurrency: t.max_concurrency ?? undefined, MaxErrors: t.max_errors ?? undefined,
    ServiceRoleArn: t.service_role_arn ?? undefined, Name: t.name ?? undefined, Description: t.description ?? undefined,
    CutoffBehavior: t.cutoff_behavior as ssm.MaintenanceWindowTaskCutoffBehavior,
  });
}

function taskExecutionIdentity(t: TaskExecutionRow): ssm.MaintenanceWindowExecutionTaskIdentity {
  const task = JSON.parse(t.task) as WindowTaskRow;
  return {
    WindowExecutionId: t.window_execution_id, TaskExecutionId: t.task_execution_id, Status: t.status as ssm.MaintenanceWindowExecutionStatus, StatusDetails: t.status_details,
    ...(t.start_time !== null ? { StartTime: new Date(t.start_time) } : {}), ...(t.end_time !== null ? { EndTime: new Date(t.end_time) } : {}),
    TaskArn: task.task_arn, TaskType: task.task_type as ssm.MaintenanceWindowTaskType,
  };
}

function invocationShape(i: InvocationRow, t: TaskExecutionRow): ssm.MaintenanceWindowExecutionTaskInvocationIdentity {
  const task = JSON.parse(t.task) as WindowTaskRow;
  return {
    WindowExecutionId: i.window_execution_id, TaskExecutionId: i.task_execution_id, InvocationId: i.invocation_id, ...(i.execution_id ? { ExecutionId: i.execution_id } : {}),
    TaskType: task.task_type as ssm.MaintenanceWindowTaskType, Parameters: i.parameters, Status: i.status as ssm.MaintenanceWindowExecutionStatus, StatusDetails: i.status_details,
    ...(i.start_time !== null ? { StartTime: new Date(i.start_time) } : {}), ...(i.end_time !== null ? { EndTime: new Date(i.end_time) } : {}),
    ...(i.owner_information !== null ? { OwnerInformation: i.owner_information } : {}), ...(i.window_target_id !== null ? { WindowTargetId: i.window_target_id } : {}),
  };
}

const STATUS_VALUES = new Set(['PENDING', 'IN_PROGRESS', 'SUCCESS', 'FAILED', 'TIMED_OUT', 'CANCELLING', 'CANCELLED', 'SKIPPED_OVERLAPPING']);

function statusFilters(filters: readonly ssm.MaintenanceWindowFilter[] | undefined): (status: string) => boolean {
  const checks = (filters ?? []).map((f) => {
    if (f.Key !== 'Status') throw awsError('ValidationException', `The filter key ${f.Key} is not valid. Valid keys: Status.`);
    for (const v of f.Values ?? []) if (!STATUS_VALUES.has(v)) throw awsError('ValidationException', `The Status value ${v} is not valid. Valid values: ${[...STATUS_VALUES].join(', ')}.`);
    const values = new Set(f.Values ?? []);
    return (status: string) => values.has(status);
  });
  return (status) => checks.every((c) => c(status));
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
