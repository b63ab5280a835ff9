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

    test('a service setting is upserted and deleted per account', async () => {
      const row = { account_id: '111122223333', setting_id: '/ssm/x', setting_value: 'a', last_modified_at: 5, last_modified_user: 'arn:u' };
      await putSettingRow(store.db, row);
      await putSettingRow(store.db, { ...row, setting_value: 'b', last_modified_at: 6 });
      assert.deepEqual(await getSettingRow(store.db, '111122223333', '/ssm/x'), { ...row, setting_value: 'b', last_modified_at: 6 });
      assert.equal(await getSettingRow(store.db, '444455556666', '/ssm/x'), undefined);
      await deleteSettingRow(store.db, '111122223333', '/ssm/x');
      assert.equal(await getSettingRow(store.db, '111122223333', '/ssm/x'), undefined);
    });

    test('a setting is read with the creation time of its account, in one query', async () => {
      assert.deepEqual(await getSettingAndAccount(store.db, '111122223333', '/ssm/y'), { row: undefined, accountCreatedAt: 1000 });
      const row = { account_id: '111122223333', setting_id: '/ssm/y', setting_value: 'c', last_modified_at: 7, last_modified_user: 'arn:u' };
      await putSettingRow(store.db, row);
      await putSettingRow(store.db, { ...row, account_id: '444455556666', setting_value: 'other account' });
      assert.deepEqual(await getSettingAndAccount(store.db, '111122223333', '/ssm/y'), { row, accountCreatedAt: 1000 });
      assert.equal(await getSettingAndAccount(store.db, '444455556666', '/ssm/y'), undefined, 'no such account');
      await deleteSettingRow(store.db, '111122223333', '/ssm/y');
      await deleteSettingRow(store.db, '444455556666', '/ssm/y');
    });
  });
}
