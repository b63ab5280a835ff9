import crypto from 'node:crypto';
import { awsError, formatArn, type Scope, type ssm } from '@bosun/protocol';
import { defineOperation, type CallContext, type Operation, type Permission } from '../api/operation.ts';
import { DEFAULT_MAX_CONCURRENCY, DEFAULT_MAX_ERRORS, limitFor, parseLimit } from '../engine/rate-control.ts';
import { selectTargets, type TargetNode } from '../engine/targets.ts';
import { instanceArn } from '../nodes/instance-operations.ts';
import { inScope, listInstances, type InstanceRow } from '../nodes/nodes-store.ts';
import { targetNodeOf } from '../nodes/target-node.ts';
import { decodeNextToken, encodeNextToken } from '../nodes/paging.ts';
import { documentArnOf } from '../documents/document-names.ts';
import type { Db } from '../store/store.ts';
import { findCommand, findInvocation, insertCommand, listCommands, listInvocations, type CommandQuery, type CommandRow, type InvocationRow, type InvocationWithCommand } from './command-store.ts';
import type { CommandDispatcher } from './dispatcher.ts';
import type { CommandDocument, DocumentSource } from './document-source.ts';
import { parsePlugins, PLUGIN_OUTPUT_MAX, STDERR_CONTENT_MAX, STDOUT_CONTENT_MAX, type StoredPlugin } from './invocation-output.ts';
import { plainReferences, referenceName, resolvePlainReferences } from './parameter-references.ts';

export interface CommandOperationDeps {
  readonly db: Db;
  readonly documents: DocumentSource;
  readonly dispatcher: CommandDispatcher;
  /** Extra time past a document's execution timeout before the server gives up on a silent node (ms). Default 5 minutes. */
  readonly executionGraceMs?: number;
}

/** AWS's default delivery timeout of SendCommand (seconds). */
export const DEFAULT_TIMEOUT_SECONDS = 3600;
/** AWS-RunShellScript's default executionTimeout (seconds), used when a document declares none. */
export const DEFAULT_EXECUTION_TIMEOUT_SECONDS = 3600;

const COMMAND_STATUS_VALUES = new Set(['Pending', 'InProgress', 'Success', 'Cancelled', 'Failed', 'TimedOut', 'Cancelling']);
const COMMAND_DETAIL_VALUES = new Set(['AccessDenied', 'DeliveryTimedOut', 'ExecutionTimedOut', 'Incomplete', 'NoInstancesInTag', 'LimitExceeded']);
const INVOCATION_DETAIL_VALUES = new Set([...COMMAND_DETAIL_VALUES, 'Undeliverable', 'InvalidPlatform', 'Terminated']);

/** What SendCommand works out once, shared by its permissions and its handler. */
interface Prepared {
  readonly document?: CommandDocument;
  readonly documentError?: unknown;
  readonly nodes?: readonly TargetNode[];
  readonly rows?: ReadonlyMap<string, InstanceRow>;
  readonly targetError?: unknown;
}

/**
 * SendCommand, ListCommands, ListCommandInvocations, GetCommandInvocation, CancelCommand. A
 * command is made in the request's region and runs only on the nodes registered there.
 */
