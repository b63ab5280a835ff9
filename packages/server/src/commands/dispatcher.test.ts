import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '../logger.ts';
import { ChannelHub } from '../nodes/channel-hub.ts';
import { databaseObjectStore } from '../object-store/database-object-store.ts';
import { openSqliteTestStore } from '../testing/stores.ts';
import { CommandEvents } from './command-events.ts';
import { findInvocation, insertCommand, type CommandRow, type InvocationRow } from './command-store.ts';
import { CommandDispatcher } from './dispatcher.ts';

const NOW = 1_800_000_000_000;
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const NODE = 'mi-00000000000000001';

function commandRow(commandId: string): CommandRow {
  return {
    command_id: commandId, account_id: ACCOUNT, region: REGION, document_name: 'AWS-RunShellScript', document_arn: 'arn:aws:ssm:us-east-1::document/AWS-RunShellScript', document_version: '1',
    document_hash: 'h', document_content: '{"schemaVersion":"2.2","mainSteps":[]}', parameters: '{}', resolved_parameters: '{}', comment: '', instance_ids: '[]', targets: '[]',
    requested_at: NOW, expires_at: NOW + 60_000, timeout_seconds: 60, execution_limit_ms: 10_000, max_concurrency: '50', max_errors: '0', max_concurrency_n: 50, max_errors_n: 0,
    status: 'Pending', status_details: 'Pending', target_count: 1, started_count: 0, in_flight_count: 0, completed_count: 0, error_count: 0, delivery_timed_out_count: 0,
    success_count: 0, failed_count: 0, execution_timed_out_count: 0, undeliverable_count: 0, invalid_platform_count: 0, cancelled_count: 0, terminated_count: 0, cancel_requested: 0,
    output_s3_region: null, output_s3_bucket_name: null, output_s3_key_prefix: null, service_role: null, notification_config: null, cloudwatch_output_config: null, completed_at: null,
  };
}

function invocationRow(commandId: string): InvocationRow {
  return {
    command_id: commandId, instance_id: NODE, account_id: ACCOUNT, region: REGION, seq: 0, instance_name: '', status: 'Pending', status_details: 'Pending', response_code: -1,
    message_id: null, sent_at: null, acked_at: null, started_at: null, ended_at: null, deadline_at: null, plugins: '[]', updated_at: NOW,
  };
}

describe('CommandDispatcher.holding', () => {
  test('commands made while holding are sent only once the work ends, all of them', async () => {
    const store = await openSqliteTestStore();
    const logger = createLogger({ format: 'json', level: 'error', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
    const dispatcher = new CommandDispatcher({
      db: store.db, hub: new ChannelHub({ db: store.db, logger, now: () => NOW }), objects: databaseObjectStore(store.db, () => NOW), events: new CommandEvents(), logger, now: () => NOW,
    });
    const ids = ['11111111-2222-4333-8444-000000000001', '11111111-2222-4333-8444-000000000002'];
    const sentAt = async (id: string) => (await findInvocation(store.db, id, NODE))?.sent_at ?? null;
    try {
      await dispatcher.holding(async () => {
        for (const id of ids) {
          await insertCommand(store.db, commandRow(id), [invocationRow(id)]);
          dispatcher.kick(id);
        }
        await dispatcher.settled();
        assert.deepEqual(await Promise.all(ids.map(sentAt)), [null, null], 'nothing is sent while the work goes on');
      });
      await dispatcher.settled();
      for (const id of ids) assert.equal(await sentAt(id), NOW, `${id} is sent (queued for its offline node) once the hold ends`);
    } finally {
      await dispatcher.stop();
      await store.close();
    }
  });
});
