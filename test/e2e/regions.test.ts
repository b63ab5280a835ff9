/**
 * Every region on one endpoint (issue #21): clients of the SDK and of boto3, configured for
 * regions of two partitions (aws: us-east-1, eu-north-1; aws-cn: cn-north-1), talk to one
 * server on each engine. Regional resources are kept per account and region, their ARNs name
 * the region and its partition, IAM is global, and an unknown region is refused as AWS refuses it.
 * One server per engine serves the whole file; the boto3 calls run first, in one Python process.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import {
  CreateActivationCommand, CreateDocumentCommand, DescribeActivationsCommand, DescribeDocumentCommand, DescribeInstanceInformationCommand,
  GetCommandInvocationCommand, GetParameterCommand, GetParametersByPathCommand, GetServiceSettingCommand, ListDocumentsCommand,
  PutParameterCommand, SendCommandCommand, UpdateServiceSettingCommand, type SSMClient,
} from '@aws-sdk/client-ssm';
import { runBoto3, skipWithoutBoto3, type Boto3Answer, type Boto3Step } from './boto3-support.ts';
import { eventually, killAgents, spawnAgent, startNodesServer, stateDir, type NodesServer } from './nodes-support.ts';
import { auditRecordOf, engines, failureOf, ssmClient, startTestServer, type TestServer } from './support.ts';

const EAST = 'us-east-1';
const NORTH = 'eu-north-1';
const CHINA = 'cn-north-1';

const targets = new Map<string, TestServer>();
let boto3Answers: Record<string, Boto3Answer> = {};

/** The boto3 calls made of each engine's server, ids prefixed by the engine. */
function boto3Steps(engine: string, t: TestServer): Boto3Step[] {
  const keys = { accessKeyId: t.admin.accessKeyId, secretAccessKey: t.admin.secretAccessKey };
  const step = (id: string, region: string, service: string, method: string, params: Record<string, unknown> = {}): Boto3Step => ({
    id: `${engine}:${id}`, endpoint: t.url, service, method, params, credentials: keys, region,
  });
  return [
    step('put-east', EAST, 'ssm', 'put_parameter', { Name: '/b3r/app', Value: 'east', Type: 'String' }),
    step('put-north', NORTH, 'ssm', 'put_parameter', { Name: '/b3r/app', Value: 'north', Type: 'String' }),
    step('put-china', CHINA, 'ssm', 'put_parameter', { Name: '/b3r/app', Value: 'china', Type: 'String' }),
    step('put-north-only', NORTH, 'ssm', 'put_parameter', { Name: '/b3r/north-only', Value: 'n', Type: 'String' }),
    step('get-east', EAST, 'ssm', 'get_parameter', { Name: '/b3r/app' }),
    step('get-north', NORTH, 'ssm', 'get_parameter', { Name: '/b3r/app' }),
    step('get-china', CHINA, 'ssm', 'get_parameter', { Name: '/b3r/app' }),
    step('north-only-from-china', CHINA, 'ssm', 'get_parameter', { Name: '/b3r/north-only' }),
    step('key-china', CHINA, 'kms', 'create_key', { Description: 'b3r' }),
    step('alias-china', CHINA, 'kms', 'create_alias', { AliasName: 'alias/b3r', TargetKeyId: { fromStep: `${engine}:key-china`, path: ['KeyMetadata', 'KeyId'] } }),
    step('key-east', EAST, 'kms', 'create_key', { Description: 'b3r' }),
    step('alias-east', EAST, 'kms', 'create_alias', { AliasName: 'alias/b3r', TargetKeyId: { fromStep: `${engine}:key-east`, path: ['KeyMetadata', 'KeyId'] } }),
    step('describe-china-key-from-east', EAST, 'kms', 'describe_key', { KeyId: { fromStep: `${engine}:key-china`, path: ['KeyMetadata', 'Arn'] } }),
    step('alias-east-describe', EAST, 'kms', 'describe_key', { KeyId: 'alias/b3r' }),
    step('encrypt-china', CHINA, 'kms', 'encrypt', { KeyId: 'alias/b3r', Plaintext: 'b3r-plaintext' }),
    step('decrypt-china-in-east', EAST, 'kms', 'decrypt', { CiphertextBlob: { fromStep: `${engine}:encrypt-china`, path: ['CiphertextBlob'] } }),
    step('decrypt-china-in-china', CHINA, 'kms', 'decrypt', { CiphertextBlob: { fromStep: `${engine}:encrypt-china`, path: ['CiphertextBlob'] } }),
    step('secret-east', EAST, 'secretsmanager', 'create_secret', { Name: 'b3r/db', SecretString: 'east-secret' }),
    step('secret-china', CHINA, 'secretsmanager', 'create_secret', { Name: 'b3r/db', SecretString: 'china-secret' }),
    step('secret-value-east', EAST, 'secretsmanager', 'get_secret_value', { SecretId: 'b3r/db' }),
    step('secret-value-china', CHINA, 'secretsmanager', 'get_secret_value', { SecretId: 'b3r/db' }),
    step('user-from-china', CHINA, 'iam', 'create_user', { UserName: 'b3r-user' }),
    step('user-from-east', EAST, 'iam', 'get_user', { UserName: 'b3r-user' }),
    step('caller-gov', 'us-gov-west-1', 'sts', 'get_caller_identity'),
    step('unknown-region', 'eu-west-9', 'ssm', 'get_parameter', { Name: '/b3r/app' }),
  ];
}

