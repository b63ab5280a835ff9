import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isAwsError } from '@bosun/protocol';
import type { AuthorizationRequest, Authorizer } from '../api/authorize.ts';
import type { CallContext, Operation, Permission } from '../api/operation.ts';
import { KeyService } from '../kms/key-service.ts';
import { fixtures } from '../testing/fixtures.ts';
import { storeTargets, type TestStore } from '../testing/stores.ts';
import { secretService } from './operations.ts';

/**
 * Secrets live per account and region, as on AWS: a name is unique within a region, the ARN
 * names the request's region and its partition, and another region's secret is not found.
 */
const ACCOUNT = '111111111111';
const NOW = 1_800_000_000_000;
const US = 'us-east-1';
const EU = 'eu-west-1';
const CN = 'cn-north-1';



const context = (region: string): CallContext => fixtures.callContext({ accountId: ACCOUNT, region }, { now: NOW });

function harness(store: TestStore) {
  const checks: { permissions: readonly Permission[]; request?: AuthorizationRequest }[] = [];
  const authorize: Authorizer = (_principal, permissions, request) => {
    checks.push({ permissions, request });
  };
  const keys = new KeyService({ db: store.db, rootKey: fixtures.rootKey(), authorize });
  const operations = new Map<string, Operation>(secretService({ db: store.db, keys, authorize }).operations.map((op) => [op.name, op]));
  const call = (name: string, region: string, input: Record<string, unknown>) => {
    const op = operations.get(name);
    if (!op) throw new Error(`no operation ${name}`);
    return op.handle(context(region), input) as Promise<any>;
  };
  return { call, checks };
}

async function withSecrets(target: (typeof storeTargets)[number], work: (secrets: ReturnType<typeof harness>) => Promise<void>) {
  const store = await target.open();
  try {
    await work(harness(store));
  } finally {
    await store.destroy();
  }
}

function awsErrorWith(code: string) {
  return (error: unknown) => {
    assert.ok(isAwsError(error), `expected an AwsError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return true;
  };
}

for (const target of storeTargets) {
  describe(`Secrets Manager across regions on ${target.name}`, { skip: target.skip }, () => {
    test('a secret of the same name in two regions is two secrets, each with its own ARN and value', () => withSecrets(target, async ({ call }) => {
      const us = await call('CreateSecret', US, { Name: 'db/password', SecretString: 'us-value' });
      const eu = await call('CreateSecret', EU, { Name: 'db/password', SecretString: 'eu-value' });
      assert.match(us.ARN, new RegExp(`^arn:aws:secretsmanager:${US}:${ACCOUNT}:secret:db/password-[A-Za-z0-9]{6}$`));
      assert.match(eu.ARN, new RegExp(`^arn:aws:secretsmanager:${EU}:${ACCOUNT}:secret:db/password-[A-Za-z0-9]{6}$`));

      assert.equal((await call('GetSecretValue', US, { SecretId: 'db/password' })).SecretString, 'us-value');
      assert.equal((await call('GetSecretValue', EU, { SecretId: 'db/password' })).SecretString, 'eu-value');
      assert.deepEqual((await call('ListSecrets', EU, {})).SecretList.map((s: { ARN: string }) => s.ARN), [eu.ARN]);

      // Names are unique within a region.
      await assert.rejects(call('CreateSecret', EU, { Name: 'db/password', SecretString: 'again' }), awsErrorWith('ResourceExistsException'));

      await call('DeleteSecret', EU, { SecretId: 'db/password', ForceDeleteWithoutRecovery: true });
      await assert.rejects(call('DescribeSecret', EU, { SecretId: 'db/password' }), awsErrorWith('ResourceNotFoundException'));
      assert.equal((await call('DescribeSecret', US, { SecretId: 'db/password' })).ARN, us.ARN);
    }));

    test('another region\'s secret is not found by its ARN, full or partial', () => withSecrets(target, async ({ call }) => {
      const eu = await call('CreateSecret', EU, { Name: 'app', SecretString: 'v' });
      await assert.rejects(call('GetSecretValue', US, { SecretId: eu.ARN }), awsErrorWith('ResourceNotFoundException'));
      await assert.rejects(call('GetSecretValue', US, { SecretId: `arn:aws:secretsmanager:${EU}:${ACCOUNT}:secret:app` }), awsErrorWith('ResourceNotFoundException'));
      assert.equal((await call('GetSecretValue', EU, { SecretId: `arn:aws:secretsmanager:${EU}:${ACCOUNT}:secret:app` })).ARN, eu.ARN);
    }));

    test('a secret in cn-north-1 has an aws-cn ARN', () => withSecrets(target, async ({ call }) => {
      const cn = await call('CreateSecret', CN, { Name: 'app', SecretString: 'v' });
      assert.match(cn.ARN, new RegExp(`^arn:aws-cn:secretsmanager:${CN}:${ACCOUNT}:secret:app-[A-Za-z0-9]{6}$`));
      assert.equal((await call('GetSecretValue', CN, { SecretId: cn.ARN })).SecretString, 'v');
    }));

    test('a secret cannot be encrypted under another region\'s key', () => withSecrets(target, async ({ call }) => {
      // us-east-1's managed key exists (made by this first use), and still eu-west-1 cannot use it.
      await call('CreateSecret', US, { Name: 'seed', SecretString: 'v' });
      await assert.rejects(call('CreateSecret', EU, { Name: 'x', SecretString: 'v', KmsKeyId: `arn:aws:kms:${US}:${ACCOUNT}:alias/aws/secretsmanager` }), awsErrorWith('EncryptionFailure'));
    }));

    test('the check on a found secret carries the request\'s region (aws:RequestedRegion)', () => withSecrets(target, async ({ call, checks }) => {
      const eu = await call('CreateSecret', EU, { Name: 'app' });
      checks.length = 0;
      await call('DescribeSecret', EU, { SecretId: 'app' });
      assert.deepEqual(checks, [{
        permissions: [{ action: 'secretsmanager:DescribeSecret', resource: eu.ARN }],
        request: { sourceIp: '10.1.2.3', secureTransport: false, now: NOW, region: EU },
      }]);
    }));
  });
}
