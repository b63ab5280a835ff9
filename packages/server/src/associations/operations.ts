import crypto from 'node:crypto';
import { awsError, isAwsError, parseArn, type Scope, type ssm } from '@bosun/protocol';
import { defineOperation, type CallContext, type Operation, type Permission } from '../api/operation.ts';
import { commandInvocations } from '../commands/command-store.ts';
import type { DocumentSource } from '../commands/document-source.ts';
import { documentArnOf } from '../documents/document-names.ts';
import type { TargetNode } from '../engine/targets.ts';
import { instanceArn } from '../nodes/instance-operations.ts';
import { findInstance, inScope } from '../nodes/nodes-store.ts';
import { page } from '../nodes/paging.ts';
import type { Db } from '../store/store.ts';
import { liveStatusOf, matchNodes } from './association-decisions.ts';
import type { AssociationEngine } from './association-engine.ts';
import {
  deleteAssociationRows, findAssociation, findExecution, findLegacyAssociation, findVersion, insertAssociation, listAssociations, listExecutions, listVersions,
  MAX_VERSIONS, nodeStates, setLegacyStatus, targetStates, updateAssociationRow, type AssociationRow, type AssociationVersionRow,
} from './association-store.ts';
import { firstRunAfter, parseSchedule } from './schedule.ts';

export interface AssociationOperationDeps {
  readonly db: Db;
  readonly documents: DocumentSource;
  readonly engine: AssociationEngine;
}

/** The members of a definition Bosun keeps and shows back without acting on them. */
const EXTRA_MEMBERS = ['OutputLocation', 'AutomationTargetParameterName', 'Duration', 'AlarmConfiguration', 'AssociationDispatchAssumeRole'] as const;

type Definition = Omit<ssm.CreateAssociationRequest, 'Tags'>;

/**
 * The State Manager operations. An association is regional: made in the request's region, it
 * targets that region's nodes. Its applications are Run Command commands (engine).
 */
