import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { storeTargets } from '../testing/stores.ts';
import type { Db } from '../store/store.ts';
import { selectTargets } from '../engine/targets.ts';
import { insertActivation, listInstances, registerInstance } from '../nodes/nodes-store.ts';
import {
  cancelInvocations, claimAndSend, endInvocations, expireDelivery, findCommand, findInvocation, insertChunks, insertCommand, invocationChunks, invocationMessageId,
  listCommands, listInvocations, overdueInvocations, parseInvocationMessageId, recordAcks, terminateQueued, type CommandRow, type InvocationRow,
} from './command-store.ts';

const NOW = 1_800_000_000_000;
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const SCOPE = { accountId: ACCOUNT, region: REGION };
const CMD = '11111111-2222-4333-8444-555555555555';
const node = (i: number) => `mi-${String(i).padStart(17, '0')}`;

function command(overrides: Partial<CommandRow> = {}): CommandRow {
  return {
    command_id: CMD, account_id: ACCOUNT, region: REGION, document_name: 'AWS-RunShellScript', document_arn: 'arn:aws:ssm:us-east-1::document/AWS-RunShellScript', document_version: '1',
    document_hash: 'h', document_content: '{}', parameters: '{}', resolved_parameters: '{}', comment: '', instance_ids: '[]', targets: '[]',
    requested_at: NOW, expires_at: NOW + 60_000, timeout_seconds: 60, execution_limit_ms: 10_000, max_concurrency: '2', max_errors: '0', max_concurrency_n: 2, max_errors_n: 0,
    status: 'Pending', status_details: 'Pending', target_count: 3, started_count: 0, in_flight_count: 0, completed_count: 0, error_count: 0, delivery_timed_out_count: 0,
    success_count: 0, failed_count: 0, execution_timed_out_count: 0, undeliverable_count: 0, invalid_platform_count: 0, cancelled_count: 0, terminated_count: 0, cancel_requested: 0,
    output_s3_region: null, output_s3_bucket_name: null, output_s3_key_prefix: null, service_role: null, notification_config: null, cloudwatch_output_config: null, completed_at: null,
    ...overrides,
  };
}

function invocations(count: number, commandId = CMD, region = REGION): InvocationRow[] {
  return Array.from({ length: count }, (_, seq) => ({
    command_id: commandId, instance_id: node(seq + 1), account_id: ACCOUNT, region, seq, instance_name: '', status: 'Pending', status_details: 'Pending', response_code: -1,
    message_id: null, sent_at: null, acked_at: null, started_at: null, ended_at: null, deadline_at: null, plugins: '[]', updated_at: NOW,
  }));
}

async function setUp(db: Db, count = 3, overrides: Partial<CommandRow> = {}): Promise<CommandRow> {
  await insertCommand(db, command({ target_count: count, ...overrides }), invocations(count));
  return (await findCommand(db, CMD))!;
}

const success = (instanceId: string) => ({ commandId: CMD, instanceId, status: 'Success', statusDetails: 'Success', responseCode: 0, startedAt: NOW, endedAt: NOW + 1, plugins: '[]' });

