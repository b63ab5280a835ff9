import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Migrator } from 'kysely';
import { isAwsError } from '@bosun/protocol';
import { adminCreateUser } from '../accounts/admin.ts';
import { assumedRolePrincipal, type Principal } from '../accounts/principal.ts';
import { findAccessKey, getUser } from '../accounts/identity-store.ts';
import { userPrincipal } from '../accounts/principal.ts';
import { migrationProvider } from '../store/migrations/index.ts';
import { migrateToLatest, openStore } from '../store/store.ts';
import { fixtures } from '../testing/fixtures.ts';
import { storeTargets, type TestStore } from '../testing/stores.ts';
import { PolicyAuthorizer } from './authorizer.ts';
import {
  addGroupMember, addPolicyVersion, ensureManagedNodeRole, MANAGED_NODE_ROLE_NAME, attachedPolicies, attachmentCount, attachPolicy, defaultDocuments, deleteInlinePolicy, detachPolicy, groupsOfUser,
  inlinePolicies, insertGroup, insertPolicy, insertRole, putInlinePolicy, putTags, tagsOf,
} from './iam-store.ts';
import { AdministratorAccess, BosunManagedNodeRolePolicy } from './policy/builtin.ts';

const ACCOUNT = '111122223333';
const policy = (statement: Record<string, unknown>) => JSON.stringify({ Version: '2012-10-17', Statement: [statement] });
const T0 = Date.UTC(2026, 10, 26, 6, 0, 0);