export function associationOperations(deps: AssociationOperationDeps): Operation[] {
  const { db, engine } = deps;

  async function create(ctx: CallContext, input: Definition): Promise<ssm.AssociationDescription> {
    await checkDefinition(deps, ctx.scope, input);
    const now = ctx.now;
    const id = crypto.randomUUID();
    const row = rowOf(id, ctx.scope, input, 1, now);
    const result = await insertAssociation(db, row, versionOf(row, now));
    if (!result.ok) {
      throw result.reason === 'limit'
        ? awsError('AssociationLimitExceeded', 'You can have at most 2,000 associations in an account and Region.')
        : awsError('AssociationAlreadyExists', `An association of document ${input.Name} with instance ${input.InstanceId} already exists.`);
    }
    if (!row.apply_only_at_cron_interval) await engine.apply(row, 'create', 'all');
    return descriptionOf((await findAssociation(db, ctx.scope, id)) ?? row);
  }

  async function byId(ctx: CallContext, associationId: string): Promise<AssociationRow> {
    const row = await findAssociation(db, ctx.scope, associationId);
    if (!row) throw awsError('AssociationDoesNotExist', 'The specified association does not exist.');
    return row;
  }

  async function located(ctx: CallContext, input: { AssociationId?: string; Name?: string; InstanceId?: string }): Promise<AssociationRow> {
    if (input.AssociationId) return byId(ctx, input.AssociationId);
    if (input.Name && input.InstanceId) {
      const row = await findLegacyAssociation(db, ctx.scope, input.Name, input.InstanceId);
      if (!row) throw awsError('AssociationDoesNotExist', 'The specified association does not exist.');
      return row;
    }
    throw awsError('ValidationException', 'Give AssociationId, or Name and InstanceId.');
  }

  /** IAM: the action on the document (by name or ARN) and the nodes named, or every managed node for tag targets. */
  const definitionPermissions = (action: string) => (ctx: CallContext, input: { Name?: string; InstanceId?: string; Targets?: ssm.Target[] }): Permission[] => {
    const out: Permission[] = [];
    if (input.Name) out.push({ action, resource: documentArnOf(ctx, input.Name) });
    const ids = input.InstanceId ? [input.InstanceId] : [];
    let anyNode = false;
    for (const t of input.Targets ?? []) {
      if (t.Key?.toLowerCase() === 'instanceids' && !(t.Values ?? []).includes('*')) ids.push(...(t.Values ?? []));
      else anyNode = true;
    }
    for (const id of ids) out.push({ action, resource: instanceArn(ctx, id) });
    if (anyNode) out.push({ action, resource: instanceArn(ctx, '*') });
    return out.length > 0 ? out : [{ action, resource: '*' }];
  };
  const onAssociation = (action: string) => async (ctx: CallContext, input: { AssociationId?: string; Name?: string; InstanceId?: string }): Promise<Permission[]> => {
    const row = input.AssociationId ? await findAssociation(db, ctx.scope, input.AssociationId) : undefined;
    const name = row?.name ?? input.Name;
    const out: Permission[] = name ? [{ action, resource: documentArnOf(ctx, name) }] : [{ action, resource: '*' }];
    const instanceId = row?.instance_id ?? input.InstanceId;
    if (instanceId) out.push({ action, resource: instanceArn(ctx, instanceId) });
    return out;
  };
  const auditResources = (ctx: CallContext, name: string | undefined, associationId: string | undefined) => [
    ...(name ? [{ type: 'AWS::SSM::Document', name, arn: documentArnOf(ctx, name) }] : []),
    ...(associationId ? [{ type: 'AWS::SSM::Association', name: associationId }] : []),
  ];

  return [
    defineOperation<ssm.CreateAssociationRequest, ssm.CreateAssociationResult>({
      service: 'ssm', name: 'CreateAssociation', readOnly: false,
      permissions: definitionPermissions('ssm:CreateAssociation'),
      resources: (ctx, input, output) => auditResources(ctx, input.Name, output?.AssociationDescription?.AssociationId),
      async handle(ctx, input) {
        return { AssociationDescription: await create(ctx, input) };
      },
    }),
    defineOperation<ssm.CreateAssociationBatchRequest, ssm.CreateAssociationBatchResult>({
      service: 'ssm', name: 'CreateAssociationBatch', readOnly: false,
      permissions: (ctx, input) => input.Entries.flatMap((e) => definitionPermissions('ssm:CreateAssociationBatch')(ctx, e)),
      resources: (ctx, input, output) => [
        ...new Map(input.Entries.map((e) => [e.Name, { type: 'AWS::SSM::Document', name: e.Name, arn: documentArnOf(ctx, e.Name) }])).values(),
        ...(output?.Successful ?? []).map((d) => ({ type: 'AWS::SSM::Association', name: d.AssociationId! })),
      ],
      async handle(ctx, input) {
        const Successful: ssm.AssociationDescription[] = [];
        const Failed: ssm.FailedCreateAssociation[] = [];
        for (const entry of input.Entries) {
          try {
            Successful.push(await create(ctx, entry));
          } catch (error) {
            if (!isAwsError(error)) throw error;
            Failed.push({ Entry: entry, Message: error.message, Fault: error.status >= 500 ? 'Server' : 'Client' });
          }
        }
        return { Successful, Failed };
      },
    }),
    defineOperation<ssm.DescribeAssociationRequest, ssm.DescribeAssociationResult>({
      service: 'ssm', name: 'DescribeAssociation', readOnly: true,
      permissions: onAssociation('ssm:DescribeAssociation'),
      async handle(ctx, input) {
        const row = await located(ctx, input);
        const wanted = input.AssociationVersion;
        if (wanted === undefined || wanted === '$LATEST' || Number(wanted) === row.association_version) return { AssociationDescription: descriptionOf(row) };
        const version = await findVersion(db, row.association_id, Number(wanted));
        if (!version) throw awsError('InvalidAssociationVersion', `Association version ${wanted} does not exist for association ${row.association_id}.`);
        const definition = JSON.parse(version.definition) as ssm.AssociationVersionInfo;
        return { AssociationDescription: { ...descriptionOf(row), ...definition, AssociationVersion: String(version.association_version) } };
      },
    }),
    defineOperation<ssm.UpdateAssociationRequest, ssm.UpdateAssociationResult>({
      service: 'ssm', name: 'UpdateAssociation', readOnly: false,
      permissions: async (ctx, input) => [...(await onAssociation('ssm:UpdateAssociation')(ctx, input)), ...(input.Name ? [{ action: 'ssm:UpdateAssociation', resource: documentArnOf(ctx, input.Name) }] : [])],
      resources: (ctx, input) => auditResources(ctx, input.Name, input.AssociationId),
      async handle(ctx, input) {
        const current = await byId(ctx, input.AssociationId);
        if (input.AssociationVersion !== undefined && input.AssociationVersion !== '$LATEST' && Number(input.AssociationVersion) !== current.association_version) {
          throw awsError('InvalidAssociationVersion', `Association version ${input.AssociationVersion} is not the latest version (${current.association_version}) of association ${current.association_id}.`);
        }
        if (current.association_version >= MAX_VERSIONS) throw awsError('AssociationVersionLimitExceeded', `Association ${current.association_id} has ${MAX_VERSIONS} versions, the most it can have.`);
        if (current.instance_id !== null && input.Targets) throw awsError('InvalidUpdate', 'An association of one instance (InstanceId) cannot be given Targets: create a new association.');
        const before = definitionOf(current);
        // AWS: members not given keep their values, except that a changed schedule or document starts over.
        const merged: Definition = { ...before, ...stripUndefined(input as unknown as Record<string, unknown>) } as Definition;
        delete (merged as { AssociationVersion?: string }).AssociationVersion;
        delete (merged as { AssociationId?: string }).AssociationId;
        await checkDefinition(deps, ctx.scope, merged);
        const version = current.association_version + 1;
        const row = { ...rowOf(current.association_id, ctx.scope, merged, version, ctx.now), created_at: current.created_at, status: current.status, detailed_status: current.detailed_status,
          status_counts: current.status_counts, legacy_status: current.legacy_status, last_execution_at: current.last_execution_at, last_successful_execution_at: current.last_successful_execution_at };
        if (!(await updateAssociationRow(db, row, versionOf(row, ctx.now), current.association_version))) {
          throw awsError('TooManyUpdates', 'There are concurrent updates for a resource that supports one update at a time.');
        }
        if (!row.apply_only_at_cron_interval) await engine.apply(row, 'update', 'all');
        return { AssociationDescription: descriptionOf((await findAssociation(db, ctx.scope, row.association_id)) ?? row) };
      },
    }),
    defineOperation<ssm.DeleteAssociationRequest, ssm.DeleteAssociationResult>({
      service: 'ssm', name: 'DeleteAssociation', readOnly: false,
      permissions: onAssociation('ssm:DeleteAssociation'),
      resources: (ctx, input) => auditResources(ctx, input.Name, input.AssociationId),
      async handle(ctx, input) {
        const row = await located(ctx, input);
        if (!(await deleteAssociationRows(db, ctx.scope, row.association_id))) throw awsError('AssociationDoesNotExist', 'The specified association does not exist.');
        return {};
      },
    }),
    defineOperation<ssm.ListAssociationsRequest, ssm.ListAssociationsResult>({
      service: 'ssm', name: 'ListAssociations', readOnly: true,
      permissions: () => [{ action: 'ssm:ListAssociations', resource: '*' }],
      async handle(ctx, input) {
        const checks = (input.AssociationFilterList ?? []).map(associationFilter);
        const rows = (await listAssociations(db, ctx.scope)).filter((r) => checks.every((c) => c(r)));
        const p = page(rows, positionOf, { nextToken: input.NextToken, maxResults: input.MaxResults ?? 50 });
        return { Associations: p.items.map(summaryOf), NextToken: p.nextToken };
      },
    }),
    defineOperation<ssm.ListAssociationVersionsRequest, ssm.ListAssociationVersionsResult>({
      service: 'ssm', name: 'ListAssociationVersions', readOnly: true,
      permissions: () => [{ action: 'ssm:ListAssociationVersions', resource: '*' }],
      async handle(ctx, input) {
        const row = await byId(ctx, input.AssociationId);
        const versions = await listVersions(db, row.association_id);
        const p = page(versions, (v) => String(v.association_version).padStart(6, '0'), { nextToken: input.NextToken, maxResults: input.MaxResults ?? 50 });
        return { AssociationVersions: p.items.map(versionInfoOf), NextToken: p.nextToken };
      },
    }),
    defineOperation<ssm.DescribeAssociationExecutionsRequest, ssm.DescribeAssociationExecutionsResult>({
      service: 'ssm', name: 'DescribeAssociationExecutions', readOnly: true,
      permissions: () => [{ action: 'ssm:DescribeAssociationExecutions', resource: '*' }],
      async handle(ctx, input) {
        const row = await byId(ctx, input.AssociationId);
        const checks = (input.Filters ?? []).map(executionFilter);
        const executions = (await listExecutions(db, row.association_id)).filter((e) => checks.every((c) => c(e)));
        // Newest first: the position counts down.
        const p = page(executions, (e) => `${String(9e15 - e.created_at).padStart(16, '0')}/${e.execution_id}`, { nextToken: input.NextToken, maxResults: input.MaxResults ?? 50 });
        return {
          AssociationExecutions: p.items.map((e) => ({
            AssociationId: e.association_id, AssociationVersion: String(e.association_version), ExecutionId: e.execution_id, Status: e.status, DetailedStatus: e.detailed_status,
            CreatedTime: new Date(e.created_at), ...(e.ended_at !== null ? { LastExecutionDate: new Date(e.ended_at) } : {}), ResourceCountByStatus: resourceCounts(e),
          })),
          NextToken: p.nextToken,
        };
      },
    }),
    defineOperation<ssm.DescribeAssociationExecutionTargetsRequest, ssm.DescribeAssociationExecutionTargetsResult>({
      service: 'ssm', name: 'DescribeAssociationExecutionTargets', readOnly: true,
      permissions: () => [{ action: 'ssm:DescribeAssociationExecutionTargets', resource: '*' }],
      async handle(ctx, input) {
        const row = await byId(ctx, input.AssociationId);
        const execution = await findExecution(db, row.association_id, input.ExecutionId);
        if (!execution) throw awsError('AssociationExecutionDoesNotExist', `Execution ${input.ExecutionId} of association ${row.association_id} does not exist.`);
        const byNode = new Map<string, { commandId: string; status: string; statusDetails: string; endedAt: number | null }>();
        for (const commandId of JSON.parse(execution.command_ids) as string[]) {
          for (const inv of await commandInvocations(db, commandId)) byNode.set(inv.instance_id, { commandId, status: inv.status, statusDetails: inv.status_details, endedAt: inv.ended_at });
        }
        const states = new Map((await targetStates(db, row.association_id)).map((s) => [s.instance_id, s]));
        const targets: ssm.AssociationExecutionTarget[] = (JSON.parse(execution.instance_ids) as string[]).map((instanceId) => {
          const inv = byNode.get(instanceId);
          const state = states.get(instanceId);
          const recorded = state?.execution_id === execution.execution_id && state.status !== 'Pending' ? state : undefined;
          const status = recorded?.status ?? liveStatusOf(inv?.status);
          return {
            AssociationId: row.association_id, AssociationVersion: String(execution.association_version), ExecutionId: execution.execution_id,
            ResourceId: instanceId, ResourceType: 'ManagedInstance', Status: status, DetailedStatus: recorded?.detailed_status ?? inv?.statusDetails ?? 'Pending',
            LastExecutionDate: new Date(recorded?.execution_at ?? inv?.endedAt ?? execution.created_at),
            ...(inv ? { OutputSource: { OutputSourceId: inv.commandId, OutputSourceType: 'RunCommand' } } : {}),
          };
        });
        const checks = (input.Filters ?? []).map((f) => {
          if (f.Key === 'Status') return (t: ssm.AssociationExecutionTarget) => t.Status === f.Value;
          if (f.Key === 'ResourceId') return (t: ssm.AssociationExecutionTarget) => t.ResourceId === f.Value;
          return (t: ssm.AssociationExecutionTarget) => t.ResourceType === f.Value;
        });
        const p = page(targets.filter((t) => checks.every((c) => c(t))), (t) => t.ResourceId!, { nextToken: input.NextToken, maxResults: input.MaxResults ?? 50 });
        return { AssociationExecutionTargets: p.items, NextToken: p.nextToken };
      },
    }),
    defineOperation<ssm.StartAssociationsOnceRequest, ssm.StartAssociationsOnceResult>({
      service: 'ssm', name: 'StartAssociationsOnce', readOnly: false,
      permissions: () => [{ action: 'ssm:StartAssociationsOnce', resource: '*' }],
      resources: (_ctx, input) => input.AssociationIds.map((id) => ({ type: 'AWS::SSM::Association', name: id })),
      async handle(ctx, input) {
        const rows: AssociationRow[] = [];
        for (const id of new Set(input.AssociationIds)) {
          const row = await findAssociation(db, ctx.scope, id);
          if (!row) throw awsError('AssociationDoesNotExist', `The specified association ${id} does not exist.`);
          rows.push(row);
        }
        for (const row of rows) await engine.apply(row, 'start-once', 'all');
        return {};
      },
    }),
    defineOperation<ssm.UpdateAssociationStatusRequest, ssm.UpdateAssociationStatusResult>({
      service: 'ssm', name: 'UpdateAssociationStatus', readOnly: false,
      permissions: (ctx, input) => [
        { action: 'ssm:UpdateAssociationStatus', resource: documentArnOf(ctx, input.Name) },
        { action: 'ssm:UpdateAssociationStatus', resource: instanceArn(ctx, input.InstanceId) },
      ],
      resources: (ctx, input) => auditResources(ctx, input.Name, undefined),
      async handle(ctx, input) {
        const node = await findInstance(db, input.InstanceId);
        if (!node || !inScope(node, ctx.scope) || node.deregistered_at !== null) throw awsError('InvalidInstanceId', `Instance ${input.InstanceId} is not a managed node of this account and Region.`);
        const row = await findLegacyAssociation(db, ctx.scope, input.Name, input.InstanceId);
        if (!row) throw awsError('AssociationDoesNotExist', 'The specified association does not exist.');
        const previous = row.legacy_status ? (JSON.parse(row.legacy_status) as { Name: string; Message: string }) : undefined;
        if (previous && previous.Name === input.AssociationStatus.Name && previous.Message === input.AssociationStatus.Message) {
          throw awsError('StatusUnchanged', 'The updated status is the same as the current status.');
        }
        const status = { ...input.AssociationStatus, Date: new Date(input.AssociationStatus.Date).getTime() };
        await setLegacyStatus(db, row.association_id, JSON.stringify(status), ctx.now);
        return { AssociationDescription: descriptionOf((await findAssociation(db, ctx.scope, row.association_id))!) };
      },
    }),
    defineOperation<ssm.DescribeInstanceAssociationsStatusRequest, ssm.DescribeInstanceAssociationsStatusResult>({
      service: 'ssm', name: 'DescribeInstanceAssociationsStatus', readOnly: true,
      permissions: () => [{ action: 'ssm:DescribeInstanceAssociationsStatus', resource: '*' }],
      async handle(ctx, input) {
        await nodeOf(ctx, input.InstanceId);
        const states = await nodeStates(db, ctx.scope, input.InstanceId);
        const associations = new Map((await listAssociations(db, ctx.scope)).map((a) => [a.association_id, a]));
        const infos: ssm.InstanceAssociationStatusInfo[] = states.filter((s) => associations.has(s.association_id)).map((s) => {
          const a = associations.get(s.association_id)!;
          return {
            AssociationId: s.association_id, Name: a.name, DocumentVersion: a.document_version ?? '$DEFAULT', AssociationVersion: String(s.association_version),
            InstanceId: s.instance_id, ExecutionDate: new Date(s.execution_at), Status: s.status, DetailedStatus: s.detailed_status, ExecutionSummary: s.summary,
            ...(s.error_code ? { ErrorCode: s.error_code } : {}), ...(a.association_name ? { AssociationName: a.association_name } : {}),
          };
        });
        const p = page(infos, (i) => i.AssociationId!, { nextToken: input.NextToken, maxResults: input.MaxResults ?? 50 });
        return { InstanceAssociationStatusInfos: p.items, NextToken: p.nextToken };
      },
    }),
    defineOperation<ssm.DescribeEffectiveInstanceAssociationsRequest, ssm.DescribeEffectiveInstanceAssociationsResult>({
      service: 'ssm', name: 'DescribeEffectiveInstanceAssociations', readOnly: true,
      permissions: () => [{ action: 'ssm:DescribeEffectiveInstanceAssociations', resource: '*' }],
      async handle(ctx, input) {
        const node = await nodeOf(ctx, input.InstanceId);
        const target: TargetNode = { instanceId: node.instance_id, tags: JSON.parse(node.tags) as ssm.Tag[], platformType: node.platform_type };
        const effective = (await listAssociations(db, ctx.scope))
          .filter((a) => matchNodes([target], { instanceId: a.instance_id, targets: JSON.parse(a.targets) as ssm.Target[] }).length > 0);
        const p = page(effective, (a) => a.association_id, { nextToken: input.NextToken, maxResults: input.MaxResults ?? 5 });
        const Associations: ssm.InstanceAssociation[] = [];
        for (const a of p.items) {
          let content = '';
          try {
            content = (await deps.documents(db, { scope: ctx.scope, nameOrArn: a.name, documentVersion: a.document_version ?? undefined })).contentJson;
          } catch {
            // A document deleted since: the association is still in effect, with no content to show.
          }
          Associations.push({ AssociationId: a.association_id, InstanceId: node.instance_id, Content: content, AssociationVersion: String(a.association_version) });
        }
        return { Associations, NextToken: p.nextToken };
      },
    }),
  ];

  async function nodeOf(ctx: CallContext, instanceId: string) {
    const node = await findInstance(db, instanceId);
    if (!node || !inScope(node, ctx.scope)) throw awsError('InvalidInstanceId', `Instance ${instanceId} is not a managed node of this account and Region.`);
    return node;
  }
}