export function commandOperations(deps: CommandOperationDeps): Operation[] {
  const { db } = deps;
  const prepared = new WeakMap<object, Promise<Prepared>>();

  function prepare(ctx: CallContext, input: ssm.SendCommandRequest): Promise<Prepared> {
    let p = prepared.get(input);
    if (!p) {
      p = prepareCommand(deps, ctx.scope, input);
      prepared.set(input, p);
    }
    return p;
  }

  return [
    defineOperation<ssm.SendCommandRequest, ssm.SendCommandResult>({
      service: 'ssm',
      name: 'SendCommand',
      readOnly: false,
      // AWS's Service Authorization Reference: ssm:SendCommand on the document and on every
      // target node, with the node's tags as condition keys.
      async permissions(ctx, input) {
        const p = await prepare(ctx, input);
        const documentArn = p.document?.arn ?? documentArnOf(ctx, input.DocumentName);
        const shared = p.document !== undefined && p.document.ownerAccountId !== '' && p.document.ownerAccountId !== ctx.principal.accountId;
        const permissions: Permission[] = [{ action: 'ssm:SendCommand', resource: documentArn, ...(shared ? { grantedToCaller: true } : {}) }];
        const targets = p.nodes ?? (input.InstanceIds ?? []).map((instanceId) => ({ instanceId, tags: [] as readonly ssm.Tag[] }));
        for (const { instanceId: id, tags } of targets) {
          const conditions: Record<string, string> = {};
          for (const tag of tags) {
            conditions[`ssm:resourceTag/${tag.Key}`] = tag.Value;
            conditions[`aws:ResourceTag/${tag.Key}`] = tag.Value;
          }
          permissions.push({ action: 'ssm:SendCommand', resource: instanceArn(ctx, id), conditions });
        }
        for (const reference of plainReferences(input.Parameters ?? {})) {
          permissions.push({ action: 'ssm:GetParameters', resource: parameterArn(ctx, referenceName(reference)) });
        }
        return permissions;
      },
      resources: (ctx, input, output) => [
        { type: 'AWS::SSM::Document', name: input.DocumentName, arn: documentArnOf(ctx, input.DocumentName) },
        ...(output?.Command?.CommandId ? [{ type: 'AWS::SSM::Command', name: output.Command.CommandId }] : []),
      ],
      async handle(ctx, input) {
        const command = await createCommand(deps, ctx.scope, ctx.now, input, await prepare(ctx, input));
        return { Command: commandShape(command) };
      },
    }),
    defineOperation<ssm.ListCommandsRequest, ssm.ListCommandsResult>({
      service: 'ssm',
      name: 'ListCommands',
      readOnly: true,
      permissions: () => [{ action: 'ssm:ListCommands', resource: '*' }],
      async handle(ctx, input) {
        const limit = input.MaxResults ?? 50;
        const query = { ...filterQuery(input.Filters, COMMAND_DETAIL_VALUES), scope: ctx.scope, commandId: input.CommandId, instanceId: input.InstanceId, limit: limit + 1 };
        const after = decodeNextToken(input.NextToken);
        if (after !== undefined) {
          const [at, commandId] = after.split('/');
          (query as { after?: CommandQuery['after'] }).after = { at: Number(at), commandId };
        }
        const rows = await listCommands(db, query);
        if (input.CommandId && rows.length === 0 && after === undefined && !input.Filters) {
          const exists = await findCommand(db, input.CommandId);
          if (!exists || !inScope(exists, ctx.scope)) throw awsError('InvalidCommandId', `Command ${input.CommandId} was not found.`);
        }
        const page = rows.slice(0, limit);
        const last = page[page.length - 1];
        return { Commands: page.map(commandShape), NextToken: rows.length > limit ? encodeNextToken(`${last.requested_at}/${last.command_id}`) : undefined };
      },
    }),
    defineOperation<ssm.ListCommandInvocationsRequest, ssm.ListCommandInvocationsResult>({
      service: 'ssm',
      name: 'ListCommandInvocations',
      readOnly: true,
      permissions: () => [{ action: 'ssm:ListCommandInvocations', resource: '*' }],
      async handle(ctx, input) {
        const limit = input.MaxResults ?? 50;
        const after = decodeNextToken(input.NextToken);
        const [afterCommand, afterInstance] = after?.split('/') ?? [];
        const rows = await listInvocations(db, {
          ...filterQuery(input.Filters, INVOCATION_DETAIL_VALUES), scope: ctx.scope, commandId: input.CommandId, instanceId: input.InstanceId, limit: limit + 1,
          ...(after !== undefined ? { after: { commandId: afterCommand, instanceId: afterInstance ?? '' } } : {}),
        });
        const page = rows.slice(0, limit);
        const last = page[page.length - 1];
        return {
          CommandInvocations: page.map((row) => invocationShape(row, input.Details === true)),
          NextToken: rows.length > limit ? encodeNextToken(`${last.command_id}/${last.instance_id}`) : undefined,
        };
      },
    }),
    defineOperation<ssm.GetCommandInvocationRequest, ssm.GetCommandInvocationResult>({
      service: 'ssm',
      name: 'GetCommandInvocation',
      readOnly: true,
      permissions: () => [{ action: 'ssm:GetCommandInvocation', resource: '*' }],
      async handle(ctx, input) {
        const command = await findCommand(db, input.CommandId);
        const row = command && inScope(command, ctx.scope) ? await findInvocation(db, input.CommandId, input.InstanceId) : undefined;
        if (!command || !row) {
          throw awsError('InvocationDoesNotExist', `No invocation of command ${input.CommandId} on instance ${input.InstanceId}: verify the command ID and the managed node ID.`);
        }
        return getInvocationShape(command, row, input.PluginName);
      },
    }),
    defineOperation<ssm.CancelCommandRequest, ssm.CancelCommandResult>({
      service: 'ssm',
      name: 'CancelCommand',
      readOnly: false,
      permissions: () => [{ action: 'ssm:CancelCommand', resource: '*' }],
      resources: (_ctx, input) => [{ type: 'AWS::SSM::Command', name: input.CommandId }],
      async handle(ctx, input) {
        const command = await findCommand(db, input.CommandId);
        if (!command || !inScope(command, ctx.scope)) throw awsError('InvalidCommandId', `Command ${input.CommandId} was not found.`);
        let instanceIds: string[] | undefined;
        if (input.InstanceIds && input.InstanceIds.length > 0) {
          const seen = new Set<string>();
          for (const id of input.InstanceIds) {
            if (seen.has(id)) throw awsError('DuplicateInstanceId', `Instance ${id} is listed more than once.`);
            seen.add(id);
          }
          instanceIds = [...seen];
          for (const id of instanceIds) {
            if (!(await findInvocation(db, command.command_id, id))) throw awsError('InvalidInstanceId', `Instance ${id} is not a target of command ${command.command_id}.`);
          }
        }
        await deps.dispatcher.cancel(command, instanceIds, ctx.now);
        return {};
      },
    }),
  ];
}

