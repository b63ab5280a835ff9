import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { storeTargets, type TestStore } from '../testing/stores.ts';
import { appendEvent, dueDeliveries, listEvents, setAccountOption, WEBHOOK_OPTION, type NewEvent } from './event-store.ts';
import { eventBody } from './webhook-delivery.ts';

const ACCOUNT = '123456789012';
const T0 = Date.parse('2030-01-01T00:00:00Z');

const event = (eventId: string, region: string, at: number): NewEvent => ({
  eventId, accountId: ACCOUNT, region, at, source: 'aws.ssm', detailType: 'Parameter Store Policy Action',
  resources: [`arn:${region.startsWith('cn-') ? 'aws-cn' : 'aws'}:ssm:${region}:${ACCOUNT}:parameter/p`], detail: { 'parameter-name': '/p' },
});

for (const target of storeTargets) {
  describe(`the event log on ${target.name}`, { skip: target.skip }, () => {
    let store: TestStore;
    before(async () => {
      store = await target.open();
      await appendEvent(store.db, event('e-east', 'us-east-1', T0));
      await appendEvent(store.db, event('e-west', 'eu-west-1', T0 + 1));
      await appendEvent(store.db, event('e-cn', 'cn-north-1', T0 + 2));
    });
    after(async () => {
      await store?.destroy();
    });

    test('events are kept in their region and listed per region', async () => {
      const ids = async (options: { region?: string; accountId?: string }) => (await listEvents(store.db, { ...options, limit: 10 })).map((e) => e.event_id);
      assert.deepEqual(await ids({ accountId: ACCOUNT, region: 'eu-west-1' }), ['e-west']);
      assert.deepEqual(await ids({ accountId: ACCOUNT, region: 'us-east-1' }), ['e-east']);
      assert.deepEqual(await ids({ accountId: ACCOUNT, region: 'ap-south-1' }), []);
      assert.deepEqual(await ids({ accountId: ACCOUNT }), ['e-east', 'e-west', 'e-cn'], 'without a region, every region of the account');
    });

    test('an event is sent with its own region, whatever region the server was configured with', async () => {
      const [cn] = await listEvents(store.db, { region: 'cn-north-1', limit: 1 });
      const body = JSON.parse(eventBody(cn));
      assert.equal(body.region, 'cn-north-1');
      assert.deepEqual(body.resources, [`arn:aws-cn:ssm:cn-north-1:${ACCOUNT}:parameter/p`]);
    });

    test("an account's one webhook receives the events of each of its regions", async () => {
      await setAccountOption(store.db, ACCOUNT, WEBHOOK_OPTION, 'http://127.0.0.1:1/hook', T0);
      const due = await dueDeliveries(store.db, T0 + 10, 10);
      assert.deepEqual(due.map((e) => [e.event_id, e.region, e.url]).sort(), [
        ['e-cn', 'cn-north-1', 'http://127.0.0.1:1/hook'],
        ['e-east', 'us-east-1', 'http://127.0.0.1:1/hook'],
        ['e-west', 'eu-west-1', 'http://127.0.0.1:1/hook'],
      ]);
    });
  });
}
