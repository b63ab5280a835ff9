import crypto from 'node:crypto';
import { awsError, formatArn, isAwsError, parseArn, type ssm } from '@bosun/protocol';
import type { Principal } from '../accounts/principal.ts';
import { defineOperation, type CallContext, type Operation } from '../api/operation.ts';
import type { DocumentSource } from '../commands/document-source.ts';
import { page } from '../nodes/paging.ts';
import type { Db } from '../store/store.ts';
import type { AutomationEngine } from './automation-engine.ts';
import { executionView, projectionOf } from './automation-engine.ts';
import { appendEvents, countRunning, findByClientToken, findExecution, insertExecution, listExecutions, loadEvents, type ExecutionRow } from './automation-store.ts';
import { currentStep, isEnded, type AutomationEvent, type StepRun } from './execution-history.ts';
import { loadRunbook, type Runbook } from './runbook.ts';
import { outputStrings } from './selectors.ts';

export interface AutomationOperationDeps {
  readonly db: Db;
  readonly documents: DocumentSource;
  readonly engine: Pick<AutomationEngine, 'wake'>;
  /** Executions of an account and region that may run at once (AWS: 100). */
  readonly maxRunningExecutions: number;
}

const executionArn = (ctx: CallContext, id: string) => formatArn({ service: 'ssm', region: ctx.region, accountId: ctx.scope.accountId, resource: `automation-execution/${id}` });

function definitionArn(ctx: CallContext, nameOrArn: string, version: string | undefined): string {
  const arn = parseArn(nameOrArn);
  const name = arn ? arn.resource.replace(/^document\//, '') : nameOrArn;
  const owner = arn ? arn.accountId : name.startsWith('AWS-') ? '' : ctx.scope.accountId;
  return formatArn({ service: 'ssm', region: ctx.region, accountId: owner, resource: `automation-definition/${name}:${version ?? '$DEFAULT'}` });
}

function notFound(id: string): never {
  throw awsError('AutomationExecutionNotFoundException', `Execution ${id} does not exist.`);
}

/** Typed parameter values as the API shows them: lists of strings. */
function parameterStrings(values: Record<string, unknown>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, outputStrings(v)]));
}

/** True when `principal` is one of a step's Approvers (a user or role by ARN or name, or the session's own ARN). */
export function isApprover(principal: Principal, approvers: readonly string[]): boolean {
  const names = principal.type === 'IAMUser'
    ? [principal.arn, principal.userName]
    : [principal.arn, principal.roleArn, principal.roleName];
  return approvers.some((a) => names.includes(a));
}

function approversOf(run: StepRun): string[] {
  const value = run.inputs.Approvers;
  return Array.isArray(value) ? value.map(String) : typeof value === 'string' ? [value] : [];
}

/** A time filter value: ISO 8601 (AWS's form) or epoch seconds. */
function timeOf(value: string, key: string): number {
  const ms = /^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : Date.parse(value);
  if (Number.isNaN(ms)) throw awsError('ValidationException', `Filter ${key} needs a time such as 2026-01-01T00:00:00Z, not ${value}.`);
  return ms;
}

/** How deep aws:executeAutomation may nest executions (the top one is depth 1). */
export const MAX_NESTING_DEPTH = 5;

/**
 * StartAutomationExecution's work, shared with aws:executeAutomation (which passes the parent:
 * the child runs as the parent's caller, and its ClientToken makes a restart find it again).
 */
