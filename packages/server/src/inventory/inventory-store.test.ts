import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Scope } from '@bosun/protocol';
import { insertTestNode, testNodeId } from '../compliance/test-support.ts';
import { storeTargets, type TestStore } from '../testing/stores.ts';
import {
  deleteInventoryType, entriesNamedAt, entriesOf, itemsOf, nodeStateAt, pruneHistory, putInventory, selectNodes, type NewItem, type PutInventory,
} from './inventory-store.ts';
import { entriesOfItem } from './operations.ts';

const T0 = Date.UTC(2026, 2, 1);
const HOUR = 3_600_000;
const EAST: Scope = { accountId: '444444444444', region: 'us-east-1' };
const WEST: Scope = { accountId: '444444444444', region: 'eu-west-1' };

const apps = (...list: [string, string][]): NewItem => ({
  typeName: 'AWS:Application', schemaVersion: '1.1', captureTime: '2026-03-01T00:00:00Z',
  entries: entriesOfItem('AWS:Application', list.map(([Name, Version]) => ({ Name, Version, Architecture: 'amd64' }))), attributes: ['Name', 'Version', 'Architecture'],
});
const custom = (typeName: string, content: Record<string, string>[], schemaVersion = '1.0'): NewItem => ({
  typeName, schemaVersion, captureTime: '2026-03-01T00:00:00Z', entries: entriesOfItem(typeName, content), attributes: [...new Set(content.flatMap((c) => Object.keys(c)))],
});
const putOf = (instanceId: string, items: NewItem[]): PutInventory => ({ instanceId, items, customTypeLimit: 3 });
const versions = (state: Awaited<ReturnType<typeof nodeStateAt>>) =>
  [...(state.get('AWS:Application')?.entries.values() ?? [])].map((c) => JSON.parse(c) as Record<string, string>).map((e) => `${e.Name}=${e.Version}`).sort();