for (const target of storeTargets) {
  describe(`access control store on ${target.name}`, { skip: target.skip }, () => {
    let store: TestStore;
    const rootKey = fixtures.rootKey();
    let admin: Principal;
    let clock = T0;
    before(async () => {
      store = await target.open();
      const key = await fixtures.account(store, rootKey, { accountId: ACCOUNT, now: T0 });
      const found = await findAccessKey(store.db, key.accessKeyId);
      admin = userPrincipal(found!.user, key.accessKeyId);
    });
    after(async () => {
      await store?.destroy();
    });

    test('the bootstrap admin holds AdministratorAccess and is allowed anything in its account, nothing in another', async () => {
      assert.deepEqual(await attachedPolicies(store.db, ACCOUNT, 'user', 'admin'), [AdministratorAccess.arn]);
      const authz = new PolicyAuthorizer({ db: store.db, now: () => clock });
      await authz.authorize(admin, [{ action: 'kms:Decrypt', resource: `arn:aws:kms:us-east-1:${ACCOUNT}:key/k` }]);
      await assert.rejects(
        Promise.resolve(authz.authorize(admin, [{ action: 'ssm:GetParameter', resource: 'arn:aws:ssm:us-east-1:999999999999:parameter/x' }])),
        (e) => isAwsError(e) && e.code === 'AccessDeniedException' && e.message === `User: arn:aws:iam::${ACCOUNT}:user/admin is not authorized to perform: ssm:GetParameter on resource: arn:aws:ssm:us-east-1:999999999999:parameter/x because no identity-based policy allows the ssm:GetParameter action`,
      );
    });

    test('managed policy versions: numbered from v1, only the default version counts', async () => {
      const arn = `arn:aws:iam::${ACCOUNT}:policy/Versions`;
      await insertPolicy(store.db, { policy_arn: arn, account_id: ACCOUNT, policy_name: 'Versions', policy_id: 'ANPA1', path: '/', description: null, default_version: 'v1', next_version: 2, created_at: T0, updated_at: T0 }, policy({ Effect: 'Allow', Action: 'ssm:A', Resource: '*' }));
      assert.equal(await addPolicyVersion(store.db, { policyArn: arn, document: policy({ Effect: 'Allow', Action: 'ssm:B', Resource: '*' }), setAsDefault: false, now: T0 }), 'v2');
      assert.match((await defaultDocuments(store.db, [arn]))[0], /ssm:A/);
      assert.equal(await addPolicyVersion(store.db, { policyArn: arn, document: policy({ Effect: 'Allow', Action: 'ssm:C', Resource: '*' }), setAsDefault: true, now: T0 }), 'v3');
      assert.match((await defaultDocuments(store.db, [arn]))[0], /ssm:C/);
    });

    test('attachments are idempotent and counted; inline policies replace by name; tags upsert', async () => {
      await adminCreateUser(store, { accountId: ACCOUNT, userName: 'carol', now: T0 });
      const arn = `arn:aws:iam::${ACCOUNT}:policy/Versions`;
      await attachPolicy(store.db, { accountId: ACCOUNT, entityType: 'user', entityName: 'carol', policyArn: arn, now: T0 });
      await attachPolicy(store.db, { accountId: ACCOUNT, entityType: 'user', entityName: 'carol', policyArn: arn, now: T0 });
      assert.equal(await attachmentCount(store.db, arn), 1);
      assert.equal(await detachPolicy(store.db, { accountId: ACCOUNT, entityType: 'user', entityName: 'carol', policyArn: arn }), true);
      assert.equal(await detachPolicy(store.db, { accountId: ACCOUNT, entityType: 'user', entityName: 'carol', policyArn: arn }), false);
      await putInlinePolicy(store.db, { accountId: ACCOUNT, entityType: 'user', entityName: 'carol', policyName: 'p', document: policy({ Effect: 'Allow', Action: 'ssm:X', Resource: '*' }) });
      await putInlinePolicy(store.db, { accountId: ACCOUNT, entityType: 'user', entityName: 'carol', policyName: 'p', document: policy({ Effect: 'Allow', Action: 'ssm:Y', Resource: '*' }) });
      const inline = await inlinePolicies(store.db, ACCOUNT, 'user', 'carol');
      assert.equal(inline.length, 1);
      assert.match(inline[0].document, /ssm:Y/);
      assert.equal(await deleteInlinePolicy(store.db, ACCOUNT, 'user', 'carol', 'p'), true);
      await putTags(store.db, ACCOUNT, 'user', 'carol', [{ Key: 'Env', Value: 'dev' }, { Key: 'team', Value: 'blue' }]);
      await putTags(store.db, ACCOUNT, 'user', 'carol', [{ Key: 'Env', Value: 'prod' }]);
      assert.deepEqual(await tagsOf(store.db, ACCOUNT, 'user', 'carol'), [{ Key: 'Env', Value: 'prod' }, { Key: 'team', Value: 'blue' }]);
    });

    test('a user is authorised by its groups\' policies too, and by its tags; changes apply after invalidate', async () => {
      await adminCreateUser(store, { accountId: ACCOUNT, userName: 'dave', now: T0 });
      const user = await getUser(store.db, ACCOUNT, 'dave');
      const dave = userPrincipal(user!, 'AKIADAVE');
      const authz = new PolicyAuthorizer({ db: store.db, now: () => clock });
      const read = { action: 'ssm:GetParameter', resource: `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/team/blue/x` };
      await assert.rejects(Promise.resolve(authz.authorize(dave, [read])), (e) => isAwsError(e) && e.code === 'AccessDeniedException');
      await insertGroup(store.db, { account_id: ACCOUNT, group_name: 'readers', group_id: 'AGPA1', path: '/', created_at: T0 });
      await addGroupMember(store.db, ACCOUNT, 'readers', 'dave');
      assert.deepEqual(await groupsOfUser(store.db, ACCOUNT, 'dave'), ['readers']);
      await putInlinePolicy(store.db, { accountId: ACCOUNT, entityType: 'group', entityName: 'readers', policyName: 'teams', document: policy({ Effect: 'Allow', Action: 'ssm:GetParameter', Resource: `arn:aws:ssm:*:*:parameter/team/\${aws:PrincipalTag/team}/*` }) });
      await putTags(store.db, ACCOUNT, 'user', 'dave', [{ Key: 'team', Value: 'blue' }]);
      // Still cached: the change is not seen until the TTL passes or the cache is invalidated.
      await assert.rejects(Promise.resolve(authz.authorize(dave, [read])));
      authz.invalidate();
      await authz.authorize(dave, [read]);
      await assert.rejects(Promise.resolve(authz.authorize(dave, [{ ...read, resource: `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/team/red/x` }])));
      // Every permission of a call must be allowed.
      await assert.rejects(Promise.resolve(authz.authorize(dave, [read, { action: 'kms:Decrypt', resource: `arn:aws:kms:us-east-1:${ACCOUNT}:key/k` }])),
        (e) => isAwsError(e) && /kms:Decrypt/.test(e.message));
      // The TTL: another replica's change is seen once it passes.
      await deleteInlinePolicy(store.db, ACCOUNT, 'group', 'readers', 'teams');
      await authz.authorize(dave, [read]);
      clock += 5_000;
      await assert.rejects(Promise.resolve(authz.authorize(dave, [read])));
    });

    test('the default managed node role is created once, trusted by ssm.amazonaws.com, with the node policy', async () => {
      const first = await ensureManagedNodeRole(store.db, { accountId: ACCOUNT, roleId: 'AROAFIRST', now: T0, policyArn: BosunManagedNodeRolePolicy.arn });
      const again = await ensureManagedNodeRole(store.db, { accountId: ACCOUNT, roleId: 'AROASECOND', now: T0, policyArn: BosunManagedNodeRolePolicy.arn });
      assert.equal(first.role_name, MANAGED_NODE_ROLE_NAME);
      assert.equal(again.role_id, 'AROAFIRST');
      assert.match(first.trust_policy, /ssm\.amazonaws\.com/);
      assert.deepEqual(await attachedPolicies(store.db, ACCOUNT, 'role', MANAGED_NODE_ROLE_NAME), [BosunManagedNodeRolePolicy.arn]);
      const node = assumedRolePrincipal({ accountId: ACCOUNT, roleName: first.role_name, roleId: first.role_id, sessionName: 'mi-0123456789abcdef0', accessKeyId: 'ASIAX' });
      const authz = new PolicyAuthorizer({ db: store.db, now: () => clock });
      await authz.authorize(node, [{ action: 'ssmmessages:OpenControlChannel', resource: '*' }]);
      await assert.rejects(Promise.resolve(authz.authorize(node, [{ action: 'ssm:PutParameter', resource: `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/x` }])));
    });

    test('a role session is authorised by its role\'s policies', async () => {
      await insertRole(store.db, { account_id: ACCOUNT, role_name: 'Node', role_id: 'AROANODE', path: '/', trust_policy: '{}', description: null, max_session_duration: 3600, created_at: T0 });
      await attachPolicy(store.db, { accountId: ACCOUNT, entityType: 'role', entityName: 'Node', policyArn: 'arn:aws:iam::aws:policy/BosunManagedNodeRolePolicy', now: T0 });
      const node = assumedRolePrincipal({ accountId: ACCOUNT, roleName: 'Node', roleId: 'AROANODE', sessionName: 'mi-1', accessKeyId: 'ASIANODE' });
      const authz = new PolicyAuthorizer({ db: store.db, now: () => clock });
      await authz.authorize(node, [{ action: 'ssm:UpdateInstanceInformation', resource: `arn:aws:ssm:us-east-1:${ACCOUNT}:managed-instance/mi-1` }]);
      await assert.rejects(Promise.resolve(authz.authorize(node, [{ action: 'ssm:SendCommand', resource: '*' }])),
        (e) => isAwsError(e) && e.message.startsWith(`User: arn:aws:sts::${ACCOUNT}:assumed-role/Node/mi-1 is not authorized to perform: ssm:SendCommand`));
    });
  });
}

describe('upgrading a store from before access control', () => {
  test('users that existed keep being their account\'s administrators (they were, before 0003)', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-iam-upgrade-'));
    const store = await openStore({ dataDir, migrate: false });
    try {
      const migrator = new Migrator({ db: store.db, provider: migrationProvider('us-east-1'), migrationTableName: 'bosun_migration', migrationLockTableName: 'bosun_migration_lock' });
      const partial = await migrator.migrateTo('0002-session-credentials');
      assert.equal(partial.error, undefined);
      await store.db.insertInto('accounts').values({ account_id: ACCOUNT, created_at: T0 }).execute();
      await store.db.insertInto('users').values({ account_id: ACCOUNT, user_name: 'old', user_id: 'AIDAOLD', path: '/', created_at: T0 }).execute();
      await migrateToLatest(store.db);
      assert.deepEqual(await attachedPolicies(store.db, ACCOUNT, 'user', 'old'), [AdministratorAccess.arn]);
    } finally {
      await store.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