before(async () => {
  for (const engine of engines) if (!engine.skip) targets.set(engine.name, await startTestServer({ engine: engine.name }));
  if (!skipWithoutBoto3) boto3Answers = await runBoto3([...targets].flatMap(([engine, t]) => boto3Steps(engine, t)));
});
after(async () => {
  for (const t of targets.values()) await t.destroy();
});

for (const engine of engines) {
  describe(`every region on one endpoint, through the SDK (${engine.name})`, { skip: engine.skip }, () => {
    let t: TestServer;
    let account: string;
    const clients: SSMClient[] = [];
    const ssmIn = (region: string) => {
      const client = ssmClient(t, t.admin, { region });
      clients.push(client);
      return client;
    };
    let east: SSMClient;
    let north: SSMClient;
    let china: SSMClient;
    before(() => {
      t = targets.get(engine.name)!;
      account = t.admin.accountId;
      [east, north, china] = [ssmIn(EAST), ssmIn(NORTH), ssmIn(CHINA)];
    });
    after(() => {
      for (const client of clients) client.destroy();
    });

    test('a parameter put in one region is not visible in another, and each region holds its own value of a name', async () => {
      for (const [client, value] of [[east, 'east'], [north, 'north'], [china, 'china']] as const) {
        await client.send(new PutParameterCommand({ Name: '/sdk-regions/app', Value: value, Type: 'String' }));
      }
      await north.send(new PutParameterCommand({ Name: '/sdk-regions/north-only', Value: 'n', Type: 'String' }));
      for (const [client, value] of [[east, 'east'], [north, 'north'], [china, 'china']] as const) {
        assert.equal((await client.send(new GetParameterCommand({ Name: '/sdk-regions/app' }))).Parameter?.Value, value);
      }
      for (const client of [east, china]) {
        assert.equal((await failureOf(client.send(new GetParameterCommand({ Name: '/sdk-regions/north-only' })))).name, 'ParameterNotFound');
      }
      const listed = async (client: SSMClient) => (await client.send(new GetParametersByPathCommand({ Path: '/sdk-regions' }))).Parameters?.map((p) => p.Name).sort();
      assert.deepEqual(await listed(north), ['/sdk-regions/app', '/sdk-regions/north-only']);
      assert.deepEqual(await listed(east), ['/sdk-regions/app']);
    });

    test('a parameter\'s ARN names its region and that region\'s partition', async () => {
      const arn = async (client: SSMClient) => (await client.send(new GetParameterCommand({ Name: '/sdk-regions/app' }))).Parameter?.ARN;
      assert.equal(await arn(east), `arn:aws:ssm:us-east-1:${account}:parameter/sdk-regions/app`);
      assert.equal(await arn(north), `arn:aws:ssm:eu-north-1:${account}:parameter/sdk-regions/app`);
      assert.equal(await arn(china), `arn:aws-cn:ssm:cn-north-1:${account}:parameter/sdk-regions/app`);
    });

    test('a region that is not AWS\'s is refused with AWS\'s message', async () => {
      const failure = await failureOf(ssmIn('eu-west-9').send(new GetParameterCommand({ Name: '/sdk-regions/app' })));
      assert.deepEqual(failure, { name: 'InvalidSignatureException', message: 'Credential should be scoped to a valid region. ' });
    });

    test('a document made in one region is not found in another; AWS\'s documents are in every region', async () => {
      const content = JSON.stringify({ schemaVersion: '2.2', description: 'regional', mainSteps: [{ action: 'aws:runShellScript', name: 'run', inputs: { runCommand: ['true'] } }] });
      await north.send(new CreateDocumentCommand({ Name: 'RegionalDoc', Content: content, DocumentType: 'Command' }));
      assert.equal((await north.send(new DescribeDocumentCommand({ Name: 'RegionalDoc' }))).Document?.Name, 'RegionalDoc');
      assert.equal((await failureOf(east.send(new DescribeDocumentCommand({ Name: 'RegionalDoc' })))).name, 'InvalidDocument');
      const mine = async (client: SSMClient) => (await client.send(new ListDocumentsCommand({ Filters: [{ Key: 'Owner', Values: ['Self'] }] }))).DocumentIdentifiers?.map((d) => d.Name);
      assert.deepEqual(await mine(north), ['RegionalDoc']);
      assert.deepEqual(await mine(china), []);
      assert.equal((await china.send(new DescribeDocumentCommand({ Name: 'AWS-RunShellScript' }))).Document?.Name, 'AWS-RunShellScript');
    });

    test('service settings are kept per region, with the region in their ARN', async () => {
      const settingId = '/ssm/parameter-store/default-parameter-tier';
      await north.send(new UpdateServiceSettingCommand({ SettingId: settingId, SettingValue: 'Advanced' }));
      const inNorth = (await north.send(new GetServiceSettingCommand({ SettingId: settingId }))).ServiceSetting;
      assert.equal(inNorth?.SettingValue, 'Advanced');
      assert.equal(inNorth?.ARN, `arn:aws:ssm:eu-north-1:${account}:servicesetting${settingId}`);
      const inChina = (await china.send(new GetServiceSettingCommand({ SettingId: settingId }))).ServiceSetting;
      assert.equal(inChina?.SettingValue, 'Standard');
      assert.equal(inChina?.ARN, `arn:aws-cn:ssm:cn-north-1:${account}:servicesetting${settingId}`);
    });

    test('an activation is listed in the region it was made in only', async () => {
      const made = await north.send(new CreateActivationCommand({ IamRole: 'BosunNodeRole', Description: 'regional' }));
      const ids = async (client: SSMClient) => (await client.send(new DescribeActivationsCommand({}))).ActivationList!.map((a) => a.ActivationId);
      assert.ok((await ids(north)).includes(made.ActivationId!));
      assert.ok(!(await ids(east)).includes(made.ActivationId!), 'listed where it was not made');
    });

    test('the audit event of a call names the region it was signed for', async () => {
      const put = await china.send(new PutParameterCommand({ Name: '/sdk-regions/audited', Value: 'a', Type: 'String' }));
      const record = await auditRecordOf(t, put.$metadata.requestId);
      assert.equal(record.awsRegion, CHINA);
    });
  });

  describe(`every region on one endpoint, through boto3 (${engine.name})`, { skip: engine.skip ?? skipWithoutBoto3 }, () => {
    const answer = (id: string): Boto3Answer => boto3Answers[`${engine.name}:${id}`];
     
    const result = (id: string): any => {
      const a = answer(id);
      assert.ok(a, `${id} was not run`);
      assert.equal(a.error, undefined, `${id} failed: ${JSON.stringify(a.error)}`);
      return a.result;
    };
    const account = () => targets.get(engine.name)!.admin.accountId;

    test('parameters: one value per region, isolated, with ARNs of two partitions', () => {
      assert.equal(result('get-east').Parameter.Value, 'east');
      assert.equal(result('get-north').Parameter.Value, 'north');
      assert.equal(result('get-china').Parameter.Value, 'china');
      assert.equal(result('get-china').Parameter.ARN, `arn:aws-cn:ssm:cn-north-1:${account()}:parameter/b3r/app`);
      assert.equal(result('get-north').Parameter.ARN, `arn:aws:ssm:eu-north-1:${account()}:parameter/b3r/app`);
      assert.equal(answer('north-only-from-china').error?.code, 'ParameterNotFound');
    });

    test('KMS: keys and aliases are regional, their ARNs name the partition, and a ciphertext decrypts only in its region', () => {
      const chinaKey = result('key-china').KeyMetadata;
      assert.match(chinaKey.Arn, new RegExp(`^arn:aws-cn:kms:cn-north-1:${account()}:key/${chinaKey.KeyId}$`));
      assert.equal(answer('describe-china-key-from-east').error?.code, 'NotFoundException');
      // The same alias name in two regions names each region's own key.
      assert.equal(result('alias-east-describe').KeyMetadata.KeyId, result('key-east').KeyMetadata.KeyId);
      assert.equal(answer('decrypt-china-in-east').error?.code, 'InvalidCiphertextException');
      assert.equal(result('decrypt-china-in-china').KeyId, chinaKey.Arn);
    });

    test('Secrets Manager: the same name in two regions is two secrets, each with its region\'s ARN', () => {
      assert.match(result('secret-east').ARN, new RegExp(`^arn:aws:secretsmanager:us-east-1:${account()}:secret:b3r/db-[A-Za-z0-9]{6}$`));
      assert.match(result('secret-china').ARN, new RegExp(`^arn:aws-cn:secretsmanager:cn-north-1:${account()}:secret:b3r/db-[A-Za-z0-9]{6}$`));
      assert.equal(result('secret-value-east').SecretString, 'east-secret');
      assert.equal(result('secret-value-china').SecretString, 'china-secret');
    });

    test('IAM is global: a user made through a cn-north-1 client is found through us-east-1, and STS answers in us-gov-west-1', () => {
      assert.equal(result('user-from-east').User.UserName, 'b3r-user');
      assert.equal(result('caller-gov').Account, account());
    });

    test('a region that is not AWS\'s is refused with AWS\'s message', () => {
      assert.deepEqual(answer('unknown-region').error, { code: 'InvalidSignatureException', message: 'Credential should be scoped to a valid region. ' });
    });
  });
}

