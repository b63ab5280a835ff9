import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isAwsError } from '@bosun/protocol';
import { adminCreateUser } from '../accounts/admin.ts';
import { getUser } from '../accounts/identity-store.ts';
import { userPrincipal, type Principal } from '../accounts/principal.ts';
import { handlerCheck } from '../api/authorize.ts';
import { fixtures } from '../testing/fixtures.ts';
import { storeTargets, type TestStore } from '../testing/stores.ts';
import { PolicyAuthorizer } from './authorizer.ts';
import { deleteInlinePolicy, putInlinePolicy } from './iam-store.ts';

const ACCOUNT = '111122223333';
const T0 = Date.UTC(2026, 10, 26, 6, 0, 0);
const policy = (statement: Record<string, unknown>) => JSON.stringify({ Version: '2012-10-17', Statement: [statement] });
const denied = (e: unknown) => isAwsError(e) && e.code === 'AccessDeniedException';
const request = (sourceIp: string) => ({ sourceIp, secureTransport: false, now: T0, region: 'us-east-1' });

for (const target of storeTargets) {
  describe(`policy authorizer on ${target.name}`, { skip: target.skip }, () => {
    let store: TestStore;
    const rootKey = fixtures.rootKey();
    let user: (name: string) => Promise<Principal>;
    before(async () => {
      store = await target.open();
      await fixtures.account(store, rootKey, { accountId: ACCOUNT, now: T0 });
      user = async (name) => {
        await adminCreateUser(store, { accountId: ACCOUNT, userName: name, now: T0 });
        return userPrincipal((await getUser(store.db, ACCOUNT, name))!, `AKIA${name.toUpperCase().padEnd(16, 'X')}`);
      };
    });
    after(async () => {
      await store?.destroy();
    });

    const read = (name: string) => ({ action: 'ssm:GetParameter', resource: `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/${name}` });

    test('a remembered decision of a condition-free policy still names the refused action and resource', async () => {
      const erin = await user('erin');
      await putInlinePolicy(store.db, { accountId: ACCOUNT, entityType: 'user', entityName: 'erin', policyName: 'p', document: policy({ Effect: 'Allow', Action: 'ssm:GetParameter', Resource: `arn:aws:ssm:*:*:parameter/app/*` }) });
      const authz = new PolicyAuthorizer({ db: store.db, now: () => T0 });
      for (let i = 0; i < 3; i++) {
        await authz.authorize(erin, [read('app/a')], request('10.0.0.1'));
        await assert.rejects(Promise.resolve(authz.authorize(erin, [read('other/b')], request('10.0.0.1'))), (e) => denied(e) && (e as Error).message ===
          `User: ${erin.arn} is not authorized to perform: ssm:GetParameter on resource: ${read('other/b').resource} because no identity-based policy allows the ssm:GetParameter action`);
      }
      // Every permission of a call is decided, remembered or not.
      await assert.rejects(Promise.resolve(authz.authorize(erin, [read('app/a'), read('other/b')], request('10.0.0.1'))), denied);
    });

    test('remembered decisions end with the policies they came from (invalidate)', async () => {
      const fred = await user('fred');
      await putInlinePolicy(store.db, { accountId: ACCOUNT, entityType: 'user', entityName: 'fred', policyName: 'p', document: policy({ Effect: 'Allow', Action: 'ssm:*', Resource: '*' }) });
      const authz = new PolicyAuthorizer({ db: store.db, now: () => T0 });
      await authz.authorize(fred, [read('x')], request('10.0.0.1'));
      await deleteInlinePolicy(store.db, ACCOUNT, 'user', 'fred', 'p');
      authz.invalidate();
      await assert.rejects(Promise.resolve(authz.authorize(fred, [read('x')], request('10.0.0.1'))), denied);
    });

    test('a policy with a condition is decided on every call with that call\'s context', async () => {
      const gina = await user('gina');
      await putInlinePolicy(store.db, { accountId: ACCOUNT, entityType: 'user', entityName: 'gina', policyName: 'p', document: policy({ Effect: 'Allow', Action: 'ssm:GetParameter', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }) });
      const authz = new PolicyAuthorizer({ db: store.db, now: () => T0 });
      await authz.authorize(gina, [read('x')], request('10.1.2.3'));
      await assert.rejects(Promise.resolve(authz.authorize(gina, [read('x')], request('192.168.0.1'))), denied);
      await authz.authorize(gina, [read('x')], request('10.9.9.9'));
    });

    test('a policy variable in a resource is resolved on every call', async () => {
      const hugo = await user('hugo');
      const ivan = await user('ivan');
      const document = policy({ Effect: 'Allow', Action: 'ssm:GetParameter', Resource: `arn:aws:ssm:*:*:parameter/home/\${aws:username}/*` });
      for (const name of ['hugo', 'ivan']) await putInlinePolicy(store.db, { accountId: ACCOUNT, entityType: 'user', entityName: name, policyName: 'p', document });
      const authz = new PolicyAuthorizer({ db: store.db, now: () => T0 });
      await authz.authorize(hugo, [read('home/hugo/a')], request('10.0.0.1'));
      await assert.rejects(Promise.resolve(authz.authorize(hugo, [read('home/ivan/a')], request('10.0.0.1'))), denied);
      await authz.authorize(ivan, [read('home/ivan/a')], request('10.0.0.1'));
      await assert.rejects(Promise.resolve(authz.authorize(ivan, [read('home/hugo/a')], request('10.0.0.1'))), denied);
    });

    test('aws:RequestedRegion is the region the request is signed for', async () => {
      const jane = await user('jane');
      await putInlinePolicy(store.db, { accountId: ACCOUNT, entityType: 'user', entityName: 'jane', policyName: 'p', document: policy({ Effect: 'Allow', Action: 'ssm:GetParameter', Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } } }) });
      const authz = new PolicyAuthorizer({ db: store.db, now: () => T0 });
      const inRegion = (region: string) => ({ ...request('10.0.0.1'), region });
      const euParameter = { action: 'ssm:GetParameter', resource: `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/x` };
      await authz.authorize(jane, [euParameter], inRegion('eu-west-1'));
      await assert.rejects(Promise.resolve(authz.authorize(jane, [read('x')], inRegion('us-east-1'))), denied);
      // A check a handler makes on what it found sees the request's region too.
      await authz.authorize(jane, [euParameter], handlerCheck({ now: T0, region: 'eu-west-1', sourceIp: '10.0.0.1' }));
      await assert.rejects(Promise.resolve(authz.authorize(jane, [read('x')], handlerCheck({ now: T0, region: 'us-east-1' }))), denied);
    });
  });
}
