import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assumedRolePrincipal, type UserPrincipal } from '../accounts/principal.ts';
import { buildContext } from './policy/context.ts';
import { parsePolicy } from './policy/document.ts';
import { trustDecision } from './sts-operations.ts';
import { principalFacts } from './authorizer.ts';

// Same-account role trust, as https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
// and the AssumeRole API reference describe it: a trust policy naming the caller suffices;
// one naming the account delegates to the caller's own identity policies.
const ACCOUNT = '111122223333';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/Reader`;
const bob: UserPrincipal = { type: 'IAMUser', accountId: ACCOUNT, userName: 'bob', userId: 'AIDABOB', arn: `arn:aws:iam::${ACCOUNT}:user/bob`, accessKeyId: 'AKIABOB' };
const trust = (...statements: Record<string, unknown>[]) => parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: statements }), 'trust');
const ctx = (p = bob, ip = '127.0.0.1') => buildContext(principalFacts(p, {}), { sourceIp: ip, secureTransport: false, now: Date.UTC(2026, 10, 26), region: 'us-east-1' });
const allowFor = (AWS: unknown, extra: Record<string, unknown> = {}) => ({ Effect: 'Allow', Principal: { AWS }, Action: 'sts:AssumeRole', ...extra });

test('a trust policy naming the caller lets it assume the role by itself', () => {
  assert.equal(trustDecision(trust(allowFor(bob.arn)), bob, ctx(), ROLE), 'principal');
  assert.equal(trustDecision(trust(allowFor('*')), bob, ctx(), ROLE), 'principal');
});

test('a trust policy naming the account needs the caller\'s own policies too', () => {
  assert.equal(trustDecision(trust(allowFor(`arn:aws:iam::${ACCOUNT}:root`)), bob, ctx(), ROLE), 'account');
  assert.equal(trustDecision(trust(allowFor(ACCOUNT)), bob, ctx(), ROLE), 'account');
});

test('other principals, other actions, failing conditions and denies do not let the caller in', () => {
  assert.equal(trustDecision(trust(allowFor(`arn:aws:iam::${ACCOUNT}:user/alice`)), bob, ctx(), ROLE), 'none');
  assert.equal(trustDecision(trust(allowFor('arn:aws:iam::999999999999:root')), bob, ctx(), ROLE), 'none');
  assert.equal(trustDecision(trust({ ...allowFor(bob.arn), Action: 'sts:TagSession' }), bob, ctx(), ROLE), 'none');
  assert.equal(trustDecision(trust(allowFor(bob.arn, { Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } })), bob, ctx(bob, '192.0.2.1'), ROLE), 'none');
  assert.equal(trustDecision(trust(allowFor(bob.arn, { Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } })), bob, ctx(bob, '10.0.0.1'), ROLE), 'principal');
  assert.equal(trustDecision(trust(allowFor('*'), { Effect: 'Deny', Principal: { AWS: bob.arn }, Action: 'sts:AssumeRole' }), bob, ctx(), ROLE), 'deny');
});

test('a role session is named by its role\'s ARN or its session ARN (role chaining)', () => {
  const session = assumedRolePrincipal({ accountId: ACCOUNT, roleName: 'Other', roleId: 'AROAOTHER', sessionName: 's', accessKeyId: 'ASIAX' });
  assert.equal(trustDecision(trust(allowFor(session.roleArn)), session, ctx(), ROLE), 'principal');
  assert.equal(trustDecision(trust(allowFor(session.arn)), session, ctx(), ROLE), 'principal');
  assert.equal(trustDecision(trust(allowFor(bob.arn)), session, ctx(), ROLE), 'none');
});