export async function startAutomationExecution(deps: AutomationOperationDeps, ctx: CallContext, input: ssm.StartAutomationExecutionRequest, parentExecutionId?: string): Promise<string> {
  const { db } = deps;
  if (input.Mode === 'Interactive') throw awsError('ValidationException', 'Mode Interactive is not supported by Bosun yet: use Auto.');
  if (input.Targets || input.TargetMaps || input.TargetParameterName || input.TargetLocations || input.TargetLocationsURL) {
    throw awsError('ValidationException', 'Targets, TargetMaps, TargetParameterName and TargetLocations (rate control across targets) are not supported by Bosun yet.');
  }
  if (input.ClientToken) {
    const known = await findByClientToken(db, ctx.scope, input.ClientToken);
    if (known) return known.execution_id;
  }
  let document;
  try {
    document = await deps.documents(db, { scope: ctx.scope, nameOrArn: input.DocumentName, documentVersion: input.DocumentVersion });
  } catch (error) {
    if (isAwsError(error) && error.code === 'InvalidDocument') throw awsError('AutomationDefinitionNotFoundException', `Document ${input.DocumentName} does not exist.`);
    if (isAwsError(error) && error.code === 'InvalidDocumentVersion') {
      throw awsError('AutomationDefinitionVersionNotFoundException', `Document ${input.DocumentName} has no version ${input.DocumentVersion}.`);
    }
    throw error;
  }
  if (document.documentType !== 'Automation') {
    throw awsError('InvalidAutomationExecutionParametersException', `Document ${document.name} is a ${document.documentType} document, not an Automation runbook.`);
  }
  let parameters: Record<string, unknown>;
  try {
    parameters = document.resolveParameters(input.Parameters);
  } catch (error) {
    if (isAwsError(error) && error.code === 'InvalidParameters') throw awsError('InvalidAutomationExecutionParametersException', error.message);
    throw error;
  }
  loadRunbook(document.contentJson, parameters); // refuses actions the engine cannot run, bad branches and selectors
  if (parentExecutionId) {
    let depth = 2;
    for (let at = await findExecution(db, ctx.scope, parentExecutionId); at?.parent_execution_id; at = await findExecution(db, ctx.scope, at.parent_execution_id)) depth++;
    if (depth > MAX_NESTING_DEPTH) {
      throw awsError('AutomationExecutionLimitExceededException', `aws:executeAutomation may nest executions at most ${MAX_NESTING_DEPTH} deep: ${input.DocumentName} would be ${depth} deep.`);
    }
  }
  if ((await countRunning(db, ctx.scope)) >= deps.maxRunningExecutions) {
    throw awsError('AutomationExecutionLimitExceededException', `You can run at most ${deps.maxRunningExecutions} automation executions at a time in an account and Region.`);
  }
  const id = crypto.randomUUID();
  const row: ExecutionRow = {
    execution_id: id, account_id: ctx.scope.accountId, region: ctx.scope.region, document_name: document.name, document_version: document.documentVersion,
    document_content: document.contentJson, parameters: JSON.stringify(parameters), mode: 'Auto', principal: JSON.stringify(ctx.principal), executed_by: ctx.principal.arn,
    client_token: input.ClientToken ?? null, parent_execution_id: parentExecutionId ?? null, tags: JSON.stringify(input.Tags ?? []), status: 'Pending', current_step_name: null, current_action: null,
    failure_message: null, outputs: '{}', event_count: 0, due_at: ctx.now, claimed_by: null, claimed_until: null, started_at: ctx.now, ended_at: null,
  };
  await insertExecution(db, row);
  deps.engine.wake(id);
  return id;
}

/**
 * The Automation operations: StartAutomationExecution (Mode Auto), GetAutomationExecution,
 * DescribeAutomationExecutions, DescribeAutomationStepExecutions, StopAutomationExecution
 * (Cancel), SendAutomationSignal (Approve, Reject, Resume), and StartChangeRequestExecution
 * refused as unsupported. An execution is regional; its steps run in the engine.
 */
