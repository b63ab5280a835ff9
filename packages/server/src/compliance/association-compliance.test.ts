import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Scope } from '@bosun/protocol';
import { storeTargets, type TestStore } from '../testing/stores.ts';
import { recordAssociationCompliance } from './association-compliance.ts';
import { listItems, listSummaries } from './compliance-store.ts';
import { insertTestNode, testNodeId } from './test-support.ts';

const T0 = Date.UTC(2026, 6, 1);
const SCOPE: Scope = { accountId: '222222222222', region: 'us-east-1' };

type Result = Parameters<typeof recordAssociationCompliance>[2];
const result = (instanceId: string, more: Partial<Result> = {}): Result => ({
  instanceId, associationId: 'a-1', associationName: 'keep-nginx', documentName: 'AWS-RunShellScript', documentVersion: '1',
  executionId: 'cmd-1', severity: 'HIGH', status: 'COMPLIANT', executionTime: T0, ...more,
});

for (const target of storeTargets) {
  describe(`association compliance on ${target.name}`, { skip: target.skip }, () => {
    let store: TestStore;
    let n = 100;
    const node = async () => {
      const id = testNodeId(++n);
      await insertTestNode(store.db, SCOPE, id);
      return id;
    };
    const items = (id: string) => listItems(store.db, SCOPE, { resourceIds: [id] });
    const summary = async (id: string) => (await listSummaries(store.db, SCOPE)).find((s) => s.resource_id === id && s.compliance_type === 'Association');
    before(async () => {
      store = await target.open();
    });
    after(async () => {
      await store?.destroy();
    });

    test("writes the node's Association item: the association id, its name, the document and the execution", async () => {
      const id = await node();
      await recordAssociationCompliance(store.db, SCOPE, result(id));
      const [row] = await items(id);
      assert.deepEqual(
        { type: row.compliance_type, id: row.item_id, title: row.title, status: row.status, severity: row.severity, details: JSON.parse(row.details!), execution: [row.execution_time, row.execution_id, row.execution_type] },
        { type: 'Association', id: 'a-1', title: 'keep-nginx', status: 'COMPLIANT', severity: 'HIGH', details: { DocumentName: 'AWS-RunShellScript', DocumentVersion: '1' }, execution: [T0, 'cmd-1', 'Command'] },
      );
    });

    test('an association without a name is titled by its document', async () => {
      const id = await node();
      await recordAssociationCompliance(store.db, SCOPE, result(id, { associationName: undefined, documentName: 'Bosun-Nginx' }));
      assert.equal((await items(id))[0].title, 'Bosun-Nginx');
    });

    test("a later execution replaces the association's item and keeps the node's other associations' items", async () => {
      const id = await node();
      await recordAssociationCompliance(store.db, SCOPE, result(id));
      await recordAssociationCompliance(store.db, SCOPE, result(id, { associationId: 'a-2', associationName: 'sshd', severity: 'LOW', executionId: 'cmd-2', executionTime: T0 + 10 }));
      await recordAssociationCompliance(store.db, SCOPE, result(id, { status: 'NON_COMPLIANT', executionId: 'cmd-3', executionTime: T0 + 20 }));
      const rows = (await items(id)).sort((a, b) => a.item_id!.localeCompare(b.item_id!));
      assert.deepEqual(rows.map((r) => [r.item_id, r.status, r.execution_id]), [['a-1', 'NON_COMPLIANT', 'cmd-3'], ['a-2', 'COMPLIANT', 'cmd-2']]);
      const s = (await summary(id))!;
      assert.deepEqual([s.status, s.overall_severity, s.execution_id], ['NON_COMPLIANT', 'HIGH', 'cmd-3']);
      assert.equal(JSON.parse(s.compliant_counts).LowCount, 1);
      assert.equal(JSON.parse(s.non_compliant_counts).HighCount, 1);
    });

    test('a result older than the stored one changes nothing: the summary reflects the last execution', async () => {
      const id = await node();
      await recordAssociationCompliance(store.db, SCOPE, result(id, { status: 'COMPLIANT', executionId: 'cmd-new', executionTime: T0 + 60_000 }));
      await recordAssociationCompliance(store.db, SCOPE, result(id, { status: 'NON_COMPLIANT', executionId: 'cmd-old', executionTime: T0 }));
      assert.deepEqual((await items(id)).map((r) => [r.status, r.execution_id]), [['COMPLIANT', 'cmd-new']]);
      const s = (await summary(id))!;
      assert.deepEqual([s.status, s.execution_id, s.execution_time], ['COMPLIANT', 'cmd-new', T0 + 60_000]);
    });

    test("leaves the node's other compliance types alone", async () => {
      const id = await node();
      await store.db.insertInto('compliance_items').values({
        account_id: SCOPE.accountId, region: SCOPE.region, resource_type: 'ManagedInstance', resource_id: id, compliance_type: 'Custom:Other', item_key: 'id:x',
        item_id: 'x', title: null, status: 'COMPLIANT', severity: 'LOW', details: null, execution_time: T0, execution_id: null, execution_type: null, updated_at: T0,
      }).execute();
      await recordAssociationCompliance(store.db, SCOPE, result(id));
      assert.deepEqual((await items(id)).map((r) => r.compliance_type).sort(), ['Association', 'Custom:Other']);
    });

    test('a severity that is not a compliance severity is a programming error', async () => {
      await assert.rejects(recordAssociationCompliance(store.db, SCOPE, result(await node(), { severity: 'Severe' })), /severity Severe/);
    });
  });
}