function parameterArn(ctx: CallContext, name: string): string {
  return formatArn({ service: 'ssm', region: ctx.region, accountId: ctx.principal.accountId, resource: `parameter${name.startsWith('/') ? '' : '/'}${name}` });
}

function executionTimeoutOf(values: Record<string, unknown>): number {
  const raw = values.executionTimeout;
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : Array.isArray(raw) ? Number(raw[0]) : NaN;
  return Number.isFinite(n) && n > 0 ? n : DEFAULT_EXECUTION_TIMEOUT_SECONDS;
}

function checkNotificationConfig(input: ssm.SendCommandRequest): void {
  const config = input.NotificationConfig;
  if (!config) return;
  if (config.NotificationArn !== undefined && !/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/.test(config.NotificationArn)) {
    throw awsError('InvalidNotificationConfig', `NotificationArn ${config.NotificationArn} is not the ARN of an SNS topic.`);
  }
  if (config.NotificationArn !== undefined && !input.ServiceRoleArn) {
    throw awsError('InvalidRole', 'A NotificationConfig with a NotificationArn needs a ServiceRoleArn that may publish to the topic.');
  }
  if (input.ServiceRoleArn !== undefined && !/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/.test(input.ServiceRoleArn)) {
    throw awsError('InvalidRole', `ServiceRoleArn ${input.ServiceRoleArn} is not the ARN of an IAM role.`);
  }
}