/** Every refusal of a definition before anything is written (AWS's errors, nothing created). */
async function checkDefinition(deps: AssociationOperationDeps, scope: Scope, input: Definition): Promise<void> {
  const hasTargets = (input.Targets?.length ?? 0) > 0;
  if (input.InstanceId && hasTargets) throw awsError('InvalidTarget', 'Give either InstanceId or Targets, not both.');
  if (!input.InstanceId && !hasTargets) throw awsError('InvalidTarget', 'Give Targets (InstanceIds, tag:<key> or tag-key), or an InstanceId.');
  for (const t of input.Targets ?? []) {
    const key = t.Key ?? '';
    if (key.startsWith('resource-groups:')) {
      throw awsError('ValidationException', `Target key ${key} is not supported: Bosun has no AWS Resource Groups. Target nodes with InstanceIds, tag:<key> or tag-key.`);
    }
    if (!(key.toLowerCase() === 'instanceids' || key === 'tag-key' || (key.startsWith('tag:') && key.length > 4))) {
      throw awsError('InvalidTarget', `Target key ${key} is not valid: use InstanceIds, tag:<key> or tag-key.`);
    }
    if ((t.Values ?? []).length === 0) throw awsError('InvalidTarget', `Target ${key} needs at least one value.`);
  }
  if (input.InstanceId) {
    const node = await findInstance(deps.db, input.InstanceId);
    if (!node || !inScope(node, scope) || node.deregistered_at !== null) throw awsError('InvalidInstanceId', `Instance ${input.InstanceId} is not a managed node of this account and Region.`);
  }
  if ((input.TargetMaps?.length ?? 0) > 0) throw awsError('InvalidTargetMaps', 'TargetMaps (Automation runbooks) are not supported by Bosun: associations run Command documents on Targets.');
  if ((input.TargetLocations?.length ?? 0) > 0) throw awsError('ValidationException', 'TargetLocations (other accounts and Regions) are not supported by Bosun.');
  if ((input.CalendarNames?.length ?? 0) > 0) throw awsError('ValidationException', 'CalendarNames (Change Calendar) are not supported by Bosun.');
  if (input.ScheduleExpression !== undefined) {
    const schedule = parseSchedule(input.ScheduleExpression);
    if (schedule.kind === 'rate' && input.ApplyOnlyAtCronInterval) throw awsError('InvalidSchedule', 'ApplyOnlyAtCronInterval is not supported for rate expressions.');
    if (input.ScheduleOffset !== undefined && schedule.kind !== 'cron') throw awsError('InvalidSchedule', 'ScheduleOffset is supported for cron expressions only.');
    if (input.ScheduleOffset !== undefined && !input.ApplyOnlyAtCronInterval) throw awsError('ValidationException', 'ScheduleOffset needs ApplyOnlyAtCronInterval: an association with an offset does not run when it is created.');
  } else {
    if (input.ApplyOnlyAtCronInterval) throw awsError('ValidationException', 'ApplyOnlyAtCronInterval needs a cron ScheduleExpression.');
    if (input.ScheduleOffset !== undefined) throw awsError('InvalidSchedule', 'ScheduleOffset is supported for cron expressions only.');
  }
  const document = await deps.documents(deps.db, { scope, nameOrArn: input.Name, documentVersion: input.DocumentVersion });
  if (document.documentType !== 'Command') {
    throw awsError('InvalidDocument', `Document ${document.name} is of type ${document.documentType}: Bosun's associations run documents of type Command.`);
  }
  const parameters = input.Parameters ?? {};
  // {{ssm:…}} references are resolved when each application is sent; other values are checked now.
  if (!Object.values(parameters).some((values) => values.some((v) => v.includes('{{')))) document.resolveParameters(parameters);
}

