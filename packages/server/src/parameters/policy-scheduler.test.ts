import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../logger.ts';
import { listEvents, setAccountOption, WEBHOOK_OPTION, RETENTION_OPTION } from '../events/event-store.ts';
import { WebhookDelivery } from '../events/webhook-delivery.ts';
import { storeTargets, type TestStore } from '../testing/stores.ts';
import { putVersion, type VersionRow } from './parameter-store.ts';
import { PolicyScheduler } from './policy-scheduler.ts';
import { nextPolicyDueAt } from './policy-decisions.ts';
import { parsePolicies } from './policies.ts';

const ACCOUNT = '123456789012';
const T0 = Date.parse('2030-01-01T00:00:00Z');
const HOUR = 3_600_000;
const quiet = createLogger({ level: 'silent' });

function version(name: string, policies: object[], at = T0, region = 'us-east-1'): VersionRow {
  return {
    account_id: ACCOUNT, region, name, version: 1, parent_path: '/', type: 'String', value: 'v', key_id: null, description: null, allowed_pattern: null,
    tier: 'Advanced', policies: JSON.stringify(policies.map((p) => JSON.stringify(p))), data_type: 'text', labels: '[]',
    last_modified_at: at, last_modified_user: 'arn:aws:iam::123456789012:user/admin', is_current: 1, expires_at: null,
    policy_due_at: nextPolicyDueAt(parsePolicies(JSON.stringify(policies)), at, Number.NEGATIVE_INFINITY),
  };
}

