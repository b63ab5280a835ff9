import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Scope } from '@bosun/protocol';
import { insertTestNode, testNodeId } from '../compliance/test-support.ts';
import { createLogger } from '../logger.ts';
import { openSqliteTestStore, type TestStore } from '../testing/stores.ts';
import { inventoryCapability } from './inventory-capability.ts';
import { putInventory } from './inventory-store.ts';
import { entriesOfItem } from './operations.ts';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 6, 1);
const SCOPE: Scope = { accountId: '777777777777', region: 'us-east-1' };
let store: TestStore;
before(async () => {
  store = await openSqliteTestStore();
});
after(async () => {
  await store?.destroy();
});

function capability(retentionDays?: number) {
  return inventoryCapability({
    db: store.db, commands: {} as never, nodes: {} as never, associations: {} as never, documents: {} as never, usesPostgres: false, now: () => NOW,
    logger: createLogger({ level: 'silent' }), options: retentionDays === undefined ? undefined : { retentionDays },
  });
}

test('the retention prune keeps 365 days of changes by default, and the days it is told', async () => {
  const id = testNodeId(990);
  await insertTestNode(store.db, SCOPE, id);
  const put = (version: string, at: number) => putInventory(store.db, SCOPE, {
    instanceId: id, customTypeLimit: 20,
    items: [{ typeName: 'Custom:V', schemaVersion: '1.0', captureTime: '2026-01-01T00:00:00Z', attributes: ['Name', 'V'], entries: entriesOfItem('Custom:V', [{ Name: 'x', V: version }]) }],
  }, at);
  await put('1', NOW - 400 * DAY);
  await put('2', NOW - 100 * DAY);
  await put('3', NOW - DAY);
  const kept = async () => (await store.db.selectFrom('inventory_changes').select('changed_at').where('instance_id', '=', id).execute()).map((r) => Math.round((NOW - Number(r.changed_at)) / DAY)).sort((a, b) => a - b);
  assert.equal(await capability().prune(), 1);
  assert.deepEqual(await kept(), [1, 100]);
  assert.equal(await capability(30).prune(), 1);
  assert.deepEqual(await kept(), [1]);
});