function rowOf(id: string, scope: Scope, input: Definition, version: number, now: number): AssociationRow {
  let next: number | null = null;
  if (input.ScheduleExpression !== undefined) next = firstRunAfter(parseSchedule(input.ScheduleExpression), now, input.ScheduleOffset ?? 0) ?? null;
  const extras: Record<string, unknown> = {};
  for (const m of EXTRA_MEMBERS) if (input[m] !== undefined) extras[m] = input[m];
  return {
    association_id: id, account_id: scope.accountId, region: scope.region, association_version: version, name: input.Name,
    document_version: input.DocumentVersion ?? null, instance_id: input.InstanceId ?? null, association_name: input.AssociationName ?? null,
    parameters: JSON.stringify(input.Parameters ?? {}), targets: JSON.stringify(input.Targets ?? []), schedule_expression: input.ScheduleExpression ?? null,
    schedule_offset: input.ScheduleOffset ?? null, apply_only_at_cron_interval: input.ApplyOnlyAtCronInterval ? 1 : 0,
    max_concurrency: input.MaxConcurrency ?? null, max_errors: input.MaxErrors ?? null, compliance_severity: input.ComplianceSeverity ?? null,
    sync_compliance: input.SyncCompliance ?? 'AUTO', extras: JSON.stringify(extras), status: 'Pending', detailed_status: 'Creating', status_counts: '{}',
    legacy_status: null, created_at: now, updated_at: now, last_execution_at: null, last_successful_execution_at: null, next_run_at: next,
  };
}

