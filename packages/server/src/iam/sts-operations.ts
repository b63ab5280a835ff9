import { awsError, parseArn, type sts } from '@bosun/protocol';
import type { Principal } from '../accounts/principal.ts';
import { issueSessionCredentials } from '../accounts/session-credentials.ts';
import { defineOperation, type Operation } from '../api/operation.ts';
import type { RootKey } from '../crypto/root-key.ts';
import type { Db } from '../store/store.ts';
import { decide, principalFacts, type PolicyAuthorizer } from './authorizer.ts';
import { getRole } from './iam-store.ts';
import { buildContext } from './policy/context.ts';
import { parsePolicy, type PolicyDocument } from './policy/document.ts';
import { statementApplies } from './policy/evaluate.ts';

export interface StsDeps {
  readonly db: Db;
  readonly rootKey: RootKey;
  readonly authorizer: PolicyAuthorizer;
}

/** STS bounds on role sessions (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html). */
const MIN_SESSION_SECONDS = 900;
const DEFAULT_SESSION_SECONDS = 3600;

/** GetCallerIdentity and AssumeRole (same-account roles). */
export function stsOperations(deps: StsDeps): Operation[] {
  const { db, rootKey, authorizer } = deps;
  return [
    defineOperation<sts.GetCallerIdentityRequest, sts.GetCallerIdentityResponse>({
      // "No permissions are required to perform this operation" (STS API reference), even under an explicit deny.
      service: 'sts', name: 'GetCallerIdentity', readOnly: true,
      permissions: () => [],
      async handle(ctx) {
        return { UserId: ctx.principal.userId, Account: ctx.principal.accountId, Arn: ctx.principal.arn };
      },
    }),
    defineOperation<sts.AssumeRoleRequest, sts.AssumeRoleResponse>({
      service: 'sts', name: 'AssumeRole', readOnly: false,
      // Decided in handle: the role's trust policy takes part, which needs the store.
      permissions: () => [],
      resources: (_ctx, input) => [{ type: 'AWS::IAM::Role', name: input.RoleArn, arn: input.RoleArn }],
      auditOutput: (output) => (output?.Credentials ? { ...output, Credentials: { ...output.Credentials, SessionToken: 'HIDDEN_DUE_TO_SECURITY_REASONS' } } : output),
      async handle(ctx, input) {
        const permission = { action: 'sts:AssumeRole', resource: input.RoleArn };
        // STS names no policy when the role does not trust the caller (or does not exist).
        const denied = () => awsError('AccessDeniedException', `User: ${ctx.principal.arn} is not authorized to perform: sts:AssumeRole on resource: ${input.RoleArn}`);
        const arn = parseArn(input.RoleArn);
        if (!arn || arn.service !== 'iam' || !arn.resource.startsWith('role/')) throw awsError('ValidationException', `${input.RoleArn} is invalid`);
        if (arn.accountId !== ctx.principal.accountId) throw denied();
        const roleName = arn.resource.slice(arn.resource.lastIndexOf('/') + 1);
        const role = await getRole(db, arn.accountId, roleName);
        if (!role) throw denied();
        const policies = await authorizer.policiesOf(ctx.principal);
        const facts = principalFacts(ctx.principal, policies.tags);
        const request = { sourceIp: ctx.sourceIp, secureTransport: false, now: ctx.now, region: ctx.region };
        const trust = trustDecision(parsePolicy(role.trust_policy, 'trust'), ctx.principal, buildContext(facts, request), input.RoleArn);
        if (trust === 'none') throw denied();
        if (trust === 'deny') throw awsError('AccessDeniedException', `${denied().message} with an explicit deny in a resource-based policy`);
        // Trust granted to the account (not the caller by name): the caller's own policies must allow it too.
        if (trust === 'account') decide(facts, policies.documents, permission, request);
        const seconds = input.DurationSeconds ?? DEFAULT_SESSION_SECONDS;
        if (seconds < MIN_SESSION_SECONDS || seconds > Number(role.max_session_duration)) {
          throw awsError('ValidationException', `The requested DurationSeconds exceeds the MaxSessionDuration set for this role.`);
        }
        const session = await issueSessionCredentials(db, rootKey, {
          accountId: role.account_id, roleName: role.role_name, roleId: role.role_id, rolePath: role.path,
          sessionName: input.RoleSessionName, subject: ctx.principal.arn, now: ctx.now, ttlMs: seconds * 1000,
        });
        return {
          Credentials: { AccessKeyId: session.accessKeyId, SecretAccessKey: session.secretAccessKey, SessionToken: session.sessionToken, Expiration: session.expiration },
          AssumedRoleUser: { AssumedRoleId: session.principal.userId, Arn: session.principal.arn },
          PackedPolicySize: 0,
        };
      },
    }),
  ];
}

/**
 * What a role's trust policy says about a caller: an explicit deny, an allow naming the
 * caller itself (or "*"), an allow of the whole account (the caller's identity policies
 * must then allow sts:AssumeRole too), or nothing
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html,
 * same-account case of https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
 */
export function trustDecision(policy: PolicyDocument, caller: Principal, context: Map<string, readonly string[]>, roleArn: string): 'deny' | 'principal' | 'account' | 'none' {
  let outcome: 'principal' | 'account' | 'none' = 'none';
  for (const statement of policy.statements) {
    if (!statementApplies(policy, statement, 'sts:assumerole', { action: 'sts:AssumeRole', resource: roleArn, context })) continue;
    const match = principalMatch(statement.principals?.AWS ?? [], caller);
    const applies = statement.notPrincipal ? match === 'none' : match !== 'none';
    if (!applies) continue;
    if (statement.effect === 'Deny') return 'deny';
    if (match === 'principal' || statement.notPrincipal) outcome = 'principal';
    else if (outcome === 'none') outcome = 'account';
  }
  return outcome;
}

function principalMatch(values: readonly string[], caller: Principal): 'principal' | 'account' | 'none' {
  let result: 'principal' | 'account' | 'none' = 'none';
  for (const value of values) {
    if (value === '*' || value === caller.arn || (caller.type === 'AssumedRole' && value === caller.roleArn)) return 'principal';
    if (value === caller.accountId || value === `arn:aws:iam::${caller.accountId}:root`) result = 'account';
  }
  return result;
}
