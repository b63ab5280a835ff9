import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Scope } from '@bosun/protocol';
import { insertTestNode, testNodeId } from '../compliance/test-support.ts';
import { storeTargets, type TestStore } from '../testing/stores.ts';
import { compareVersions } from './inventory-filters.ts';
import { fleetEntriesAt, inventoryAt, inventoryDiff, parseTime } from './history.ts';
import { putInventory } from './inventory-store.ts';
import { entriesOfItem } from './operations.ts';

const T0 = Date.UTC(2026, 4, 1);
const HOUR = 3_600_000;
const SCOPE: Scope = { accountId: '666666666666', region: 'us-east-1' };
const apps = (list: Record<string, string>) => ({
  typeName: 'AWS:Application', schemaVersion: '1.1', captureTime: '2026-05-01T00:00:00Z', attributes: ['Name', 'Version'],
  entries: entriesOfItem('AWS:Application', Object.entries(list).map(([Name, Version]) => ({ Name, Version }))),
});

test('versions compare by their runs of digits, as package managers order them', () => {
  assert.ok(compareVersions('1.2.10', '1.2.9') > 0);
  assert.ok(compareVersions('3.0.2-0ubuntu1', '3.0.13') < 0);
  assert.ok(compareVersions('1.0', '1.0.1') < 0);
  assert.equal(compareVersions('2:1.1', '2:1.1'), 0);
});

test('times are ISO 8601 or epoch milliseconds, and anything else is refused by name', () => {
  assert.equal(parseTime('2026-05-01T00:00:00Z', 'at'), T0);
  assert.equal(parseTime(String(T0), 'at'), T0);
  assert.equal(parseTime(undefined, 'to', 7), 7);
  assert.throws(() => parseTime('last tuesday', 'at'), /at "last tuesday" isn't a time/);
  assert.throws(() => parseTime(undefined, 'from'), /from is required/);
});

for (const target of storeTargets) {
  describe(`inventory history on ${target.name}`, { skip: target.skip }, () => {
    let store: TestStore;
    const a = testNodeId(901);
    const b = testNodeId(902);
    before(async () => {
      store = await target.open();
      for (const id of [a, b]) await insertTestNode(store.db, SCOPE, id);
      const put = (id: string, list: Record<string, string>, at: number) => putInventory(store.db, SCOPE, { instanceId: id, items: [apps(list)], customTypeLimit: 20 }, at);
      await put(a, { openssl: '3.0.2', curl: '7.81' }, T0);
      await put(b, { openssl: '3.0.13' }, T0);
      await put(a, { openssl: '3.0.13', curl: '7.81', jq: '1.6' }, T0 + 2 * HOUR);
      await put(a, { openssl: '3.0.13', jq: '1.6' }, T0 + 4 * HOUR);
    });
    after(async () => {
      await store?.destroy();
    });

    test('the diff between two times is the net change: added, removed and changed entries', async () => {
      const diff = await inventoryDiff(store.db, SCOPE, a, T0 + HOUR, T0 + 5 * HOUR);
      assert.deepEqual(diff.changes, [
        { typeName: 'AWS:Application', change: 'removed', name: 'curl', before: { Name: 'curl', Version: '7.81' } },
        { typeName: 'AWS:Application', change: 'added', name: 'jq', after: { Name: 'jq', Version: '1.6' } },
        { typeName: 'AWS:Application', change: 'changed', name: 'openssl', before: { Name: 'openssl', Version: '3.0.2' }, after: { Name: 'openssl', Version: '3.0.13' } },
      ]);
      assert.deepEqual((await inventoryDiff(store.db, SCOPE, a, T0 + 5 * HOUR, T0 + 6 * HOUR)).changes, []);
      await assert.rejects(inventoryDiff(store.db, SCOPE, a, T0 + HOUR, T0), /from .* is after to/);
    });

    test('the inventory at a time keeps the capture time only of the types unchanged since', async () => {
      const early = await inventoryAt(store.db, SCOPE, a, T0 + HOUR);
      assert.deepEqual(early.types.map((t) => [t.typeName, t.captureTime, t.entries.map((e) => e.Name)]), [['AWS:Application', undefined, ['curl', 'openssl']]]);
      assert.equal(early.historyStartsAt, new Date(T0).toISOString());
      const now = await inventoryAt(store.db, SCOPE, a, T0 + 5 * HOUR);
      assert.equal(now.types[0].captureTime, '2026-05-01T00:00:00Z');
    });

    test('the fleet query finds the nodes that had a package below a version at a time', async () => {
      const below = async (at: number) => (await fleetEntriesAt(store.db, SCOPE, { typeName: 'AWS:Application', name: 'openssl', at, below: '3.0.13' })).map((m) => [m.instanceId, m.entry.Version]);
      assert.deepEqual(await below(T0 + HOUR), [[a, '3.0.2']]);
      assert.deepEqual(await below(T0 + 3 * HOUR), []);
      assert.deepEqual((await fleetEntriesAt(store.db, SCOPE, { typeName: 'AWS:Application', name: 'openssl', at: T0 + HOUR })).map((m) => m.instanceId), [a, b]);
    });
  });
}