/** The definition as a request would give it (UpdateAssociation merges into it; versions store it). */
function definitionOf(row: AssociationRow): Definition {
  const extras = JSON.parse(row.extras) as Partial<Definition>;
  return stripUndefined({
    Name: row.name, DocumentVersion: row.document_version ?? undefined, InstanceId: row.instance_id ?? undefined,
    Parameters: JSON.parse(row.parameters) as Record<string, string[]>, Targets: row.instance_id ? undefined : (JSON.parse(row.targets) as ssm.Target[]),
    ScheduleExpression: row.schedule_expression ?? undefined, AssociationName: row.association_name ?? undefined, MaxErrors: row.max_errors ?? undefined,
    MaxConcurrency: row.max_concurrency ?? undefined, ComplianceSeverity: (row.compliance_severity ?? undefined) as ssm.AssociationComplianceSeverity | undefined,
    SyncCompliance: row.sync_compliance as ssm.AssociationSyncCompliance, ApplyOnlyAtCronInterval: row.apply_only_at_cron_interval === 1,
    ScheduleOffset: row.schedule_offset ?? undefined, ...extras,
  }) as Definition;
}

function versionOf(row: AssociationRow, now: number): AssociationVersionRow {
  const definition: Partial<Definition> = definitionOf(row);
  delete definition.InstanceId;
  return { association_id: row.association_id, association_version: row.association_version, account_id: row.account_id, region: row.region, created_at: now, definition: JSON.stringify(definition) };
}

