import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isAwsError, type ssm } from '@bosun/protocol';
import type { CallContext, Operation } from '../api/operation.ts';
import { fixtures } from '../testing/fixtures.ts';
import { storeTargets, type TestStore } from '../testing/stores.ts';
import { complianceOperations } from './operations.ts';
import { insertTestNode, testNodeId } from './test-support.ts';

const NOW = Date.UTC(2026, 7, 1);
const ACCOUNT = '333333333333';
const context = (region = 'us-east-1'): CallContext => fixtures.callContext({ accountId: ACCOUNT, region }, { now: NOW, sourceIp: '10.0.0.1' });
const failsWith = (code: string, message?: RegExp) => (error: unknown) => isAwsError(error) && error.code === code && (!message || message.test(error.message));

type PutInput = Omit<ssm.PutComplianceItemsRequest, 'ExecutionSummary'> & { ExecutionSummary?: ssm.ComplianceExecutionSummary };
const entry = (Id: string | undefined, Status: ssm.ComplianceStatus = 'COMPLIANT', Severity: ssm.ComplianceSeverity = 'MEDIUM', more: Partial<ssm.ComplianceItemEntry> = {}): ssm.ComplianceItemEntry =>
  ({ ...(Id !== undefined ? { Id } : {}), Status, Severity, ...more });

