import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAwsError } from '@bosun/protocol';
import { assumedRolePrincipal } from '../accounts/principal.ts';
import { withNodeRules } from '../nodes/node-authorizer.ts';
import type { Authorizer } from '../api/authorize.ts';

/**
 * A managed node's session reads documents (the agent fetches nested documents with
 * GetDocument): its own account's and the built-in ones, never another account's, and it
 * can't change documents.
 */
const ACCOUNT = '111111111111';
const node = assumedRolePrincipal({ accountId: ACCOUNT, roleName: 'SSMServiceRole', roleId: 'AROANODE', sessionName: 'mi-0123456789abcdef0', accessKeyId: 'ASIANODE' });
const neverCalled: Authorizer = () => {
  throw new Error('a node session is decided by the node rules, not by policies');
};
const authorize = withNodeRules(neverCalled);

const allowed = (action: string, resource: string) => authorize(node, [{ action, resource }]);
const denied = async (action: string, resource: string) => {
  await assert.rejects(Promise.resolve().then(() => allowed(action, resource)), (error: unknown) => {
    assert.ok(isAwsError(error));
    assert.equal(error.code, 'AccessDeniedException');
    assert.match(error.message, new RegExp(`not authorized to perform: ${action} on resource: ${resource.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    return true;
  });
};

test('a node reads its own account\'s documents and the built-in ones', async () => {
  await allowed('ssm:GetDocument', `arn:aws:ssm:us-east-1:${ACCOUNT}:document/Greet`);
  await allowed('ssm:DescribeDocument', `arn:aws:ssm:us-east-1:${ACCOUNT}:document/Greet`);
  await allowed('ssm:GetDocument', 'arn:aws:ssm:us-east-1::document/AWS-RunShellScript');
});

test('a node reads no other account\'s document and changes none', async () => {
  await denied('ssm:GetDocument', 'arn:aws:ssm:us-east-1:222222222222:document/Greet');
  await denied('ssm:UpdateDocument', `arn:aws:ssm:us-east-1:${ACCOUNT}:document/Greet`);
  await denied('ssm:CreateDocument', `arn:aws:ssm:us-east-1:${ACCOUNT}:document/Mine`);
  await denied('ssm:ModifyDocumentPermission', `arn:aws:ssm:us-east-1:${ACCOUNT}:document/Greet`);
});