function versionInfoOf(v: AssociationVersionRow): ssm.AssociationVersionInfo {
  return { AssociationId: v.association_id, AssociationVersion: String(v.association_version), CreatedDate: new Date(v.created_at), ...(JSON.parse(v.definition) as ssm.AssociationVersionInfo) };
}

function overviewOf(row: AssociationRow): ssm.AssociationOverview {
  return { Status: row.status, DetailedStatus: row.detailed_status, AssociationStatusAggregatedCount: JSON.parse(row.status_counts) as Record<string, number> };
}

export function descriptionOf(row: AssociationRow): ssm.AssociationDescription {
  const legacy = row.legacy_status ? (JSON.parse(row.legacy_status) as Omit<ssm.AssociationStatus, 'Date'> & { Date: number }) : undefined;
  return {
    ...definitionOf(row),
    DocumentVersion: row.document_version ?? '$DEFAULT',
    Targets: JSON.parse(row.targets) as ssm.Target[],
    AssociationId: row.association_id,
    AssociationVersion: String(row.association_version),
    Date: new Date(row.created_at),
    LastUpdateAssociationDate: new Date(row.updated_at),
    Overview: overviewOf(row),
    ...(legacy ? { Status: { ...legacy, Date: new Date(legacy.Date) } } : {}),
    ...(row.last_execution_at !== null ? { LastExecutionDate: new Date(row.last_execution_at) } : {}),
    ...(row.last_successful_execution_at !== null ? { LastSuccessfulExecutionDate: new Date(row.last_successful_execution_at) } : {}),
  };
}

