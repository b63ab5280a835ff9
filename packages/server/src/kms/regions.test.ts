import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isAwsError } from '@bosun/protocol';
import type { AuthorizationRequest, Authorizer } from '../api/authorize.ts';
import type { CallContext, Operation, Permission } from '../api/operation.ts';
import { fixtures } from '../testing/fixtures.ts';
import { storeTargets, type TestStore } from '../testing/stores.ts';
import { KeyService, type KeyCaller } from './key-service.ts';
import { kmsOperations } from './operations.ts';

/**
 * KMS keys and aliases live per account and region, as on AWS: a request signed for one region
 * sees that region's keys only, its ARNs name the region's partition, and a ciphertext made in
 * one region does not open in another.
 */
const ACCOUNT = '111111111111';
const NOW = 1_800_000_000_000;
const US = 'us-east-1';
const EU = 'eu-west-1';
const CN = 'cn-north-1';

const principal = fixtures.adminPrincipal(ACCOUNT);

const context = (region: string): CallContext => fixtures.callContext({ accountId: ACCOUNT, region }, { now: NOW });

const caller = (region: string): KeyCaller => ({ principal, now: NOW, region });

function harness(store: TestStore) {
  const checks: { permissions: readonly Permission[]; request?: AuthorizationRequest }[] = [];
  const authorize: Authorizer = (_principal, permissions, request) => {
    checks.push({ permissions, request });
  };
  const keys = new KeyService({ db: store.db, rootKey: fixtures.rootKey(), authorize, cacheMs: 0 });
  const operations = new Map<string, Operation>(kmsOperations({ db: store.db, keys }).map((op) => [op.name, op]));
  const call = (name: string, region: string, input: Record<string, unknown>) => {
    const op = operations.get(name);
    if (!op) throw new Error(`no operation ${name}`);
    return op.handle(context(region), input) as Promise<any>;
  };
  const createKey = async (region: string) => (await call('CreateKey', region, {})).KeyMetadata as { KeyId: string; Arn: string };
  return { keys, call, createKey, checks };
}

async function withKms(target: (typeof storeTargets)[number], work: (kms: ReturnType<typeof harness>) => Promise<void>) {
  const store = await target.open();
  try {
    await work(harness(store));
  } finally {
    await store.destroy();
  }
}

