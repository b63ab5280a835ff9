import crypto from 'node:crypto';
import { awsError, formatArn, type ssm } from '@bosun/protocol';
import { defineOperation, type Operation } from '../api/operation.ts';
import type { Db } from '../store/store.ts';
import { hashActivationCode, newActivationCode } from './ids.ts';
import { deleteActivationRow, insertActivation, listActivations, type ActivationRow } from './nodes-store.ts';
import { page } from './paging.ts';

/** AWS: an activation expires after 24 hours by default and at most 30 days after creation. */
export const DEFAULT_ACTIVATION_TTL_MS = 24 * 60 * 60 * 1000;
export const MAX_ACTIVATION_TTL_MS = 30 * 24 * 60 * 60 * 1000;

export interface ActivationDeps {
  readonly db: Db;
}

/** CreateActivation, DescribeActivations and DeleteActivation. */
export function activationOperations(deps: ActivationDeps): Operation[] {
  const { db } = deps;
  return [
    defineOperation<ssm.CreateActivationRequest, ssm.CreateActivationResult>({
      service: 'ssm',
      name: 'CreateActivation',
      readOnly: false,
      permissions: (ctx, input) => [
        { action: 'ssm:CreateActivation', resource: '*' },
        { action: 'iam:PassRole', resource: roleArn(ctx.principal.accountId, input.IamRole) },
      ],
      resources: (_ctx, _input, output) => (output?.ActivationId ? [{ type: 'AWS::SSM::Activation', name: output.ActivationId }] : []),
      async handle(ctx, input) {
        const expiresAt = input.ExpirationDate ? input.ExpirationDate.getTime() : ctx.now + DEFAULT_ACTIVATION_TTL_MS;
        if (expiresAt <= ctx.now) throw awsError('InvalidParameters', 'ExpirationDate must be in the future.');
        if (expiresAt > ctx.now + MAX_ACTIVATION_TTL_MS) throw awsError('InvalidParameters', 'ExpirationDate can be at most 30 days from now.');
        if (input.IamRole.trim() === '') throw awsError('InvalidParameters', 'IamRole must name an IAM role.');
        const code = newActivationCode();
        const activationId = crypto.randomUUID();
        await insertActivation(db, {
          activation_id: activationId,
          account_id: ctx.principal.accountId,
          region: ctx.region,
          code_hash: hashActivationCode(code),
          description: input.Description ?? null,
          default_instance_name: input.DefaultInstanceName ?? null,
          iam_role: input.IamRole,
          registration_limit: input.RegistrationLimit ?? 1,
          registrations_count: 0,
          expires_at: expiresAt,
          created_at: ctx.now,
          tags: JSON.stringify(input.Tags ?? []),
          registration_metadata: JSON.stringify(input.RegistrationMetadata ?? []),
        });
        return { ActivationId: activationId, ActivationCode: code };
      },
      // The code is a registration secret: the model does not mark it sensitive, Bosun does.
      auditOutput: (output) => ({ ...output, ...(output.ActivationCode ? { ActivationCode: 'HIDDEN_DUE_TO_SECURITY_REASONS' } : {}) }),
    }),
    defineOperation<ssm.DescribeActivationsRequest, ssm.DescribeActivationsResult>({
      service: 'ssm',
      name: 'DescribeActivations',
      readOnly: true,
      permissions: () => [{ action: 'ssm:DescribeActivations', resource: '*' }],
      async handle(ctx, input) {
        const filters = input.Filters ?? [];
        for (const f of filters) if (!f.FilterKey) throw awsError('InvalidFilter', 'The filter is not valid: FilterKey is required.');
        const rows = (await listActivations(db, ctx.scope)).filter((row) => filters.every((f) => activationMatches(row, f)));
        const result = page(rows, (row) => `${String(row.created_at).padStart(15, '0')}:${row.activation_id}`, { nextToken: input.NextToken, maxResults: input.MaxResults ?? 50 });
        return { ActivationList: result.items.map((row) => describeActivation(row, ctx.now)), NextToken: result.nextToken };
      },
    }),
    defineOperation<ssm.DeleteActivationRequest, ssm.DeleteActivationResult>({
      service: 'ssm',
      name: 'DeleteActivation',
      readOnly: false,
      permissions: () => [{ action: 'ssm:DeleteActivation', resource: '*' }],
      resources: (_ctx, input) => [{ type: 'AWS::SSM::Activation', name: input.ActivationId }],
      async handle(ctx, input) {
        if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(input.ActivationId)) {
          throw awsError('InvalidActivationId', 'The activation ID is not valid. Verify the you entered the correct ActivationId or ActivationCode and try again.');
        }
        // Deleting an activation does not deregister the nodes registered with it (as in AWS).
        if (!(await deleteActivationRow(db, ctx.scope, input.ActivationId))) {
          throw awsError('InvalidActivation', `The activation ${input.ActivationId} is not valid: it does not exist or was deleted.`);
        }
        return {};
      },
    }),
  ];
}

export function roleArn(accountId: string, roleName: string): string {
  const path = roleName.includes('/') ? roleName.replace(/^\/?/, '/') : `/${roleName}`;
  return formatArn({ service: 'iam', region: '', accountId, resource: `role${path}` });
}

function activationMatches(row: ActivationRow, filter: ssm.DescribeActivationsFilter): boolean {
  const values = filter.FilterValues ?? [];
  if (values.length === 0) return true;
  switch (filter.FilterKey) {
    case 'ActivationIds': return values.includes(row.activation_id);
    case 'DefaultInstanceName': return row.default_instance_name !== null && values.includes(row.default_instance_name);
    case 'IamRole': return values.includes(row.iam_role);
    default: return false;
  }
}

export function describeActivation(row: ActivationRow, now: number): ssm.Activation {
  return {
    ActivationId: row.activation_id,
    ...(row.description !== null ? { Description: row.description } : {}),
    ...(row.default_instance_name !== null ? { DefaultInstanceName: row.default_instance_name } : {}),
    IamRole: row.iam_role,
    RegistrationLimit: row.registration_limit,
    RegistrationsCount: row.registrations_count,
    ExpirationDate: new Date(row.expires_at),
    Expired: row.expires_at <= now,
    CreatedDate: new Date(row.created_at),
    Tags: JSON.parse(row.tags) as ssm.Tag[],
  };
}