function summaryOf(row: AssociationRow): ssm.Association {
  return {
    Name: row.name, ...(row.instance_id ? { InstanceId: row.instance_id } : {}), AssociationId: row.association_id, AssociationVersion: String(row.association_version),
    DocumentVersion: row.document_version ?? '$DEFAULT', Targets: JSON.parse(row.targets) as ssm.Target[], Overview: overviewOf(row),
    ...(row.last_execution_at !== null ? { LastExecutionDate: new Date(row.last_execution_at) } : {}),
    ...(row.schedule_expression ? { ScheduleExpression: row.schedule_expression } : {}), ...(row.association_name ? { AssociationName: row.association_name } : {}),
    ...(row.schedule_offset !== null ? { ScheduleOffset: row.schedule_offset } : {}),
  };
}

const positionOf = (r: AssociationRow) => `${String(r.created_at).padStart(16, '0')}/${r.association_id}`;

function resourceCounts(e: { resource_counts: string; status: string; instance_ids: string }): string {
  const counts = JSON.parse(e.resource_counts) as Record<string, number>;
  if (Object.keys(counts).length > 0) return JSON.stringify(counts);
  return JSON.stringify({ [e.status === 'Pending' ? 'Pending' : 'InProgress']: (JSON.parse(e.instance_ids) as string[]).length });
}