for (const target of storeTargets) {
  describe(`command store on ${target.name}`, { skip: target.skip }, () => {
    test('claimAndSend sends the next invocations in order and queues their channel messages', async () => {
      const store = await target.open();
      try {
        const cmd = await setUp(store.db);
        const sent = await claimAndSend(store.db, { command: cmd, count: 2, now: NOW + 5, body: () => '{"x":1}', offline: (id) => id === node(2) });
        assert.deepEqual(sent.map((r) => [r.instance_id, r.status]), [[node(1), 'Pending'], [node(2), 'Delayed']]);
        const after = (await findCommand(store.db, CMD))!;
        assert.deepEqual([after.started_count, after.in_flight_count], [2, 2]);
        const messages = await store.db.selectFrom('channel_messages').selectAll().orderBy('message_id').execute();
        assert.deepEqual(messages.map((m) => [m.message_id, m.type, m.body, m.state]), [
          [invocationMessageId(CMD, node(1)), 'send-command', '{"x":1}', 'queued'],
          [invocationMessageId(CMD, node(2)), 'send-command', '{"x":1}', 'queued'],
        ]);
        assert.equal((await findInvocation(store.db, CMD, node(2)))?.status, 'Delayed');
      } finally {
        await store.destroy();
      }
    });

    test('a second claim from the same cursor (another dispatcher) sends nothing', async () => {
      const store = await target.open();
      try {
        const cmd = await setUp(store.db);
        assert.equal((await claimAndSend(store.db, { command: cmd, count: 1, now: NOW, body: () => '{}', offline: () => false })).length, 1);
        assert.equal((await claimAndSend(store.db, { command: cmd, count: 1, now: NOW, body: () => '{}', offline: () => false })).length, 0);
        assert.equal((await findCommand(store.db, CMD))!.in_flight_count, 1);
      } finally {
        await store.destroy();
      }
    });

    test('an ack moves the invocation to InProgress and starts its execution deadline', async () => {
      const store = await target.open();
      try {
        const cmd = await setUp(store.db);
        await claimAndSend(store.db, { command: cmd, count: 1, now: NOW, body: () => '{}', offline: () => false });
        assert.deepEqual(await recordAcks(store.db, [{ commandId: CMD, instanceId: node(1) }], NOW + 10), [{ commandId: CMD, instanceId: node(1) }]);
        const row = (await findInvocation(store.db, CMD, node(1)))!;
        assert.deepEqual([row.status, row.acked_at, row.deadline_at], ['InProgress', NOW + 10, NOW + 10 + 10_000]);
        // A repeated ack moves nothing.
        assert.deepEqual(await recordAcks(store.db, [{ commandId: CMD, instanceId: node(1) }], NOW + 20), []);
        assert.deepEqual((await overdueInvocations(store.db, NOW + 10_010, 10)).map((r) => r.instance_id), [node(1)]);
        assert.deepEqual(await overdueInvocations(store.db, NOW + 10_009, 10), []);
      } finally {
        await store.destroy();
      }
    });

    test('a result is recorded once: the counters move once and a repeat changes nothing', async () => {
      const store = await target.open();
      try {
        const cmd = await setUp(store.db);
        await claimAndSend(store.db, { command: cmd, count: 2, now: NOW, body: () => '{}', offline: () => false });
        assert.equal((await endInvocations(store.db, [success(node(1))], NOW + 1)).length, 1);
        assert.equal((await endInvocations(store.db, [{ ...success(node(1)), status: 'Failed', statusDetails: 'Failed', responseCode: 1 }], NOW + 2)).length, 0);
        const after = (await findCommand(store.db, CMD))!;
        assert.deepEqual([after.completed_count, after.success_count, after.failed_count, after.error_count, after.in_flight_count], [1, 1, 0, 0, 1]);
        assert.deepEqual([(await findInvocation(store.db, CMD, node(1)))!.status, (await findInvocation(store.db, CMD, node(1)))!.response_code], ['Success', 0]);
      } finally {
        await store.destroy();
      }
    });

    test('failures and execution timeouts count as errors; delivery timeouts do not', async () => {
      const store = await target.open();
      try {
        const cmd = await setUp(store.db);
        await claimAndSend(store.db, { command: cmd, count: 2, now: NOW, body: () => '{}', offline: () => false });
        await endInvocations(store.db, [
          { ...success(node(1)), status: 'Failed', statusDetails: 'Failed', responseCode: 2 },
          { ...success(node(2)), status: 'TimedOut', statusDetails: 'ExecutionTimedOut', responseCode: -1 },
        ], NOW + 1);
        const expired = await expireDelivery(store.db, (await findCommand(store.db, CMD))!, NOW + 60_000);
        assert.deepEqual(expired, [node(3)]);
        const after = (await findCommand(store.db, CMD))!;
        assert.deepEqual(
          [after.completed_count, after.error_count, after.failed_count, after.execution_timed_out_count, after.delivery_timed_out_count, after.in_flight_count, after.started_count],
          [3, 2, 1, 1, 1, 0, 3],
        );
      } finally {
        await store.destroy();
      }
    });

    test('a delivery timeout drops the queued message so a node reconnecting later never gets it', async () => {
      const store = await target.open();
      try {
        const cmd = await setUp(store.db, 1);
        await claimAndSend(store.db, { command: cmd, count: 1, now: NOW, body: () => '{}', offline: () => true });
        await expireDelivery(store.db, (await findCommand(store.db, CMD))!, NOW + 60_000);
        const message = await store.db.selectFrom('channel_messages').select('state').executeTakeFirstOrThrow();
        assert.equal(message.state, 'dropped');
        const row = (await findInvocation(store.db, CMD, node(1)))!;
        assert.deepEqual([row.status, row.status_details], ['TimedOut', 'DeliveryTimedOut']);
        assert.equal((await findCommand(store.db, CMD))!.in_flight_count, 0);
      } finally {
        await store.destroy();
      }
    });

    test('terminateQueued ends every invocation never sent as Cancelled/Terminated', async () => {
      const store = await target.open();
      try {
        const cmd = await setUp(store.db);
        await claimAndSend(store.db, { command: cmd, count: 1, now: NOW, body: () => '{}', offline: () => false });
        const ended = await terminateQueued(store.db, (await findCommand(store.db, CMD))!, NOW + 1);
        assert.deepEqual(ended.sort(), [node(2), node(3)]);
        const after = (await findCommand(store.db, CMD))!;
        assert.deepEqual([after.terminated_count, after.completed_count, after.started_count, after.in_flight_count], [2, 2, 3, 1]);
        assert.deepEqual([(await findInvocation(store.db, CMD, node(1)))!.status], ['Pending']);
      } finally {
        await store.destroy();
      }
    });

    test('cancel ends unsent and undelivered invocations at once and marks delivered ones Cancelling', async () => {
      const store = await target.open();
      try {
        const cmd = await setUp(store.db);
        await claimAndSend(store.db, { command: cmd, count: 2, now: NOW, body: () => '{}', offline: () => false });
        // node 1 got its message (acked); node 2's is still queued; node 3 was never sent.
        await store.db.updateTable('channel_messages').set({ state: 'acked' }).where('message_id', '=', invocationMessageId(CMD, node(1))).execute();
        await recordAcks(store.db, [{ commandId: CMD, instanceId: node(1) }], NOW + 1);
        const result = await cancelInvocations(store.db, { command: (await findCommand(store.db, CMD))!, now: NOW + 2 });
        assert.deepEqual(result.cancelling, [node(1)]);
        assert.deepEqual(result.cancelled.sort(), [node(2), node(3)]);
        const after = (await findCommand(store.db, CMD))!;
        assert.deepEqual([after.cancel_requested, after.cancelled_count, after.in_flight_count], [1, 2, 1]);
        assert.equal((await findInvocation(store.db, CMD, node(1)))!.status, 'Cancelling');
        const dropped = await store.db.selectFrom('channel_messages').select('state').where('message_id', '=', invocationMessageId(CMD, node(2))).executeTakeFirstOrThrow();
        assert.equal(dropped.state, 'dropped');
      } finally {
        await store.destroy();
      }
    });

    test('output chunks are kept once per offset and read back in order', async () => {
      const store = await target.open();
      try {
        await setUp(store.db);
        const chunk = (offset: number, data: string) => ({ commandId: CMD, instanceId: node(1), pluginName: 'p', stream: 'stdout' as const, offset, data });
        await insertChunks(store.db, [chunk(3, 'def'), chunk(0, 'abc')]);
        await insertChunks(store.db, [chunk(0, 'abc')]);
        assert.deepEqual((await invocationChunks(store.db, CMD, node(1))).map((c) => c.data), ['abc', 'def']);
      } finally {
        await store.destroy();
      }
    });

    test('output for an invocation that does not exist or has ended is not stored', async () => {
      const store = await target.open();
      try {
        await setUp(store.db);
        await endInvocations(store.db, [success(node(2))], NOW);
        const stored = await insertChunks(store.db, [
          { commandId: CMD, instanceId: node(9), pluginName: 'p', stream: 'stdout', offset: 0, data: 'foreign' },
          { commandId: CMD, instanceId: node(2), pluginName: 'p', stream: 'stdout', offset: 0, data: 'late' },
          { commandId: CMD, instanceId: node(1), pluginName: 'p', stream: 'stdout', offset: 0, data: 'mine' },
        ]);
        assert.deepEqual(stored.map((c) => c.data), ['mine']);
        assert.deepEqual((await invocationChunks(store.db, CMD, node(9))), []);
        assert.deepEqual((await invocationChunks(store.db, CMD, node(2))), []);
      } finally {
        await store.destroy();
      }
    });

    test('lists commands newest first and invocations by command and node, with filters', async () => {
      const store = await target.open();
      try {
        const other = '22222222-2222-4333-8444-555555555555';
        await insertCommand(store.db, command({ target_count: 2 }), invocations(2));
        await insertCommand(store.db, command({ command_id: other, requested_at: NOW + 1, status: 'Success', status_details: 'Success', target_count: 1 }), invocations(1, other));
        assert.deepEqual((await listCommands(store.db, { scope: SCOPE, limit: 10 })).map((c) => c.command_id), [other, CMD]);
        assert.deepEqual((await listCommands(store.db, { scope: SCOPE, limit: 10, executionStage: 'Complete' })).map((c) => c.command_id), [other]);
        assert.deepEqual((await listCommands(store.db, { scope: SCOPE, limit: 10, instanceId: node(2) })).map((c) => c.command_id), [CMD]);
        assert.deepEqual((await listCommands(store.db, { scope: SCOPE, limit: 10, after: { at: NOW + 1, commandId: other } })).map((c) => c.command_id), [CMD]);
        assert.deepEqual((await listCommands(store.db, { scope: { accountId: '999999999999', region: REGION }, limit: 10 })), []);
        const listed = await listInvocations(store.db, { scope: SCOPE, limit: 10 });
        assert.deepEqual(listed.map((i) => [i.command_id, i.instance_id]), [[CMD, node(1)], [CMD, node(2)], [other, node(1)]]);
        assert.equal(listed[0].requested_at, NOW);
        assert.deepEqual((await listInvocations(store.db, { scope: SCOPE, limit: 10, after: { commandId: CMD, instanceId: node(1) } })).length, 2);
      } finally {
        await store.destroy();
      }
    });

    test('a command sent in a region targets only that region\'s nodes, and is listed only there', async () => {
      const store = await target.open();
      try {
        const eu = { accountId: ACCOUNT, region: 'eu-west-1' };
        for (const [activationId, region, ids] of [['a1', REGION, [1, 2]], ['a2', eu.region, [3, 4]]] as const) {
          await insertActivation(store.db, {
            activation_id: activationId, account_id: ACCOUNT, region, code_hash: 'h', description: null, default_instance_name: null, iam_role: 'Role',
            registration_limit: 10, registrations_count: 0, expires_at: NOW + 1000, created_at: NOW, tags: '[{"Key":"Role","Value":"web"}]', registration_metadata: '[]',
          });
          for (const i of ids) {
            await registerInstance(store.db, { activationId, codeHash: 'h', now: NOW, instance: {
              instance_id: node(i), public_key: 'pem', registered_at: NOW, deregistered_at: null, last_ping_at: null, agent_version: null, platform_name: null, platform_type: null,
              platform_version: null, computer_name: null, ip_address: null, clock_offset_ms: null, refused_reason: null, refused_at: null, refused_skew_ms: null,
            } });
          }
        }
        const euNodes = (await listInstances(store.db, eu)).map((r) => ({ instanceId: r.instance_id, tags: JSON.parse(r.tags) as { Key: string; Value: string }[], platformType: null }));
        const byTag = selectTargets(euNodes, { targets: [{ Key: 'tag:Role', Values: ['web'] }] });
        assert.deepEqual(byTag.ok && byTag.nodes.map((n) => n.instanceId), [node(3), node(4)]);
        const usNode = selectTargets(euNodes, { instanceIds: [node(1)] });
        assert.deepEqual(!usNode.ok && [usNode.problem, usNode.instanceIds], ['unknown-instances', [node(1)]], 'a node of another region is unknown');

        const rows = invocations(2, CMD, eu.region).map((r, seq) => ({ ...r, instance_id: node(seq + 3) }));
        await insertCommand(store.db, command({ region: eu.region, target_count: 2 }), rows);
        assert.deepEqual((await listCommands(store.db, { scope: eu, limit: 10 })).map((c) => c.command_id), [CMD]);
        assert.deepEqual((await listInvocations(store.db, { scope: eu, limit: 10 })).map((i) => i.instance_id), [node(3), node(4)]);
        assert.deepEqual(await listCommands(store.db, { scope: SCOPE, limit: 10 }), []);
        assert.deepEqual(await listInvocations(store.db, { scope: SCOPE, limit: 10 }), []);
      } finally {
        await store.destroy();
      }
    });
  });
}

describe('invocation message ids', () => {
  test('name the command and the node, and parse back', () => {
    const id = invocationMessageId(CMD, node(7));
    assert.match(id, /^[A-Za-z0-9_-]{8,64}$/);
    assert.deepEqual(parseInvocationMessageId(id), { commandId: CMD, instanceId: node(7) });
    assert.equal(parseInvocationMessageId('some-other-message-id'), undefined);
  });
});
