import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Scope } from '@bosun/protocol';
import { storeTargets, type TestStore } from '../testing/stores.ts';
import { listItems, listSummaries, putItems, RESOURCE_TYPE, type NewItem, type PutItems } from './compliance-store.ts';
import { insertTestNode, testNodeId } from './test-support.ts';

const NOW = Date.UTC(2026, 5, 1);
const EAST: Scope = { accountId: '111111111111', region: 'us-east-1' };
const WEST: Scope = { accountId: '111111111111', region: 'eu-west-1' };

function put(resourceId: string, complianceType: string, items: NewItem[], more: Partial<PutItems> = {}): PutItems {
  return { resourceType: RESOURCE_TYPE, resourceId, complianceType, execution: { time: NOW, id: 'exec-1', type: 'Command' }, items, uploadType: 'COMPLETE', customTypeLimit: 10, ...more };
}
const item = (id: string, status = 'COMPLIANT', severity = 'MEDIUM', title?: string): NewItem => ({ key: `id:${id}`, id, status, severity, title });

for (const target of storeTargets) {
  describe(`compliance store on ${target.name}`, { skip: target.skip }, () => {
    let store: TestStore;
    let n = 0;
    const node = async (scope: Scope = EAST, options: { deregisteredAt?: number } = {}) => {
      const id = testNodeId(++n);
      await insertTestNode(store.db, scope, id, options);
      return id;
    };
    before(async () => {
      store = await target.open();
    });
    after(async () => {
      await store?.destroy();
    });

    test('a COMPLETE put replaces every item of its type on the resource and leaves its other types', async () => {
      const id = await node();
      await putItems(store.db, EAST, put(id, 'Custom:Disk', [item('a'), item('b')]), NOW);
      await putItems(store.db, EAST, put(id, 'Custom:Ports', [item('p')]), NOW);
      await putItems(store.db, EAST, put(id, 'Custom:Disk', [item('c', 'NON_COMPLIANT')], { execution: { time: NOW + 1000 } }), NOW + 1000);
      const rows = await listItems(store.db, EAST, { resourceIds: [id] });
      assert.deepEqual(rows.map((r) => [r.compliance_type, r.item_id]).sort(), [['Custom:Disk', 'c'], ['Custom:Ports', 'p']]);
      const disk = rows.find((r) => r.item_id === 'c')!;
      assert.deepEqual([disk.execution_time, disk.execution_id, disk.execution_type], [NOW + 1000, null, null]);
    });

    test('a PARTIAL put replaces the items with the same Id and keeps the rest', async () => {
      const id = await node();
      await putItems(store.db, EAST, put(id, 'Custom:Pkg', [item('nginx'), item('curl', 'COMPLIANT', 'LOW')]), NOW);
      await putItems(store.db, EAST, put(id, 'Custom:Pkg', [item('nginx', 'NON_COMPLIANT', 'HIGH'), item('jq')], { uploadType: 'PARTIAL' }), NOW + 1);
      const rows = await listItems(store.db, EAST, { resourceIds: [id] });
      assert.deepEqual(rows.map((r) => [r.item_id, r.status, r.severity]).sort(), [['curl', 'COMPLIANT', 'LOW'], ['jq', 'COMPLIANT', 'MEDIUM'], ['nginx', 'NON_COMPLIANT', 'HIGH']]);
    });

    test("the summary row counts the items by status and severity, and takes the last put's execution", async () => {
      const id = await node();
      await putItems(store.db, EAST, put(id, 'Patch', [item('k1', 'NON_COMPLIANT', 'LOW'), item('k2', 'NON_COMPLIANT', 'CRITICAL'), item('k3', 'COMPLIANT', 'HIGH')]), NOW);
      const [summary] = (await listSummaries(store.db, EAST)).filter((s) => s.resource_id === id);
      assert.deepEqual([summary.status, summary.overall_severity, summary.execution_id], ['NON_COMPLIANT', 'CRITICAL', 'exec-1']);
      assert.deepEqual(JSON.parse(summary.non_compliant_counts), { CriticalCount: 1, HighCount: 0, MediumCount: 0, LowCount: 1, InformationalCount: 0, UnspecifiedCount: 0 });
      assert.deepEqual(JSON.parse(summary.compliant_counts), { CriticalCount: 0, HighCount: 1, MediumCount: 0, LowCount: 0, InformationalCount: 0, UnspecifiedCount: 0 });
      await putItems(store.db, EAST, put(id, 'Patch', [item('k1', 'COMPLIANT', 'LOW')], { execution: { time: NOW + 5, id: 'exec-2' } }), NOW + 5);
      const [after] = (await listSummaries(store.db, EAST)).filter((s) => s.resource_id === id);
      assert.deepEqual([after.status, after.overall_severity, after.execution_id, after.execution_time], ['COMPLIANT', 'LOW', 'exec-2', NOW + 5]);
    });

    test('a put with the content hash of the last one changes nothing', async () => {
      const id = await node();
      assert.equal((await putItems(store.db, EAST, put(id, 'Custom:Hash', [item('a')], { contentHash: 'h1' }), NOW)).outcome, 'written');
      assert.equal((await putItems(store.db, EAST, put(id, 'Custom:Hash', [item('b')], { contentHash: 'h1' }), NOW)).outcome, 'unchanged');
      assert.deepEqual((await listItems(store.db, EAST, { resourceIds: [id] })).map((r) => r.item_id), ['a']);
      assert.equal((await putItems(store.db, EAST, put(id, 'Custom:Hash', [item('b')], { contentHash: 'h2' }), NOW)).outcome, 'written');
      assert.deepEqual((await listItems(store.db, EAST, { resourceIds: [id] })).map((r) => r.item_id), ['b']);
    });

    test('a new Custom type past the limit is refused; a type the resource has, Association and Patch are not counted', async () => {
      const id = await node();
      for (let i = 0; i < 3; i++) assert.equal((await putItems(store.db, EAST, put(id, `Custom:T${i}`, [item('x')], { customTypeLimit: 3 }), NOW)).outcome, 'written');
      const refused = await putItems(store.db, EAST, put(id, 'Custom:T3', [item('x')], { customTypeLimit: 3 }), NOW);
      assert.deepEqual(refused, { outcome: 'type-limit', types: ['Custom:T0', 'Custom:T1', 'Custom:T2'] });
      assert.equal((await putItems(store.db, EAST, put(id, 'Custom:T1', [item('y')], { customTypeLimit: 3 }), NOW)).outcome, 'written');
      assert.equal((await putItems(store.db, EAST, put(id, 'Patch', [item('y')], { customTypeLimit: 3 }), NOW)).outcome, 'written');
      // Another node has its own types.
      assert.equal((await putItems(store.db, EAST, put(await node(), 'Custom:T3', [item('x')], { customTypeLimit: 3 }), NOW)).outcome, 'written');
    });

    test('a COMPLETE put of no items removes the type from the resource', async () => {
      const id = await node();
      await putItems(store.db, EAST, put(id, 'Custom:Gone', [item('a')]), NOW);
      await putItems(store.db, EAST, put(id, 'Custom:Gone', []), NOW);
      assert.deepEqual(await listItems(store.db, EAST, { resourceIds: [id] }), []);
      assert.equal((await listSummaries(store.db, EAST)).filter((s) => s.resource_id === id).length, 0);
    });

    test('items live per region, and a deregistered node\'s are not listed', async () => {
      const west = await node(WEST);
      await putItems(store.db, WEST, put(west, 'Custom:Region', [item('w')]), NOW);
      assert.deepEqual((await listItems(store.db, WEST, { resourceIds: [west] })).map((r) => r.item_id), ['w']);
      assert.deepEqual(await listItems(store.db, EAST, { resourceIds: [west] }), []);
      assert.equal((await listSummaries(store.db, EAST)).some((s) => s.resource_id === west), false);
      const gone = await node(EAST, { deregisteredAt: NOW });
      await putItems(store.db, EAST, put(gone, 'Custom:Region', [item('g')]), NOW);
      assert.deepEqual(await listItems(store.db, EAST, { resourceIds: [gone] }), []);
      assert.equal((await listSummaries(store.db, EAST)).some((s) => s.resource_id === gone), false);
    });

    test('10,000 items in one put are written in batches and counted', async () => {
      const id = await node();
      const many = Array.from({ length: 10_000 }, (_, i) => item(`i${i}`, i % 4 === 0 ? 'NON_COMPLIANT' : 'COMPLIANT', 'LOW'));
      await putItems(store.db, EAST, put(id, 'Custom:Many', many), NOW);
      await putItems(store.db, EAST, put(id, 'Custom:Many', many.slice(0, 600), { uploadType: 'PARTIAL' }), NOW);
      assert.equal((await listItems(store.db, EAST, { resourceIds: [id] })).length, 10_000);
      const [summary] = (await listSummaries(store.db, EAST)).filter((s) => s.resource_id === id);
      assert.equal(JSON.parse(summary.non_compliant_counts).LowCount, 2500);
      assert.equal(JSON.parse(summary.compliant_counts).LowCount, 7500);
    });

    test('concurrent COMPLETE puts to one resource and type take turns: one put\'s items remain', async () => {
      const id = await node();
      await Promise.all(Array.from({ length: 6 }, (_, k) => putItems(store.db, EAST, put(id, 'Custom:Race', [item(`r${k}a`), item(`r${k}b`)]), NOW + k)));
      const rows = await listItems(store.db, EAST, { resourceIds: [id] });
      assert.equal(rows.length, 2);
      assert.equal(new Set(rows.map((r) => r.item_id!.slice(0, 2))).size, 1);
      const [summary] = (await listSummaries(store.db, EAST)).filter((s) => s.resource_id === id);
      assert.equal(JSON.parse(summary.compliant_counts).MediumCount, 2);
    });
  });
}
