import { awsError, formatArn, type ssm } from '@bosun/protocol';
import { defineOperation, type CallContext, type Operation } from '../api/operation.ts';
import type { Db } from '../store/store.ts';
import type { TaggableResource } from '../tags/tag-operations.ts';
import { roleArn } from './activation-operations.ts';
import { deregisterInstanceRow, findInstance, inScope, listInstances, setInstanceRole, setInstanceTags, type InstanceRow } from './nodes-store.ts';
import { page } from './paging.ts';
import { pingStatus } from './ping-status.ts';
import type { NodeChanges } from './node-changes.ts';

export interface InstanceDeps {
  readonly db: Db;
  readonly connectionLostAfterMs: number;
  /** Ends the node's sessions and closes its channel at once. */
  readonly onDeregistered: (accountId: string, instanceId: string) => Promise<void>;
}

const MAX_TAGS = 1000;
const FILTER_KEYS = new Set(['InstanceIds', 'AgentVersion', 'PingStatus', 'PlatformTypes', 'ActivationIds', 'IamRole', 'ResourceType', 'AssociationStatus']);
const PING_STATUSES = new Set(['Online', 'ConnectionLost', 'Inactive']);
const PLATFORM_TYPES = new Set(['Windows', 'Linux', 'MacOS']);
const RESOURCE_TYPES = new Set(['ManagedInstance', 'EC2Instance']);

/** DescribeInstanceInformation, DeregisterManagedInstance and UpdateManagedInstanceRole. */
export function instanceOperations(deps: InstanceDeps): Operation[] {
  const { db } = deps;

  async function ownInstance(ctx: CallContext, instanceId: string): Promise<InstanceRow> {
    const row = await findInstance(db, instanceId);
    if (!row || !inScope(row, ctx.scope)) throw awsError('InvalidInstanceId', `Instance ${instanceId} is not a managed node of this account in ${ctx.region}.`);
    return row;
  }

  return [
    defineOperation<ssm.DescribeInstanceInformationRequest, ssm.DescribeInstanceInformationResult>({
      service: 'ssm',
      name: 'DescribeInstanceInformation',
      readOnly: true,
      permissions: () => [{ action: 'ssm:DescribeInstanceInformation', resource: '*' }],
      async handle(ctx, input) {
        const match = instanceFilter(input, ctx.now, deps.connectionLostAfterMs);
        const rows = (await listInstances(db, ctx.scope)).filter(match);
        const result = page(rows, (row) => row.instance_id, { nextToken: input.NextToken, maxResults: input.MaxResults ?? 10 });
        return { InstanceInformationList: result.items.map((row) => describeInstance(row, ctx.now, deps.connectionLostAfterMs)), NextToken: result.nextToken };
      },
    }),
    defineOperation<ssm.DeregisterManagedInstanceRequest, ssm.DeregisterManagedInstanceResult>({
      service: 'ssm',
      name: 'DeregisterManagedInstance',
      readOnly: false,
      permissions: (ctx, input) => [{ action: 'ssm:DeregisterManagedInstance', resource: instanceArn(ctx, input.InstanceId) }],
      resources: (ctx, input) => [{ type: 'AWS::SSM::ManagedInstance', name: input.InstanceId, arn: instanceArn(ctx, input.InstanceId) }],
      async handle(ctx, input) {
        await ownInstance(ctx, input.InstanceId);
        if (!(await deregisterInstanceRow(db, ctx.scope, input.InstanceId, ctx.now))) {
          throw awsError('InvalidInstanceId', `Instance ${input.InstanceId} is already deregistered.`);
        }
        await deps.onDeregistered(ctx.principal.accountId, input.InstanceId);
        return {};
      },
    }),
    defineOperation<ssm.UpdateManagedInstanceRoleRequest, ssm.UpdateManagedInstanceRoleResult>({
      service: 'ssm',
      name: 'UpdateManagedInstanceRole',
      readOnly: false,
      permissions: (ctx, input) => [
        { action: 'ssm:UpdateManagedInstanceRole', resource: instanceArn(ctx, input.InstanceId) },
        { action: 'iam:PassRole', resource: roleArn(ctx.principal.accountId, input.IamRole) },
      ],
      resources: (ctx, input) => [{ type: 'AWS::SSM::ManagedInstance', name: input.InstanceId, arn: instanceArn(ctx, input.InstanceId) }],
      async handle(ctx, input) {
        await ownInstance(ctx, input.InstanceId);
        // The node's current credentials keep the old role until they are renewed.
        if (!(await setInstanceRole(db, ctx.scope, input.InstanceId, input.IamRole))) {
          throw awsError('InvalidInstanceId', `Instance ${input.InstanceId} is deregistered.`);
        }
        return {};
      },
    }),
  ];
}

