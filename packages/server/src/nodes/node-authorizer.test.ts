import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Principal } from '../accounts/principal.ts';
import type { AuthorizationRequest } from '../api/authorize.ts';
import { withNodeRules } from './node-authorizer.ts';

const node = { type: 'AssumedRole', accountId: '111122223333', sessionName: 'mi-0123456789abcdef0', arn: 'arn:aws:sts::111122223333:assumed-role/BosunNodeRole/mi-0123456789abcdef0' } as unknown as Principal;
const request: AuthorizationRequest = { sourceIp: '127.0.0.1', secureTransport: false, now: 0, region: 'us-east-1', service: 'kms' };
const authorize = withNodeRules(() => assert.fail('node sessions never reach the policy authoriser'));
const key = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

test('a node may have its own account key used for kms:Decrypt inside an authorised call (GetParameters of a SecureString)', async () => {
  await authorize(node, [{ action: 'kms:Decrypt', resource: key }]);
});

test('a node calling KMS Decrypt directly is refused', async () => {
  await assert.rejects(Promise.resolve(authorize(node, [{ action: 'kms:Decrypt', resource: key }], request)), /not authorized to perform: kms:Decrypt/);
});

test("a node may not have another account's key used for kms:Decrypt", async () => {
  await assert.rejects(Promise.resolve(authorize(node, [{ action: 'kms:Decrypt', resource: key.replace('111122223333', '444455556666') }])), /AccessDenied|not authorized/);
});

test('a node may read the tags of its own managed node and of no other resource', async () => {
  const own = 'arn:aws:ssm:us-east-1:111122223333:managed-instance/mi-0123456789abcdef0';
  await authorize(node, [{ action: 'ssm:ListTagsForResource', resource: own }], { ...request, service: 'ssm' });
  for (const other of [own.replace('mi-0123456789abcdef0', 'mi-0123456789abcdef1'), 'arn:aws:ssm:us-east-1:111122223333:parameter/db/password', '*']) {
    await assert.rejects(Promise.resolve(authorize(node, [{ action: 'ssm:ListTagsForResource', resource: other }], { ...request, service: 'ssm' })), /not authorized to perform: ssm:ListTagsForResource/);
  }
  await assert.rejects(Promise.resolve(authorize(node, [{ action: 'ssm:AddTagsToResource', resource: own }], { ...request, service: 'ssm' })), /not authorized to perform: ssm:AddTagsToResource/);
});