export function automationOperations(deps: AutomationOperationDeps): Operation[] {
  const { db } = deps;

  async function view(ctx: CallContext, id: string) {
    const row = await findExecution(db, ctx.scope, id);
    if (!row) notFound(id);
    const events = await loadEvents(db, id);
    return { row, ...executionView(row, events) };
  }

  function stepExecutionOf(runbook: Runbook, run: StepRun): ssm.StepExecution {
    const step = runbook.step(run.name);
    const outputs = Object.keys(run.outputs).length > 0 ? parameterStrings(run.outputs) : undefined;
    const validNext = step.action === 'aws:branch'
      ? [...new Set([...((step.inputs.Choices as { NextStep: string }[]) ?? []).map((c) => c.NextStep), ...(typeof step.inputs.Default === 'string' ? [step.inputs.Default] : [])])]
      : undefined;
    return {
      StepName: run.name, Action: step.action, ...(step.timeoutSeconds !== undefined ? { TimeoutSeconds: step.timeoutSeconds } : {}), OnFailure: step.onFailure,
      MaxAttempts: step.maxAttempts, ExecutionStartTime: new Date(run.startedAt), ...(run.endedAt !== undefined ? { ExecutionEndTime: new Date(run.endedAt) } : {}),
      StepStatus: run.status, Inputs: Object.fromEntries(Object.entries(run.inputs).map(([k, v]) => [k, JSON.stringify(v)])), ...(outputs ? { Outputs: outputs } : {}),
      ...(run.failureMessage ? { FailureMessage: run.failureMessage, FailureDetails: { FailureStage: 'Execution', FailureType: run.status === 'TimedOut' ? 'Timeout' : 'Step' } } : {}),
      StepExecutionId: run.stepExecutionId, IsEnd: step.isEnd, IsCritical: step.isCritical, ...(step.nextStep ? { NextStep: step.nextStep } : {}),
      ...(run.next ? { NextStep: run.next } : {}), ...(validNext ? { ValidNextSteps: validNext } : {}),
    };
  }

  function metadataOf(row: ExecutionRow): ssm.AutomationExecutionMetadata {
    return {
      AutomationExecutionId: row.execution_id, DocumentName: row.document_name, DocumentVersion: row.document_version,
      AutomationExecutionStatus: row.status as ssm.AutomationExecutionStatus, ExecutionStartTime: new Date(row.started_at),
      ...(row.ended_at !== null ? { ExecutionEndTime: new Date(row.ended_at) } : {}), ExecutedBy: row.executed_by, LogFile: '',
      Outputs: JSON.parse(row.outputs) as Record<string, string[]>, Mode: row.mode as ssm.ExecutionMode,
      ...(row.current_step_name ? { CurrentStepName: row.current_step_name } : {}), ...(row.current_action ? { CurrentAction: row.current_action } : {}),
      ...(row.failure_message ? { FailureMessage: row.failure_message } : {}), AutomationType: 'Local',
      ...(row.parent_execution_id ? { ParentAutomationExecutionId: row.parent_execution_id } : {}),
    };
  }

  /** Appends signal or stop events to an execution whose log is as `check` finds it; check throws the AWS error when it may not. */
  async function signal(ctx: CallContext, id: string, check: (state: ReturnType<typeof executionView>['state'], runbook: Runbook) => AutomationEvent[]): Promise<void> {
    const result = await appendEvents(db, id, async (row, readLog) => {
      if (row.account_id !== ctx.scope.accountId || row.region !== ctx.scope.region) return undefined;
      const log = await readLog();
      const before = executionView(row, log);
      const events = check(before.state, before.facts.runbook);
      const after = executionView(row, [...log, ...events]);
      return { events, projection: projectionOf(after.facts, after.state, ctx.now) };
    });
    if (!result || result.row.account_id !== ctx.scope.accountId || result.row.region !== ctx.scope.region) notFound(id);
    deps.engine.wake(id);
  }

  return [
    defineOperation<ssm.StartAutomationExecutionRequest, ssm.StartAutomationExecutionResult>({
      service: 'ssm', name: 'StartAutomationExecution', readOnly: false,
      permissions: (ctx, input) => [{ action: 'ssm:StartAutomationExecution', resource: definitionArn(ctx, input.DocumentName, input.DocumentVersion) }],
      resources: (_ctx, input, output) => [
        { type: 'AWS::SSM::Document', name: input.DocumentName },
        ...(output?.AutomationExecutionId ? [{ type: 'AWS::SSM::AutomationExecution', name: output.AutomationExecutionId }] : []),
      ],
      async handle(ctx, input) {
        return { AutomationExecutionId: await startAutomationExecution(deps, ctx, input) };
      },
    }),
    defineOperation<ssm.StartChangeRequestExecutionRequest, ssm.StartChangeRequestExecutionResult>({
      service: 'ssm', name: 'StartChangeRequestExecution', readOnly: false,
      permissions: (ctx, input) => [{ action: 'ssm:StartChangeRequestExecution', resource: definitionArn(ctx, input.DocumentName, input.DocumentVersion) }],
      async handle() {
        throw awsError('ValidationException', 'Change Manager is not supported by Bosun: StartChangeRequestExecution is not available. Run the runbooks with StartAutomationExecution.');
      },
    }),
    defineOperation<ssm.GetAutomationExecutionRequest, ssm.GetAutomationExecutionResult>({
      service: 'ssm', name: 'GetAutomationExecution', readOnly: true,
      permissions: (ctx, input) => [{ action: 'ssm:GetAutomationExecution', resource: executionArn(ctx, input.AutomationExecutionId) }],
      async handle(ctx, input) {
        const { row, facts, state } = await view(ctx, input.AutomationExecutionId);
        const meta = metadataOf(row);
        return {
          AutomationExecution: {
            AutomationExecutionId: meta.AutomationExecutionId, DocumentName: meta.DocumentName, DocumentVersion: meta.DocumentVersion, ExecutionStartTime: meta.ExecutionStartTime,
            ExecutionEndTime: meta.ExecutionEndTime, AutomationExecutionStatus: meta.AutomationExecutionStatus, StepExecutions: state.steps.map((run) => stepExecutionOf(facts.runbook, run)),
            StepExecutionsTruncated: false, Parameters: parameterStrings(facts.parameters), Outputs: meta.Outputs, FailureMessage: meta.FailureMessage, Mode: meta.Mode,
            ExecutedBy: meta.ExecutedBy, CurrentStepName: meta.CurrentStepName, CurrentAction: meta.CurrentAction, ParentAutomationExecutionId: meta.ParentAutomationExecutionId,
          },
        };
      },
    }),
    defineOperation<ssm.DescribeAutomationExecutionsRequest, ssm.DescribeAutomationExecutionsResult>({
      service: 'ssm', name: 'DescribeAutomationExecutions', readOnly: true,
      permissions: () => [{ action: 'ssm:DescribeAutomationExecutions', resource: '*' }],
      async handle(ctx, input) {
        const checks = (input.Filters ?? []).map(executionFilter);
        const rows = (await listExecutions(db, ctx.scope)).filter((r) => checks.every((check) => check(r)));
        // Newest first; the key orders that way as text.
        const p = page(rows, (r) => `${String(9_999_999_999_999 - r.started_at).padStart(13, '0')}/${r.execution_id}`, { nextToken: input.NextToken, maxResults: input.MaxResults ?? 50 });
        return { AutomationExecutionMetadataList: p.items.map(metadataOf), NextToken: p.nextToken };
      },
    }),
    defineOperation<ssm.DescribeAutomationStepExecutionsRequest, ssm.DescribeAutomationStepExecutionsResult>({
      service: 'ssm', name: 'DescribeAutomationStepExecutions', readOnly: true,
      permissions: (ctx, input) => [{ action: 'ssm:DescribeAutomationStepExecutions', resource: executionArn(ctx, input.AutomationExecutionId) }],
      async handle(ctx, input) {
        const { facts, state } = await view(ctx, input.AutomationExecutionId);
        const checks = (input.Filters ?? []).map(stepFilter);
        let steps = state.steps.map((run) => stepExecutionOf(facts.runbook, run)).filter((s) => checks.every((check) => check(s)));
        if (input.ReverseOrder) steps = steps.reverse();
        const keyed = steps.map((s, i) => ({ s, key: String(i).padStart(6, '0') }));
        const p = page(keyed, (k) => k.key, { nextToken: input.NextToken, maxResults: input.MaxResults ?? 50 });
        return { StepExecutions: p.items.map((k) => k.s), NextToken: p.nextToken };
      },
    }),
    defineOperation<ssm.StopAutomationExecutionRequest, ssm.StopAutomationExecutionResult>({
      service: 'ssm', name: 'StopAutomationExecution', readOnly: false,
      permissions: (ctx, input) => [{ action: 'ssm:StopAutomationExecution', resource: executionArn(ctx, input.AutomationExecutionId) }],
      resources: (_ctx, input) => [{ type: 'AWS::SSM::AutomationExecution', name: input.AutomationExecutionId }],
      async handle(ctx, input) {
        if (input.Type === 'Complete') throw awsError('ValidationException', 'StopAutomationExecution Type Complete is not supported by Bosun yet: use Cancel.');
        await signal(ctx, input.AutomationExecutionId, (state) => {
          if (isEnded(state)) throw awsError('InvalidAutomationStatusUpdateException', `Execution ${input.AutomationExecutionId} has already ended (${state.status}): it cannot be stopped.`);
          if (state.cancelRequested) return [];
          return [{ type: 'CancelRequested', at: ctx.now, by: ctx.principal.arn }];
        });
        return {};
      },
    }),
    defineOperation<ssm.SendAutomationSignalRequest, ssm.SendAutomationSignalResult>({
      service: 'ssm', name: 'SendAutomationSignal', readOnly: false,
      permissions: (ctx, input) => [{ action: 'ssm:SendAutomationSignal', resource: executionArn(ctx, input.AutomationExecutionId) }],
      resources: (_ctx, input) => [{ type: 'AWS::SSM::AutomationExecution', name: input.AutomationExecutionId }],
      async handle(ctx, input) {
        const id = input.AutomationExecutionId;
        const comment = input.Payload?.Comment?.join('\n');
        await signal(ctx, id, (state, runbook) => {
          if (isEnded(state) || state.cancelRequested) throw awsError('InvalidAutomationSignalException', `Execution ${id} has ended (${state.status}): it takes no more signals.`);
          const run = currentStep(state);
          const action = run ? runbook.step(run.name).action : undefined;
          switch (input.SignalType) {
            case 'Approve':
            case 'Reject':
              if (!run || action !== 'aws:approve') throw awsError('InvalidAutomationSignalException', `Execution ${id} is not waiting for an approval: ${input.SignalType} is not valid now.`);
              if (!isApprover(ctx.principal, approversOf(run))) {
                throw awsError('AccessDeniedException', `User: ${ctx.principal.arn} is not an approver of step ${run.name} of automation execution ${id}.`);
              }
              return [{ type: 'SignalReceived', at: ctx.now, step: run.name, signal: input.SignalType, by: ctx.principal.arn, ...(comment ? { comment } : {}) }];
            case 'Resume':
              if (!run || action !== 'aws:pause') throw awsError('InvalidAutomationSignalException', `Execution ${id} is not paused: Resume is not valid now.`);
              return [{ type: 'SignalReceived', at: ctx.now, step: run.name, signal: 'Resume', by: ctx.principal.arn }];
            default:
              throw awsError('InvalidAutomationSignalException', `Signal ${input.SignalType} is only valid for executions in Interactive mode, which Bosun does not support yet.`);
          }
        });
        return {};
      },
    }),
  ];
}

