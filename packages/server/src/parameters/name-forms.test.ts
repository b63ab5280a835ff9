import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Scope } from '@bosun/protocol';
import { DELETED_BY } from '../store/migrations/0009-parameter-names.ts';
import { migrateToLatest } from '../store/store.ts';
import { fixtures } from '../testing/fixtures.ts';
import { storeTargets, type TestStore } from '../testing/stores.ts';
import { nameForms, pathForm } from './names.ts';
import { deleteParameter, getCurrent, getTags, getVersions, listCurrent, listDeleted, putVersion, VersionConflict, type VersionRow } from './parameter-store.ts';
import { restoreDeletedParameter } from './restore.ts';

const T0 = Date.UTC(2026, 11, 1, 8, 0, 0);

const row = (scope: Scope, name: string, version: number, value: string, at = T0 + version): VersionRow => fixtures.parameterVersion(scope, name, { version, value, at });

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
    let scope: Scope;
    before(async () => {
      store = await target.open();
      scope = { accountId: (await fixtures.account(store, fixtures.rootKey(), { now: T0 })).accountId, region: 'us-east-1' };
    });
    after(async () => {
      await store?.destroy();
    });

    test('a parameter created without its slash is read, listed under / and deleted by either form, and keeps its own form', async () => {
      await putVersion(store.db, row(scope, 'plain', 1, 'one'), { tags: '[{"Key":"k","Value":"v"}]' });
      assert.equal((await getCurrent(store.db, scope, '/plain'))?.name, 'plain');
      assert.equal((await getVersions(store.db, scope, '/plain')).length, 1);
      assert.ok((await listCurrent(store.db, scope, { parent: '/', limit: 100 })).some((r) => r.name === 'plain'));
      assert.ok((await listCurrent(store.db, scope, { prefix: '/', limit: 100 })).some((r) => r.name === 'plain'));
      assert.equal(await deleteParameter(store.db, scope, '/plain', { id: 'd-plain', at: T0 + 10, by: 'me' }), true);
      assert.equal(await getCurrent(store.db, scope, 'plain'), undefined);
      const [deleted] = await listDeleted(store.db, scope, '/plain');
      assert.equal(deleted.name, 'plain');
      assert.equal(deleted.tags, '[{"Key":"k","Value":"v"}]');
    });

    test('creating the other form of an existing top-level name is a version conflict', async () => {
      await putVersion(store.db, row(scope, '/taken', 1, 'one'), {});
      await assert.rejects(putVersion(store.db, row(scope, 'taken', 1, 'two'), {}), VersionConflict);
      assert.equal((await getCurrent(store.db, scope, 'taken'))?.value, 'one');
    });
  });
}


/** A version row as stores before 0010-regions held it: without a region. */
function withoutRegion(version: VersionRow): Omit<VersionRow, 'region'> {
  const copy: Partial<VersionRow> = { ...version };
  delete copy.region;
  return copy as Omit<VersionRow, 'region'>;
}

for (const target of storeTargets) {
  describe(`migration 0009 on ${target.name}`, { skip: target.skip }, () => {
    const scope = { accountId: '111122223333', region: 'us-east-1' };
    let opened: TestStore;
    before(async () => {
      opened = await target.openUnmigrated();
      await migrateToLatest(opened.db, 'us-east-1', '0008-change-notifications');
    });
    after(async () => {
      await opened?.destroy();
    });

    test('migration 0009 keeps the most recently modified of foo and /foo, and moves the other with its versions and tags to the deleted parameters', async () => {
      const db = opened.db as any;
      const put = (name: string, version: number, value: string, at: number, current = 1) =>
        db.insertInto('parameter_versions').values({ ...withoutRegion(row(scope, name, version, value, at)), is_current: current }).execute();
      const tag = (name: string, tags: string) => db.insertInto('parameter_tags').values({ account_id: scope.accountId, name, tags }).execute();
      await put('pair', 1, 'old-1', T0 + 1, 0);
      await put('pair', 2, 'old-2', T0 + 2);
      await tag('pair', '[{"Key":"form","Value":"bare"}]');
      await put('/pair', 1, 'new', T0 + 50);
      await tag('/pair', '[{"Key":"form","Value":"slash"}]');
      await put('tie', 1, 'bare', T0 + 5);
      await put('/tie', 1, 'slash', T0 + 5);
      await put('/alone', 1, 'x', T0 + 1);
      await migrateToLatest(opened.db, 'us-east-1');

      const store = opened;
      const kept = await getVersions(store.db, scope, 'pair');
      assert.deepEqual(kept.map((v) => [v.name, v.value]), [['/pair', 'new']]);
      assert.equal((await getTags(store.db, scope, ['/pair'])).get('/pair'), '[{"Key":"form","Value":"slash"}]');
      assert.equal((await getTags(store.db, scope, ['pair'])).get('pair'), undefined);
      const [moved] = await listDeleted(store.db, scope, 'pair');
      assert.equal(moved.name, 'pair');
      assert.equal(moved.deleted_by, DELETED_BY);
      assert.deepEqual((JSON.parse(moved.versions) as VersionRow[]).map((v) => v.value), ['old-1', 'old-2']);
      assert.equal(moved.tags, '[{"Key":"form","Value":"bare"}]');
      assert.equal((await getCurrent(store.db, scope, 'tie'))?.value, 'slash', 'a tie keeps the form with the slash');
      assert.equal((await getCurrent(store.db, scope, 'alone'))?.value, 'x');
      // The moved one comes back once the kept one is gone.
      await assert.rejects(restoreDeletedParameter(store.db, scope, 'pair', T0 + 100), /exists again/);
      // (deleted at a time before the migration ran, so the migration's deletion is the newest)
      await deleteParameter(store.db, scope, '/pair', { id: 'd-pair', at: 1_000, by: 'me' });
      // Its versions were kept before regions, without one: they come back in the region the deletion moved to.
      await restoreDeletedParameter(store.db, scope, '/pair', T0 + 101);
      assert.deepEqual((await getVersions(store.db, scope, '/pair')).map((v) => [v.name, v.value, v.region]), [['pair', 'old-1', 'us-east-1'], ['pair', 'old-2', 'us-east-1']]);
      assert.equal((await getTags(store.db, scope, ['pair'])).get('pair'), '[{"Key":"form","Value":"bare"}]');
    });
  });
}