/** The Filters of ListCommands / ListCommandInvocations, checked. */
function filterQuery(filters: readonly ssm.CommandFilter[] | undefined, detailValues: ReadonlySet<string>): Omit<CommandQuery, 'scope' | 'limit' | 'after'> {
  const q: { -readonly [K in keyof Omit<CommandQuery, 'after'>]?: CommandQuery[K] } = {};
  for (const f of filters ?? []) {
    switch (f.key) {
      case 'InvokedAfter':
      case 'InvokedBefore': {
        const at = Date.parse(f.value);
        if (!Number.isFinite(at)) throw awsError('InvalidFilterKey', `The value ${f.value} of filter ${f.key} is not a timestamp (e.g. 2024-01-31T00:00:00Z).`);
        if (f.key === 'InvokedAfter') q.invokedAfter = at;
        else q.invokedBefore = at;
        break;
      }
      case 'Status':
        if (COMMAND_STATUS_VALUES.has(f.value)) q.statuses = [...(q.statuses ?? []), f.value];
        else if (detailValues.has(f.value)) q.statusDetails = [...(q.statusDetails ?? []), f.value];
        else throw awsError('InvalidFilterKey', `The value ${f.value} of filter Status is not valid. Valid values: ${[...COMMAND_STATUS_VALUES, ...detailValues].join(', ')}.`);
        break;
      case 'ExecutionStage':
        if (f.value !== 'Executing' && f.value !== 'Complete') throw awsError('InvalidFilterKey', `The value ${f.value} of filter ExecutionStage is not valid. Valid values: Executing, Complete.`);
        q.executionStage = f.value;
        break;
      case 'DocumentName':
        q.documentName = f.value;
        break;
      default:
        throw awsError('InvalidFilterKey', `The filter key ${String(f.key)} is not valid. Valid keys: InvokedAfter, InvokedBefore, Status, ExecutionStage, DocumentName.`);
    }
  }
  return q;
}

export function commandShape(row: CommandRow): ssm.Command {
  return {
    CommandId: row.command_id,
    DocumentName: row.document_name,
    DocumentVersion: row.document_version,
    Comment: row.comment,
    ExpiresAfter: new Date(row.expires_at),
    Parameters: JSON.parse(row.parameters) as Record<string, string[]>,
    InstanceIds: JSON.parse(row.instance_ids) as string[],
    Targets: JSON.parse(row.targets) as ssm.Target[],
    RequestedDateTime: new Date(row.requested_at),
    Status: row.status as ssm.CommandStatus,
    StatusDetails: row.status_details,
    OutputS3Region: row.output_s3_region ?? undefined,
    OutputS3BucketName: row.output_s3_bucket_name ?? '',
    OutputS3KeyPrefix: row.output_s3_key_prefix ?? '',
    MaxConcurrency: row.max_concurrency,
    MaxErrors: row.max_errors,
    TargetCount: row.target_count,
    CompletedCount: row.completed_count,
    ErrorCount: row.error_count,
    DeliveryTimedOutCount: row.delivery_timed_out_count,
    ServiceRole: row.service_role ?? '',
    NotificationConfig: row.notification_config ? (JSON.parse(row.notification_config) as ssm.NotificationConfig) : { NotificationArn: '', NotificationEvents: [], NotificationType: undefined },
    CloudWatchOutputConfig: row.cloudwatch_output_config ? (JSON.parse(row.cloudwatch_output_config) as ssm.CloudWatchOutputConfig) : { CloudWatchLogGroupName: '', CloudWatchOutputEnabled: false },
    TimeoutSeconds: row.timeout_seconds,
  };
}

/** A plugin's Output as AWS shows it: stdout, then stderr after an ERROR line, at most 2,500 characters. */
function pluginOutput(plugin: StoredPlugin): string {
  const text = plugin.head.stderr ? `${plugin.head.stdout}\n----------ERROR-------\n${plugin.head.stderr}` : plugin.head.stdout;
  return text.slice(0, PLUGIN_OUTPUT_MAX);
}