function executionFilter(filter: ssm.AutomationExecutionFilter): (row: ExecutionRow) => boolean {
  const values = filter.Values;
  switch (filter.Key) {
    case 'DocumentNamePrefix': return (r) => values.some((v) => r.document_name.startsWith(v));
    case 'ExecutionStatus': return (r) => values.includes(r.status);
    case 'ExecutionId': return (r) => values.includes(r.execution_id);
    case 'ParentExecutionId': return (r) => r.parent_execution_id !== null && values.includes(r.parent_execution_id);
    case 'CurrentAction': return (r) => r.current_action !== null && values.includes(r.current_action);
    case 'StartTimeBefore': {
      const at = timeOf(values[0], filter.Key);
      return (r) => r.started_at <= at;
    }
    case 'StartTimeAfter': {
      const at = timeOf(values[0], filter.Key);
      return (r) => r.started_at >= at;
    }
    case 'AutomationType': return () => values.includes('Local');
    case 'TagKey': return (r) => (JSON.parse(r.tags) as ssm.Tag[]).some((t) => values.includes(t.Key));
    case 'AutomationSubtype': return () => false;
    default: throw awsError('ValidationException', `Filter ${filter.Key} is not supported by Bosun yet.`);
  }
}

function stepFilter(filter: ssm.StepExecutionFilter): (step: ssm.StepExecution) => boolean {
  const values = filter.Values;
  switch (filter.Key) {
    case 'StepName': return (s) => values.includes(s.StepName!);
    case 'Action': return (s) => values.includes(s.Action!);
    case 'StepExecutionId': return (s) => values.includes(s.StepExecutionId!);
    case 'StepExecutionStatus': return (s) => values.includes(s.StepStatus!);
    case 'StartTimeBefore': {
      const at = timeOf(values[0], filter.Key);
      return (s) => s.ExecutionStartTime!.getTime() <= at;
    }
    case 'StartTimeAfter': {
      const at = timeOf(values[0], filter.Key);
      return (s) => s.ExecutionStartTime!.getTime() >= at;
    }
    default: throw awsError('ValidationException', `Filter ${filter.Key} is not supported by Bosun yet.`);
  }
}
