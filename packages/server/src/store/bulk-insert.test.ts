import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bulkInsert } from './bulk-insert.ts';
import { storeTargets } from '../testing/stores.ts';

const COLUMNS = [
  { name: 'association_id', type: 'text' }, { name: 'instance_id', type: 'text' }, { name: 'account_id', type: 'text' }, { name: 'region', type: 'text' },
  { name: 'association_version', type: 'integer' }, { name: 'execution_id', type: 'text' }, { name: 'status', type: 'text' }, { name: 'detailed_status', type: 'text' },
  { name: 'error_code', type: 'text' }, { name: 'summary', type: 'text' }, { name: 'execution_at', type: 'bigint' }, { name: 'updated_at', type: 'bigint' },
] as const;

function state(instanceId: string, overrides: Record<string, string | number> = {}) {
  return {
    association_id: 'a-1', instance_id: instanceId, account_id: '123456789012', region: 'us-east-1', association_version: 1, execution_id: 'e-1',
    status: 'Pending', detailed_status: 'Pending', error_code: '', summary: '', execution_at: 1_700_000_000_123, updated_at: 1_700_000_000_123, ...overrides,
  };
}

for (const target of storeTargets) {
  describe(`bulkInsert (${target.name})`, { skip: target.skip }, () => {
    let opened: ReturnType<typeof target.open>;
    before(() => {
      opened = target.open();
    });
    after(async () => (await opened).close());

    test('stores every row with its constant and varying columns exactly, big numbers and quotes included', async () => {
      const { db } = await opened;
      const rows = Array.from({ length: 1200 }, (_, i) => state(`mi-${String(i).padStart(17, '0')}`, { summary: i % 2 ? `it's "${i}" ✓` : '', execution_at: 1_700_000_000_000 + i }));
      await bulkInsert(db, { table: 'association_targets', columns: COLUMNS, rows });
      const stored = await db.selectFrom('association_targets').selectAll().where('association_id', '=', 'a-1').orderBy('instance_id').execute();
      assert.equal(stored.length, 1200);
      assert.deepEqual(stored.map((r) => ({ ...r, execution_at: Number(r.execution_at), updated_at: Number(r.updated_at) })), rows);
    });

    test('a conflicting row takes the new values of the update columns only', async () => {
      const { db } = await opened;
      await bulkInsert(db, {
        table: 'association_targets', columns: COLUMNS,
        rows: [state('mi-00000000000000000', { status: 'Success', execution_id: 'e-2', account_id: '999999999999' }), state('mi-new', { association_id: 'a-1' })],
        onConflict: { key: ['association_id', 'instance_id'], update: ['status', 'execution_id'] },
      });
      const first = await db.selectFrom('association_targets').selectAll().where('association_id', '=', 'a-1').where('instance_id', '=', 'mi-00000000000000000').executeTakeFirstOrThrow();
      assert.equal(first.status, 'Success');
      assert.equal(first.execution_id, 'e-2');
      assert.equal(first.account_id, '123456789012', 'a column outside update keeps its value');
      assert.ok(await db.selectFrom('association_targets').select('instance_id').where('instance_id', '=', 'mi-new').executeTakeFirst());
    });

    test('null values, constant or varying, are stored as null', async () => {
      const { db } = await opened;
      const invocation = (instanceId: string, sentAt: number | null) => ({
        command_id: 'c-1', instance_id: instanceId, account_id: '123456789012', region: 'us-east-1', seq: 0, instance_name: '', status: 'Pending', status_details: 'Pending',
        response_code: -1, message_id: null, sent_at: sentAt, acked_at: null, started_at: null, ended_at: null, deadline_at: null, plugins: '[]', updated_at: 1,
      });
      await bulkInsert(db, {
        table: 'command_invocations',
        columns: [
          { name: 'command_id', type: 'text' }, { name: 'instance_id', type: 'text' }, { name: 'account_id', type: 'text' }, { name: 'region', type: 'text' }, { name: 'seq', type: 'integer' },
          { name: 'instance_name', type: 'text' }, { name: 'status', type: 'text' }, { name: 'status_details', type: 'text' }, { name: 'response_code', type: 'integer' },
          { name: 'message_id', type: 'text' }, { name: 'sent_at', type: 'bigint' }, { name: 'plugins', type: 'text' }, { name: 'updated_at', type: 'bigint' },
        ],
        rows: [invocation('mi-a', null), invocation('mi-b', 5)],
      });
      const stored = await db.selectFrom('command_invocations').select(['instance_id', 'message_id', 'sent_at', 'response_code']).where('command_id', '=', 'c-1').orderBy('instance_id').execute();
      assert.deepEqual(stored.map((r) => ({ ...r, sent_at: r.sent_at === null ? null : Number(r.sent_at) })), [
        { instance_id: 'mi-a', message_id: null, sent_at: null, response_code: -1 },
        { instance_id: 'mi-b', message_id: null, sent_at: 5, response_code: -1 },
      ]);
    });
  });
}