for (const target of storeTargets) {
  describe(`parameter policies and event delivery (${target.name})`, { skip: target.skip }, () => {
    let store: TestStore;
    before(async () => {
      store = await target.open();
    });
    after(async () => {
      await store?.destroy();
    });

    test('an expired parameter is deleted with one event, and a new scheduler (a restart) adds nothing', async () => {
      await putVersion(store.db, version('/exp/a', [{ Type: 'Expiration', Version: '1.0', Attributes: { Timestamp: new Date(T0 + HOUR).toISOString() } }]), { tags: '[]' });
      let now = T0 + HOUR - 1;
      const first = new PolicyScheduler({ db: store.db, now: () => now, logger: quiet });
      await first.runOnce();
      assert.ok(await store.db.selectFrom('parameter_versions').select('name').where('name', '=', '/exp/a').executeTakeFirst(), 'not yet');
      now = T0 + 2 * HOUR;
      await first.runOnce();
      assert.equal(await store.db.selectFrom('parameter_versions').select('name').where('name', '=', '/exp/a').executeTakeFirst(), undefined);
      const deleted = await store.db.selectFrom('deleted_parameters').selectAll().where('name', '=', '/exp/a').execute();
      assert.equal(deleted.length, 1);
      assert.equal(deleted[0].deleted_by, 'bosun:parameter-policy:Expiration');
      const restarted = new PolicyScheduler({ db: store.db, now: () => now, logger: quiet });
      await restarted.runOnce();
      const events = await store.db.selectFrom('events').selectAll().where('resources', 'like', '%/exp/a%').execute();
      assert.equal(events.length, 1);
      assert.equal(JSON.parse(events[0].detail)['policy-type'], 'Expiration');
    });

    test('NoChangeNotification emits one event per version once it is due', async () => {
      await putVersion(store.db, version('/nochange/a', [{ Type: 'NoChangeNotification', Version: '1.0', Attributes: { After: '1', Unit: 'Hours' } }]), { tags: '[]' });
      let now = T0 + 2 * HOUR;
      const scheduler = new PolicyScheduler({ db: store.db, now: () => now, logger: quiet });
      await scheduler.runOnce();
      now += HOUR;
      await scheduler.runOnce();
      const events = await store.db.selectFrom('events').selectAll().where('resources', 'like', '%/nochange/a%').execute();
      assert.equal(events.length, 1);
      assert.equal(events[0].detail_type, 'Parameter Store Policy Action');
      const row = await store.db.selectFrom('parameter_versions').select('policy_due_at').where('name', '=', '/nochange/a').executeTakeFirstOrThrow();
      assert.equal(row.policy_due_at, null, 'nothing is left for the scheduler to do on this version');
    });

    test('the same parameter expiring in two regions is deleted in each, with one event in each region naming its ARN there', async () => {
      const expiring = [{ Type: 'Expiration', Version: '1.0', Attributes: { Timestamp: new Date(T0 + HOUR).toISOString() } }];
      await putVersion(store.db, version('/exp/both', expiring, T0, 'eu-west-1'), { tags: '[]' });
      await putVersion(store.db, version('/exp/both', expiring, T0, 'cn-north-1'), { tags: '[]' });
      await new PolicyScheduler({ db: store.db, now: () => T0 + 2 * HOUR, logger: quiet }).runOnce();
      assert.equal(await store.db.selectFrom('parameter_versions').select('name').where('name', '=', '/exp/both').executeTakeFirst(), undefined);
      const deleted = await store.db.selectFrom('deleted_parameters').select('region').where('name', '=', '/exp/both').orderBy('region').execute();
      assert.deepEqual(deleted.map((d) => d.region), ['cn-north-1', 'eu-west-1']);
      for (const [region, arn] of [
        ['eu-west-1', `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/exp/both`],
        ['cn-north-1', `arn:aws-cn:ssm:cn-north-1:${ACCOUNT}:parameter/exp/both`],
      ]) {
        const events = (await listEvents(store.db, { accountId: ACCOUNT, region, limit: 100 })).filter((e) => e.resources.includes('/exp/both'));
        assert.deepEqual(events.map((e) => JSON.parse(e.resources)), [[arn]], region);
      }
    });

    test('deleted parameters are forgotten after the account\'s retention period', async () => {
      await store.db.insertInto('deleted_parameters').values({ deletion_id: 'd-old', account_id: ACCOUNT, region: 'eu-west-1', name: '/old', deleted_at: T0, deleted_by: 'x', versions: '[]', tags: '[]' }).execute();
      await setAccountOption(store.db, ACCOUNT, RETENTION_OPTION, '2', T0);
      const scheduler = new PolicyScheduler({ db: store.db, now: () => T0 + 24 * HOUR, logger: quiet });
      await scheduler.runOnce();
      assert.ok(await store.db.selectFrom('deleted_parameters').select('deletion_id').where('deletion_id', '=', 'd-old').executeTakeFirst());
      const later = new PolicyScheduler({ db: store.db, now: () => T0 + 49 * HOUR, logger: quiet });
      await later.runOnce();
      assert.equal(await store.db.selectFrom('deleted_parameters').select('deletion_id').where('deletion_id', '=', 'd-old').executeTakeFirst(), undefined);
    });

    test('a webhook that fails is retried with backoff until it answers 2xx, and the event is marked delivered', async () => {
      const received: string[] = [];
      // Each event's first delivery fails, whatever the number of events the other tests left.
      const failedOnce = new Set<string>();
      const receiver = http.createServer((req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          received.push(body);
          const { id } = JSON.parse(body) as { id: string };
          res.statusCode = failedOnce.has(id) ? 204 : 503;
          failedOnce.add(id);
          res.end();
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      try {
        await setAccountOption(store.db, ACCOUNT, WEBHOOK_OPTION, `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, T0);
        let now = T0 + 10 * HOUR;
        const delivery = new WebhookDelivery({ db: store.db, now: () => now, logger: quiet });
        await delivery.deliverDue();
        const pending = await store.db.selectFrom('events').selectAll().where('delivered_at', 'is', null).execute();
        assert.ok(pending.length > 0 && pending.every((e) => e.attempts === 1), 'first attempt failed and was recorded');
        await delivery.deliverDue();
        assert.equal(received.length, pending.length, 'nothing is retried before its backoff');
        for (let i = 0; i < 5; i++) {
          now += 10 * 60 * 1000;
          await delivery.deliverDue();
        }
        const events = await store.db.selectFrom('events').selectAll().execute();
        assert.ok(events.every((e) => e.delivered_at !== null), 'every event was delivered in the end');
        const bodies = received.map((b) => JSON.parse(b));
        assert.ok(bodies.every((b) => b.source === 'aws.ssm' && b['detail-type'] === 'Parameter Store Policy Action' && b.account === ACCOUNT));
        // Each event is sent with its own region, which its resources name too.
        assert.ok(bodies.some((b) => b.region === 'cn-north-1') && bodies.some((b) => b.region === 'us-east-1'));
        assert.ok(bodies.every((b) => b.resources.every((arn: string) => arn.split(':')[3] === b.region)));
      } finally {
        receiver.close();
      }
    });
  });
}