function awsErrorWith(code: string, message?: string) {
  return (error: unknown) => {
    assert.ok(isAwsError(error), `expected an AwsError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (message !== undefined) assert.equal(error.message, message);
    return true;
  };
}

for (const target of storeTargets) {
  describe(`KMS across regions on ${target.name}`, { skip: target.skip }, () => {
    test('a key made in eu-west-1 is not found from us-east-1 by id, ARN or alias', () => withKms(target, async ({ call, createKey }) => {
      const key = await createKey(EU);
      assert.equal(key.Arn, `arn:aws:kms:${EU}:${ACCOUNT}:key/${key.KeyId}`);
      await call('CreateAlias', EU, { AliasName: 'alias/app', TargetKeyId: key.KeyId });

      await assert.rejects(call('DescribeKey', US, { KeyId: key.KeyId }), awsErrorWith('NotFoundException', `Key 'arn:aws:kms:${US}:${ACCOUNT}:key/${key.KeyId}' does not exist`));
      await assert.rejects(call('DescribeKey', US, { KeyId: key.Arn }), awsErrorWith('NotFoundException', `Invalid arn ${EU}`));
      await assert.rejects(call('DescribeKey', US, { KeyId: 'alias/app' }), awsErrorWith('NotFoundException', `Alias arn:aws:kms:${US}:${ACCOUNT}:alias/app is not found.`));
      await assert.rejects(call('DescribeKey', US, { KeyId: `arn:aws:kms:${EU}:${ACCOUNT}:alias/app` }), awsErrorWith('NotFoundException', `Invalid arn ${EU}`));

      for (const id of [key.KeyId, key.Arn, 'alias/app', `arn:aws:kms:${EU}:${ACCOUNT}:alias/app`]) {
        assert.equal((await call('DescribeKey', EU, { KeyId: id })).KeyMetadata.Arn, key.Arn);
      }
    }));

    test('listings show the region\'s keys and aliases only', () => withKms(target, async ({ call, createKey }) => {
      const eu = await createKey(EU);
      const us = await createKey(US);
      assert.deepEqual((await call('ListKeys', EU, {})).Keys, [{ KeyId: eu.KeyId, KeyArn: eu.Arn }]);
      assert.deepEqual((await call('ListKeys', US, {})).Keys, [{ KeyId: us.KeyId, KeyArn: us.Arn }]);
      await call('CreateAlias', EU, { AliasName: 'alias/eu-only', TargetKeyId: eu.KeyId });
      assert.deepEqual((await call('ListAliases', US, {})).Aliases, []);
      assert.deepEqual((await call('ListAliases', EU, {})).Aliases.map((a: { AliasArn: string }) => a.AliasArn), [`arn:aws:kms:${EU}:${ACCOUNT}:alias/eu-only`]);
    }));

    test('the same alias name exists in two regions, each naming its own region\'s key', () => withKms(target, async ({ call, createKey }) => {
      const eu = await createKey(EU);
      const us = await createKey(US);
      await call('CreateAlias', EU, { AliasName: 'alias/shared', TargetKeyId: eu.KeyId });
      await call('CreateAlias', US, { AliasName: 'alias/shared', TargetKeyId: us.KeyId });
      assert.equal((await call('DescribeKey', EU, { KeyId: 'alias/shared' })).KeyMetadata.KeyId, eu.KeyId);
      assert.equal((await call('DescribeKey', US, { KeyId: 'alias/shared' })).KeyMetadata.KeyId, us.KeyId);
      await assert.rejects(call('CreateAlias', US, { AliasName: 'alias/shared', TargetKeyId: us.KeyId }), awsErrorWith('AlreadyExistsException'));
      // An alias cannot name another region's key.
      await assert.rejects(call('UpdateAlias', US, { AliasName: 'alias/shared', TargetKeyId: eu.Arn }), awsErrorWith('NotFoundException', `Invalid arn ${EU}`));

      await call('DeleteAlias', EU, { AliasName: 'alias/shared' });
      await assert.rejects(call('DescribeKey', EU, { KeyId: 'alias/shared' }), awsErrorWith('NotFoundException'));
      assert.equal((await call('DescribeKey', US, { KeyId: 'alias/shared' })).KeyMetadata.KeyId, us.KeyId);
    }));

    test('a key in cn-north-1 has an aws-cn ARN, and an aws ARN for that region names no key', () => withKms(target, async ({ call, createKey }) => {
      const key = await createKey(CN);
      assert.equal(key.Arn, `arn:aws-cn:kms:${CN}:${ACCOUNT}:key/${key.KeyId}`);
      assert.equal((await call('DescribeKey', CN, { KeyId: key.Arn })).KeyMetadata.KeyId, key.KeyId);
      assert.deepEqual((await call('ListKeys', CN, {})).Keys, [{ KeyId: key.KeyId, KeyArn: key.Arn }]);
      const encrypted = await call('Encrypt', CN, { KeyId: key.KeyId, Plaintext: Buffer.from('x') });
      assert.equal(encrypted.KeyId, key.Arn);
      const wrongPartition = `arn:aws:kms:${CN}:${ACCOUNT}:key/${key.KeyId}`;
      await assert.rejects(call('DescribeKey', CN, { KeyId: wrongPartition }), awsErrorWith('NotFoundException', `Invalid arn ${wrongPartition}`));
    }));

    test('a ciphertext made in one region does not decrypt in another', () => withKms(target, async ({ call, createKey }) => {
      const key = await createKey(EU);
      const { CiphertextBlob } = await call('Encrypt', EU, { KeyId: key.KeyId, Plaintext: Buffer.from('secret') });
      await assert.rejects(call('Decrypt', US, { CiphertextBlob }), awsErrorWith('InvalidCiphertextException'));
      await assert.rejects(call('ReEncrypt', US, { CiphertextBlob, DestinationKeyId: (await createKey(US)).KeyId }), awsErrorWith('InvalidCiphertextException'));
      const opened = await call('Decrypt', EU, { CiphertextBlob });
      assert.equal(Buffer.from(opened.Plaintext).toString(), 'secret');
      assert.equal(opened.KeyId, key.Arn);
    }));

    test('AWS managed keys are made per region on first use; an envelope opens in its own region only', () => withKms(target, async ({ keys, call }) => {
      const context = { PARAMETER_ARN: 'arn' };
      const us = await keys.sealValue(caller(US), 'alias/aws/ssm', 'in us', context);
      const eu = await keys.sealValue(caller(EU), 'alias/aws/ssm', 'in eu', context);
      assert.notEqual(us.key.row.key_id, eu.key.row.key_id);
      assert.equal(us.key.arn, `arn:aws:kms:${US}:${ACCOUNT}:key/${us.key.row.key_id}`);
      assert.equal(eu.key.arn, `arn:aws:kms:${EU}:${ACCOUNT}:key/${eu.key.row.key_id}`);
      // The second use in a region finds the key the first one made.
      assert.equal((await keys.sealValue(caller(EU), 'alias/aws/ssm', 'again', context)).key.row.key_id, eu.key.row.key_id);

      assert.equal(await keys.openValue(caller(EU), eu.envelope, context), 'in eu');
      await assert.rejects(keys.openValue(caller(US), eu.envelope, context), awsErrorWith('InvalidCiphertextException'));
      const managed = (await call('ListAliases', EU, {})).Aliases.filter((a: { AliasName: string }) => a.AliasName === 'alias/aws/ssm');
      assert.deepEqual(managed.map((a: { TargetKeyId: string; AliasArn: string }) => [a.TargetKeyId, a.AliasArn]), [[eu.key.row.key_id, `arn:aws:kms:${EU}:${ACCOUNT}:alias/aws/ssm`]]);
    }));

    test('the checks made on a resolved key carry the request\'s region (aws:RequestedRegion)', () => withKms(target, async ({ call, createKey, checks }) => {
      const key = await createKey(EU);
      await call('CreateAlias', EU, { AliasName: 'alias/app', TargetKeyId: key.KeyId });
      checks.length = 0;
      await call('DescribeKey', EU, { KeyId: 'alias/app' });
      assert.deepEqual(checks, [{
        permissions: [{ action: 'kms:DescribeKey', resource: key.Arn }],
        request: { sourceIp: '10.1.2.3', secureTransport: false, now: NOW, region: EU },
      }]);
    }));
  });
}
