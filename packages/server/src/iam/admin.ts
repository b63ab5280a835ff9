import { userPrincipal } from '../accounts/principal.ts';
import { getUser } from '../accounts/identity-store.ts';
import type { Store } from '../store/store.ts';
import { PolicyAuthorizer, principalFacts } from './authorizer.ts';
import { attachedPolicies, attachPolicy, getPolicyRow, inlinePolicies, putInlinePolicy } from './iam-store.ts';
import { findBuiltinPolicy } from './policy/builtin.ts';
import { buildContext } from './policy/context.ts';
import { parsePolicy } from './policy/document.ts';
import { evaluate, type Decision } from './policy/evaluate.ts';

/**
 * Access control done on the store directly (`bosun iam ...`), for operators without
 * credentials at hand. A running server sees the change within its policy cache's TTL (5 s).
 */

export class IamAdminError extends Error {}

async function requireUser(store: Store, accountId: string, userName: string) {
  const user = await getUser(store.db, accountId, userName);
  if (!user) throw new IamAdminError(`User ${userName} does not exist in account ${accountId}`);
  return user;
}

export async function adminAttachUserPolicy(store: Store, input: { accountId: string; userName: string; policyArn: string; now: number }): Promise<void> {
  await requireUser(store, input.accountId, input.userName);
  const customer = await getPolicyRow(store.db, input.policyArn);
  if (!findBuiltinPolicy(input.policyArn) && (!customer || customer.account_id !== input.accountId)) {
    throw new IamAdminError(`Policy ${input.policyArn} does not exist in account ${input.accountId} (built-in: arn:aws:iam::aws:policy/AdministratorAccess)`);
  }
  await attachPolicy(store.db, { accountId: input.accountId, entityType: 'user', entityName: input.userName, policyArn: input.policyArn, now: input.now });
}

/** Stores an inline policy after validating it (throws the MalformedPolicyDocument AwsError IAM would answer). */
export async function adminPutUserPolicy(store: Store, input: { accountId: string; userName: string; policyName: string; document: string }): Promise<void> {
  await requireUser(store, input.accountId, input.userName);
  parsePolicy(input.document);
  await putInlinePolicy(store.db, { accountId: input.accountId, entityType: 'user', entityName: input.userName, policyName: input.policyName, document: input.document });
}

export async function adminListUserPolicies(store: Store, input: { accountId: string; userName: string }): Promise<{ attached: string[]; inline: string[] }> {
  await requireUser(store, input.accountId, input.userName);
  return {
    attached: await attachedPolicies(store.db, input.accountId, 'user', input.userName),
    inline: (await inlinePolicies(store.db, input.accountId, 'user', input.userName)).map((p) => p.policy_name),
  };
}

/** The decision the server would take for this user, action and resource (global keys of a local, plain-HTTP call). */
export async function adminSimulate(store: Store, input: { accountId: string; userName: string; action: string; resource: string; now: number }): Promise<Decision> {
  const user = await requireUser(store, input.accountId, input.userName);
  const principal = userPrincipal(user, '');
  const policies = await new PolicyAuthorizer({ db: store.db, now: () => input.now }).policiesOf(principal);
  const context = buildContext(principalFacts(principal, policies.tags), { sourceIp: '127.0.0.1', secureTransport: false, now: input.now, region: 'us-east-1' });
  return evaluate(policies.documents, { action: input.action, resource: input.resource, context }).decision;
}