function invocationShape(row: InvocationWithCommand, details: boolean): ssm.CommandInvocation {
  const plugins = parsePlugins(row.plugins);
  return {
    CommandId: row.command_id,
    InstanceId: row.instance_id,
    InstanceName: row.instance_name,
    Comment: row.comment,
    DocumentName: row.document_name,
    DocumentVersion: row.document_version,
    RequestedDateTime: new Date(row.requested_at),
    Status: row.status as ssm.CommandInvocationStatus,
    StatusDetails: row.status_details,
    TraceOutput: '',
    StandardOutputUrl: '',
    StandardErrorUrl: '',
    CommandPlugins: details ? plugins.map((p) => ({
      Name: p.name,
      Status: p.status as ssm.CommandPluginStatus,
      StatusDetails: p.statusDetails,
      ResponseCode: p.responseCode,
      ...(p.startedAt !== undefined ? { ResponseStartDateTime: new Date(p.startedAt) } : {}),
      ...(p.endedAt !== undefined ? { ResponseFinishDateTime: new Date(p.endedAt) } : {}),
      Output: pluginOutput(p),
      StandardOutputUrl: '',
      StandardErrorUrl: '',
      OutputS3Region: row.output_s3_region ?? undefined,
      OutputS3BucketName: row.output_s3_bucket_name ?? '',
      OutputS3KeyPrefix: row.output_s3_key_prefix ?? '',
    })) : [],
    ServiceRole: row.service_role ?? '',
    NotificationConfig: row.notification_config ? (JSON.parse(row.notification_config) as ssm.NotificationConfig) : { NotificationArn: '', NotificationEvents: [], NotificationType: undefined },
    CloudWatchOutputConfig: row.cloudwatch_output_config ? (JSON.parse(row.cloudwatch_output_config) as ssm.CloudWatchOutputConfig) : { CloudWatchLogGroupName: '', CloudWatchOutputEnabled: false },
  };
}

function getInvocationShape(command: CommandRow, row: InvocationRow, pluginName: string | undefined): ssm.GetCommandInvocationResult {
  const plugins = parsePlugins(row.plugins);
  let chosen: StoredPlugin[] = plugins;
  if (pluginName !== undefined) {
    const plugin = plugins.find((p) => p.name === pluginName);
    if (!plugin) {
      if (plugins.length > 0 || !['Pending', 'Delayed', 'InProgress', 'Cancelling'].includes(row.status)) {
        throw awsError('InvalidPluginName', `Invocation of command ${command.command_id} on ${row.instance_id} has no plugin (step) named ${pluginName}${plugins.length > 0 ? `; its steps: ${plugins.map((p) => p.name).join(', ')}` : ''}.`);
      }
    }
    chosen = plugin ? [plugin] : [];
  }
  const one = pluginName !== undefined ? chosen[0] : undefined;
  const startedAt = one?.startedAt ?? row.started_at ?? undefined;
  const endedAt = one?.endedAt ?? row.ended_at ?? undefined;
  const terminal = ['Success', 'Failed', 'TimedOut', 'Cancelled'].includes(row.status);
  return {
    CommandId: command.command_id,
    InstanceId: row.instance_id,
    Comment: command.comment,
    DocumentName: command.document_name,
    DocumentVersion: command.document_version,
    PluginName: pluginName ?? (plugins.length === 1 ? plugins[0].name : pluginName),
    ResponseCode: one ? one.responseCode : row.response_code,
    ExecutionStartDateTime: startedAt !== undefined ? new Date(startedAt).toISOString() : '',
    ExecutionElapsedTime: startedAt !== undefined && endedAt !== undefined ? `PT${((endedAt - startedAt) / 1000).toFixed(3)}S` : '',
    ExecutionEndDateTime: endedAt !== undefined ? new Date(endedAt).toISOString() : '',
    Status: (one ? one.status : row.status) as ssm.CommandInvocationStatus,
    StatusDetails: one ? one.statusDetails : row.status_details,
    // AWS fills the contents once the invocation is terminal.
    StandardOutputContent: terminal ? chosen.map((p) => p.head.stdout).join('').slice(0, STDOUT_CONTENT_MAX) : '',
    StandardOutputUrl: '',
    StandardErrorContent: terminal ? chosen.map((p) => p.head.stderr).join('').slice(0, STDERR_CONTENT_MAX) : '',
    StandardErrorUrl: '',
    CloudWatchOutputConfig: command.cloudwatch_output_config ? (JSON.parse(command.cloudwatch_output_config) as ssm.CloudWatchOutputConfig) : { CloudWatchLogGroupName: '', CloudWatchOutputEnabled: false },
  };
}