describe('a node lives in the region of its activation, and commands reach only nodes of their region', () => {
  let t: NodesServer;
  let north: SSMClient;
  let east: SSMClient;
  let instanceId: string;
  let dir: string;
  before(async () => {
    t = await startNodesServer();
    north = ssmClient(t, t.admin, { region: NORTH });
    east = ssmClient(t, t.admin, { region: EAST });
    const activation = await north.send(new CreateActivationCommand({ IamRole: 'BosunNodeRole', RegistrationLimit: 1 }));
    dir = stateDir();
    const agent = await spawnAgent(['--endpoint', t.url, '--code', activation.ActivationCode!, '--id', activation.ActivationId!, '--state-dir', path.join(dir, 'state')]);
    [, instanceId] = await agent.waitFor(/registered as (mi-[0-9a-f]{17}) \(account \d{12}, region eu-north-1\)/);
    await agent.waitFor(/online as mi-/);
  });
  after(async () => {
    killAgents();
    north?.destroy();
    east?.destroy();
    await t?.destroy();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('DescribeInstanceInformation lists the node in its region only', async () => {
    const listed = async (client: SSMClient) => (await client.send(new DescribeInstanceInformationCommand({}))).InstanceInformationList?.map((i) => i.InstanceId);
    assert.deepEqual(await listed(north), [instanceId]);
    assert.deepEqual(await listed(east), []);
  });

  test('a command sent in another region does not reach the node; one sent in its region runs there', async () => {
    const elsewhere = await failureOf(east.send(new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: [instanceId], Parameters: { commands: ['echo east'] } })));
    assert.equal(elsewhere.name, 'InvalidInstanceId');
    const sent = await north.send(new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: [instanceId], Parameters: { commands: ['echo from-eu-north-1'] } }));
    const commandId = sent.Command!.CommandId!;
    assert.match(sent.Command!.DocumentName!, /AWS-RunShellScript/);
    const done = await eventually('the command ends', async () => {
      const invocation = await north.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId })).catch(() => undefined);
      return invocation && ['Success', 'Failed', 'TimedOut', 'Cancelled'].includes(invocation.Status!) ? invocation : undefined;
    });
    assert.equal(done.Status, 'Success');
    assert.equal(done.StandardOutputContent, 'from-eu-north-1\n');
    assert.equal((await failureOf(east.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId })))).name, 'InvocationDoesNotExist');
  });
});
