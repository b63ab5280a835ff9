import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isAwsError } from '@bosun/protocol';
import { buildContext, type ConditionValues, type PrincipalFacts } from './context.ts';
import { parsePolicy } from './document.ts';
import { evaluate, type Decision } from './evaluate.ts';
import { AdministratorAccess, BosunManagedNodeRolePolicy } from './builtin.ts';

// The AWS documentation pages each case follows.
const DOC = 'https://docs.aws.amazon.com/IAM/latest/UserGuide/';
const EVAL = `${DOC}reference_policies_evaluation-logic.html`;
const ACTION = `${DOC}reference_policies_elements_action.html`;
const NOTACTION = `${DOC}reference_policies_elements_notaction.html`;
const RESOURCE = `${DOC}reference_policies_elements_resource.html`;
const NOTRESOURCE = `${DOC}reference_policies_elements_notresource.html`;
const OPS = `${DOC}reference_policies_elements_condition_operators.html`;
const MULTI = `${DOC}reference_policies_condition-single-vs-multi-valued-context-keys.html`;
const VARS = `${DOC}reference_policies_variables.html`;
const GLOBAL = `${DOC}reference_policies_condition-keys.html`;
const SSM = 'https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html';
const KMS = 'https://docs.aws.amazon.com/service-authorization/latest/reference/list_awskeymanagementservice.html';

