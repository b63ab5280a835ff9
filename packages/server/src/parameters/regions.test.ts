import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isAwsError } from '@bosun/protocol';
import type { Authorizer } from '../api/authorize.ts';
import type { CallContext, Operation } from '../api/operation.ts';
import { KeyService } from '../kms/key-service.ts';
import { putSettingRow } from '../settings/settings-store.ts';
import { tagOperations } from '../tags/tag-operations.ts';
import { fixtures } from '../testing/fixtures.ts';
import { storeTargets, type TestStore } from '../testing/stores.ts';
import { parameterOperations } from './operations.ts';
import { parameterTags } from './parameter-tags.ts';

/**
 * Parameters live per account and region, as on AWS: a request signed for one region reads and
 * writes that region's parameters only, and their ARNs name the region and its partition.
 */
const ACCOUNT = '111111111111';
const NOW = Date.UTC(2026, 11, 1);
const US = 'us-east-1';
const EU = 'eu-west-1';
const CN = 'cn-north-1';

const context = (region: string): CallContext => fixtures.callContext({ accountId: ACCOUNT, region }, { now: NOW });
const notFound = (error: unknown) => isAwsError(error) && error.code === 'ParameterNotFound';

for (const target of storeTargets) {
  describe(`parameters per region on ${target.name}`, { skip: target.skip }, () => {
    let store: TestStore;
    let call: (name: string, region: string, input: Record<string, unknown>) => Promise<any>;
    before(async () => {
      store = await target.open();
      const authorize: Authorizer = () => undefined;
      const keys = new KeyService({ db: store.db, rootKey: fixtures.rootKey(), authorize, cacheMs: 0 });
      const operations = new Map<string, Operation>([
        ...parameterOperations({ db: store.db, keys }),
        ...tagOperations([parameterTags(store.db)]),
      ].map((op) => [op.name, op]));
      call = (name, region, input) => operations.get(name)!.handle(context(region), input) as Promise<any>;
    });
    after(async () => {
      await store?.destroy();
    });

    test('the same name is created in two regions, each read in its own with its ARN there', async () => {
      await call('PutParameter', EU, { Name: '/app/url', Value: 'https://eu', Type: 'String' });
      await assert.rejects(call('GetParameter', US, { Name: '/app/url' }), notFound);
      await call('PutParameter', US, { Name: '/app/url', Value: 'https://us', Type: 'String' });
      const eu = (await call('GetParameter', EU, { Name: '/app/url' })).Parameter;
      const us = (await call('GetParameter', US, { Name: '/app/url' })).Parameter;
      assert.deepEqual([eu.Value, eu.Version, eu.ARN], ['https://eu', 1, `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/app/url`]);
      assert.deepEqual([us.Value, us.Version, us.ARN], ['https://us', 1, `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/app/url`]);
    });

    test('a name given as the ARN of another region names no parameter (the request\'s region is read, never the ARN\'s)', async () => {
      const euArn = `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/app/url`;
      assert.equal((await call('GetParameter', EU, { Name: euArn })).Parameter.Value, 'https://eu');
      await assert.rejects(call('GetParameter', US, { Name: euArn }), notFound);
      assert.deepEqual((await call('GetParameters', US, { Names: [euArn, '/app/url'] })).InvalidParameters, [euArn]);
      await assert.rejects(call('GetParameterHistory', US, { Name: euArn }), notFound);
      await assert.rejects(call('ListTagsForResource', US, { ResourceType: 'Parameter', ResourceId: euArn }),
        (error: unknown) => isAwsError(error) && error.code === 'InvalidResourceId');
      assert.deepEqual(await call('DeleteParameters', US, { Names: [euArn] }), { DeletedParameters: [], InvalidParameters: [euArn] });
      assert.equal((await call('GetParameter', US, { Name: '/app/url' })).Parameter.Value, 'https://us');
    });

    test('listing, history and labels are of the request\'s region', async () => {
      await call('PutParameter', EU, { Name: '/app/only-eu', Value: 'x', Type: 'String' });
      const names = async (region: string) => (await call('GetParametersByPath', region, { Path: '/app' })).Parameters.map((p: { Name: string }) => p.Name);
      assert.deepEqual(await names(EU), ['/app/only-eu', '/app/url']);
      assert.deepEqual(await names(US), ['/app/url']);
      assert.deepEqual((await call('DescribeParameters', US, {})).Parameters.map((p: { Name: string }) => p.Name), ['/app/url']);
      await assert.rejects(call('GetParameterHistory', US, { Name: '/app/only-eu' }), notFound);
      await call('LabelParameterVersion', US, { Name: '/app/url', Labels: ['prod'] });
      assert.deepEqual((await call('GetParameterHistory', EU, { Name: '/app/url' })).Parameters[0].Labels, []);
      assert.equal((await call('GetParameter', US, { Name: '/app/url:prod' })).Parameter.Value, 'https://us');
      await assert.rejects(call('GetParameter', EU, { Name: '/app/url:prod' }), notFound);
    });

    test('tags are of the parameter in the request\'s region', async () => {
      await call('AddTagsToResource', EU, { ResourceType: 'Parameter', ResourceId: '/app/url', Tags: [{ Key: 'r', Value: 'eu' }] });
      assert.deepEqual((await call('ListTagsForResource', EU, { ResourceType: 'Parameter', ResourceId: '/app/url' })).TagList, [{ Key: 'r', Value: 'eu' }]);
      assert.deepEqual((await call('ListTagsForResource', US, { ResourceType: 'Parameter', ResourceId: '/app/url' })).TagList, []);
      await assert.rejects(call('ListTagsForResource', US, { ResourceType: 'Parameter', ResourceId: '/app/only-eu' }),
        (error: unknown) => isAwsError(error) && error.code === 'InvalidResourceId');
    });

    test('deleting in one region leaves the other region\'s parameter', async () => {
      await call('DeleteParameter', US, { Name: '/app/url' });
      await assert.rejects(call('GetParameter', US, { Name: '/app/url' }), notFound);
      assert.equal((await call('GetParameter', EU, { Name: '/app/url' })).Parameter.Value, 'https://eu');
      const both = await call('DeleteParameters', US, { Names: ['/app/only-eu'] });
      assert.deepEqual(both, { DeletedParameters: [], InvalidParameters: ['/app/only-eu'] });
    });

    test('a SecureString is sealed under the default key of its region and read there', async () => {
      await call('PutParameter', CN, { Name: '/secret', Value: 'hush', Type: 'SecureString' });
      const read = (await call('GetParameter', CN, { Name: '/secret', WithDecryption: true })).Parameter;
      assert.deepEqual([read.Value, read.ARN], ['hush', `arn:aws-cn:ssm:cn-north-1:${ACCOUNT}:parameter/secret`]);
      await assert.rejects(call('GetParameter', US, { Name: '/secret', WithDecryption: true }), notFound);
    });

    test('the default parameter tier is the service setting of the request\'s region', async () => {
      await putSettingRow(store.db, { account_id: ACCOUNT, region: EU, setting_id: '/ssm/parameter-store/default-parameter-tier', setting_value: 'Advanced', last_modified_at: NOW, last_modified_user: 'x' });
      assert.equal((await call('PutParameter', EU, { Name: '/tiered', Value: 'v', Type: 'String' })).Tier, 'Advanced');
      assert.equal((await call('PutParameter', US, { Name: '/tiered', Value: 'v', Type: 'String' })).Tier, 'Standard');
    });
  });
}