/** Reads the document and the target nodes of a SendCommand in `scope`; refusals are kept for the handler to throw after IAM has decided. */
function prepareCommand(deps: CommandOperationDeps, scope: Scope, input: ssm.SendCommandRequest, known?: readonly InstanceRow[]): Promise<Prepared> {
  const { db } = deps;
  return (async (): Promise<Prepared> => {
    let document: CommandDocument | undefined;
    let documentError: unknown;
    try {
      document = await deps.documents(db, { scope, nameOrArn: input.DocumentName, documentVersion: input.DocumentVersion });
    } catch (error) {
      documentError = error;
    }
    // A few named nodes are read by id; tag targets (or many ids) need the scope's nodes.
    const byId = !input.Targets && input.InstanceIds && input.InstanceIds.length <= 500 ? input.InstanceIds : undefined;
    const rows = new Map((known ?? await listInstances(db, scope, byId)).filter((r) => r.deregistered_at === null).map((r) => [r.instance_id, r]));
    const nodes: TargetNode[] = [...rows.values()].map(targetNodeOf);
    const selection = selectTargets(nodes, { instanceIds: input.InstanceIds, targets: input.Targets });
    if (!selection.ok) {
      // AWS's words (a node of another account or region is unknown here, as there).
      const targetError = selection.problem === 'unknown-instances'
        ? awsError('InvalidInstanceId', `Instances [[${selection.instanceIds!.join(', ')}]] not in a valid state for account ${scope.accountId}`)
        : awsError('InvalidParameters', selection.detail);
      return { document, documentError, targetError };
    }
    return { document, documentError, nodes: selection.nodes, rows };
  })();
}