function associationFilter(f: ssm.AssociationFilter): (r: AssociationRow) => boolean {
  switch (f.key) {
    case 'InstanceId':
      return (r) => r.instance_id === f.value || (JSON.parse(r.targets) as ssm.Target[]).some((t) => t.Key?.toLowerCase() === 'instanceids' && (t.Values ?? []).includes(f.value));
    case 'Name':
      return (r) => r.name === f.value || parseArn(r.name)?.resource === `document/${f.value}`;
    case 'AssociationId':
      return (r) => r.association_id === f.value;
    case 'AssociationStatusName':
      if (!['Pending', 'Success', 'Failed'].includes(f.value)) throw awsError('ValidationException', `The value ${f.value} of filter AssociationStatusName is not valid. Valid values: Pending, Success, Failed.`);
      return (r) => r.status === f.value;
    case 'AssociationName':
      return (r) => r.association_name === f.value;
    case 'LastExecutedBefore':
    case 'LastExecutedAfter': {
      const at = Date.parse(f.value);
      if (!Number.isFinite(at)) throw awsError('ValidationException', `The value ${f.value} of filter ${f.key} is not a timestamp (e.g. 2026-01-31T00:00:00Z).`);
      return f.key === 'LastExecutedBefore' ? (r) => r.last_execution_at !== null && r.last_execution_at < at : (r) => r.last_execution_at !== null && r.last_execution_at > at;
    }
    default:
      throw awsError('ValidationException', `The filter key ${f.key} is not supported: Bosun has no AWS Resource Groups or cloud connectors. Valid keys: InstanceId, Name, AssociationId, AssociationStatusName, LastExecutedBefore, LastExecutedAfter, AssociationName.`);
  }
}

function executionFilter(f: ssm.AssociationExecutionFilter): (e: { execution_id: string; status: string; created_at: number }) => boolean {
  if (f.Key === 'CreatedTime') {
    const at = Date.parse(f.Value);
    if (!Number.isFinite(at)) throw awsError('ValidationException', `The value ${f.Value} of filter CreatedTime is not a timestamp (e.g. 2026-01-31T00:00:00Z).`);
    if (f.Type === 'LESS_THAN') return (e) => e.created_at < at;
    if (f.Type === 'GREATER_THAN') return (e) => e.created_at > at;
    return (e) => Math.floor(e.created_at / 1000) === Math.floor(at / 1000);
  }
  if (f.Type !== 'EQUAL') throw awsError('ValidationException', `Filter ${f.Key} takes the type EQUAL only.`);
  return f.Key === 'ExecutionId' ? (e) => e.execution_id === f.Value : (e) => e.status === f.Value;
}

function stripUndefined<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
