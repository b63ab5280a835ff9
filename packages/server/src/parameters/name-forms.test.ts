import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { down as dropOneNameIndex, up as migrateNames, DELETED_BY } from '../store/migrations/0009-parameter-names.ts';
import { fixtures } from '../testing/fixtures.ts';
import { storeTargets, type TestStore } from '../testing/stores.ts';
import { nameForms, pathForm } from './names.ts';
import { deleteParameter, getCurrent, getTags, getVersions, listCurrent, listDeleted, putVersion, VersionConflict, type VersionRow } from './parameter-store.ts';
import { restoreDeletedParameter } from './restore.ts';

const T0 = Date.UTC(2026, 11, 1, 8, 0, 0);

const row = (accountId: string, name: string, version: number, value: string, at = T0 + version): VersionRow => fixtures.parameterVersion(accountId, name, { version, value, at });

test('a top-level name has two forms; a deeper one only itself', () => {
  assert.deepEqual(nameForms('foo'), ['foo', '/foo']);
  assert.deepEqual(nameForms('/foo'), ['foo', '/foo']);
  assert.deepEqual(nameForms('/a/b'), ['/a/b', '/a/b']);
  assert.equal(pathForm('foo'), '/foo');
  assert.equal(pathForm('/a/b'), '/a/b');
});

for (const target of storeTargets) {
  describe(`top-level names with and without their slash on ${target.name}`, { skip: target.skip }, () => {
    let store: TestStore;
    let account: string;
    before(async () => {
      store = await target.open();
      account = (await fixtures.account(store, fixtures.rootKey(), { now: T0 })).accountId;
    });
    after(async () => {
      await store?.destroy();
    });

    test('a parameter created without its slash is read, listed under / and deleted by either form, and keeps its own form', async () => {
      await putVersion(store.db, row(account, 'plain', 1, 'one'), { tags: '[{"Key":"k","Value":"v"}]' });
      assert.equal((await getCurrent(store.db, account, '/plain'))?.name, 'plain');
      assert.equal((await getVersions(store.db, account, '/plain')).length, 1);
      assert.ok((await listCurrent(store.db, account, { parent: '/', limit: 100 })).some((r) => r.name === 'plain'));
      assert.ok((await listCurrent(store.db, account, { prefix: '/', limit: 100 })).some((r) => r.name === 'plain'));
      assert.equal(await deleteParameter(store.db, account, '/plain', { id: 'd-plain', at: T0 + 10, by: 'me' }), true);
      assert.equal(await getCurrent(store.db, account, 'plain'), undefined);
      const [deleted] = await listDeleted(store.db, account, '/plain');
      assert.equal(deleted.name, 'plain');
      assert.equal(deleted.tags, '[{"Key":"k","Value":"v"}]');
    });

    test('creating the other form of an existing top-level name is a version conflict', async () => {
      await putVersion(store.db, row(account, '/taken', 1, 'one'), {});
      await assert.rejects(putVersion(store.db, row(account, 'taken', 1, 'two'), {}), VersionConflict);
      assert.equal((await getCurrent(store.db, account, 'taken'))?.value, 'one');
    });

    test('migration 0009 keeps the most recently modified of foo and /foo, and moves the other with its versions and tags to the deleted parameters', async () => {
      await dropOneNameIndex(store.db);
      try {
        await putVersion(store.db, row(account, 'pair', 1, 'old-1', T0 + 1), { tags: '[{"Key":"form","Value":"bare"}]' });
        await putVersion(store.db, row(account, 'pair', 2, 'old-2', T0 + 2), { previous: 1 });
        await putVersion(store.db, row(account, '/pair', 1, 'new', T0 + 50), { tags: '[{"Key":"form","Value":"slash"}]' });
        await putVersion(store.db, row(account, 'tie', 1, 'bare', T0 + 5), {});
        await putVersion(store.db, row(account, '/tie', 1, 'slash', T0 + 5), {});
        await putVersion(store.db, row(account, '/alone', 1, 'x'), {});
      } finally {
        // As the migrator runs it: inside one transaction where the engine has transactional DDL (PostgreSQL).
        if (store.db.getExecutor().adapter.supportsTransactionalDdl) await store.db.transaction().execute((tx) => migrateNames(tx));
        else await migrateNames(store.db);
      }
      const kept = await getVersions(store.db, account, 'pair');
      assert.deepEqual(kept.map((v) => [v.name, v.value]), [['/pair', 'new']]);
      assert.equal((await getTags(store.db, account, ['/pair'])).get('/pair'), '[{"Key":"form","Value":"slash"}]');
      assert.equal((await getTags(store.db, account, ['pair'])).get('pair'), undefined);
      const [moved] = await listDeleted(store.db, account, 'pair');
      assert.equal(moved.name, 'pair');
      assert.equal(moved.deleted_by, DELETED_BY);
      assert.deepEqual((JSON.parse(moved.versions) as VersionRow[]).map((v) => v.value), ['old-1', 'old-2']);
      assert.equal(moved.tags, '[{"Key":"form","Value":"bare"}]');
      assert.equal((await getCurrent(store.db, account, 'tie'))?.value, 'slash', 'a tie keeps the form with the slash');
      assert.equal((await getCurrent(store.db, account, 'alone'))?.value, 'x');
      // The moved one comes back once the kept one is gone.
      await assert.rejects(restoreDeletedParameter(store.db, account, 'pair', T0 + 100), /exists again/);
      // (deleted at a time before the migration ran, so the migration's deletion is the newest)
      await deleteParameter(store.db, account, '/pair', { id: 'd-pair', at: 1_000, by: 'me' });
      await restoreDeletedParameter(store.db, account, '/pair', T0 + 101);
      assert.deepEqual((await getVersions(store.db, account, '/pair')).map((v) => [v.name, v.value]), [['pair', 'old-1'], ['pair', 'old-2']]);
      assert.equal((await getTags(store.db, account, ['pair'])).get('pair'), '[{"Key":"form","Value":"bare"}]');
    });
  });
}
