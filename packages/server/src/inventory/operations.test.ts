import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isAwsError, type ssm } from '@bosun/protocol';
import type { Principal } from '../accounts/principal.ts';
import type { CallContext, Operation } from '../api/operation.ts';
import { insertTestNode, testNodeId } from '../compliance/test-support.ts';
import { fixtures } from '../testing/fixtures.ts';
import { storeTargets, type TestStore } from '../testing/stores.ts';
import { inventoryOperations } from './operations.ts';

const NOW = Date.UTC(2026, 8, 1);
const ACCOUNT = '555555555555';
const context = (principal?: Principal): CallContext => fixtures.callContext({ accountId: ACCOUNT, region: 'us-east-1' }, { now: NOW, principal });
const failsWith = (code: string, message?: RegExp) => (error: unknown) => isAwsError(error) && error.code === code && (!message || message.test(error.message));
const CAPTURE = '2026-09-01T00:00:00Z';
const apps = (...list: [string, string][]): ssm.InventoryItem => ({
  TypeName: 'AWS:Application', SchemaVersion: '1.1', CaptureTime: CAPTURE, Content: list.map(([Name, Version]) => ({ Name, Version })),
});
const platform = (PlatformType: string): ssm.InventoryItem => ({ TypeName: 'AWS:InstanceInformation', SchemaVersion: '1.0', CaptureTime: CAPTURE, Content: [{ PlatformType, InstanceId: 'x' }] });