/** Tags of ResourceType ManagedInstance, for the SSM tag operations. */
export function managedInstanceTags(db: Db, changes?: NodeChanges): TaggableResource {
  return {
    resourceType: 'ManagedInstance',
    auditType: 'AWS::SSM::ManagedInstance',
    maxTags: MAX_TAGS,
    arn: instanceArn,
    async read(ctx, resourceId) {
      const row = await findInstance(db, resourceId);
      return row && inScope(row, ctx.scope) ? (JSON.parse(row.tags) as ssm.Tag[]) : undefined;
    },
    async write(ctx, resourceId, tags) {
      await setInstanceTags(db, ctx.scope, resourceId, JSON.stringify(tags));
      changes?.emit({ accountId: ctx.scope.accountId, region: ctx.scope.region, instanceId: resourceId, reason: 'tags' });
    },
  };
}

export function instanceArn(ctx: CallContext, instanceId: string): string {
  return formatArn({ service: 'ssm', region: ctx.region, accountId: ctx.principal.accountId, resource: `managed-instance/${instanceId}` });
}

/** Both filter styles of DescribeInstanceInformation, checked and combined with AND. */
export function instanceFilter(input: ssm.DescribeInstanceInformationRequest, now: number, windowMs: number): (row: InstanceRow) => boolean {
  const checks: ((row: InstanceRow) => boolean)[] = [];
  const add = (key: string, values: readonly string[]) => {
    if (key.startsWith('tag:')) {
      const tagKey = key.slice(4);
      checks.push((row) => (JSON.parse(row.tags) as ssm.Tag[]).some((t) => t.Key === tagKey && values.includes(t.Value)));
      return;
    }
    if (key === 'tag-key') {
      checks.push((row) => (JSON.parse(row.tags) as ssm.Tag[]).some((t) => values.includes(t.Key)));
      return;
    }
    if (!FILTER_KEYS.has(key)) throw awsError('InvalidFilterKey', `The filter key ${key} is not valid. Valid keys: ${[...FILTER_KEYS].join(', ')}, tag:<key>, tag-key.`);
    const invalid = (set: Set<string>) => {
      const bad = values.find((v) => !set.has(v));
      if (bad !== undefined) throw awsError('InvalidInstanceInformationFilterValue', `${bad} is not a valid value for filter key ${key}. Valid values: ${[...set].join(', ')}.`);
    };
    switch (key) {
      case 'InstanceIds': checks.push((row) => values.includes(row.instance_id)); break;
      case 'AgentVersion': checks.push((row) => row.agent_version !== null && values.includes(row.agent_version)); break;
      case 'PingStatus': invalid(PING_STATUSES); checks.push((row) => values.includes(pingStatus(row, now, windowMs))); break;
      case 'PlatformTypes': invalid(PLATFORM_TYPES); checks.push((row) => row.platform_type !== null && values.includes(row.platform_type)); break;
      case 'ActivationIds': checks.push((row) => values.includes(row.activation_id)); break;
      case 'IamRole': checks.push((row) => values.includes(row.iam_role)); break;
      case 'ResourceType':
        // AWS's own words for this key (not the generic form of the other keys).
        if (values.length > 1) throw awsError('InvalidInstanceInformationFilterValue', 'ResourceType filter may contain only one value.');
        if (!RESOURCE_TYPES.has(values[0])) throw awsError('InvalidInstanceInformationFilterValue', 'ResourceType filter is invalid, valid values are EC2Instance, ManagedInstance');
        checks.push(() => values.includes('ManagedInstance'));
        break;
      // No associations exist yet (State Manager comes later): nothing has a status to match.
      case 'AssociationStatus': checks.push(() => false); break;
    }
  };
  const keys = [...(input.InstanceInformationFilterList ?? []).map((f) => f.key), ...(input.Filters ?? []).map((f) => f.Key)];
  const isTag = (key: string) => key.startsWith('tag:') || key === 'tag-key';
  if (keys.some(isTag) && !keys.every(isTag)) throw awsError('ValidationException', 'Cannot mix tag or inventory filter with any other filter.');
  for (const f of input.InstanceInformationFilterList ?? []) add(f.key, f.valueSet);
  for (const f of input.Filters ?? []) {
    if (f.Values.length === 0) throw awsError('InvalidInstanceInformationFilterValue', `Filter ${f.Key} needs at least one value.`);
    add(f.Key, f.Values);
  }
  return (row) => checks.every((check) => check(row));
}

export function describeInstance(row: InstanceRow, now: number, windowMs: number): ssm.InstanceInformation {
  return {
    InstanceId: row.instance_id,
    PingStatus: pingStatus(row, now, windowMs),
    ...(row.last_ping_at !== null ? { LastPingDateTime: new Date(row.last_ping_at) } : {}),
    ...(row.agent_version !== null ? { AgentVersion: row.agent_version, IsLatestVersion: true } : {}),
    ...(row.platform_type !== null ? { PlatformType: row.platform_type as ssm.PlatformType } : {}),
    ...(row.platform_name !== null ? { PlatformName: row.platform_name } : {}),
    ...(row.platform_version !== null ? { PlatformVersion: row.platform_version } : {}),
    ActivationId: row.activation_id,
    IamRole: row.iam_role,
    RegistrationDate: new Date(row.registered_at),
    ResourceType: 'ManagedInstance',
    ...(row.name !== null ? { Name: row.name } : {}),
    ...(row.ip_address !== null ? { IPAddress: row.ip_address } : {}),
    ...(row.computer_name !== null ? { ComputerName: row.computer_name } : {}),
  };
}
