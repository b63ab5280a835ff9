import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createAccessKey, createAccount, createUser, findAccessKey, IdentityConflictError } from '../accounts/identity-store.ts';
import { getSettingAndAccount, getSettingRow, putSettingRow, deleteSettingRow } from '../settings/settings-store.ts';
import { storeTargets, type TestStore } from '../testing/stores.ts';
import { migrateToLatest } from './store.ts';

for (const target of storeTargets) {
  describe(`store on ${target.name}`, { skip: target.skip }, () => {
    let store: TestStore;
    before(async () => { store = await target.open(); });
    after(async () => { await store?.destroy(); });

    test('migrating a second time changes nothing', async () => {
      await migrateToLatest(store.db);
      const head = await store.db.selectFrom('audit_head').selectAll().execute();
      assert.deepEqual(head.map((h) => ({ ...h, seq: Number(h.seq) })), [{ id: 1, seq: 0, hash: '0'.repeat(64) }]);
    });

    test('an account, its user and an access key are found by the key id', async () => {
      await createAccount(store.db, { accountId: '111122223333', now: 1000 });
      await createUser(store.db, { accountId: '111122223333', userName: 'alice', userId: 'AIDAALICE', now: 1001 });
      await createAccessKey(store.db, { accountId: '111122223333', userName: 'alice', accessKeyId: 'AKIAALICE1', secretSealed: 'v1:sealed', now: 1002 });
      const found = await findAccessKey(store.db, 'AKIAALICE1');
      assert.equal(found?.user.user_id, 'AIDAALICE');
      assert.equal(found?.key.status, 'Active');
      assert.equal(found?.key.created_at, 1002);
      assert.equal(await findAccessKey(store.db, 'AKIANOPE'), undefined);
    });

    test('a user holds at most two access keys', async () => {
      await createAccessKey(store.db, { accountId: '111122223333', userName: 'alice', accessKeyId: 'AKIAALICE2', secretSealed: 'v1:x', now: 1003 });
      await assert.rejects(
        createAccessKey(store.db, { accountId: '111122223333', userName: 'alice', accessKeyId: 'AKIAALICE3', secretSealed: 'v1:x', now: 1004 }),
        IdentityConflictError,
      );
      assert.equal(await findAccessKey(store.db, 'AKIAALICE3'), undefined);
    });

    test('creating an existing account or user is a conflict', async () => {
      await assert.rejects(createAccount(store.db, { accountId: '111122223333', now: 1 }), IdentityConflictError);
      await assert.rejects(createUser(store.db, { accountId: '111122223333', userName: 'alice', userId: 'AIDAOTHER', now: 1 }), IdentityConflictError);
      await assert.rejects(createUser(store.db, { accountId: '999999999999', userName: 'bob', userId: 'AIDABOB', now: 1 }), IdentityConflictError);
    });

    const east = { accountId: '111122223333', region: 'us-east-1' };
    const other = { accountId: '444455556666', region: 'us-east-1' };

    test('a service setting is upserted and deleted per account', async () => {
      const row = { account_id: east.accountId, region: east.region, setting_id: '/ssm/x', setting_value: 'a', last_modified_at: 5, last_modified_user: 'arn:u' };
      await putSettingRow(store.db, row);
      await putSettingRow(store.db, { ...row, setting_value: 'b', last_modified_at: 6 });
      assert.deepEqual(await getSettingRow(store.db, east, '/ssm/x'), { ...row, setting_value: 'b', last_modified_at: 6 });
      assert.equal(await getSettingRow(store.db, other, '/ssm/x'), undefined);
      await deleteSettingRow(store.db, east, '/ssm/x');
      assert.equal(await getSettingRow(store.db, east, '/ssm/x'), undefined);
    });

    test('a service setting is kept per region: each region of an account has its own, changed and reset alone', async () => {
      const west = { ...east, region: 'eu-west-1' };
      const row = { account_id: east.accountId, region: east.region, setting_id: '/ssm/r', setting_value: 'east', last_modified_at: 5, last_modified_user: 'arn:u' };
      await putSettingRow(store.db, row);
      assert.equal(await getSettingRow(store.db, west, '/ssm/r'), undefined, 'not set in eu-west-1');
      assert.deepEqual(await getSettingAndAccount(store.db, west, '/ssm/r'), { row: undefined, accountCreatedAt: 1000 });
      await putSettingRow(store.db, { ...row, region: west.region, setting_value: 'west' });
      assert.equal((await getSettingRow(store.db, east, '/ssm/r'))?.setting_value, 'east');
      assert.equal((await getSettingAndAccount(store.db, west, '/ssm/r'))?.row?.setting_value, 'west');
      await deleteSettingRow(store.db, west, '/ssm/r');
      assert.equal(await getSettingRow(store.db, west, '/ssm/r'), undefined);
      assert.equal((await getSettingAndAccount(store.db, east, '/ssm/r'))?.row?.setting_value, 'east');
      await deleteSettingRow(store.db, east, '/ssm/r');
    });

    test('a setting is read with the creation time of its account, in one query', async () => {
      assert.deepEqual(await getSettingAndAccount(store.db, east, '/ssm/y'), { row: undefined, accountCreatedAt: 1000 });
      const row = { account_id: east.accountId, region: east.region, setting_id: '/ssm/y', setting_value: 'c', last_modified_at: 7, last_modified_user: 'arn:u' };
      await putSettingRow(store.db, row);
      await putSettingRow(store.db, { ...row, account_id: other.accountId, setting_value: 'other account' });
      assert.deepEqual(await getSettingAndAccount(store.db, east, '/ssm/y'), { row, accountCreatedAt: 1000 });
      assert.equal(await getSettingAndAccount(store.db, other, '/ssm/y'), undefined, 'no such account');
      await deleteSettingRow(store.db, east, '/ssm/y');
      await deleteSettingRow(store.db, other, '/ssm/y');
    });
  });
}
