import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { storeTargets } from '../testing/stores.ts';
import {
  ackMessage, ackMessages, deleteActivationRow, deregisterInstanceRow, enqueueMessage, findInstance, insertActivation, listActivations, listInstances, pendingMessages,
  recordHeartbeat, recordRefusal, registerInstance, setInstanceRole, setInstanceTags, type ActivationRow,
} from './nodes-store.ts';

const NOW = 1_800_000_000_000;
const ACCOUNT = '123456789012';
const US = { accountId: ACCOUNT, region: 'us-east-1' };
const EU = { accountId: ACCOUNT, region: 'eu-west-1' };

function activation(overrides: Partial<ActivationRow> = {}): ActivationRow {
  return {
    activation_id: '11111111-2222-3333-4444-555555555555', account_id: ACCOUNT, region: 'us-east-1', code_hash: 'h', description: null, default_instance_name: 'web',
    iam_role: 'Role', registration_limit: 2, registrations_count: 0, expires_at: NOW + 1000, created_at: NOW, tags: '[{"Key":"a","Value":"b"}]', registration_metadata: '[]',
    ...overrides,
  };
}

function instance(id: string) {
  return {
    instance_id: id, public_key: 'pem', registered_at: NOW, deregistered_at: null, last_ping_at: null, agent_version: null, platform_name: null, platform_type: null,
    platform_version: null, computer_name: null, ip_address: null, clock_offset_ms: null, refused_reason: null, refused_at: null, refused_skew_ms: null,
  };
}

