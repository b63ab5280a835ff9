/**
 * Parameter Store end to end: the AWS SDK and the AWS CLI against a real server, on SQLite and
 * PostgreSQL, with AWS's edge cases (overwrite, type change, labels, history after delete,
 * pagination over 1,000 parameters, one level vs recursive paths, SecureStrings under KMS).
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  DeleteParameterCommand, DeleteParametersCommand, DescribeParametersCommand, GetParameterCommand, GetParameterHistoryCommand,
  GetParametersByPathCommand, GetParametersCommand, LabelParameterVersionCommand, PutParameterCommand, UnlabelParameterVersionCommand,
  paginateDescribeParameters, paginateGetParametersByPath, type SSMClient,
} from '@aws-sdk/client-ssm';
import { awsCli, awsCliEnv, engines, rejection, signedFetch, skipWithoutAwsCli, ssmClient, startTestServer, userArnOf, type TestServer } from './support.ts';

for (const engine of engines) {
  describe(`Parameter Store through the SDK (${engine.name})`, { skip: engine.skip }, () => {
    let t: TestServer;
    let ssm: SSMClient;
    const arn = (name: string) => `arn:aws:ssm:us-east-1:${t.admin.accountId}:parameter${name.startsWith('/') ? '' : '/'}${name}`;
    const kms = (target: string, body: unknown) => signedFetch(t.url, { target: `TrentService.${target}`, body: JSON.stringify(body), credentials: t.admin, service: 'kms' });

    before(async () => {
      t = await startTestServer({ engine: engine.name });
      ssm = ssmClient(t, t.admin, { maxSockets: 32 });
    });
    after(async () => {
      ssm?.destroy();
      await t?.destroy();
    });

    test('PutParameter creates version 1 and GetParameter returns it with its ARN', async () => {
      const put = await ssm.send(new PutParameterCommand({ Name: '/app/prod/db/host', Value: 'db.internal', Type: 'String' }));
      assert.equal(put.Version, 1);
      assert.equal(put.Tier, 'Standard');
      const got = await ssm.send(new GetParameterCommand({ Name: '/app/prod/db/host' }));
      assert.equal(got.Parameter?.Value, 'db.internal');
      assert.equal(got.Parameter?.ARN, arn('/app/prod/db/host'));
      assert.equal(got.Parameter?.DataType, 'text');
      assert.equal(got.Parameter?.Version, 1);
    });

    test('PutParameter of an existing name without Overwrite is ParameterAlreadyExists', async () => {
      await ssm.send(new PutParameterCommand({ Name: '/edge/overwrite', Value: 'a', Type: 'String' }));
      const error = await rejection(ssm.send(new PutParameterCommand({ Name: '/edge/overwrite', Value: 'b', Type: 'String' })));
      assert.equal(error.name, 'ParameterAlreadyExists');
      const second = await ssm.send(new PutParameterCommand({ Name: '/edge/overwrite', Value: 'b', Overwrite: true }));
      assert.equal(second.Version, 2);
    });

    test('changing the type of a parameter is HierarchyTypeMismatchException', async () => {
      await ssm.send(new PutParameterCommand({ Name: '/edge/type', Value: 'a', Type: 'String' }));
      const error = await rejection(ssm.send(new PutParameterCommand({ Name: '/edge/type', Value: 'a,b', Type: 'StringList', Overwrite: true })));
      assert.equal(error.name, 'HierarchyTypeMismatchException');
    });

    test('a new parameter without Type is a ValidationException', async () => {
      const error = await rejection(ssm.send(new PutParameterCommand({ Name: '/edge/notype', Value: 'a' })));
      assert.equal(error.name, 'ValidationException');
      assert.match(error.message, /parameter type is required/);
    });

    test('names: reserved prefixes, relative paths and more than 15 levels are refused', async () => {
      assert.equal((await rejection(ssm.send(new PutParameterCommand({ Name: 'awsthing', Value: 'a', Type: 'String' })))).name, 'ValidationException');
      assert.equal((await rejection(ssm.send(new PutParameterCommand({ Name: '/aws/x/y', Value: 'a', Type: 'String' })))).name, 'AccessDeniedException');
      assert.equal((await rejection(ssm.send(new PutParameterCommand({ Name: 'a/b', Value: 'a', Type: 'String' })))).name, 'ValidationException');
      const deep = '/' + Array.from({ length: 16 }, (_, i) => `l${i}`).join('/');
      assert.equal((await rejection(ssm.send(new PutParameterCommand({ Name: deep, Value: 'a', Type: 'String' })))).name, 'HierarchyLevelLimitExceededException');
    });

    test('AllowedPattern is enforced on the value', async () => {
      const error = await rejection(ssm.send(new PutParameterCommand({ Name: '/edge/pattern', Value: 'abc', Type: 'String', AllowedPattern: '^\\d+$' })));
      assert.equal(error.name, 'ParameterPatternMismatchException');
      await ssm.send(new PutParameterCommand({ Name: '/edge/pattern', Value: '123', Type: 'String', AllowedPattern: '^\\d+$' }));
    });

    test('tiers: Standard values are limited to 4 KB, Advanced to 8 KB, Intelligent-Tiering picks the tier', async () => {
      const big = 'x'.repeat(5000);
      assert.equal((await rejection(ssm.send(new PutParameterCommand({ Name: '/tier/std', Value: big, Type: 'String' })))).name, 'ValidationException');
      const adv = await ssm.send(new PutParameterCommand({ Name: '/tier/adv', Value: big, Type: 'String', Tier: 'Advanced' }));
      assert.equal(adv.Tier, 'Advanced');
      const smart = await ssm.send(new PutParameterCommand({ Name: '/tier/smart', Value: big, Type: 'String', Tier: 'Intelligent-Tiering' }));
      assert.equal(smart.Tier, 'Advanced');
      const small = await ssm.send(new PutParameterCommand({ Name: '/tier/small', Value: 'x', Type: 'String', Tier: 'Intelligent-Tiering' }));
      assert.equal(small.Tier, 'Standard');
      const down = await rejection(ssm.send(new PutParameterCommand({ Name: '/tier/adv', Value: 'x', Tier: 'Standard', Overwrite: true })));
      assert.equal(down.name, 'ValidationException');
      assert.equal((await rejection(ssm.send(new PutParameterCommand({ Name: '/tier/huge', Value: 'x'.repeat(9000), Type: 'String', Tier: 'Advanced' })))).name, 'ValidationException');
    });

    test('SecureString: the value is ciphertext without decryption and plaintext with it; alias/aws/ssm is created on first use', async () => {
      await ssm.send(new PutParameterCommand({ Name: '/secure/one', Value: 's3cret', Type: 'SecureString' }));
      const raw = await ssm.send(new GetParameterCommand({ Name: '/secure/one' }));
      assert.notEqual(raw.Parameter?.Value, 's3cret');
      assert.ok(!Buffer.from(raw.Parameter!.Value!, 'base64').includes('s3cret'));
      const clear = await ssm.send(new GetParameterCommand({ Name: '/secure/one', WithDecryption: true }));
      assert.equal(clear.Parameter?.Value, 's3cret');
      const alias = await kms('DescribeKey', { KeyId: 'alias/aws/ssm' });
      assert.equal(alias.json.KeyMetadata.KeyManager, 'AWS');
      const meta = await ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Values: ['/secure/one'] }] }));
      assert.equal(meta.Parameters?.[0].KeyId, 'alias/aws/ssm');
      assert.equal(meta.Parameters?.[0].LastModifiedUser, userArnOf(t.admin));
    });

    test('SecureString under a customer key: disabling the key makes decryption fail with InvalidKeyId naming DisabledException', async () => {
      const key = (await kms('CreateKey', {})).json.KeyMetadata.KeyId;
      await ssm.send(new PutParameterCommand({ Name: '/secure/cmk', Value: 'under-cmk', Type: 'SecureString', KeyId: key }));
      assert.equal((await ssm.send(new GetParameterCommand({ Name: '/secure/cmk', WithDecryption: true }))).Parameter?.Value, 'under-cmk');
      await kms('DisableKey', { KeyId: key });
      // The key row is cached for a second: poll until the disable is seen.
      const deadline = Date.now() + 5000;
      let error: Error & { name: string } | undefined;
      while (Date.now() < deadline) {
        try {
          await ssm.send(new GetParameterCommand({ Name: '/secure/cmk', WithDecryption: true }));
        } catch (e) {
          error = e as Error & { name: string };
          break;
        }
      }
      assert.equal(error?.name, 'InvalidKeyId');
      assert.match(error!.message, /DisabledException/);
      assert.doesNotMatch(error!.message, /under-cmk/);
      // Without decryption the parameter is still there; other parameters are unaffected.
      assert.ok((await ssm.send(new GetParameterCommand({ Name: '/secure/cmk' }))).Parameter?.Value);
      assert.equal((await ssm.send(new GetParameterCommand({ Name: '/secure/one', WithDecryption: true }))).Parameter?.Value, 's3cret');
      const missing = await rejection(ssm.send(new PutParameterCommand({ Name: '/secure/nokey', Value: 'x', Type: 'SecureString', KeyId: 'alias/none' })));
      assert.equal(missing.name, 'InvalidKeyId');
    });

    test('KeyId on a String parameter is a ValidationException', async () => {
      assert.equal((await rejection(ssm.send(new PutParameterCommand({ Name: '/edge/keyid', Value: 'x', Type: 'String', KeyId: 'alias/aws/ssm' })))).name, 'ValidationException');
    });

    test('name:version and name:label selectors', async () => {
      await ssm.send(new PutParameterCommand({ Name: '/sel/p', Value: 'v1', Type: 'String' }));
      await ssm.send(new PutParameterCommand({ Name: '/sel/p', Value: 'v2', Overwrite: true }));
      await ssm.send(new LabelParameterVersionCommand({ Name: '/sel/p', ParameterVersion: 1, Labels: ['stable'] }));
      const v1 = await ssm.send(new GetParameterCommand({ Name: '/sel/p:1' }));
      assert.equal(v1.Parameter?.Value, 'v1');
      assert.equal(v1.Parameter?.Selector, ':1');
      assert.equal(v1.Parameter?.Name, '/sel/p');
      assert.equal((await ssm.send(new GetParameterCommand({ Name: '/sel/p:stable' }))).Parameter?.Value, 'v1');
      assert.equal((await rejection(ssm.send(new GetParameterCommand({ Name: '/sel/p:9' })))).name, 'ParameterVersionNotFound');
      assert.equal((await rejection(ssm.send(new GetParameterCommand({ Name: '/sel/p:nolabel' })))).name, 'ParameterNotFound');
    });

    test('labels: invalid ones are returned, a label moves between versions, a missing version is ParameterVersionNotFound', async () => {
      await ssm.send(new PutParameterCommand({ Name: '/lab/p', Value: 'v1', Type: 'String' }));
      await ssm.send(new PutParameterCommand({ Name: '/lab/p', Value: 'v2', Overwrite: true }));
      const first = await ssm.send(new LabelParameterVersionCommand({ Name: '/lab/p', ParameterVersion: 1, Labels: ['blue', 'aws-nope', '1bad'] }));
      assert.deepEqual(first.InvalidLabels, ['aws-nope', '1bad']);
      await ssm.send(new LabelParameterVersionCommand({ Name: '/lab/p', Labels: ['blue'] }));
      const history = await ssm.send(new GetParameterHistoryCommand({ Name: '/lab/p' }));
      assert.deepEqual(history.Parameters?.map((p) => p.Labels), [[], ['blue']]);
      assert.equal((await rejection(ssm.send(new LabelParameterVersionCommand({ Name: '/lab/p', ParameterVersion: 7, Labels: ['x'] })))).name, 'ParameterVersionNotFound');
      assert.equal((await rejection(ssm.send(new LabelParameterVersionCommand({ Name: '/lab/none', Labels: ['x'] })))).name, 'ParameterNotFound');
      // A call carries at most 10 labels (model constraint); the 11th label of a version comes from a second call.
      await ssm.send(new LabelParameterVersionCommand({ Name: '/lab/p', ParameterVersion: 2, Labels: Array.from({ length: 9 }, (_, i) => `l${i}`) }));
      const eleventh = await rejection(ssm.send(new LabelParameterVersionCommand({ Name: '/lab/p', ParameterVersion: 2, Labels: ['m1'] })));
      assert.equal(eleventh.name, 'ParameterVersionLabelLimitExceeded');
      const un = await ssm.send(new UnlabelParameterVersionCommand({ Name: '/lab/p', ParameterVersion: 2, Labels: ['blue', 'green'] }));
      assert.deepEqual(un.RemovedLabels, ['blue']);
      assert.deepEqual(un.InvalidLabels, ['green']);
    });

    test('GetParameters returns found parameters and lists the others as InvalidParameters', async () => {
      const out = await ssm.send(new GetParametersCommand({ Names: ['/app/prod/db/host', '/no/such', '/sel/p:1'] }));
      assert.deepEqual(out.Parameters?.map((p) => [p.Name, p.Value]), [['/app/prod/db/host', 'db.internal'], ['/sel/p', 'v1']]);
      assert.deepEqual(out.InvalidParameters, ['/no/such']);
    });

    test('GetParameterHistory after a delete shows only the versions made since', async () => {
      await ssm.send(new PutParameterCommand({ Name: '/hist/p', Value: 'a', Type: 'String' }));
      await ssm.send(new PutParameterCommand({ Name: '/hist/p', Value: 'b', Overwrite: true }));
      await ssm.send(new DeleteParameterCommand({ Name: '/hist/p' }));
      assert.equal((await rejection(ssm.send(new GetParameterHistoryCommand({ Name: '/hist/p' })))).name, 'ParameterNotFound');
      assert.equal((await rejection(ssm.send(new GetParameterCommand({ Name: '/hist/p' })))).name, 'ParameterNotFound');
      assert.equal((await rejection(ssm.send(new DeleteParameterCommand({ Name: '/hist/p' })))).name, 'ParameterNotFound');
      const again = await ssm.send(new PutParameterCommand({ Name: '/hist/p', Value: 'c', Type: 'String' }));
      assert.equal(again.Version, 1);
      const history = await ssm.send(new GetParameterHistoryCommand({ Name: '/hist/p' }));
      assert.deepEqual(history.Parameters?.map((p) => [p.Version, p.Value]), [[1, 'c']]);
    });

    test('DeleteParameters reports deleted and invalid names', async () => {
      await ssm.send(new PutParameterCommand({ Name: '/del/a', Value: 'a', Type: 'String' }));
      const out = await ssm.send(new DeleteParametersCommand({ Names: ['/del/a', '/del/none'] }));
      assert.deepEqual(out.DeletedParameters, ['/del/a']);
      assert.deepEqual(out.InvalidParameters, ['/del/none']);
    });

    test('the 101st version drops the oldest, unless the oldest has a label (ParameterMaxVersionLimitExceeded)', async () => {
      await ssm.send(new PutParameterCommand({ Name: '/limit/p', Value: 'v1', Type: 'String' }));
      for (let i = 2; i <= 100; i++) await ssm.send(new PutParameterCommand({ Name: '/limit/p', Value: `v${i}`, Overwrite: true }));
      await ssm.send(new LabelParameterVersionCommand({ Name: '/limit/p', ParameterVersion: 1, Labels: ['keep'] }));
      const error = await rejection(ssm.send(new PutParameterCommand({ Name: '/limit/p', Value: 'v101', Overwrite: true })));
      assert.equal(error.name, 'ParameterMaxVersionLimitExceeded');
      await ssm.send(new UnlabelParameterVersionCommand({ Name: '/limit/p', ParameterVersion: 1, Labels: ['keep'] }));
      assert.equal((await ssm.send(new PutParameterCommand({ Name: '/limit/p', Value: 'v101', Overwrite: true }))).Version, 101);
      const history: number[] = [];
      let token: string | undefined;
      do {
        const page = await ssm.send(new GetParameterHistoryCommand({ Name: '/limit/p', NextToken: token }));
        history.push(...page.Parameters!.map((p) => p.Version!));
        token = page.NextToken;
      } while (token);
      assert.equal(history.length, 100);
      assert.equal(history[0], 2);
      assert.equal(history[99], 101);
    });

    test('GetParametersByPath: one level by default, every depth with Recursive, filters by Type', async () => {
      for (const name of ['/tree/a', '/tree/b', '/tree/sub/c', '/tree/sub/deeper/d', '/treeish/e']) {
        await ssm.send(new PutParameterCommand({ Name: name, Value: name, Type: name.endsWith('c') ? 'StringList' : 'String' }));
      }
      const names = async (recursive: boolean, filters?: { Key: string; Values: string[] }[]) => {
        const out: string[] = [];
        for await (const page of paginateGetParametersByPath({ client: ssm }, { Path: '/tree', Recursive: recursive, ParameterFilters: filters })) out.push(...page.Parameters!.map((p) => p.Name!));
        return out.sort();
      };
      assert.deepEqual(await names(false), ['/tree/a', '/tree/b']);
      assert.deepEqual(await names(true), ['/tree/a', '/tree/b', '/tree/sub/c', '/tree/sub/deeper/d']);
      assert.deepEqual(await names(true, [{ Key: 'Type', Values: ['StringList'] }]), ['/tree/sub/c']);
      for (const Key of ['Name', 'Path', 'Tier', 'DataType', 'tag:team']) {
        const bad = await rejection(ssm.send(new GetParametersByPathCommand({ Path: '/tree', ParameterFilters: [{ Key, Values: ['x'] }] })));
        assert.equal(bad.name, 'InvalidFilterKey', Key);
      }
      await ssm.send(new LabelParameterVersionCommand({ Name: '/tree/a', Labels: ['golden'] }));
      assert.deepEqual(await names(true, [{ Key: 'Label', Values: ['golden'] }]), ['/tree/a']);
    });

    test('DescribeParameters filters by tag, name prefix, path and tier', async () => {
      await ssm.send(new PutParameterCommand({ Name: '/desc/tagged', Value: 'x', Type: 'String', Tags: [{ Key: 'team', Value: 'blue' }] }));
      await ssm.send(new PutParameterCommand({ Name: '/desc/other', Value: 'x', Type: 'String', Tags: [{ Key: 'team', Value: 'red' }] }));
      const list = async (filters: { Key: string; Option?: string; Values?: string[] }[]) => {
        const out: string[] = [];
        for await (const page of paginateDescribeParameters({ client: ssm }, { ParameterFilters: filters })) out.push(...page.Parameters!.map((p) => p.Name!));
        return out.sort();
      };
      assert.deepEqual(await list([{ Key: 'tag:team', Values: ['blue'] }]), ['/desc/tagged']);
      assert.deepEqual(await list([{ Key: 'tag:team' }]), ['/desc/other', '/desc/tagged']);
      assert.deepEqual(await list([{ Key: 'Name', Option: 'BeginsWith', Values: ['/desc/t'] }]), ['/desc/tagged']);
      assert.deepEqual(await list([{ Key: 'Path', Option: 'OneLevel', Values: ['/desc'] }]), ['/desc/other', '/desc/tagged']);
      assert.ok((await list([{ Key: 'Tier', Values: ['Advanced'] }])).includes('/tier/adv'));
      assert.equal((await rejection(ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Option: 'Nope', Values: ['x'] }] })))).name, 'InvalidFilterOption');
      // AWS: Label is a GetParametersByPath filter only.
      assert.equal((await rejection(ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Label', Values: ['x'] }] })))).name, 'InvalidFilterKey');
      // The model's pattern for filter keys refuses an unknown key before the operation runs.
      assert.equal((await rejection(ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Bogus', Values: ['x'] }] })))).name, 'ValidationException');
      const tagsAndOverwrite = await rejection(ssm.send(new PutParameterCommand({ Name: '/desc/tagged', Value: 'y', Overwrite: true, Tags: [{ Key: 'a', Value: 'b' }] })));
      assert.equal(tagsAndOverwrite.name, 'ValidationException');
    });

    test('pagination covers 1,000 parameters exactly once (DescribeParameters and GetParametersByPath)', async () => {
      const names = Array.from({ length: 1000 }, (_, i) => `/bulk/p${String(i).padStart(4, '0')}`);
      for (let i = 0; i < names.length; i += 50) {
        await Promise.all(names.slice(i, i + 50).map((Name) => ssm.send(new PutParameterCommand({ Name, Value: Name, Type: 'String' }))));
      }
      const byPath: string[] = [];
      let pages = 0;
      for await (const page of paginateGetParametersByPath({ client: ssm }, { Path: '/bulk' })) {
        pages++;
        byPath.push(...page.Parameters!.map((p) => p.Name!));
      }
      assert.equal(pages, 100, 'ten per page');
      assert.deepEqual(byPath.sort(), names);
      const described: string[] = [];
      for await (const page of paginateDescribeParameters({ client: ssm }, { ParameterFilters: [{ Key: 'Path', Values: ['/bulk'] }] })) described.push(...page.Parameters!.map((p) => p.Name!));
      assert.deepEqual(described.sort(), names);
      assert.equal((await rejection(ssm.send(new DescribeParametersCommand({ NextToken: 'garbage' })))).name, 'InvalidNextToken');
    });

    test('Expiration policy: a parameter past its time is gone', async () => {
      const past = new Date(Date.now() + 2000).toISOString();
      await ssm.send(new PutParameterCommand({ Name: '/exp/p', Value: 'x', Type: 'String', Tier: 'Advanced', Policies: JSON.stringify([{ Type: 'Expiration', Version: '1.0', Attributes: { Timestamp: past } }]) }));
      const meta = await ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Values: ['/exp/p'] }] }));
      assert.equal(meta.Parameters?.[0].Policies?.[0].PolicyType, 'Expiration');
      t.clock.offsetMs = 60_000;
      try {
        const expired = await rejection(ssmClient(t, t.admin, { clockOffsetMs: 60_000, keepClockOffset: true }).send(new GetParameterCommand({ Name: '/exp/p' })));
        assert.equal(expired.name, 'ParameterNotFound');
      } finally {
        t.clock.offsetMs = 0;
      }
      const bad = await rejection(ssm.send(new PutParameterCommand({ Name: '/exp/q', Value: 'x', Type: 'String', Tier: 'Advanced', Policies: '[{"Type":"Nope"}]' })));
      assert.equal(bad.name, 'InvalidPolicyTypeException');
    });
  });
}

describe('Parameter Store through the AWS CLI', { skip: skipWithoutAwsCli }, () => {
  let t: TestServer;
  let env: NodeJS.ProcessEnv;
  const aws = async (...args: string[]) => {
    const res = await awsCli([...args, '--endpoint-url', t.url, '--output', 'json'], env);
    return { ...res, json: res.code === 0 && res.stdout.trim() ? JSON.parse(res.stdout) : undefined };
  };
  before(async () => {
    t = await startTestServer();
    env = awsCliEnv(t.admin);
  });
  after(async () => {
    await t?.destroy();
  });

  test('put-parameter, get-parameter --with-decryption, get-parameters-by-path, label, history, delete', async () => {
    const put = await aws('ssm', 'put-parameter', '--name', '/cli/secret', '--value', 'cli-value', '--type', 'SecureString');
    assert.equal(put.code, 0, put.stderr);
    assert.equal(put.json.Version, 1);
    const got = await aws('ssm', 'get-parameter', '--name', '/cli/secret', '--with-decryption');
    assert.equal(got.json.Parameter.Value, 'cli-value');
    const again = await aws('ssm', 'put-parameter', '--name', '/cli/secret', '--value', 'x', '--type', 'SecureString');
    assert.match(again.stderr, /ParameterAlreadyExists/);
    assert.equal((await aws('ssm', 'put-parameter', '--name', '/cli/plain', '--value', 'a,b', '--type', 'StringList')).code, 0);
    const byPath = await aws('ssm', 'get-parameters-by-path', '--path', '/cli', '--with-decryption');
    assert.deepEqual(byPath.json.Parameters.map((p: { Name: string; Value: string }) => [p.Name, p.Value]), [['/cli/plain', 'a,b'], ['/cli/secret', 'cli-value']]);
    assert.equal((await aws('ssm', 'label-parameter-version', '--name', '/cli/secret', '--labels', 'prod')).code, 0);
    const history = await aws('ssm', 'get-parameter-history', '--name', '/cli/secret');
    assert.deepEqual(history.json.Parameters[0].Labels, ['prod']);
    const described = await aws('ssm', 'describe-parameters', '--parameter-filters', 'Key=Type,Values=SecureString');
    assert.deepEqual(described.json.Parameters.map((p: { Name: string }) => p.Name), ['/cli/secret']);
    assert.equal((await aws('ssm', 'unlabel-parameter-version', '--name', '/cli/secret', '--parameter-version', '1', '--labels', 'prod')).code, 0);
    const many = await aws('ssm', 'get-parameters', '--names', '/cli/plain', '/cli/none');
    assert.deepEqual(many.json.InvalidParameters, ['/cli/none']);
    assert.equal((await aws('ssm', 'delete-parameters', '--names', '/cli/plain')).code, 0);
    assert.equal((await aws('ssm', 'delete-parameter', '--name', '/cli/secret')).code, 0);
    assert.match((await aws('ssm', 'get-parameter', '--name', '/cli/secret')).stderr, /ParameterNotFound/);
  });
});

describe('accounts are isolated', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    await t?.destroy();
  });

  test("another account neither sees a parameter nor decrypts the account's ciphertexts", async () => {
    const other = await t.newAccount();
    const a = ssmClient(t, t.admin);
    const b = ssmClient(t, other);
    try {
      await a.send(new PutParameterCommand({ Name: '/iso/secret', Value: 'only-for-a', Type: 'SecureString' }));
      assert.equal((await rejection(b.send(new GetParameterCommand({ Name: '/iso/secret', WithDecryption: true })))).name, 'ParameterNotFound');
      const ciphertext = (await a.send(new GetParameterCommand({ Name: '/iso/secret' }))).Parameter!.Value!;
      // The envelope's data key blob is a KMS ciphertext of account A: account B may not decrypt it.
      const blob = Buffer.from(ciphertext, 'base64');
      const dataKeyBlob = blob.subarray(2, 2 + blob.readUInt16BE(0));
      const refused = await signedFetch(t.url, { target: 'TrentService.Decrypt', body: JSON.stringify({ CiphertextBlob: dataKeyBlob.toString('base64') }), credentials: other, service: 'kms' });
      assert.equal(refused.json.__type, 'AccessDeniedException');
      // Naming A's parameter by its ARN is refused for B.
      const byArn = await rejection(b.send(new GetParameterCommand({ Name: `arn:aws:ssm:us-east-1:${t.admin.accountId}:parameter/iso/secret` })));
      assert.equal(byArn.name, 'AccessDeniedException');
      assert.equal((await a.send(new GetParameterCommand({ Name: `arn:aws:ssm:us-east-1:${t.admin.accountId}:parameter/iso/secret:1`, WithDecryption: true }))).Parameter?.Value, 'only-for-a');
      // B's own parameter of the same name is B's.
      await b.send(new PutParameterCommand({ Name: '/iso/secret', Value: 'b-value', Type: 'String' }));
      assert.equal((await a.send(new GetParameterCommand({ Name: '/iso/secret', WithDecryption: true }))).Parameter?.Value, 'only-for-a');
    } finally {
      a.destroy();
      b.destroy();
    }
  });
});
