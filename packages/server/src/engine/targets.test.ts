import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { selectTargets, targetKeyProblem, type TargetNode } from './targets.ts';

const node = (instanceId: string, tags: Record<string, string> = {}): TargetNode => ({ instanceId, tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })), platformType: 'Linux' });
const fleet = [
  node('mi-00000000000000003', { Role: 'web', Env: 'prod' }),
  node('mi-00000000000000001', { Role: 'web', Env: 'dev' }),
  node('mi-00000000000000002', { Role: 'db', Env: 'dev' }),
  node('mi-00000000000000004', { Owner: 'ops' }),
];
const ids = (selection: ReturnType<typeof selectTargets>) => (selection.ok ? selection.nodes.map((n) => n.instanceId) : selection.problem);

describe('selectTargets', () => {
  test('InstanceIds select those nodes once each, sorted', () => {
    assert.deepEqual(ids(selectTargets(fleet, { instanceIds: ['mi-00000000000000003', 'mi-00000000000000001', 'mi-00000000000000003'] })), ['mi-00000000000000001', 'mi-00000000000000003']);
  });
  test('an InstanceId that is not a node of the account is reported', () => {
    const selection = selectTargets(fleet, { instanceIds: ['mi-00000000000000001', 'mi-0000000000000000f'] });
    assert.equal(selection.ok, false);
    assert.deepEqual(!selection.ok && selection.instanceIds, ['mi-0000000000000000f']);
  });
  test('tag:KEY matches any of its values', () => {
    assert.deepEqual(ids(selectTargets(fleet, { targets: [{ Key: 'tag:Env', Values: ['dev', 'qa'] }] })), ['mi-00000000000000001', 'mi-00000000000000002']);
  });
  test('several targets must all match', () => {
    assert.deepEqual(ids(selectTargets(fleet, { targets: [{ Key: 'tag:Role', Values: ['web'] }, { Key: 'tag:Env', Values: ['dev'] }] })), ['mi-00000000000000001']);
  });
  test('tag-key matches nodes having the key whatever its value', () => {
    assert.deepEqual(ids(selectTargets(fleet, { targets: [{ Key: 'tag-key', Values: ['Owner'] }] })), ['mi-00000000000000004']);
  });
  test('Targets with key InstanceIds select those nodes', () => {
    assert.deepEqual(ids(selectTargets(fleet, { targets: [{ Key: 'InstanceIds', Values: ['mi-00000000000000004'] }] })), ['mi-00000000000000004']);
  });
  test('a tag that matches nothing selects no node (not an error)', () => {
    assert.deepEqual(ids(selectTargets(fleet, { targets: [{ Key: 'tag:Role', Values: ['cache'] }] })), []);
  });
  test('both InstanceIds and Targets, or neither, are refused', () => {
    assert.equal(ids(selectTargets(fleet, { instanceIds: ['mi-00000000000000001'], targets: [{ Key: 'tag:Role', Values: ['web'] }] })), 'both');
    assert.equal(ids(selectTargets(fleet, {})), 'missing');
    assert.equal(ids(selectTargets(fleet, { instanceIds: [], targets: [] })), 'missing');
  });
  test('a target without values is refused', () => {
    assert.equal(ids(selectTargets(fleet, { targets: [{ Key: 'tag:Role', Values: [] }] })), 'no-values');
  });
  test('unsupported keys are refused', () => {
    assert.equal(ids(selectTargets(fleet, { targets: [{ Key: 'resource-groups:Name', Values: ['g'] }] })), 'bad-key');
    assert.equal(targetKeyProblem('tag:'), 'Target key tag: is not supported: use InstanceIds, tag:<key> or tag-key.');
    assert.equal(targetKeyProblem(undefined), 'A target needs a Key.');
  });
});