const ACCOUNT = '111122223333';
const bob: PrincipalFacts = { type: 'IAMUser', arn: `arn:aws:iam::${ACCOUNT}:user/bob`, accountId: ACCOUNT, userId: 'AIDABOB', userName: 'bob', tags: { team: 'blue', Env: 'dev' } };
const session: PrincipalFacts = {
  type: 'AssumedRole', arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Node/mi-1`, accountId: ACCOUNT, userId: 'AROANODE:mi-1', roleArn: `arn:aws:iam::${ACCOUNT}:role/Node`, tags: {},
};
const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);
const param = (name: string) => `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter${name}`;
const node = (id: string) => `arn:aws:ssm:us-east-1:${ACCOUNT}:managed-instance/${id}`;
const doc = (name: string) => `arn:aws:ssm:us-east-1::document/${name}`;
const key = (id: string) => `arn:aws:kms:us-east-1:${ACCOUNT}:key/${id}`;

type Stmt = Record<string, unknown>;
interface Case {
  readonly name: string;
  readonly policies: readonly (readonly Stmt[] | string)[];
  readonly action: string;
  readonly resource: string;
  readonly context?: ConditionValues;
  readonly principal?: PrincipalFacts;
  readonly sourceIp?: string;
  readonly secure?: boolean;
  readonly expect: Decision;
  /** The AWS documentation page that states the decision. */
  readonly source: string;
}

const allow = (Action: unknown, Resource: unknown = '*', extra: Stmt = {}): Stmt => ({ Effect: 'Allow', Action, Resource, ...extra });
const deny = (Action: unknown, Resource: unknown = '*', extra: Stmt = {}): Stmt => ({ Effect: 'Deny', Action, Resource, ...extra });
const cond = (Condition: Record<string, Record<string, unknown>>): Stmt => ({ Condition });

const cases: Case[] = [
  // --- Evaluation logic: explicit deny, allow, implicit deny --------------------------------
  { name: 'no policies: implicit deny', policies: [], action: 'ssm:GetParameter', resource: param('/a'), expect: 'ImplicitDeny', source: EVAL },
  { name: 'empty allow list does not apply to other actions', policies: [[allow('ssm:PutParameter')]], action: 'ssm:GetParameter', resource: param('/a'), expect: 'ImplicitDeny', source: EVAL },
  { name: 'allow of the exact action', policies: [[allow('ssm:GetParameter')]], action: 'ssm:GetParameter', resource: param('/a'), expect: 'Allow', source: EVAL },
  { name: 'explicit deny beats allow in the same policy', policies: [[allow('ssm:*'), deny('ssm:GetParameter')]], action: 'ssm:GetParameter', resource: param('/a'), expect: 'ExplicitDeny', source: EVAL },
  { name: 'explicit deny beats allow in another policy', policies: [[allow('*')], [deny('ssm:GetParameter')]], action: 'ssm:GetParameter', resource: param('/a'), expect: 'ExplicitDeny', source: EVAL },
  { name: 'deny listed first still wins', policies: [[deny('ssm:GetParameter')], [allow('ssm:GetParameter')]], action: 'ssm:GetParameter', resource: param('/a'), expect: 'ExplicitDeny', source: EVAL },
  { name: 'deny of another action does not block', policies: [[allow('ssm:*'), deny('ssm:DeleteParameter')]], action: 'ssm:GetParameter', resource: param('/a'), expect: 'Allow', source: EVAL },
  { name: 'deny on another resource does not block', policies: [[allow('ssm:*'), deny('ssm:*', param('/prod/*'))]], action: 'ssm:GetParameter', resource: param('/dev/a'), expect: 'Allow', source: EVAL },
  { name: 'deny on matching resource blocks', policies: [[allow('ssm:*'), deny('ssm:*', param('/prod/*'))]], action: 'ssm:GetParameter', resource: param('/prod/a'), expect: 'ExplicitDeny', source: EVAL },
  { name: 'deny whose condition fails does not apply', policies: [[allow('*'), deny('*', '*', cond({ StringEquals: { 'aws:username': 'alice' } }))]], action: 'ssm:GetParameter', resource: param('/a'), expect: 'Allow', source: EVAL },
  { name: 'allow whose condition fails leaves implicit deny', policies: [[allow('*', '*', cond({ StringEquals: { 'aws:username': 'alice' } }))]], action: 'ssm:GetParameter', resource: param('/a'), expect: 'ImplicitDeny', source: EVAL },
  { name: 'AdministratorAccess allows anything', policies: [AdministratorAccess.document], action: 'kms:Decrypt', resource: key('k1'), expect: 'Allow', source: EVAL },
  { name: 'AdministratorAccess plus a deny: deny wins', policies: [AdministratorAccess.document, [deny('kms:*')]], action: 'kms:Decrypt', resource: key('k1'), expect: 'ExplicitDeny', source: EVAL },
  { name: 'statement given as an object, not a list', policies: [JSON.stringify({ Version: '2012-10-17', Statement: allow('ssm:GetParameter') })], action: 'ssm:GetParameter', resource: param('/a'), expect: 'Allow', source: `${DOC}reference_policies_elements_statement.html` },
  { name: 'several allows, one matching', policies: [[allow('ssm:PutParameter'), allow('ssm:GetParameter', param('/a'))]], action: 'ssm:GetParameter', resource: param('/a'), expect: 'Allow', source: EVAL },

  // --- Action and NotAction ----------------------------------------------------------------
  { name: 'action match is case-insensitive', policies: [[allow('SSM:getparameter')]], action: 'ssm:GetParameter', resource: param('/a'), expect: 'Allow', source: ACTION },
  { name: 'service wildcard', policies: [[allow('ssm:*')]], action: 'ssm:SendCommand', resource: doc('AWS-RunShellScript'), expect: 'Allow', source: ACTION },
  { name: 'prefix wildcard matches GetParameters', policies: [[allow('ssm:GetParameter*')]], action: 'ssm:GetParameters', resource: param('/a'), expect: 'Allow', source: ACTION },
  { name: 'prefix wildcard matches GetParametersByPath', policies: [[allow('ssm:GetParameter*')]], action: 'ssm:GetParametersByPath', resource: param('/a'), expect: 'Allow', source: ACTION },
  { name: 'prefix wildcard does not match PutParameter', policies: [[allow('ssm:GetParameter*')]], action: 'ssm:PutParameter', resource: param('/a'), expect: 'ImplicitDeny', source: ACTION },
  { name: 'infix wildcard', policies: [[allow('ssm:*Parameter')]], action: 'ssm:DeleteParameter', resource: param('/a'), expect: 'Allow', source: ACTION },
  { name: 'single-character wildcard', policies: [[allow('ssm:GetParamete?')]], action: 'ssm:GetParameter', resource: param('/a'), expect: 'Allow', source: ACTION },
  { name: 'single-character wildcard needs exactly one character', policies: [[allow('ssm:GetParameter?')]], action: 'ssm:GetParameter', resource: param('/a'), expect: 'ImplicitDeny', source: ACTION },
  { name: 'other service is not matched', policies: [[allow('ssm:*')]], action: 'kms:Decrypt', resource: key('k'), expect: 'ImplicitDeny', source: ACTION },
  { name: 'action list: any entry matches', policies: [[allow(['kms:Encrypt', 'kms:Decrypt'])]], action: 'kms:Decrypt', resource: key('k'), expect: 'Allow', source: ACTION },
  { name: 'bare * action', policies: [[allow('*')]], action: 'iam:CreateUser', resource: `arn:aws:iam::${ACCOUNT}:user/x`, expect: 'Allow', source: ACTION },
  { name: 'NotAction allow covers other actions', policies: [[{ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }]], action: 'ssm:GetParameter', resource: param('/a'), expect: 'Allow', source: NOTACTION },
  { name: 'NotAction allow excludes the listed actions', policies: [[{ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }]], action: 'iam:CreateUser', resource: `arn:aws:iam::${ACCOUNT}:user/x`, expect: 'ImplicitDeny', source: NOTACTION },
  { name: 'NotAction deny blocks everything else', policies: [[allow('*'), { Effect: 'Deny', NotAction: ['ssm:Get*', 'ssm:Describe*'], Resource: '*' }]], action: 'ssm:PutParameter', resource: param('/a'), expect: 'ExplicitDeny', source: NOTACTION },
  { name: 'NotAction deny leaves the listed actions', policies: [[allow('*'), { Effect: 'Deny', NotAction: ['ssm:Get*', 'ssm:Describe*'], Resource: '*' }]], action: 'ssm:GetParameter', resource: param('/a'), expect: 'Allow', source: NOTACTION },
  { name: 'NotAction deny with a condition that fails', policies: [[allow('*'), { Effect: 'Deny', NotAction: 'ssm:Get*', Resource: '*', Condition: { StringEquals: { 'aws:username': 'alice' } } }]], action: 'ssm:PutParameter', resource: param('/a'), expect: 'Allow', source: NOTACTION },
  { name: 'NotAction is case-insensitive too', policies: [[{ Effect: 'Allow', NotAction: 'SSM:PUTPARAMETER', Resource: '*' }]], action: 'ssm:PutParameter', resource: param('/a'), expect: 'ImplicitDeny', source: NOTACTION },

  // --- Resource and NotResource ------------------------------------------------------------
  { name: 'issue case: GetParameter* on parameter/app/dev/* reads /app/dev/db', policies: [[allow('ssm:GetParameter*', `arn:aws:ssm:*:${ACCOUNT}:parameter/app/dev/*`)]], action: 'ssm:GetParameter', resource: param('/app/dev/db'), expect: 'Allow', source: SSM },
  { name: 'issue case: the same policy denies /app/prod/x', policies: [[allow('ssm:GetParameter*', `arn:aws:ssm:*:${ACCOUNT}:parameter/app/dev/*`)]], action: 'ssm:GetParameter', resource: param('/app/prod/x'), expect: 'ImplicitDeny', source: SSM },
  { name: 'issue case: GetParameters on a dev parameter', policies: [[allow('ssm:GetParameter*', `arn:aws:ssm:*:${ACCOUNT}:parameter/app/dev/*`)]], action: 'ssm:GetParameters', resource: param('/app/dev/a/b'), expect: 'Allow', source: SSM },
  { name: 'issue case: /app/dev itself is not under /app/dev/*', policies: [[allow('ssm:GetParameter*', `arn:aws:ssm:*:${ACCOUNT}:parameter/app/dev/*`)]], action: 'ssm:GetParameter', resource: param('/app/dev'), expect: 'ImplicitDeny', source: RESOURCE },
  { name: 'wildcard spans slashes', policies: [[allow('ssm:GetParameter', param('/app/*'))]], action: 'ssm:GetParameter', resource: param('/app/a/b/c'), expect: 'Allow', source: RESOURCE },
  { name: 'resource match is case-sensitive', policies: [[allow('ssm:GetParameter', param('/App/*'))]], action: 'ssm:GetParameter', resource: param('/app/x'), expect: 'ImplicitDeny', source: RESOURCE },
  { name: 'exact resource ARN', policies: [[allow('kms:Decrypt', key('k1'))]], action: 'kms:Decrypt', resource: key('k1'), expect: 'Allow', source: RESOURCE },
  { name: 'exact resource ARN does not match another key', policies: [[allow('kms:Decrypt', key('k1'))]], action: 'kms:Decrypt', resource: key('k2'), expect: 'ImplicitDeny', source: RESOURCE },
  { name: 'region wildcard', policies: [[allow('ssm:GetParameter', `arn:aws:ssm:*:${ACCOUNT}:parameter/a`)]], action: 'ssm:GetParameter', resource: param('/a'), expect: 'Allow', source: RESOURCE },
  { name: 'other region not matched', policies: [[allow('ssm:GetParameter', `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/a`)]], action: 'ssm:GetParameter', resource: param('/a'), expect: 'ImplicitDeny', source: RESOURCE },
  { name: 'account wildcard', policies: [[allow('ssm:GetParameter', 'arn:aws:ssm:us-east-1:*:parameter/a')]], action: 'ssm:GetParameter', resource: param('/a'), expect: 'Allow', source: RESOURCE },
  { name: 'other account not matched', policies: [[allow('ssm:GetParameter', 'arn:aws:ssm:us-east-1:999999999999:parameter/a')]], action: 'ssm:GetParameter', resource: param('/a'), expect: 'ImplicitDeny', source: RESOURCE },
  { name: 'resource list: any entry matches', policies: [[allow('ssm:GetParameter', [param('/x'), param('/a')])]], action: 'ssm:GetParameter', resource: param('/a'), expect: 'Allow', source: RESOURCE },
  { name: '? in resource matches one character', policies: [[allow('ssm:GetParameter', param('/a?'))]], action: 'ssm:GetParameter', resource: param('/ab'), expect: 'Allow', source: RESOURCE },
  { name: '? in resource does not match two', policies: [[allow('ssm:GetParameter', param('/a?'))]], action: 'ssm:GetParameter', resource: param('/abc'), expect: 'ImplicitDeny', source: RESOURCE },
  { name: 'star resource matches a call without a resource', policies: [[allow('ssm:DescribeParameters')]], action: 'ssm:DescribeParameters', resource: '*', expect: 'Allow', source: RESOURCE },
  { name: 'specific resource does not match a resource-less call', policies: [[allow('ssm:DescribeParameters', param('/a'))]], action: 'ssm:DescribeParameters', resource: '*', expect: 'ImplicitDeny', source: RESOURCE },
  { name: 'NotResource allow covers other resources', policies: [[{ Effect: 'Allow', Action: 'ssm:GetParameter', NotResource: param('/secret/*') }]], action: 'ssm:GetParameter', resource: param('/public/a'), expect: 'Allow', source: NOTRESOURCE },
  { name: 'NotResource allow excludes the listed ones', policies: [[{ Effect: 'Allow', Action: 'ssm:GetParameter', NotResource: param('/secret/*') }]], action: 'ssm:GetParameter', resource: param('/secret/a'), expect: 'ImplicitDeny', source: NOTRESOURCE },
  { name: 'NotResource deny blocks all but the listed', policies: [[allow('ssm:*'), { Effect: 'Deny', Action: 'ssm:*', NotResource: param('/mine/*') }]], action: 'ssm:GetParameter', resource: param('/theirs/a'), expect: 'ExplicitDeny', source: NOTRESOURCE },
  { name: 'NotResource deny spares the listed', policies: [[allow('ssm:*'), { Effect: 'Deny', Action: 'ssm:*', NotResource: param('/mine/*') }]], action: 'ssm:GetParameter', resource: param('/mine/a'), expect: 'Allow', source: NOTRESOURCE },
  { name: 'issue case: SendCommand on the document', policies: [[allow('ssm:SendCommand', [doc('AWS-RunShellScript'), `arn:aws:ssm:*:${ACCOUNT}:managed-instance/*`])]], action: 'ssm:SendCommand', resource: doc('AWS-RunShellScript'), expect: 'Allow', source: SSM },
  { name: 'issue case: SendCommand with another document', policies: [[allow('ssm:SendCommand', [doc('AWS-RunShellScript'), `arn:aws:ssm:*:${ACCOUNT}:managed-instance/*`])]], action: 'ssm:SendCommand', resource: doc('AWS-RunPowerShellScript'), expect: 'ImplicitDeny', source: SSM },

  // --- Policy variables --------------------------------------------------------------------
  { name: '${aws:username} in resource matches own user', policies: [[allow('iam:ListAccessKeys', 'arn:aws:iam::*:user/${aws:username}')]], action: 'iam:ListAccessKeys', resource: `arn:aws:iam::${ACCOUNT}:user/bob`, expect: 'Allow', source: VARS },
  { name: '${aws:username} does not match another user', policies: [[allow('iam:ListAccessKeys', 'arn:aws:iam::*:user/${aws:username}')]], action: 'iam:ListAccessKeys', resource: `arn:aws:iam::${ACCOUNT}:user/alice`, expect: 'ImplicitDeny', source: VARS },
  { name: '${aws:username} home prefix of parameters', policies: [[allow('ssm:*', param('/home/${aws:username}/*'))]], action: 'ssm:PutParameter', resource: param('/home/bob/x'), expect: 'Allow', source: VARS },
  { name: '${aws:username} home prefix of another user', policies: [[allow('ssm:*', param('/home/${aws:username}/*'))]], action: 'ssm:PutParameter', resource: param('/home/alice/x'), expect: 'ImplicitDeny', source: VARS },
  { name: '${aws:username} is absent for role sessions: no match', policies: [[allow('ssm:*', param('/home/${aws:username}/*'))]], principal: session, action: 'ssm:PutParameter', resource: param('/home/mi-1/x'), expect: 'ImplicitDeny', source: VARS },
  { name: 'variable default value applies when the key is absent', policies: [[allow('ssm:*', param("/home/${aws:username, 'shared'}/*"))]], principal: session, action: 'ssm:GetParameter', resource: param('/home/shared/x'), expect: 'Allow', source: VARS },
  { name: '${aws:userid} of a role session', policies: [[allow('ssm:*', param('/s/${aws:userid}'))]], principal: session, action: 'ssm:GetParameter', resource: param('/s/AROANODE:mi-1'), expect: 'Allow', source: VARS },
  { name: '${aws:PrincipalTag/team} in resource', policies: [[allow('ssm:*', param('/teams/${aws:PrincipalTag/team}/*'))]], action: 'ssm:GetParameter', resource: param('/teams/blue/x'), expect: 'Allow', source: VARS },
  { name: '${aws:PrincipalTag/team} of another team', policies: [[allow('ssm:*', param('/teams/${aws:PrincipalTag/team}/*'))]], action: 'ssm:GetParameter', resource: param('/teams/red/x'), expect: 'ImplicitDeny', source: VARS },
  { name: 'variable value is literal, not a wildcard', policies: [[allow('ssm:*', param('/u/${aws:username}'))]], principal: { ...bob, userName: 'b*' }, action: 'ssm:GetParameter', resource: param('/u/bob'), expect: 'ImplicitDeny', source: VARS },
  { name: '${*} is a literal asterisk', policies: [[allow('ssm:*', param('/a${*}b'))]], action: 'ssm:GetParameter', resource: param('/a*b'), expect: 'Allow', source: VARS },
  { name: '${*} literal does not act as a wildcard', policies: [[allow('ssm:*', param('/a${*}b'))]], action: 'ssm:GetParameter', resource: param('/axxb'), expect: 'ImplicitDeny', source: VARS },
  { name: 'variables are literal text in Version 2008-10-17', policies: [JSON.stringify({ Version: '2008-10-17', Statement: [allow('ssm:*', param('/home/${aws:username}'))] })], action: 'ssm:GetParameter', resource: param('/home/bob'), expect: 'ImplicitDeny', source: VARS },
  { name: 'variables in condition values', policies: [[allow('ssm:*', '*', cond({ StringEquals: { 'ssm:resourceTag/owner': '${aws:username}' } }))]], context: { 'ssm:resourceTag/owner': 'bob' }, action: 'ssm:GetParameter', resource: param('/a'), expect: 'Allow', source: VARS },
  { name: 'variables in condition values: other owner', policies: [[allow('ssm:*', '*', cond({ StringEquals: { 'ssm:resourceTag/owner': '${aws:username}' } }))]], context: { 'ssm:resourceTag/owner': 'alice' }, action: 'ssm:GetParameter', resource: param('/a'), expect: 'ImplicitDeny', source: VARS },
  { name: 'resource tag matches principal tag (ABAC)', policies: [[allow('ssm:*', '*', cond({ StringEquals: { 'aws:ResourceTag/team': '${aws:PrincipalTag/team}' } }))]], context: { 'aws:ResourceTag/team': 'blue' }, action: 'ssm:SendCommand', resource: node('mi-1'), expect: 'Allow', source: `${DOC}tutorial_attribute-based-access-control.html` },
  { name: 'resource tag differs from principal tag (ABAC)', policies: [[allow('ssm:*', '*', cond({ StringEquals: { 'aws:ResourceTag/team': '${aws:PrincipalTag/team}' } }))]], context: { 'aws:ResourceTag/team': 'red' }, action: 'ssm:SendCommand', resource: node('mi-1'), expect: 'ImplicitDeny', source: `${DOC}tutorial_attribute-based-access-control.html` },
];

// --- String operators ----------------------------------------------------------------------
const str = (op: string, policyValue: unknown, requestValue: string | undefined, expect: Decision, note = ''): Case => ({
  name: `${op} ${JSON.stringify(policyValue)} vs ${requestValue === undefined ? 'absent key' : JSON.stringify(requestValue)}${note}`,
  policies: [[allow('ssm:GetParameter', '*', cond({ [op]: { 'ssm:resourceTag/Env': policyValue } }))]],
  context: requestValue === undefined ? {} : { 'ssm:resourceTag/Env': requestValue },
  action: 'ssm:GetParameter', resource: param('/a'), expect, source: OPS,
});
cases.push(
  str('StringEquals', 'dev', 'dev', 'Allow'),
  str('StringEquals', 'dev', 'Dev', 'ImplicitDeny', ' (case-sensitive)'),
  str('StringEquals', 'dev', 'prod', 'ImplicitDeny'),
  str('StringEquals', ['prod', 'dev'], 'dev', 'Allow', ' (values are ORed)'),
  str('StringEquals', 'dev', undefined, 'ImplicitDeny'),
  str('StringEquals', 'd*', 'dev', 'ImplicitDeny', ' (no wildcards)'),
  str('StringNotEquals', 'prod', 'dev', 'Allow'),
  str('StringNotEquals', 'prod', 'prod', 'ImplicitDeny'),
  str('StringNotEquals', ['prod', 'stage'], 'stage', 'ImplicitDeny', ' (negated values are NORed)'),
  str('StringNotEquals', ['prod', 'stage'], 'dev', 'Allow'),
  str('StringNotEquals', 'prod', undefined, 'Allow', ' (negated operator with a missing key is true)'),
  str('StringEqualsIgnoreCase', 'DEV', 'dev', 'Allow'),
  str('StringEqualsIgnoreCase', 'DEV', 'prod', 'ImplicitDeny'),
  str('StringNotEqualsIgnoreCase', 'PROD', 'prod', 'ImplicitDeny'),
  str('StringNotEqualsIgnoreCase', 'PROD', 'dev', 'Allow'),
  str('StringLike', 'de*', 'dev', 'Allow'),
  str('StringLike', 'd?v', 'dev', 'Allow'),
  str('StringLike', 'p*', 'dev', 'ImplicitDeny'),
  str('StringLike', ['p*', '*v'], 'dev', 'Allow'),
  str('StringLike', 'De*', 'dev', 'ImplicitDeny', ' (case-sensitive)'),
  str('StringLike', '*', undefined, 'ImplicitDeny'),
  str('StringNotLike', 'p*', 'dev', 'Allow'),
  str('StringNotLike', 'd*', 'dev', 'ImplicitDeny'),
  str('StringNotLike', 'd*', undefined, 'Allow'),
  str('StringEqualsIfExists', 'dev', undefined, 'Allow', ' (IfExists: a missing key is true)'),
  str('StringEqualsIfExists', 'dev', 'dev', 'Allow'),
  str('StringEqualsIfExists', 'dev', 'prod', 'ImplicitDeny', ' (IfExists: a present key is checked)'),
  str('StringLikeIfExists', 'd*', undefined, 'Allow'),
  str('StringNotEqualsIfExists', 'prod', 'prod', 'ImplicitDeny'),
);

// --- Numeric, Date, Bool, Binary, IP, ARN, Null ----------------------------------------------
const keyed = (op: string, k: string, policyValue: unknown, requestValue: string | readonly string[] | undefined, expect: Decision, source = OPS, extra: Partial<Case> = {}): Case => ({
  name: `${op} ${k} ${JSON.stringify(policyValue)} vs ${requestValue === undefined ? 'absent key' : JSON.stringify(requestValue)}`
    + `${extra.sourceIp ? ` from ${extra.sourceIp}` : ''}${extra.secure ? ' over TLS' : ''}${extra.principal ? ' as a role session' : ''}`,
  policies: [[allow('ssm:GetParameter', '*', cond({ [op]: { [k]: policyValue } }))]],
  context: requestValue === undefined ? {} : { [k]: requestValue },
  action: 'ssm:GetParameter', resource: param('/a'), expect, source, ...extra,
});
cases.push(
  keyed('NumericEquals', 'ssm:x', '10', '10', 'Allow'),
  keyed('NumericEquals', 'ssm:x', '10', '10.0', 'Allow'),
  keyed('NumericEquals', 'ssm:x', '10', '11', 'ImplicitDeny'),
  keyed('NumericNotEquals', 'ssm:x', '10', '11', 'Allow'),
  keyed('NumericNotEquals', 'ssm:x', '10', '10', 'ImplicitDeny'),
  keyed('NumericLessThan', 'ssm:x', '10', '9', 'Allow'),
  keyed('NumericLessThan', 'ssm:x', '10', '10', 'ImplicitDeny'),
  keyed('NumericLessThanEquals', 'ssm:x', '10', '10', 'Allow'),
  keyed('NumericGreaterThan', 'ssm:x', '10', '10.5', 'Allow'),
  keyed('NumericGreaterThan', 'ssm:x', '10', '3', 'ImplicitDeny'),
  keyed('NumericGreaterThanEquals', 'ssm:x', '10', '10', 'Allow'),
  keyed('NumericLessThan', 'ssm:x', '10', 'abc', 'ImplicitDeny'),
  keyed('NumericLessThan', 'ssm:x', '10', undefined, 'ImplicitDeny'),
  keyed('NumericLessThanIfExists', 'ssm:x', '10', undefined, 'Allow'),
  keyed('DateGreaterThan', 'aws:CurrentTime', '2026-01-01T00:00:00Z', undefined, 'Allow', GLOBAL),
  keyed('DateLessThan', 'aws:CurrentTime', '2026-01-01T00:00:00Z', undefined, 'ImplicitDeny', GLOBAL),
  keyed('DateLessThan', 'aws:CurrentTime', '2027-01-01', undefined, 'Allow', GLOBAL),
  keyed('DateEquals', 'aws:CurrentTime', '2026-11-26T12:00:00Z', undefined, 'Allow', GLOBAL),
  keyed('DateNotEquals', 'aws:CurrentTime', '2026-11-26T12:00:00Z', undefined, 'ImplicitDeny', GLOBAL),
  keyed('DateGreaterThanEquals', 'aws:EpochTime', String(NOW / 1000), undefined, 'Allow', GLOBAL),
  keyed('DateLessThanEquals', 'aws:EpochTime', String(NOW / 1000 - 1), undefined, 'ImplicitDeny', GLOBAL),
  keyed('DateGreaterThan', 'aws:CurrentTime', String(NOW / 1000 - 60), undefined, 'Allow', OPS),
  keyed('DateGreaterThan', 'ssm:when', '2026-01-01T00:00:00Z', 'not a date', 'ImplicitDeny'),
  keyed('Bool', 'aws:SecureTransport', 'true', undefined, 'ImplicitDeny', GLOBAL),
  keyed('Bool', 'aws:SecureTransport', 'false', undefined, 'Allow', GLOBAL),
  keyed('Bool', 'aws:SecureTransport', 'true', undefined, 'Allow', GLOBAL, { secure: true }),
  keyed('Bool', 'aws:SecureTransport', true, undefined, 'Allow', GLOBAL, { secure: true }),
  keyed('Bool', 'ssm:Overwrite', 'true', 'true', 'Allow', SSM),
  keyed('Bool', 'ssm:Overwrite', 'true', 'false', 'ImplicitDeny', SSM),
  keyed('Bool', 'ssm:Overwrite', 'false', undefined, 'ImplicitDeny', SSM),
  keyed('BoolIfExists', 'ssm:Overwrite', 'false', undefined, 'Allow', SSM),
  keyed('Bool', 'ssm:Recursive', 'true', 'true', 'Allow', SSM),
  keyed('Bool', 'ssm:Recursive', 'false', 'true', 'ImplicitDeny', SSM),
  keyed('BinaryEquals', 'ssm:blob', 'QmluYXJ5VmFsdWU=', 'QmluYXJ5VmFsdWU=', 'Allow'),
  keyed('BinaryEquals', 'ssm:blob', 'QmluYXJ5VmFsdWU=', 'b3RoZXI=', 'ImplicitDeny'),
  keyed('IpAddress', 'aws:SourceIp', '203.0.113.0/24', undefined, 'Allow', GLOBAL, { sourceIp: '203.0.113.7' }),
  keyed('IpAddress', 'aws:SourceIp', '203.0.113.0/24', undefined, 'ImplicitDeny', GLOBAL, { sourceIp: '198.51.100.7' }),
  keyed('IpAddress', 'aws:SourceIp', ['198.51.100.0/24', '203.0.113.0/24'], undefined, 'Allow', GLOBAL, { sourceIp: '198.51.100.200' }),
  keyed('IpAddress', 'aws:SourceIp', '203.0.113.7', undefined, 'Allow', OPS, { sourceIp: '203.0.113.7' }),
  keyed('IpAddress', 'aws:SourceIp', '10.0.0.0/8', undefined, 'Allow', OPS, { sourceIp: '::ffff:10.1.2.3' }),
  keyed('IpAddress', 'aws:SourceIp', '2001:db8::/32', undefined, 'Allow', OPS, { sourceIp: '2001:db8:1::5' }),
  keyed('IpAddress', 'aws:SourceIp', '2001:db8::/32', undefined, 'ImplicitDeny', OPS, { sourceIp: '2001:db9::5' }),
  keyed('IpAddress', 'aws:SourceIp', '2001:db8::/32', undefined, 'ImplicitDeny', OPS, { sourceIp: '203.0.113.7' }),
  keyed('NotIpAddress', 'aws:SourceIp', '203.0.113.0/24', undefined, 'ImplicitDeny', GLOBAL, { sourceIp: '203.0.113.7' }),
  keyed('NotIpAddress', 'aws:SourceIp', '203.0.113.0/24', undefined, 'Allow', GLOBAL, { sourceIp: '192.0.2.1' }),
  keyed('ArnEquals', 'aws:PrincipalArn', `arn:aws:iam::${ACCOUNT}:user/bob`, undefined, 'Allow', OPS),
  keyed('ArnLike', 'aws:PrincipalArn', 'arn:aws:iam::*:user/*', undefined, 'Allow', OPS),
  keyed('ArnLike', 'aws:PrincipalArn', 'arn:aws:iam::*:role/*', undefined, 'ImplicitDeny', OPS),
  keyed('ArnLike', 'aws:PrincipalArn', `arn:aws:iam::${ACCOUNT}:role/Node`, undefined, 'Allow', GLOBAL, { principal: session }),
  keyed('ArnNotLike', 'aws:PrincipalArn', 'arn:aws:iam::*:role/*', undefined, 'Allow', OPS),
  keyed('ArnNotEquals', 'aws:PrincipalArn', `arn:aws:iam::${ACCOUNT}:user/bob`, undefined, 'ImplicitDeny', OPS),
  keyed('ArnLike', 'ssm:SourceArn', 'arn:aws:ssm:*:*:document/*', 'arn:aws:ssm:us-east-1:111122223333:document/x', 'Allow', OPS),
  keyed('ArnLike', 'ssm:SourceArn', 'arn:aws:ssm:*:*:document/*', 'not-an-arn', 'ImplicitDeny', OPS),
  keyed('ArnLikeIfExists', 'ssm:SourceArn', 'arn:aws:ssm:*:*:document/*', undefined, 'Allow', OPS),
  keyed('Null', 'aws:ResourceTag/Env', 'true', undefined, 'Allow', OPS),
  keyed('Null', 'aws:ResourceTag/Env', 'true', 'dev', 'ImplicitDeny', OPS),
  keyed('Null', 'aws:ResourceTag/Env', 'false', 'dev', 'Allow', OPS),
  keyed('Null', 'aws:ResourceTag/Env', 'false', undefined, 'ImplicitDeny', OPS),
  keyed('Null', 'aws:username', 'false', undefined, 'Allow', GLOBAL),
  keyed('Null', 'aws:username', 'true', undefined, 'Allow', GLOBAL, { principal: session }),
);

// --- Multivalued keys and set operators ----------------------------------------------------
const tagKeys = (op: string, policyValue: unknown, requestValue: readonly string[] | undefined, expect: Decision): Case => ({
  name: `${op} aws:TagKeys ${JSON.stringify(policyValue)} vs ${requestValue === undefined ? 'absent key' : JSON.stringify(requestValue)}`,
  policies: [[allow('ssm:AddTagsToResource', '*', cond({ [op]: { 'aws:TagKeys': policyValue } }))]],
  context: requestValue === undefined ? {} : { 'aws:TagKeys': requestValue },
  action: 'ssm:AddTagsToResource', resource: param('/a'), expect, source: MULTI,
});
cases.push(
  tagKeys('ForAllValues:StringEquals', ['Env', 'Team'], ['Env'], 'Allow'),
  tagKeys('ForAllValues:StringEquals', ['Env', 'Team'], ['Env', 'Team'], 'Allow'),
  tagKeys('ForAllValues:StringEquals', ['Env', 'Team'], ['Env', 'Owner'], 'ImplicitDeny'),
  tagKeys('ForAllValues:StringEquals', ['Env', 'Team'], undefined, 'Allow'),
  tagKeys('ForAllValues:StringEquals', ['Env', 'Team'], [], 'Allow'),
  tagKeys('ForAllValues:StringLike', ['E*'], ['Env', 'Eco'], 'Allow'),
  tagKeys('ForAllValues:StringNotEquals', ['Owner'], ['Env', 'Team'], 'Allow'),
  tagKeys('ForAllValues:StringNotEquals', ['Owner'], ['Env', 'Owner'], 'ImplicitDeny'),
  tagKeys('ForAnyValue:StringEquals', ['Env', 'Team'], ['Owner', 'Env'], 'Allow'),
  tagKeys('ForAnyValue:StringEquals', ['Env', 'Team'], ['Owner'], 'ImplicitDeny'),
  tagKeys('ForAnyValue:StringEquals', ['Env', 'Team'], undefined, 'ImplicitDeny'),
  tagKeys('ForAnyValue:StringEquals', ['Env', 'Team'], [], 'ImplicitDeny'),
  tagKeys('ForAnyValue:StringLike', ['*wner'], ['Owner', 'Env'], 'Allow'),
  tagKeys('ForAnyValue:StringNotEquals', ['Env'], ['Env', 'Team'], 'Allow'),
  tagKeys('ForAnyValue:StringNotEquals', ['Env'], ['Env'], 'ImplicitDeny'),
  tagKeys('ForAllValues:StringEqualsIgnoreCase', ['env'], ['ENV'], 'Allow'),
  tagKeys('StringEquals', 'Env', ['Env'], 'Allow'),
);
cases.push(
  { name: 'deny with ForAnyValue on forbidden tag keys blocks', policies: [[allow('ssm:*'), deny('ssm:AddTagsToResource', '*', cond({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['Owner'] } }))]], context: { 'aws:TagKeys': ['Env', 'Owner'] }, action: 'ssm:AddTagsToResource', resource: param('/a'), expect: 'ExplicitDeny', source: MULTI },
  { name: 'deny with ForAnyValue: absent key does not block', policies: [[allow('ssm:*'), deny('ssm:AddTagsToResource', '*', cond({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['Owner'] } }))]], action: 'ssm:AddTagsToResource', resource: param('/a'), expect: 'Allow', source: MULTI },
  { name: 'request tag value condition', policies: [[allow('ssm:PutParameter', '*', cond({ StringEquals: { 'aws:RequestTag/Env': 'dev' } }))]], context: { 'aws:RequestTag/Env': 'dev' }, action: 'ssm:PutParameter', resource: param('/a'), expect: 'Allow', source: GLOBAL },
  { name: 'request tag value condition: wrong value', policies: [[allow('ssm:PutParameter', '*', cond({ StringEquals: { 'aws:RequestTag/Env': 'dev' } }))]], context: { 'aws:RequestTag/Env': 'prod' }, action: 'ssm:PutParameter', resource: param('/a'), expect: 'ImplicitDeny', source: GLOBAL },
);

// --- Several conditions, keys, blocks: AND across, OR within -------------------------------
cases.push(
  { name: 'two keys in one operator block are ANDed (both hold)', policies: [[allow('ssm:*', '*', cond({ StringEquals: { 'aws:username': 'bob', 'aws:PrincipalTag/team': 'blue' } }))]], action: 'ssm:GetParameter', resource: param('/a'), expect: 'Allow', source: `${DOC}reference_policies_condition-logic-multiple-context-keys-or-values.html` },
  { name: 'two keys in one operator block are ANDed (one fails)', policies: [[allow('ssm:*', '*', cond({ StringEquals: { 'aws:username': 'bob', 'aws:PrincipalTag/team': 'red' } }))]], action: 'ssm:GetParameter', resource: param('/a'), expect: 'ImplicitDeny', source: `${DOC}reference_policies_condition-logic-multiple-context-keys-or-values.html` },
  { name: 'two operator blocks are ANDed (both hold)', policies: [[allow('ssm:*', '*', cond({ StringEquals: { 'aws:username': 'bob' }, IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }))]], sourceIp: '10.1.1.1', action: 'ssm:GetParameter', resource: param('/a'), expect: 'Allow', source: `${DOC}reference_policies_condition-logic-multiple-context-keys-or-values.html` },
  { name: 'two operator blocks are ANDed (one fails)', policies: [[allow('ssm:*', '*', cond({ StringEquals: { 'aws:username': 'bob' }, IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }))]], sourceIp: '192.168.1.1', action: 'ssm:GetParameter', resource: param('/a'), expect: 'ImplicitDeny', source: `${DOC}reference_policies_condition-logic-multiple-context-keys-or-values.html` },
  { name: 'condition key names are case-insensitive', policies: [[allow('ssm:*', '*', cond({ StringEquals: { 'AWS:UserName': 'bob' } }))]], action: 'ssm:GetParameter', resource: param('/a'), expect: 'Allow', source: OPS },
  { name: 'deny outside a network, from inside', policies: [[allow('*'), deny('*', '*', cond({ NotIpAddress: { 'aws:SourceIp': ['192.0.2.0/24'] } }))]], sourceIp: '192.0.2.10', action: 'ssm:GetParameter', resource: param('/a'), expect: 'Allow', source: `${DOC}reference_policies_examples_aws_deny-ip.html` },
  { name: 'deny outside a network, from outside', policies: [[allow('*'), deny('*', '*', cond({ NotIpAddress: { 'aws:SourceIp': ['192.0.2.0/24'] } }))]], sourceIp: '198.51.100.1', action: 'ssm:GetParameter', resource: param('/a'), expect: 'ExplicitDeny', source: `${DOC}reference_policies_examples_aws_deny-ip.html` },
  { name: 'deny insecure transport', policies: [[allow('*'), deny('*', '*', cond({ Bool: { 'aws:SecureTransport': 'false' } }))]], action: 'ssm:GetParameter', resource: param('/a'), expect: 'ExplicitDeny', source: GLOBAL },
  { name: 'deny insecure transport, over TLS', policies: [[allow('*'), deny('*', '*', cond({ Bool: { 'aws:SecureTransport': 'false' } }))]], secure: true, action: 'ssm:GetParameter', resource: param('/a'), expect: 'Allow', source: GLOBAL },
  { name: 'time window: inside', policies: [[allow('*', '*', cond({ DateGreaterThan: { 'aws:CurrentTime': '2026-11-01T00:00:00Z' }, DateLessThan: { 'aws:CurrentTime': '2026-12-01T00:00:00Z' } }))]], action: 'ssm:GetParameter', resource: param('/a'), expect: 'Allow', source: `${DOC}reference_policies_examples_aws-dates.html` },
  { name: 'time window: after', policies: [[allow('*', '*', cond({ DateGreaterThan: { 'aws:CurrentTime': '2025-11-01T00:00:00Z' }, DateLessThan: { 'aws:CurrentTime': '2025-12-01T00:00:00Z' } }))]], action: 'ssm:GetParameter', resource: param('/a'), expect: 'ImplicitDeny', source: `${DOC}reference_policies_examples_aws-dates.html` },
  { name: 'aws:RequestedRegion restriction', policies: [[allow('*', '*', cond({ StringEquals: { 'aws:RequestedRegion': ['us-east-1', 'eu-west-1'] } }))]], action: 'ssm:GetParameter', resource: param('/a'), expect: 'Allow', source: GLOBAL },
  { name: 'aws:PrincipalAccount', policies: [[allow('*', '*', cond({ StringEquals: { 'aws:PrincipalAccount': '999999999999' } }))]], action: 'ssm:GetParameter', resource: param('/a'), expect: 'ImplicitDeny', source: GLOBAL },
  { name: 'aws:PrincipalType of a role session', policies: [[allow('*', '*', cond({ StringEquals: { 'aws:PrincipalType': 'AssumedRole' } }))]], principal: session, action: 'ssm:GetParameter', resource: param('/a'), expect: 'Allow', source: GLOBAL },
);

// --- Issue scenarios with realistic service contexts ---------------------------------------
const sendOnDev = [allow('ssm:SendCommand', doc('AWS-RunShellScript')), allow('ssm:SendCommand', `arn:aws:ssm:*:${ACCOUNT}:managed-instance/*`, cond({ StringEquals: { 'ssm:resourceTag/Env': 'dev' } }))];
const decrypt = [allow('ssm:GetParameter', param('/app/*')), allow('kms:Decrypt', key('1234abcd-12ab-34cd-56ef-1234567890ab'), cond({ StringEquals: { 'kms:EncryptionContext:PARAMETER_ARN': param('/app/db') } }))];
cases.push(
  { name: 'issue case: SendCommand on a node tagged Env=dev', policies: [sendOnDev], context: { 'ssm:resourceTag/Env': 'dev', 'aws:ResourceTag/Env': 'dev' }, action: 'ssm:SendCommand', resource: node('mi-0aaaaaaaaaaaaaaa1'), expect: 'Allow', source: SSM },
  { name: 'issue case: SendCommand on a node tagged Env=prod', policies: [sendOnDev], context: { 'ssm:resourceTag/Env': 'prod', 'aws:ResourceTag/Env': 'prod' }, action: 'ssm:SendCommand', resource: node('mi-0bbbbbbbbbbbbbbb2'), expect: 'ImplicitDeny', source: SSM },
  { name: 'issue case: SendCommand on an untagged node', policies: [sendOnDev], action: 'ssm:SendCommand', resource: node('mi-0ccccccccccccccc3'), expect: 'ImplicitDeny', source: SSM },
  { name: 'issue case: SendCommand document permission is separate from the node tag', policies: [sendOnDev], action: 'ssm:SendCommand', resource: doc('AWS-RunShellScript'), expect: 'Allow', source: SSM },
  { name: 'issue case: GetParameter with decryption needs kms:Decrypt on the key (allowed)', policies: [decrypt], context: { 'kms:EncryptionContext:PARAMETER_ARN': param('/app/db') }, action: 'kms:Decrypt', resource: key('1234abcd-12ab-34cd-56ef-1234567890ab'), expect: 'Allow', source: KMS },
  { name: 'issue case: kms:Decrypt for another parameter\'s context', policies: [decrypt], context: { 'kms:EncryptionContext:PARAMETER_ARN': param('/app/other') }, action: 'kms:Decrypt', resource: key('1234abcd-12ab-34cd-56ef-1234567890ab'), expect: 'ImplicitDeny', source: KMS },
  { name: 'issue case: kms:Decrypt on another key', policies: [decrypt], context: { 'kms:EncryptionContext:PARAMETER_ARN': param('/app/db') }, action: 'kms:Decrypt', resource: key('ffff'), expect: 'ImplicitDeny', source: KMS },
  { name: 'PutParameter allowed only without overwrite', policies: [[allow('ssm:PutParameter', param('/app/*'), cond({ Bool: { 'ssm:Overwrite': 'false' } }))]], context: { 'ssm:Overwrite': false }, action: 'ssm:PutParameter', resource: param('/app/x'), expect: 'Allow', source: SSM },
  { name: 'PutParameter with overwrite refused', policies: [[allow('ssm:PutParameter', param('/app/*'), cond({ Bool: { 'ssm:Overwrite': 'false' } }))]], context: { 'ssm:Overwrite': true }, action: 'ssm:PutParameter', resource: param('/app/x'), expect: 'ImplicitDeny', source: SSM },
  { name: 'GetParametersByPath recursive denied', policies: [[allow('ssm:GetParametersByPath'), deny('ssm:GetParametersByPath', '*', cond({ StringEquals: { 'ssm:Recursive': 'true' } }))]], context: { 'ssm:Recursive': true }, action: 'ssm:GetParametersByPath', resource: param('/app'), expect: 'ExplicitDeny', source: SSM },
  { name: 'GetParametersByPath non-recursive allowed', policies: [[allow('ssm:GetParametersByPath'), deny('ssm:GetParametersByPath', '*', cond({ StringEquals: { 'ssm:Recursive': 'true' } }))]], context: { 'ssm:Recursive': false }, action: 'ssm:GetParametersByPath', resource: param('/app'), expect: 'Allow', source: SSM },
  { name: 'service setting ARN prefix (what the e2e tests exercise)', policies: [[allow('ssm:GetServiceSetting', `arn:aws:ssm:*:${ACCOUNT}:servicesetting/ssm/parameter-store/*`)]], action: 'ssm:GetServiceSetting', resource: `arn:aws:ssm:us-east-1:${ACCOUNT}:servicesetting/ssm/parameter-store/high-throughput-enabled`, expect: 'Allow', source: SSM },
  { name: 'service setting outside the prefix', policies: [[allow('ssm:GetServiceSetting', `arn:aws:ssm:*:${ACCOUNT}:servicesetting/ssm/parameter-store/*`)]], action: 'ssm:GetServiceSetting', resource: `arn:aws:ssm:us-east-1:${ACCOUNT}:servicesetting/ssm/opsinsights/opscenter`, expect: 'ImplicitDeny', source: SSM },
  { name: 'node role policy: the agent may update its instance information', policies: [BosunManagedNodeRolePolicy.document], principal: session, action: 'ssm:UpdateInstanceInformation', resource: node('mi-1'), expect: 'Allow', source: 'https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonSSMManagedInstanceCore.html' },
  { name: 'node role policy: the agent may open a control channel', policies: [BosunManagedNodeRolePolicy.document], principal: session, action: 'ssmmessages:CreateControlChannel', resource: '*', expect: 'Allow', source: 'https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonSSMManagedInstanceCore.html' },
  { name: 'node role policy: the agent may not send commands', policies: [BosunManagedNodeRolePolicy.document], principal: session, action: 'ssm:SendCommand', resource: node('mi-2'), expect: 'ImplicitDeny', source: 'https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonSSMManagedInstanceCore.html' },
  { name: 'node role policy: the agent may not manage users', policies: [BosunManagedNodeRolePolicy.document], principal: session, action: 'iam:CreateUser', resource: `arn:aws:iam::${ACCOUNT}:user/x`, expect: 'ImplicitDeny', source: 'https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonSSMManagedInstanceCore.html' },
  { name: 'node role policy: the agent may not put parameters', policies: [BosunManagedNodeRolePolicy.document], principal: session, action: 'ssm:PutParameter', resource: param('/a'), expect: 'ImplicitDeny', source: 'https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonSSMManagedInstanceCore.html' },
);

const toDocument = (p: readonly Stmt[] | string) => parsePolicy(typeof p === 'string' ? p : JSON.stringify({ Version: '2012-10-17', Statement: p }));

describe('policy evaluation, case by case as AWS documents it', () => {
  test('the table holds at least 150 cases', () => {
    assert.ok(cases.length >= 150, `only ${cases.length} cases`);
    assert.equal(new Set(cases.map((c) => c.name)).size, cases.length, 'case names must be unique');
  });
  for (const c of cases) {
    test(`${c.name} → ${c.expect}`, () => {
      const principal = c.principal ?? bob;
      const context = buildContext(principal, { sourceIp: c.sourceIp ?? '127.0.0.1', secureTransport: c.secure ?? false, now: NOW, region: 'us-east-1' }, c.context);
      const result = evaluate(c.policies.map(toDocument), { action: c.action, resource: c.resource, context });
      assert.equal(result.decision, c.expect, `see ${c.source}`);
    });
  }
});

// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html and IAM's MalformedPolicyDocument messages.
describe('policy documents are validated with IAM\'s MalformedPolicyDocument messages', () => {
  const malformed: [string, string, string][] = [
    ['not JSON', 'This is not a json document', 'Syntax errors in policy.'],
    ['no Version', JSON.stringify({ Statement: allow('s3:ListBucket') }), 'Policy document must be version 2012-10-17 or greater.'],
    ['unknown Version', JSON.stringify({ Version: '2022-10-17', Statement: allow('s3:ListBucket') }), 'The policy failed legacy parsing'],
    ['no Action', JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'Allow', Resource: '*' } }), 'Policy statement must contain actions.'],
    ['no Resource', JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'Allow', Action: 's3:ListBucket' } }), 'Policy statement must contain resources.'],
    ['Principal in an identity policy', JSON.stringify({ Version: '2012-10-17', Statement: { ...allow('s3:ListBucket'), Principal: '*' } }), 'Policy document should not specify a principal.'],
    ['action without a vendor', JSON.stringify({ Version: '2012-10-17', Statement: allow('invalid') }), 'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.'],
    ['resource not an ARN', JSON.stringify({ Version: '2012-10-17', Statement: allow('s3:ListBucket', 'invalid resource') }), 'Resource invalid resource must be in ARN format or "*".'],
    ['bad Effect', JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'Allowed', Action: 's3:*', Resource: '*' } }), 'Syntax errors in policy.'],
    ['unknown element', JSON.stringify({ Version: '2012-10-17', Statement: { ...allow('s3:*'), Extra: 1 } }), 'Syntax errors in policy.'],
    ['Action and NotAction', JSON.stringify({ Version: '2012-10-17', Statement: { ...allow('s3:*'), NotAction: 's3:Get*' } }), 'Syntax errors in policy.'],
    ['duplicate Sid', JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'A', ...allow('s3:*') }, { Sid: 'A', ...allow('s3:*') }] }), 'Statement IDs (SID) in a single policy must be unique.'],
    ['unknown condition operator', JSON.stringify({ Version: '2012-10-17', Statement: allow('s3:*', '*', cond({ StringEqualz: { 'aws:username': 'x' } })) }), 'Invalid Condition type : StringEqualz.'],
    ['empty Statement list', JSON.stringify({ Version: '2012-10-17', Statement: [] }), 'Syntax errors in policy.'],
    ['empty Action list', JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'Allow', Action: [], Resource: '*' } }), 'Policy statement must contain actions.'],
    ['empty Resource list', JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'Allow', Action: 's3:*', Resource: [] } }), 'Policy statement must contain resources.'],
    ['resource ARN with too few fields', JSON.stringify({ Version: '2012-10-17', Statement: allow('s3:ListBucket', 'arn:aws:s3::example_bucket') }), 'The policy failed legacy parsing'],
    ['Effect in the wrong case', JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'allow', Action: 's3:*', Resource: '*' } }), 'The policy failed legacy parsing'],
  ];
  for (const [name, text, message] of malformed) {
    test(`${name}: ${message}`, () => {
      assert.throws(() => parsePolicy(text), (e) => isAwsError(e) && e.code === 'MalformedPolicyDocument' && e.message === message);
    });
  }
  test('trust policies: invalid JSON, a Resource, an unknown principal type, each in IAM\'s words', () => {
    const refused = (text: string, message: string) => assert.throws(() => parsePolicy(text, 'trust'), (e) => isAwsError(e) && e.code === 'MalformedPolicyDocument' && e.message === message);
    refused('{"Version": "2012-10-17",', 'This policy contains invalid Json');
    refused(JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole', Resource: '*' } }), 'Has prohibited field Resource.');
    refused(JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'Allow', Principal: { Person: 'alice' }, Action: 'sts:AssumeRole' } }), 'Invalid principal in policy: "Person":"alice"');
  });

  test('a trust policy needs a Principal', () => {
    assert.throws(() => parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'Allow', Action: 'sts:AssumeRole' } }), 'trust'), (e) => isAwsError(e) && e.code === 'MalformedPolicyDocument');
    assert.ok(parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'sts:AssumeRole' } }), 'trust'));
  });
});