for (const target of storeTargets) {
  describe(`inventory operations on ${target.name}`, { skip: target.skip }, () => {
    let store: TestStore;
    let ops: Map<string, Operation>;
    let n = 700;
    const nodes: string[] = [];
    const call = (name: string, input: object, principal?: Principal) => ops.get(name)!.handle(context(principal), input) as Promise<any>;
    const ids = async (input: ssm.GetInventoryRequest) => ((await call('GetInventory', input)).Entities as ssm.InventoryResultEntity[]).map((e) => nodes.indexOf(e.Id!));

    before(async () => {
      store = await target.open();
      ops = new Map(inventoryOperations({ db: store.db, limits: { itemBytes: 2000, totalBytes: 3000, customTypes: 2, attributesPerType: 3 } }).map((op) => [op.name, op]));
      // Four nodes: 0 and 1 Linux with nginx 1.18 / 1.24, 2 Linux without nginx, 3 Windows.
      const fleet: ssm.InventoryItem[][] = [
        [apps(['nginx', '1.18.0'], ['curl', '7.88']), platform('Linux')],
        [apps(['nginx', '1.24.0'], ['nginx-common', '1.24.0']), platform('Linux')],
        [apps(['curl', '8.1']), platform('Linux')],
        [platform('Windows')],
      ];
      for (const items of fleet) {
        const id = testNodeId(++n);
        nodes.push(id);
        await insertTestNode(store.db, { accountId: ACCOUNT, region: 'us-east-1' }, id);
        await call('PutInventory', { InstanceId: id, Items: items });
      }
    });
    after(async () => {
      await store?.destroy();
    });

    test('GetInventory filters: Equal, NotEqual, BeginWith, LessThan and GreaterThan (as versions), Exists', async () => {
      assert.deepEqual(await ids({ Filters: [{ Key: 'AWS:Application.Name', Values: ['nginx'], Type: 'Equal' }] }), [0, 1]);
      assert.deepEqual(await ids({ Filters: [{ Key: 'AWS:Application.Name', Values: ['nginx'], Type: 'NotEqual' }] }), [2, 3]);
      assert.deepEqual(await ids({ Filters: [{ Key: 'AWS:Application.Name', Values: ['nginx'], Type: 'BeginWith' }] }), [0, 1]);
      assert.deepEqual(await ids({ Filters: [{ Key: 'AWS:Application.Name', Values: ['nginx'] }, { Key: 'AWS:Application.Version', Values: ['1.20'], Type: 'LessThan' }] }), [0]);
      assert.deepEqual(await ids({ Filters: [{ Key: 'AWS:Application.Version', Values: ['8.0'], Type: 'GreaterThan' }] }), [2]);
      assert.deepEqual(await ids({ Filters: [{ Key: 'AWS:Application.Name', Values: ['x'], Type: 'Exists' }] }), [0, 1, 2]);
      assert.deepEqual(await ids({ Filters: [{ Key: 'AWS:InstanceInformation.PlatformType', Values: ['Windows'] }] }), [3]);
    });

    test('GetInventory returns the filtered entries of a filtered type and pages by node', async () => {
      const out = await call('GetInventory', { Filters: [{ Key: 'AWS:Application.Name', Values: ['nginx'] }], ResultAttributes: [{ TypeName: 'AWS:Application' }], MaxResults: 1 });
      assert.equal(out.Entities.length, 1);
      assert.deepEqual(out.Entities[0].Data['AWS:Application'].Content, [{ Name: 'nginx', Version: '1.18.0' }]);
      const next = await call('GetInventory', { Filters: [{ Key: 'AWS:Application.Name', Values: ['nginx'] }], ResultAttributes: [{ TypeName: 'AWS:Application' }], MaxResults: 1, NextToken: out.NextToken });
      assert.deepEqual([next.Entities.map((e: any) => e.Id), next.NextToken], [[nodes[1]], undefined]);
      // Without ResultAttributes: AWS:InstanceInformation.
      const plain = await call('GetInventory', {});
      assert.deepEqual(Object.keys(plain.Entities[0].Data), ['AWS:InstanceInformation']);
    });

    test('GetInventory refuses unknown filter keys, result types and aggregators with their errors', async () => {
      await assert.rejects(call('GetInventory', { Filters: [{ Key: 'AWS:Application', Values: ['x'] }] }), failsWith('InvalidFilter', /TypeName\.AttributeName/));
      await assert.rejects(call('GetInventory', { Filters: [{ Key: 'AWS:Application.Colour', Values: ['x'] }] }), failsWith('InvalidFilter', /no attribute Colour/));
      await assert.rejects(call('GetInventory', { Filters: [{ Key: 'Custom:Nope.A', Values: ['x'] }] }), failsWith('InvalidFilter'));
      await assert.rejects(call('GetInventory', { ResultAttributes: [{ TypeName: 'Custom:Nope' }] }), failsWith('InvalidResultAttributeException'));
      await assert.rejects(call('GetInventory', { Aggregators: [{ Expression: 'AWS:Application.Nope' }] }), failsWith('InvalidAggregatorException'));
      await assert.rejects(call('GetInventory', { NextToken: 'garbage' }), failsWith('InvalidNextToken'));
    });

    test('Aggregators count nodes per value, and Groups count the nodes that match and do not', async () => {
      const counted = await call('GetInventory', { Aggregators: [{ Expression: 'AWS:Application.Name' }] });
      assert.deepEqual(counted.Entities[0].Data['AWS:Application'].Content, [{ Name: 'curl', Count: '2' }, { Name: 'nginx', Count: '2' }, { Name: 'nginx-common', Count: '1' }]);
      const grouped = await call('GetInventory', { Aggregators: [{ Expression: 'AWS:InstanceInformation.PlatformType', Groups: [{ Name: 'linux', Filters: [{ Key: 'AWS:InstanceInformation.PlatformType', Values: ['Linux'] }] }] }] });
      assert.deepEqual(grouped.Entities, [{ Id: 'linux', Data: { 'AWS:InstanceInformation': { TypeName: 'AWS:InstanceInformation', SchemaVersion: '1.0', Content: [{ matchingCount: '3', notMatchingCount: '1' }] } } }]);
    });

    test('ListInventoryEntries pages one node\'s entries and filters them by attribute', async () => {
      const first = await call('ListInventoryEntries', { InstanceId: nodes[1], TypeName: 'AWS:Application', MaxResults: 1 });
      assert.deepEqual([first.Entries, first.SchemaVersion, first.CaptureTime], [[{ Name: 'nginx', Version: '1.24.0' }], '1.1', CAPTURE]);
      const rest = await call('ListInventoryEntries', { InstanceId: nodes[1], TypeName: 'AWS:Application', NextToken: first.NextToken });
      assert.deepEqual(rest.Entries, [{ Name: 'nginx-common', Version: '1.24.0' }]);
      const filtered = await call('ListInventoryEntries', { InstanceId: nodes[1], TypeName: 'AWS:Application', Filters: [{ Key: 'Name', Values: ['nginx-'], Type: 'BeginWith' }] });
      assert.deepEqual(filtered.Entries.map((e: any) => e.Name), ['nginx-common']);
      await assert.rejects(call('ListInventoryEntries', { InstanceId: 'mi-0123456789abcdef0', TypeName: 'AWS:Application' }), failsWith('InvalidInstanceId'));
      await assert.rejects(call('ListInventoryEntries', { InstanceId: nodes[1], TypeName: 'Custom:Nope' }), failsWith('InvalidTypeNameException'));
    });

    test("PutInventory refuses items over the limits with AWS's errors, and a node's session for another node", async () => {
      const id = nodes[2];
      const custom = (TypeName: string, Content: Record<string, string>[]) => ({ TypeName, SchemaVersion: '1.0', CaptureTime: CAPTURE, Content });
      await assert.rejects(call('PutInventory', { InstanceId: id, Items: [custom('Custom:Big', [{ A: 'x'.repeat(2100) }])] }), failsWith('ItemSizeLimitExceededException', /2000 bytes/));
      await assert.rejects(call('PutInventory', { InstanceId: id, Items: [custom('Custom:A', [{ A: 'x'.repeat(1900) }]), custom('Custom:B', [{ A: 'x'.repeat(1900) }])] }), failsWith('TotalSizeLimitExceededException'));
      await assert.rejects(call('PutInventory', { InstanceId: id, Items: [custom('Custom:Wide', [{ A: '1', B: '2' }, { C: '3', D: '4' }])] }), failsWith('InvalidItemContentException', /4 attributes, over the limit of 3/));
      await assert.rejects(call('PutInventory', { InstanceId: id, Items: [custom('Custom:A', [{ A: '1' }]), custom('Custom:A', [{ A: '1' }])] }), failsWith('InvalidItemContentException', /more than once/));
      await assert.rejects(call('PutInventory', { InstanceId: id, Items: [{ ...apps(['x', '1']), Content: [{ Name: 'x', Colour: 'red' }] }] }), failsWith('InvalidItemContentException', /Colour/));
      await assert.rejects(call('PutInventory', { InstanceId: id, Items: [{ ...custom('Custom:A', [{ A: '1' }]), Context: { k: 'v' } }] }), failsWith('UnsupportedInventoryItemContextException'));
      await call('PutInventory', { InstanceId: id, Items: [custom('Custom:One', [{ A: '1' }])] });
      await call('PutInventory', { InstanceId: id, Items: [custom('Custom:Two', [{ A: '1' }])] });
      await assert.rejects(call('PutInventory', { InstanceId: id, Items: [custom('Custom:Three', [{ A: '1' }])] }), failsWith('CustomSchemaCountLimitExceededException', /Custom:One, Custom:Two/));
      const session: Principal = { type: 'AssumedRole', accountId: ACCOUNT, arn: `arn:aws:sts::${ACCOUNT}:assumed-role/BosunNodeRole/${nodes[0]}`, sessionName: nodes[0] } as Principal;
      await assert.rejects(call('PutInventory', { InstanceId: id, Items: [custom('Custom:One', [{ A: '2' }])] }, session), failsWith('AccessDeniedException', /its own inventory/));
    });

    test('GetInventorySchema lists AWS types and the Custom ones, and one type by name', async () => {
      const all = (await call('GetInventorySchema', {})).Schemas as ssm.InventoryItemSchema[];
      assert.ok(all.some((s) => s.TypeName === 'AWS:Application' && s.Version === '1.1'));
      assert.ok(all.some((s) => s.TypeName === 'Custom:One'));
      const one = await call('GetInventorySchema', { TypeName: 'AWS:Tag' });
      assert.deepEqual(one.Schemas, [{ TypeName: 'AWS:Tag', Version: '1.0', DisplayName: 'Tag', Attributes: [{ Name: 'Key', DataType: 'string' }, { Name: 'Value', DataType: 'string' }] }]);
      await assert.rejects(call('GetInventorySchema', { TypeName: 'Custom:Nope' }), failsWith('InvalidTypeNameException'));
    });
  });
}
