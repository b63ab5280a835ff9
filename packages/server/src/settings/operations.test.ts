import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isAwsError } from '@bosun/protocol';
import type { CallContext, Operation } from '../api/operation.ts';
import { fixtures } from '../testing/fixtures.ts';
import { storeTargets, type TestStore } from '../testing/stores.ts';
import { settingsOperations } from './operations.ts';

/** Service settings are regional on AWS: each region of an account has its own value. */
const NOW = Date.UTC(2026, 11, 1);
const TIER = '/ssm/parameter-store/default-parameter-tier';

for (const target of storeTargets) {
  describe(`service settings per region on ${target.name}`, { skip: target.skip }, () => {
    let store: TestStore;
    let accountId: string;
    let call: (name: string, region: string, input: Record<string, unknown>) => Promise<any>;
    before(async () => {
      store = await target.open();
      accountId = (await fixtures.account(store, fixtures.rootKey(), { now: NOW - 1000 })).accountId;
      const context = (region: string): CallContext => fixtures.callContext({ accountId, region }, { now: NOW });
      const operations = new Map<string, Operation>(settingsOperations({ db: store.db }).map((op) => [op.name, op]));
      call = (name, region, input) => operations.get(name)!.handle(context(region), input) as Promise<any>;
    });
    after(async () => {
      await store?.destroy();
    });

    test('a setting changed in one region keeps its default in the others', async () => {
      await call('UpdateServiceSetting', 'eu-west-1', { SettingId: TIER, SettingValue: 'Advanced' });
      const west = (await call('GetServiceSetting', 'eu-west-1', { SettingId: TIER })).ServiceSetting;
      assert.deepEqual([west.SettingValue, west.Status, west.ARN], ['Advanced', 'Customized', `arn:aws:ssm:eu-west-1:${accountId}:servicesetting${TIER}`]);
      const east = (await call('GetServiceSetting', 'us-east-1', { SettingId: TIER })).ServiceSetting;
      assert.deepEqual([east.SettingValue, east.Status], ['Standard', 'Default']);
    });

    test('a reset in one region leaves the value of another', async () => {
      await call('UpdateServiceSetting', 'us-east-1', { SettingId: TIER, SettingValue: 'Intelligent-Tiering' });
      const reset = (await call('ResetServiceSetting', 'eu-west-1', { SettingId: TIER })).ServiceSetting;
      assert.deepEqual([reset.SettingValue, reset.Status], ['Standard', 'Default']);
      assert.equal((await call('GetServiceSetting', 'us-east-1', { SettingId: TIER })).ServiceSetting.SettingValue, 'Intelligent-Tiering');
    });

    test("a setting's ARN names its region's partition, and an ARN of another region is not found", async () => {
      const cn = (await call('GetServiceSetting', 'cn-north-1', { SettingId: TIER })).ServiceSetting;
      assert.equal(cn.ARN, `arn:aws-cn:ssm:cn-north-1:${accountId}:servicesetting${TIER}`);
      assert.equal((await call('GetServiceSetting', 'cn-north-1', { SettingId: cn.ARN })).ServiceSetting.SettingValue, 'Standard');
      await assert.rejects(call('GetServiceSetting', 'us-east-1', { SettingId: cn.ARN }), (error: unknown) => isAwsError(error) && error.code === 'ServiceSettingNotFound');
    });
  });
}