for (const target of storeTargets) {
  describe(`nodes store on ${target.name}`, { skip: target.skip }, () => {
    test('registration takes the activation\'s role, name and tags, and stops at the limit', async () => {
      const store = await target.open();
      try {
        await insertActivation(store.db, activation());
        const first = await registerInstance(store.db, { activationId: activation().activation_id, codeHash: 'h', instance: instance('mi-00000000000000001'), now: NOW });
        assert.ok(first.ok);
        assert.equal(first.row.iam_role, 'Role');
        assert.equal(first.row.name, 'web');
        assert.equal(first.row.tags, '[{"Key":"a","Value":"b"}]');
        assert.ok((await registerInstance(store.db, { activationId: activation().activation_id, codeHash: 'h', instance: instance('mi-00000000000000002'), now: NOW })).ok);
        const third = await registerInstance(store.db, { activationId: activation().activation_id, codeHash: 'h', instance: instance('mi-00000000000000003'), now: NOW });
        assert.deepEqual(third.ok ? 'ok' : third.reason, 'limit');
        const wrong = await registerInstance(store.db, { activationId: activation().activation_id, codeHash: 'other', instance: instance('mi-00000000000000004'), now: NOW });
        assert.deepEqual(wrong.ok ? 'ok' : wrong.reason, 'not-found');
        const late = await registerInstance(store.db, { activationId: activation().activation_id, codeHash: 'h', instance: instance('mi-00000000000000005'), now: NOW + 1000 });
        assert.deepEqual(late.ok ? 'ok' : late.reason, 'expired');
      } finally {
        await store.destroy();
      }
    });

    test('registration tags are stored with the node, over the activation\'s tags for the same key', async () => {
      const store = await target.open();
      try {
        await insertActivation(store.db, activation({ tags: '[{"Key":"a","Value":"b"},{"Key":"Role","Value":"db"}]' }));
        const registered = await registerInstance(store.db, {
          activationId: activation().activation_id, codeHash: 'h', instance: instance('mi-00000000000000001'), now: NOW,
          tags: [{ Key: 'Role', Value: 'web' }, { Key: 'env', Value: 'prod' }],
        });
        assert.ok(registered.ok);
        assert.deepEqual(JSON.parse((await findInstance(store.db, 'mi-00000000000000001'))!.tags), [
          { Key: 'a', Value: 'b' }, { Key: 'Role', Value: 'web' }, { Key: 'env', Value: 'prod' },
        ]);
      } finally {
        await store.destroy();
      }
    });

    test('activations and nodes are listed per region; a node lives in its activation\'s region', async () => {
      const store = await target.open();
      try {
        const euActivation = activation({ activation_id: '99999999-2222-3333-4444-555555555555', region: EU.region });
        await insertActivation(store.db, activation());
        await insertActivation(store.db, euActivation);
        assert.deepEqual((await listActivations(store.db, US)).map((a) => a.activation_id), [activation().activation_id]);
        assert.deepEqual((await listActivations(store.db, EU)).map((a) => a.activation_id), [euActivation.activation_id]);
        const eu = await registerInstance(store.db, { activationId: euActivation.activation_id, codeHash: 'h', instance: instance('mi-00000000000000001'), now: NOW });
        assert.equal(eu.ok && eu.row.region, EU.region);
        await registerInstance(store.db, { activationId: activation().activation_id, codeHash: 'h', instance: instance('mi-00000000000000002'), now: NOW });
        assert.deepEqual((await listInstances(store.db, EU)).map((r) => r.instance_id), ['mi-00000000000000001']);
        assert.deepEqual((await listInstances(store.db, US)).map((r) => r.instance_id), ['mi-00000000000000002']);
        assert.equal((await findInstance(store.db, 'mi-00000000000000001'))?.region, EU.region);

        assert.equal(await deleteActivationRow(store.db, US, euActivation.activation_id), false, 'not in this region');
        assert.equal(await deregisterInstanceRow(store.db, US, 'mi-00000000000000001', NOW), false);
        assert.equal(await setInstanceRole(store.db, US, 'mi-00000000000000001', 'Other'), false);
        await setInstanceTags(store.db, US, 'mi-00000000000000001', '[]');
        const untouched = await findInstance(store.db, 'mi-00000000000000001');
        assert.deepEqual([untouched?.deregistered_at, untouched?.iam_role, untouched?.tags], [null, 'Role', '[{"Key":"a","Value":"b"}]']);
        assert.equal(await setInstanceRole(store.db, EU, 'mi-00000000000000001', 'Other'), true);
        assert.equal(await deregisterInstanceRow(store.db, EU, 'mi-00000000000000001', NOW), true);
        assert.equal(await deleteActivationRow(store.db, EU, euActivation.activation_id), true);
      } finally {
        await store.destroy();
      }
    });

    test('a heartbeat records what it carries and clears the last refusal', async () => {
      const store = await target.open();
      try {
        await insertActivation(store.db, activation());
        await registerInstance(store.db, { activationId: activation().activation_id, codeHash: 'h', instance: instance('mi-00000000000000001'), now: NOW });
        await recordRefusal(store.db, 'mi-00000000000000001', { reason: 'ClockSkew', skewMs: -600_000 }, NOW + 1);
        assert.equal((await findInstance(store.db, 'mi-00000000000000001'))?.refused_skew_ms, -600_000);
        await recordHeartbeat(store.db, 'mi-00000000000000001', { agent_version: '1', platform_name: 'Debian', platform_type: 'Linux', platform_version: '13', computer_name: 'h', ip_address: '10.0.0.1', clock_offset_ms: 4 }, NOW + 2);
        const row = await findInstance(store.db, 'mi-00000000000000001');
        assert.equal(row?.last_ping_at, NOW + 2);
        assert.equal(row?.refused_reason, null);
        assert.equal(row?.clock_offset_ms, 4);
      } finally {
        await store.destroy();
      }
    });

    test('acks written together ack only the messages of the node that sent them, once', async () => {
      const store = await target.open();
      try {
        for (const [id, node] of [['m1', 'mi-00000000000000001'], ['m2', 'mi-00000000000000001'], ['m3', 'mi-00000000000000002']]) {
          await enqueueMessage(store.db, { message_id: id, instance_id: node, type: 'ping', body: '{}', created_at: NOW });
        }
        const acked = await ackMessages(store.db, [
          { instanceId: 'mi-00000000000000001', messageId: 'm1' },
          { instanceId: 'mi-00000000000000001', messageId: 'm3' },
          { instanceId: 'mi-00000000000000002', messageId: 'm3' },
        ], NOW + 1);
        assert.deepEqual([...acked].sort(), ['m1', 'm3']);
        assert.deepEqual((await pendingMessages(store.db, 'mi-00000000000000001', 10)).map((m) => m.message_id), ['m2']);
        assert.deepEqual([...await ackMessages(store.db, [{ instanceId: 'mi-00000000000000001', messageId: 'm1' }], NOW + 2)], []);
      } finally {
        await store.destroy();
      }
    });

    test('queued messages stay pending until their own node acks them', async () => {
      const store = await target.open();
      try {
        await enqueueMessage(store.db, { message_id: 'm1', instance_id: 'mi-00000000000000001', type: 'ping', body: '{}', created_at: NOW });
        assert.equal(await ackMessage(store.db, 'mi-00000000000000002', 'm1', NOW), false);
        assert.equal((await pendingMessages(store.db, 'mi-00000000000000001', 10)).length, 1);
        assert.equal(await ackMessage(store.db, 'mi-00000000000000001', 'm1', NOW), true);
        assert.equal((await pendingMessages(store.db, 'mi-00000000000000001', 10)).length, 0);
      } finally {
        await store.destroy();
      }
    });
  });
}