for (const target of storeTargets) {
  describe(`inventory store on ${target.name}`, { skip: target.skip }, () => {
    let store: TestStore;
    let n = 0;
    const node = async (scope: Scope = EAST) => {
      const id = testNodeId(++n);
      await insertTestNode(store.db, scope, id);
      return id;
    };
    const changeCount = async (instanceId: string) => (await store.db.selectFrom('inventory_changes').select('entry_key').where('instance_id', '=', instanceId).execute()).length;
    before(async () => {
      store = await target.open();
    });
    after(async () => {
      await store?.destroy();
    });

    test('a put replaces the entries of its type and keeps only the changed entries in the history', async () => {
      const id = await node();
      await putInventory(store.db, EAST, putOf(id, [apps(['bash', '5.1'], ['curl', '7.88'], ['jq', '1.6'])]), T0);
      assert.equal(await changeCount(id), 1, 'a new type is one change: its creation');
      const second = await putInventory(store.db, EAST, putOf(id, [apps(['bash', '5.2'], ['curl', '7.88'], ['vim', '9.0'])]), T0 + HOUR);
      assert.deepEqual(second, { outcome: 'written', changes: 3, skipped: [] });
      const rows = await entriesOf(store.db, EAST, [id], ['AWS:Application']);
      assert.deepEqual(rows.map((r) => JSON.parse(r.content).Name + '=' + JSON.parse(r.content).Version), ['bash=5.2', 'curl=7.88', 'vim=9.0']);
      assert.equal(await changeCount(id), 4);
    });

    test('the state at a time undoes the later changes; before the type came it has no such type', async () => {
      const id = await node();
      await putInventory(store.db, EAST, putOf(id, [apps(['bash', '5.1'], ['jq', '1.6'])]), T0);
      await putInventory(store.db, EAST, putOf(id, [apps(['bash', '5.2'])]), T0 + HOUR);
      await putInventory(store.db, EAST, putOf(id, [apps(['bash', '5.2'], ['vim', '9.0'])]), T0 + 2 * HOUR);
      assert.deepEqual(versions(await nodeStateAt(store.db, EAST, id, T0)), ['bash=5.1', 'jq=1.6']);
      assert.deepEqual(versions(await nodeStateAt(store.db, EAST, id, T0 + HOUR + 1)), ['bash=5.2']);
      assert.deepEqual(versions(await nodeStateAt(store.db, EAST, id, T0 + 3 * HOUR)), ['bash=5.2', 'vim=9.0']);
      assert.equal((await nodeStateAt(store.db, EAST, id, T0 - 1)).has('AWS:Application'), false);
    });

    test('the fleet lookup by name tells each node its entry at a time, and nothing before its inventory came', async () => {
      const a = await node();
      const b = await node();
      await putInventory(store.db, EAST, putOf(a, [apps(['openssl', '3.0.1'])]), T0);
      await putInventory(store.db, EAST, putOf(b, [apps(['curl', '7.0'])]), T0);
      await putInventory(store.db, EAST, putOf(b, [apps(['curl', '7.0'], ['openssl', '3.0.9'])]), T0 + HOUR);
      await putInventory(store.db, EAST, putOf(a, [apps(['openssl', '3.0.13'])]), T0 + 2 * HOUR);
      const at = async (t: number) => (await entriesNamedAt(store.db, EAST, 'AWS:Application', 'openssl', t)).filter((r) => r.instanceId === a || r.instanceId === b)
        .map((r) => `${r.instanceId === a ? 'a' : 'b'}=${JSON.parse(r.content).Version}`);
      assert.deepEqual(await at(T0 - 1), []);
      assert.deepEqual(await at(T0), ['a=3.0.1']);
      assert.deepEqual(await at(T0 + HOUR), ['a=3.0.1', 'b=3.0.9']);
      assert.deepEqual(await at(T0 + 2 * HOUR), ['a=3.0.13', 'b=3.0.9']);
    });

    test('an item with the stored content hash changes only its capture time', async () => {
      const id = await node();
      await putInventory(store.db, EAST, putOf(id, [{ ...apps(['bash', '5.1']), contentHash: 'h1' }]), T0);
      await putInventory(store.db, EAST, putOf(id, [{ ...apps(['bash', '9.9']), contentHash: 'h1', captureTime: '2026-03-02T00:00:00Z' }]), T0 + HOUR);
      const [item] = await itemsOf(store.db, EAST, [id]);
      assert.deepEqual([item.capture_time, item.content_hash], ['2026-03-02T00:00:00Z', 'h1']);
      assert.deepEqual(versions(await nodeStateAt(store.db, EAST, id, T0 + 2 * HOUR)), ['bash=5.1']);
      assert.equal(await changeCount(id), 1);
    });

    test('a hash without content that is not the stored one is a mismatch, and nothing of the put is written', async () => {
      const id = await node();
      await putInventory(store.db, EAST, putOf(id, [{ ...apps(['bash', '5.1']), contentHash: 'h1' }]), T0);
      const result = await putInventory(store.db, EAST, putOf(id, [custom('Custom:A', [{ K: 'v' }]), { ...apps(), entries: undefined, contentHash: 'other' }]), T0 + HOUR);
      assert.deepEqual(result, { outcome: 'mismatch', typeName: 'AWS:Application' });
      assert.deepEqual((await itemsOf(store.db, EAST, [id])).map((i) => i.type_name), ['AWS:Application']);
    });

    test('Custom schemas: a limit of types per account and region, the same version keeps its attributes, a lower one is refused', async () => {
      const id = await node(WEST);
      for (const t of ['Custom:One', 'Custom:Two', 'Custom:Three']) assert.equal((await putInventory(store.db, WEST, putOf(id, [custom(t, [{ K: 'v' }])]), T0)).outcome, 'written');
      assert.deepEqual(await putInventory(store.db, WEST, putOf(id, [custom('Custom:Four', [{ K: 'v' }])]), T0), { outcome: 'type-limit', typeName: 'Custom:Four', types: ['Custom:One', 'Custom:Three', 'Custom:Two'] });
      assert.deepEqual(await putInventory(store.db, WEST, putOf(id, [custom('Custom:One', [{ K: 'v', L: 'w' }])]), T0), { outcome: 'new-attributes', typeName: 'Custom:One', version: '1.0', attributes: ['L'] });
      assert.equal((await putInventory(store.db, WEST, putOf(id, [custom('Custom:One', [{ K: 'v', L: 'w' }], '1.1')]), T0)).outcome, 'written');
      assert.deepEqual(await putInventory(store.db, WEST, putOf(id, [custom('Custom:One', [{ K: 'v' }], '1.0')]), T0), { outcome: 'old-version', typeName: 'Custom:One', version: '1.1' });
    });

    test('deleting a type removes it on every node and keeps what it was in the history', async () => {
      const a = await node();
      await putInventory(store.db, EAST, putOf(a, [custom('Custom:Gone', [{ Name: 'x', V: '1' }])]), T0);
      const row = await deleteInventoryType(store.db, EAST, { deletionId: 'd-1', typeName: 'Custom:Gone', schemaDeleteOption: 'DeleteSchema' }, T0 + HOUR);
      assert.deepEqual(JSON.parse(row.summary), { TotalCount: 1, RemainingCount: 0, SummaryItems: [{ Version: '1.0', Count: 1, RemainingCount: 0 }] });
      assert.deepEqual(await itemsOf(store.db, EAST, [a]), []);
      const before = await nodeStateAt(store.db, EAST, a, T0 + 1);
      assert.deepEqual([...before.get('Custom:Gone')!.entries.values()].map((c) => JSON.parse(c)), [{ Name: 'x', V: '1' }]);
      assert.equal((await nodeStateAt(store.db, EAST, a, T0 + HOUR)).has('Custom:Gone'), false);
    });

    test('pruning removes the changes older than the retention only', async () => {
      const id = await node();
      await putInventory(store.db, EAST, putOf(id, [apps(['a', '1'])]), T0 - 400 * 24 * HOUR);
      await putInventory(store.db, EAST, putOf(id, [apps(['a', '2'])]), T0);
      const removed = await pruneHistory(store.db, T0 - 365 * 24 * HOUR);
      assert.ok(removed >= 1);
      assert.equal(await changeCount(id), 1);
      assert.deepEqual(versions(await nodeStateAt(store.db, EAST, id, T0 - 1)), ['a=1']);
    });

    test('nodes are selected by entry name and prefix from the index, in id order, per region', async () => {
      const a = await node();
      const b = await node();
      const w = await node(WEST);
      await putInventory(store.db, EAST, putOf(a, [apps(['nginx-core', '1'])]), T0);
      await putInventory(store.db, EAST, putOf(b, [apps(['nginx', '1'])]), T0);
      await putInventory(store.db, WEST, putOf(w, [apps(['nginx', '1'])]), T0);
      const ids = (list: string[]) => list.filter((x) => [a, b, w].includes(x));
      assert.deepEqual(ids(await selectNodes(store.db, EAST, { kind: 'names', typeName: 'AWS:Application', names: ['nginx'] }, { limit: 100 })), [b]);
      assert.deepEqual(ids(await selectNodes(store.db, EAST, { kind: 'prefix', typeName: 'AWS:Application', prefix: 'nginx' }, { limit: 100 })), [a, b]);
      assert.deepEqual(ids(await selectNodes(store.db, EAST, { kind: 'prefix', typeName: 'AWS:Application', prefix: 'nginx' }, { after: a, limit: 100 })), [b]);
      assert.deepEqual(ids(await selectNodes(store.db, WEST, { kind: 'type', typeName: 'AWS:Application' }, { limit: 100 })), [w]);
    });
  });
}
