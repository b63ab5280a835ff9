import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { storeTargets, type TestStore } from '../../testing/stores.ts';
import { migrateToLatest } from '../store.ts';

 

const ACCOUNT = '111122223333';
const T0 = Date.UTC(2026, 11, 1);


const parameter = (name: string, value: string) => ({
  account_id: ACCOUNT, name, version: 1, parent_path: '/', type: 'String', value, key_id: null, description: null,
  allowed_pattern: null, tier: 'Standard', data_type: 'text', labels: '[]', policies: '[]', last_modified_at: T0,
  last_modified_user: `arn:aws:iam::${ACCOUNT}:user/old`, is_current: 1, expires_at: null, policy_due_at: null,
});

for (const target of storeTargets) {
  describe(`migration 0010-regions on ${target.name}`, { skip: target.skip }, () => {
    let opened: TestStore;
    let db: any;
    before(async () => {
      opened = await target.openUnmigrated();
      db = opened.db;
      await migrateToLatest(opened.db, 'us-east-1', '0009-parameter-names');
      await db.insertInto('parameter_versions').values(parameter('/app/url', 'https://old')).execute();
      await db.insertInto('documents').values({ account_id: ACCOUNT, name: 'Mine', document_type: 'Command', default_version: 1, version_counter: 1, created_at: T0, tags: '[]' }).execute();
      await db.insertInto('service_settings').values({ account_id: ACCOUNT, setting_id: '/ssm/parameter-store/default-parameter-tier', setting_value: 'Advanced', last_modified_at: T0, last_modified_user: 'old' }).execute();
      // The server was configured for eu-west-1 when these were written.
      await migrateToLatest(opened.db, 'eu-west-1');
    });
    after(async () => {
      await opened?.destroy();
    });

    test('rows written before regions move into the configured region, as they were', async () => {
      const rows = await db.selectFrom('parameter_versions').selectAll().execute();
      assert.deepEqual(rows.map((r: any) => [r.name, r.value, r.region]), [['/app/url', 'https://old', 'eu-west-1']]);
      assert.equal((await db.selectFrom('documents').select('region').executeTakeFirstOrThrow()).region, 'eu-west-1');
      assert.equal((await db.selectFrom('service_settings').select(['region', 'setting_value']).executeTakeFirstOrThrow()).setting_value, 'Advanced');
    });

    test('the same name can exist in another region, and only once in each', async () => {
      await db.insertInto('parameter_versions').values({ ...parameter('/app/url', 'https://new'), region: 'us-west-2' }).execute();
      await assert.rejects(db.insertInto('parameter_versions').values({ ...parameter('/app/url', 'again'), version: 2, is_current: 1, region: 'us-west-2' }).execute(),
        'the one-current-version index is per region');
      await assert.rejects(db.insertInto('parameter_versions').values({ ...parameter('/app/url', 'dup'), region: 'eu-west-1' }).execute(), 'the key includes the region');
      await db.insertInto('documents').values({ account_id: ACCOUNT, region: 'cn-north-1', name: 'Mine', document_type: 'Command', default_version: 1, version_counter: 1, created_at: T0, tags: '[]' }).execute();
      const regions = await db.selectFrom('documents').select('region').where('name', '=', 'Mine').orderBy('region').execute();
      assert.deepEqual(regions.map((r: any) => r.region), ['cn-north-1', 'eu-west-1']);
    });

    test('a row without a region is refused (no default is left behind)', async () => {
      await assert.rejects(db.insertInto('events').values({ event_id: 'e1', account_id: ACCOUNT, created_at: T0, source: 's', detail_type: 'd', resources: '[]', detail: '{}', delivered_at: null, attempts: 0, next_attempt_at: T0, last_error: null }).execute());
    });

    test('indexes the migration did not change are still there', async () => {
      const names = target.name === 'sqlite'
        ? (await sql<{ name: string }>`select name from sqlite_master where type = 'index' and sql is not null`.execute(db)).rows.map((r) => r.name)
        : (await sql<{ name: string }>`select indexname as name from pg_indexes where schemaname = current_schema()`.execute(db)).rows.map((r) => r.name);
      for (const index of ['parameter_versions_policy_due', 'commands_status', 'command_invocations_instance', 'events_pending', 'parameter_versions_one_name', 'secrets_name']) {
        assert.ok(names.includes(index), `${index} is missing: ${names.join(', ')}`);
      }
    });
  });
}