for (const target of storeTargets) {
  describe(`compliance operations on ${target.name}`, { skip: target.skip }, () => {
    let store: TestStore;
    let ops: Map<string, Operation>;
    let n = 200;
    const node = async (region = 'us-east-1', options: { tags?: ssm.Tag[]; deregisteredAt?: number } = {}) => {
      const id = testNodeId(++n);
      await insertTestNode(store.db, { accountId: ACCOUNT, region }, id, options);
      return id;
    };
    const call = (name: string, input: object, region?: string) => ops.get(name)!.handle(context(region), input) as Promise<any>;
    const put = (input: Partial<PutInput> & { ResourceId: string; Items: ssm.ComplianceItemEntry[] }, region?: string) =>
      call('PutComplianceItems', { ResourceType: 'ManagedInstance', ComplianceType: 'Custom:App', ExecutionSummary: { ExecutionTime: new Date(NOW), ExecutionId: 'e-1', ExecutionType: 'Command' }, ...input }, region);
    const itemIds = async (input: ssm.ListComplianceItemsRequest) => ((await call('ListComplianceItems', input)).ComplianceItems as ssm.ComplianceItem[]).map((i) => i.Id);

    before(async () => {
      store = await target.open();
      ops = new Map(complianceOperations({ db: store.db, limits: { customTypesPerResource: 10, itemBytes: 300, totalBytes: 1000 } }).map((op) => [op.name, op]));
    });
    after(async () => {
      await store?.destroy();
    });

    test('PutComplianceItems needs ssm:PutComplianceItems on the node, with its tags as condition keys', async () => {
      const id = await node('eu-west-1', { tags: [{ Key: 'Env', Value: 'prod' }] });
      const permissions = await ops.get('PutComplianceItems')!.permissions(context('eu-west-1'), { ResourceId: id, ResourceType: 'ManagedInstance' });
      assert.deepEqual(permissions, [{
        action: 'ssm:PutComplianceItems', resource: `arn:aws:ssm:eu-west-1:${ACCOUNT}:managed-instance/${id}`,
        conditions: { 'ssm:resourceTag/Env': 'prod', 'aws:ResourceTag/Env': 'prod' },
      }]);
      for (const name of ['ListComplianceItems', 'ListComplianceSummaries', 'ListResourceComplianceSummaries']) {
        assert.deepEqual(await ops.get(name)!.permissions(context(), {}), [{ action: `ssm:${name}`, resource: '*' }]);
      }
    });

    test('a put to a node that is not registered in the account and region is InvalidResourceId', async () => {
      await assert.rejects(put({ ResourceId: 'mi-0123456789abcdef0', Items: [] }), failsWith('InvalidResourceId', /mi-0123456789abcdef0/));
      const west = await node('eu-west-1');
      await assert.rejects(put({ ResourceId: west, Items: [] }), failsWith('InvalidResourceId'));
      const gone = await node('us-east-1', { deregisteredAt: NOW - 1 });
      await assert.rejects(put({ ResourceId: gone, Items: [] }), failsWith('InvalidResourceId'));
    });

    test('a resource type other than ManagedInstance is InvalidResourceType, a compliance type other than Association, Patch and Custom:* a ValidationException', async () => {
      const id = await node();
      await assert.rejects(put({ ResourceId: id, ResourceType: 'EC2Instance', Items: [] }), failsWith('InvalidResourceType', /ManagedInstance/));
      await assert.rejects(put({ ResourceId: id, ComplianceType: 'Inventory', Items: [] }), failsWith('ValidationException', /Custom:<name>/));
      await assert.rejects(call('ListComplianceItems', { ResourceTypes: ['Document'] }), failsWith('InvalidResourceType'));
    });

    test('an Id twice in one put, or a PARTIAL item without an Id, is InvalidItemContentException', async () => {
      const id = await node();
      await assert.rejects(put({ ResourceId: id, Items: [entry('a'), entry('a')] }), failsWith('InvalidItemContentException', /a appears more than once/));
      await assert.rejects(put({ ResourceId: id, UploadType: 'PARTIAL', Items: [entry(undefined)] }), failsWith('InvalidItemContentException', /PARTIAL/));
      // COMPLETE takes items without Ids.
      await put({ ResourceId: id, Items: [entry(undefined), entry(undefined, 'NON_COMPLIANT')] });
      const items = (await call('ListComplianceItems', { ResourceIds: [id] })).ComplianceItems as ssm.ComplianceItem[];
      assert.deepEqual(items.map((i) => [i.Id, i.Status]), [[undefined, 'COMPLIANT'], [undefined, 'NON_COMPLIANT']]);
    });

    test('an item over the item size limit is ItemSizeLimitExceededException; items over the total, TotalSizeLimitExceededException', async () => {
      const id = await node();
      await assert.rejects(put({ ResourceId: id, Items: [entry('big', 'COMPLIANT', 'LOW', { Title: 'x'.repeat(400) })] }), failsWith('ItemSizeLimitExceededException', /big/));
      const items = Array.from({ length: 6 }, (_, i) => entry(`i${i}`, 'COMPLIANT', 'LOW', { Title: 'y'.repeat(200) }));
      await assert.rejects(put({ ResourceId: id, Items: items }), failsWith('TotalSizeLimitExceededException'));
      assert.deepEqual(await itemIds({ ResourceIds: [id] }), []);
    });

    test('the eleventh Custom type on a node is ComplianceTypeCountLimitExceededException', async () => {
      const id = await node();
      for (let i = 0; i < 10; i++) await put({ ResourceId: id, ComplianceType: `Custom:T${i}`, Items: [entry('x')] });
      await put({ ResourceId: id, ComplianceType: 'Association', Items: [entry('x')] });
      await put({ ResourceId: id, ComplianceType: 'Patch', Items: [entry('x')] });
      await assert.rejects(put({ ResourceId: id, ComplianceType: 'Custom:T10', Items: [entry('x')] }), failsWith('ComplianceTypeCountLimitExceededException', /maximum of 10 different types/));
    });

    test('ListComplianceItems answers AWS shapes, filtered and paged', async () => {
      const id = await node();
      await put({ ResourceId: id, ComplianceType: 'Custom:Pkg', Items: [
        entry('nginx', 'COMPLIANT', 'HIGH', { Title: 'nginx installed', Details: { Version: '1.24' } }),
        entry('curl', 'NON_COMPLIANT', 'CRITICAL'),
        entry('jq', 'NON_COMPLIANT', 'LOW'),
      ] });
      await put({ ResourceId: id, ComplianceType: 'Custom:Ports', ExecutionSummary: { ExecutionTime: new Date(NOW + 60_000) }, Items: [entry('22', 'COMPLIANT', 'INFORMATIONAL')] });
      const all = (await call('ListComplianceItems', { ResourceIds: [id], ResourceTypes: ['ManagedInstance'] })).ComplianceItems as ssm.ComplianceItem[];
      assert.deepEqual(all.find((i) => i.Id === 'nginx'), {
        ComplianceType: 'Custom:Pkg', ResourceType: 'ManagedInstance', ResourceId: id, Id: 'nginx', Title: 'nginx installed', Status: 'COMPLIANT', Severity: 'HIGH',
        ExecutionSummary: { ExecutionTime: new Date(NOW), ExecutionId: 'e-1', ExecutionType: 'Command' }, Details: { Version: '1.24' },
      });
      assert.deepEqual(await itemIds({ ResourceIds: [id], Filters: [{ Key: 'Status', Values: ['NON_COMPLIANT'] }] }), ['curl', 'jq']);
      assert.deepEqual(await itemIds({ ResourceIds: [id], Filters: [{ Key: 'Severity', Values: ['MEDIUM'], Type: 'GREATER_THAN' }] }), ['curl', 'nginx']);
      assert.deepEqual(await itemIds({ ResourceIds: [id], Filters: [{ Key: 'ComplianceType', Values: ['Custom:Pkg'], Type: 'NOT_EQUAL' }] }), ['22']);
      assert.deepEqual(await itemIds({ ResourceIds: [id], Filters: [{ Key: 'ExecutionTime', Values: [String((NOW + 1000) / 1000)], Type: 'LESS_THAN' }, { Key: 'Id', Values: ['n'], Type: 'BEGIN_WITH' }] }), ['nginx']);
      await assert.rejects(call('ListComplianceItems', { Filters: [{ Key: 'Colour', Values: ['x'] }] }), failsWith('InvalidFilter', /Valid keys: ComplianceType, Status/));
      await assert.rejects(call('ListComplianceItems', { ResourceIds: ['mi-0000000000000dead'] }), failsWith('InvalidResourceId'));

      const seen: string[] = [];
      let token: string | undefined;
      do {
        const pageOut = await call('ListComplianceItems', { ResourceIds: [id], MaxResults: 3, NextToken: token });
        assert.ok(pageOut.ComplianceItems.length <= 3);
        seen.push(...(pageOut.ComplianceItems as ssm.ComplianceItem[]).map((i) => i.Id!));
        token = pageOut.NextToken;
      } while (token);
      assert.deepEqual(seen, ['curl', 'jq', 'nginx', '22']);
      await assert.rejects(call('ListComplianceItems', { NextToken: 'garbage' }), failsWith('InvalidNextToken'));
    });

    test('a COMPLETE put then a PARTIAL one: the PARTIAL replaces its items and keeps the others', async () => {
      const id = await node();
      await put({ ResourceId: id, Items: [entry('a'), entry('b')] });
      await put({ ResourceId: id, UploadType: 'PARTIAL', ExecutionSummary: { ExecutionTime: new Date(NOW + 1000), ExecutionId: 'e-2' }, Items: [entry('b', 'NON_COMPLIANT', 'HIGH'), entry('c')] });
      const items = (await call('ListComplianceItems', { ResourceIds: [id] })).ComplianceItems as ssm.ComplianceItem[];
      assert.deepEqual(items.map((i) => [i.Id, i.Status, i.ExecutionSummary!.ExecutionId]), [['a', 'COMPLIANT', 'e-1'], ['b', 'NON_COMPLIANT', 'e-2'], ['c', 'COMPLIANT', 'e-2']]);
      await put({ ResourceId: id, Items: [entry('z')] });
      assert.deepEqual(await itemIds({ ResourceIds: [id] }), ['z']);
    });

    test('ListResourceComplianceSummaries answers per resource and type: status, overall severity, counts by severity, last execution', async () => {
      const id = await node();
      await put({ ResourceId: id, ComplianceType: 'Custom:Audit', Items: [entry('a', 'NON_COMPLIANT', 'LOW'), entry('b', 'NON_COMPLIANT', 'HIGH'), entry('c', 'COMPLIANT', 'CRITICAL')] });
      const out = await call('ListResourceComplianceSummaries', { Filters: [{ Key: 'ResourceId', Values: [id] }] });
      assert.deepEqual(out.ResourceComplianceSummaryItems, [{
        ComplianceType: 'Custom:Audit', ResourceType: 'ManagedInstance', ResourceId: id, Status: 'NON_COMPLIANT', OverallSeverity: 'HIGH',
        ExecutionSummary: { ExecutionTime: new Date(NOW), ExecutionId: 'e-1', ExecutionType: 'Command' },
        CompliantSummary: { CompliantCount: 1, SeveritySummary: { CriticalCount: 1, HighCount: 0, MediumCount: 0, LowCount: 0, InformationalCount: 0, UnspecifiedCount: 0 } },
        NonCompliantSummary: { NonCompliantCount: 2, SeveritySummary: { CriticalCount: 0, HighCount: 1, MediumCount: 0, LowCount: 1, InformationalCount: 0, UnspecifiedCount: 0 } },
      }]);
      const failing = await call('ListResourceComplianceSummaries', { Filters: [{ Key: 'ComplianceType', Values: ['Custom:Audit'] }, { Key: 'Status', Values: ['NON_COMPLIANT'] }] });
      assert.deepEqual(failing.ResourceComplianceSummaryItems.map((s: ssm.ResourceComplianceSummaryItem) => s.ResourceId), [id]);
      await assert.rejects(call('ListResourceComplianceSummaries', { Filters: [{ Key: 'Severity', Values: ['HIGH'] }] }), failsWith('InvalidFilter', /OverallSeverity/));
    });

    test('ListComplianceSummaries counts resources per type, each under its overall severity', async () => {
      const [a, b, c] = [await node(), await node(), await node()];
      await put({ ResourceId: a, ComplianceType: 'Custom:Fleet', Items: [entry('x', 'COMPLIANT', 'HIGH'), entry('y', 'COMPLIANT', 'LOW')] });
      await put({ ResourceId: b, ComplianceType: 'Custom:Fleet', Items: [entry('x', 'NON_COMPLIANT', 'CRITICAL'), entry('y', 'COMPLIANT', 'LOW')] });
      await put({ ResourceId: c, ComplianceType: 'Custom:Fleet', Items: [entry('x', 'NON_COMPLIANT', 'MEDIUM')] });
      const out = await call('ListComplianceSummaries', { Filters: [{ Key: 'ComplianceType', Values: ['Custom:Fleet'] }] });
      assert.deepEqual(out.ComplianceSummaryItems, [{
        ComplianceType: 'Custom:Fleet',
        CompliantSummary: { CompliantCount: 1, SeveritySummary: { CriticalCount: 0, HighCount: 1, MediumCount: 0, LowCount: 0, InformationalCount: 0, UnspecifiedCount: 0 } },
        NonCompliantSummary: { NonCompliantCount: 2, SeveritySummary: { CriticalCount: 1, HighCount: 0, MediumCount: 1, LowCount: 0, InformationalCount: 0, UnspecifiedCount: 0 } },
      }]);
      const types: string[] = [];
      let token: string | undefined;
      do {
        const pageOut = await call('ListComplianceSummaries', { MaxResults: 1, NextToken: token });
        types.push(...pageOut.ComplianceSummaryItems.map((s: ssm.ComplianceSummaryItem) => s.ComplianceType));
        token = pageOut.NextToken;
      } while (token);
      assert.deepEqual(types, [...types].sort());
      assert.ok(types.includes('Custom:Fleet') && types.includes('Association'));
    });

    test('an ItemContentHash equal to the last put\'s makes the put a no-op', async () => {
      const id = await node();
      await put({ ResourceId: id, ItemContentHash: 'abc', Items: [entry('first')] });
      await put({ ResourceId: id, ItemContentHash: 'abc', Items: [entry('second')] });
      assert.deepEqual(await itemIds({ ResourceIds: [id] }), ['first']);
    });

    test('items put in one region are not listed in another', async () => {
      const id = await node('eu-west-1');
      await put({ ResourceId: id, Items: [entry('w')] }, 'eu-west-1');
      assert.deepEqual(((await call('ListComplianceItems', { ResourceIds: [id] }, 'eu-west-1')).ComplianceItems as ssm.ComplianceItem[]).map((i) => i.Id), ['w']);
      await assert.rejects(call('ListComplianceItems', { ResourceIds: [id] }), failsWith('InvalidResourceId'));
      const east = (await call('ListResourceComplianceSummaries', {})).ResourceComplianceSummaryItems as ssm.ResourceComplianceSummaryItem[];
      assert.equal(east.some((s) => s.ResourceId === id), false);
    });
  });
}
