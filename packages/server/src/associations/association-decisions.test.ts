import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chunksOf, executionEndOf, matchNodes, nodesToApply, overviewOf, resultOf } from './association-decisions.ts';

const n = (id: string, tags: Record<string, string> = {}) => ({ instanceId: id, tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })), platformType: null });
const fleet = [n('mi-3', { Role: 'web', Env: 'prod' }), n('mi-1', { Role: 'web' }), n('mi-2', { Role: 'db' })];
const ids = (spec: Parameters<typeof matchNodes>[1]) => matchNodes(fleet, spec).map((x) => x.instanceId);

describe('matchNodes', () => {
  test('InstanceIds * is every node; ids that are not nodes match nothing', () => {
    assert.deepEqual(ids({ instanceId: null, targets: [{ Key: 'InstanceIds', Values: ['*'] }] }), ['mi-1', 'mi-2', 'mi-3']);
    assert.deepEqual(ids({ instanceId: null, targets: [{ Key: 'InstanceIds', Values: ['mi-2', 'mi-9'] }] }), ['mi-2']);
  });
  test('tag:K takes any of its values, tag-key any key, and several targets must all match', () => {
    assert.deepEqual(ids({ instanceId: null, targets: [{ Key: 'tag:Role', Values: ['web', 'db'] }] }), ['mi-1', 'mi-2', 'mi-3']);
    assert.deepEqual(ids({ instanceId: null, targets: [{ Key: 'tag-key', Values: ['Env'] }] }), ['mi-3']);
    assert.deepEqual(ids({ instanceId: null, targets: [{ Key: 'tag:Role', Values: ['web'] }, { Key: 'tag:Env', Values: ['prod'] }] }), ['mi-3']);
  });
  test('a legacy InstanceId association matches that node only', () => {
    assert.deepEqual(ids({ instanceId: 'mi-2', targets: [] }), ['mi-2']);
  });
});

describe('nodesToApply', () => {
  const states = [{ instanceId: 'mi-1', associationVersion: 1, status: 'Success' }, { instanceId: 'mi-2', associationVersion: 1, status: 'Pending' }];
  test('all: every matched node but one still pending', () => {
    assert.deepEqual(nodesToApply(['mi-1', 'mi-2', 'mi-3'], states, 'all', 1), ['mi-1', 'mi-3']);
  });
  test('missing: only nodes that never had this version (and not pending)', () => {
    assert.deepEqual(nodesToApply(['mi-1', 'mi-2', 'mi-3'], states, 'missing', 1), ['mi-3']);
    assert.deepEqual(nodesToApply(['mi-1', 'mi-2', 'mi-3'], states, 'missing', 2), ['mi-1', 'mi-3']);
  });
});

describe('statuses', () => {
  test('an invocation ends Success or Failed; until then it has no result', () => {
    assert.deepEqual(resultOf({ status: 'Success', statusDetails: 'Success', responseCode: 0 }), { status: 'Success', detailedStatus: 'Success', errorCode: '' });
    assert.deepEqual(resultOf({ status: 'TimedOut', statusDetails: 'DeliveryTimedOut', responseCode: -1 }), { status: 'Failed', detailedStatus: 'DeliveryTimedOut', errorCode: '' });
    assert.equal(resultOf({ status: 'InProgress', statusDetails: 'InProgress', responseCode: -1 }), undefined);
  });
  test('the overview is Pending while any node is, Failed if any failed, else Success', () => {
    assert.equal(overviewOf([{ status: 'Success' }, { status: 'Pending' }]).status, 'Pending');
    assert.deepEqual(overviewOf([{ status: 'Success' }, { status: 'Failed' }]), { status: 'Failed', detailedStatus: 'Failed', counts: { Success: 1, Failed: 1 } });
    assert.equal(overviewOf([{ status: 'Success' }]).status, 'Success');
    assert.equal(executionEndOf(['Success', 'Success']).status, 'Success');
    assert.equal(executionEndOf(['Success', 'Failed']).status, 'Failed');
  });
  test('nodes are split into sorted lists of at most 50', () => {
    const many = Array.from({ length: 101 }, (_, i) => `mi-${String(100 - i).padStart(3, '0')}`);
    const chunks = chunksOf(many, 50);
    assert.deepEqual(chunks.map((c) => c.length), [50, 50, 1]);
    assert.equal(chunks[0][0], 'mi-000');
    assert.deepEqual(chunksOf(many, Number.POSITIVE_INFINITY).map((c) => c.length), [101], 'by default an execution is one command');
  });
});