/** Checks a prepared SendCommand and stores the command with its invocations; the dispatcher sends them. */
async function createCommand(deps: CommandOperationDeps, scope: Scope, now: number, input: ssm.SendCommandRequest, p: Prepared): Promise<CommandRow> {
  const { db } = deps;
  if (p.targetError) throw p.targetError;
  if (p.documentError) throw p.documentError;
  const document = p.document!;
  if (document.documentType !== 'Command') {
    throw awsError('InvalidDocument', `Document ${document.name} is of type ${document.documentType}: SendCommand runs documents of type Command.`);
  }
  if (input.DocumentHash !== undefined && input.DocumentHash !== document.hash) {
    throw awsError('InvalidParameters', `The document hash ${input.DocumentHash} does not match document ${document.name} version ${document.documentVersion}.`);
  }
  if (input.InstanceIds) {
    const wrong = p.nodes!.filter((n) => n.platformType !== null && document.platformTypes.length > 0 && !document.platformTypes.includes(n.platformType));
    if (wrong.length > 0) {
      throw awsError('UnsupportedPlatformType', `Document ${document.name} supports ${document.platformTypes.join(', ')}; ${wrong.map((n) => `${n.instanceId} is ${n.platformType}`).join(', ')}.`);
    }
  }
  const maxConcurrency = input.MaxConcurrency ?? DEFAULT_MAX_CONCURRENCY;
  const maxErrors = input.MaxErrors ?? DEFAULT_MAX_ERRORS;
  const concurrencyLimit = parseLimit(maxConcurrency, 'concurrency');
  const errorsLimit = parseLimit(maxErrors, 'errors');
  if (!concurrencyLimit) throw awsError('InvalidParameters', `MaxConcurrency ${maxConcurrency} is not valid: give a number of nodes (1 or more) or a percentage (1% to 100%).`);
  if (!errorsLimit) throw awsError('InvalidParameters', `MaxErrors ${maxErrors} is not valid: give a number of errors (0 or more) or a percentage (0% to 100%).`);
  checkNotificationConfig(input);
  if (input.OutputS3BucketName !== undefined && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(input.OutputS3BucketName)) {
    throw awsError('InvalidOutputFolder', `The S3 bucket name ${input.OutputS3BucketName} is not valid.`);
  }
  const supplied = input.Parameters ? await resolvePlainReferences(db, scope, input.Parameters) : undefined;
  const values = await resolvePlainReferences(db, scope, document.resolveParameters(supplied));
  const nodes = p.nodes!;
  const commandId = crypto.randomUUID();
  const timeoutSeconds = input.TimeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  const executionSeconds = executionTimeoutOf(values);
  const command: CommandRow = {
    command_id: commandId, account_id: scope.accountId, region: scope.region, document_name: document.name, document_arn: document.arn, document_version: document.documentVersion,
    document_hash: document.hash, document_content: document.contentJson, parameters: JSON.stringify(input.Parameters ?? {}), resolved_parameters: JSON.stringify(values),
    comment: input.Comment ?? '', instance_ids: JSON.stringify(input.InstanceIds ?? []), targets: JSON.stringify(input.Targets ?? []),
    requested_at: now, expires_at: now + timeoutSeconds * 1000, timeout_seconds: timeoutSeconds,
    execution_limit_ms: executionSeconds * 1000 * Math.max(1, document.stepCount) + (deps.executionGraceMs ?? 5 * 60_000),
    max_concurrency: maxConcurrency, max_errors: maxErrors,
    max_concurrency_n: limitFor(concurrencyLimit, nodes.length, 'concurrency'), max_errors_n: limitFor(errorsLimit, nodes.length, 'errors'),
    status: 'Pending', status_details: 'Pending', target_count: nodes.length, started_count: 0, in_flight_count: 0, completed_count: 0, error_count: 0,
    delivery_timed_out_count: 0, success_count: 0, failed_count: 0, execution_timed_out_count: 0, undeliverable_count: 0, invalid_platform_count: 0,
    cancelled_count: 0, terminated_count: 0, cancel_requested: 0,
    output_s3_region: input.OutputS3Region ?? null, output_s3_bucket_name: input.OutputS3BucketName ?? null, output_s3_key_prefix: input.OutputS3KeyPrefix ?? null,
    service_role: input.ServiceRoleArn ?? null, notification_config: input.NotificationConfig ? JSON.stringify(input.NotificationConfig) : null,
    cloudwatch_output_config: input.CloudWatchOutputConfig ? JSON.stringify(input.CloudWatchOutputConfig) : null, completed_at: null,
  };
  const invocations: InvocationRow[] = nodes.map((n, seq) => {
    const row = p.rows!.get(n.instanceId)!;
    return {
      command_id: commandId, instance_id: n.instanceId, account_id: scope.accountId, region: scope.region, seq, instance_name: row.computer_name ?? row.name ?? '',
      status: 'Pending', status_details: 'Pending', response_code: -1, message_id: null, sent_at: null, acked_at: null, started_at: null, ended_at: null,
      deadline_at: null, plugins: '[]', updated_at: now,
    };
  });
  await insertCommand(db, command, invocations);
  deps.dispatcher.kick(commandId);
  return command;
}

/**
 * SendCommand on behalf of the server itself (State Manager, Maintenance Windows): the same
 * checks, rows and dispatch as the API call, without IAM (the caller decided already). `known`:
 * the scope's node rows when the caller has just read them (a fleet is not read twice).
 */
export async function sendCommandAs(deps: CommandOperationDeps, scope: Scope, now: number, input: ssm.SendCommandRequest, known?: readonly InstanceRow[]): Promise<CommandRow> {
  return createCommand(deps, scope, now, input, await prepareCommand(deps, scope, input, known));
}
