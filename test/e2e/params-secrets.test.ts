/**
 * Secrets Manager through the AWS CLI, and secrets read through Parameter Store references
 * (/aws/reference/secretsmanager/NAME) with the SDK.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { GetParameterCommand, GetParametersCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { awsCli, awsCliEnv, engines, rejection, signedFetch, skipWithoutAwsCli, ssmClient, startTestServer, type TestServer } from './support.ts';

for (const engine of engines) {
describe(`Secrets Manager through the AWS CLI (${engine.name})`, { skip: skipWithoutAwsCli ?? engine.skip }, () => {
  let t: TestServer;
  let env: NodeJS.ProcessEnv;
  let ssm: SSMClient;
  const aws = async (...args: string[]) => {
    const res = await awsCli([...args, '--endpoint-url', t.url, '--output', 'json'], env);
    return { ...res, json: res.code === 0 && res.stdout.trim() ? JSON.parse(res.stdout) : undefined };
  };
  const sm = (target: string, body: unknown) => signedFetch(t.url, { target: `secretsmanager.${target}`, body: JSON.stringify(body), credentials: t.admin, service: 'secretsmanager' });

  before(async () => {
    t = await startTestServer({ engine: engine.name });
    env = awsCliEnv(t.admin);
    ssm = ssmClient(t, t.admin);
  });
  after(async () => {
    ssm?.destroy();
    await t?.destroy();
  });

  test('create-secret, get-secret-value, put-secret-value moves AWSCURRENT and AWSPREVIOUS', async () => {
    const created = await aws('secretsmanager', 'create-secret', '--name', 'prod/db', '--secret-string', '{"password":"one"}', '--description', 'db creds');
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.json.ARN, new RegExp(`^arn:aws:secretsmanager:us-east-1:${t.admin.accountId}:secret:prod/db-[A-Za-z0-9]{6}$`));
    const v1 = created.json.VersionId;
    const got = await aws('secretsmanager', 'get-secret-value', '--secret-id', 'prod/db');
    assert.equal(got.json.SecretString, '{"password":"one"}');
    assert.deepEqual(got.json.VersionStages, ['AWSCURRENT']);
    const put = await aws('secretsmanager', 'put-secret-value', '--secret-id', created.json.ARN, '--secret-string', '{"password":"two"}');
    assert.equal(put.code, 0, put.stderr);
    assert.equal((await aws('secretsmanager', 'get-secret-value', '--secret-id', 'prod/db')).json.SecretString, '{"password":"two"}');
    const previous = await aws('secretsmanager', 'get-secret-value', '--secret-id', 'prod/db', '--version-stage', 'AWSPREVIOUS');
    assert.equal(previous.json.SecretString, '{"password":"one"}');
    assert.equal((await aws('secretsmanager', 'get-secret-value', '--secret-id', 'prod/db', '--version-id', v1)).json.SecretString, '{"password":"one"}');
    const versions = await aws('secretsmanager', 'list-secret-version-ids', '--secret-id', 'prod/db');
    assert.equal(versions.json.Versions.length, 2);
    const described = await aws('secretsmanager', 'describe-secret', '--secret-id', 'prod/db');
    assert.deepEqual(described.json.VersionIdsToStages[v1], ['AWSPREVIOUS']);
    assert.equal(described.json.Description, 'db creds');
    const dup = await aws('secretsmanager', 'create-secret', '--name', 'prod/db', '--secret-string', 'x');
    assert.match(dup.stderr, /ResourceExistsException/);
  });

  test('update-secret-version-stage moves AWSCURRENT back', async () => {
    await aws('secretsmanager', 'create-secret', '--name', 'stage/s', '--secret-string', 'a', '--client-request-token', '11111111-1111-1111-1111-111111111111');
    await aws('secretsmanager', 'put-secret-value', '--secret-id', 'stage/s', '--secret-string', 'b', '--client-request-token', '22222222-2222-2222-2222-222222222222');
    const moved = await aws('secretsmanager', 'update-secret-version-stage', '--secret-id', 'stage/s', '--version-stage', 'AWSCURRENT',
      '--move-to-version-id', '11111111-1111-1111-1111-111111111111', '--remove-from-version-id', '22222222-2222-2222-2222-222222222222');
    assert.equal(moved.code, 0, moved.stderr);
    assert.equal((await aws('secretsmanager', 'get-secret-value', '--secret-id', 'stage/s')).json.SecretString, 'a');
    const wrong = await aws('secretsmanager', 'update-secret-version-stage', '--secret-id', 'stage/s', '--version-stage', 'AWSCURRENT', '--move-to-version-id', '22222222-2222-2222-2222-222222222222');
    assert.match(wrong.stderr, /InvalidParameterException/);
  });

  test('delete-secret with a recovery window, restore-secret, and force delete', async () => {
    await aws('secretsmanager', 'create-secret', '--name', 'gone', '--secret-string', 'x');
    const deleted = await aws('secretsmanager', 'delete-secret', '--secret-id', 'gone', '--recovery-window-in-days', '7');
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match((await aws('secretsmanager', 'get-secret-value', '--secret-id', 'gone')).stderr, /InvalidRequestException/);
    assert.ok((await aws('secretsmanager', 'describe-secret', '--secret-id', 'gone')).json.DeletedDate);
    assert.equal((await aws('secretsmanager', 'restore-secret', '--secret-id', 'gone')).code, 0);
    assert.equal((await aws('secretsmanager', 'get-secret-value', '--secret-id', 'gone')).json.SecretString, 'x');
    assert.match((await aws('secretsmanager', 'delete-secret', '--secret-id', 'gone', '--recovery-window-in-days', '3')).stderr, /InvalidParameterException/);
    assert.equal((await aws('secretsmanager', 'delete-secret', '--secret-id', 'gone', '--force-delete-without-recovery')).code, 0);
    assert.match((await aws('secretsmanager', 'describe-secret', '--secret-id', 'gone')).stderr, /ResourceNotFoundException/);
  });

  test('list-secrets filters by name and tag, and pages', async () => {
    await aws('secretsmanager', 'create-secret', '--name', 'list/a', '--secret-string', 'x', '--tags', 'Key=team,Value=blue');
    await aws('secretsmanager', 'create-secret', '--name', 'list/b', '--secret-string', 'x');
    const byName = await aws('secretsmanager', 'list-secrets', '--filters', 'Key=name,Values=list/');
    assert.deepEqual(byName.json.SecretList.map((s: { Name: string }) => s.Name).sort(), ['list/a', 'list/b']);
    const byTag = await aws('secretsmanager', 'list-secrets', '--filters', 'Key=tag-value,Values=blue');
    assert.deepEqual(byTag.json.SecretList.map((s: { Name: string }) => s.Name), ['list/a']);
    const page = await sm('ListSecrets', { MaxResults: 1 });
    assert.equal(page.json.SecretList.length, 1);
    assert.ok(page.json.NextToken);
    assert.equal((await aws('secretsmanager', 'tag-resource', '--secret-id', 'list/b', '--tags', 'Key=env,Value=prod')).code, 0);
    assert.deepEqual((await aws('secretsmanager', 'describe-secret', '--secret-id', 'list/b')).json.Tags, [{ Key: 'env', Value: 'prod' }]);
    assert.equal((await aws('secretsmanager', 'untag-resource', '--secret-id', 'list/b', '--tag-keys', 'env')).code, 0);
    assert.equal((await aws('secretsmanager', 'describe-secret', '--secret-id', 'list/b')).json.Tags, undefined);
    assert.equal((await aws('secretsmanager', 'update-secret', '--secret-id', 'list/b', '--description', 'now described')).code, 0);
  });

  test('get-random-password honours length and exclusions', async () => {
    const res = await aws('secretsmanager', 'get-random-password', '--password-length', '20', '--exclude-punctuation');
    assert.equal(res.json.RandomPassword.length, 20);
    assert.match(res.json.RandomPassword, /^[A-Za-z0-9]+$/);
  });

  test('GetParameter of /aws/reference/secretsmanager/NAME returns the secret, and needs WithDecryption', async () => {
    await aws('secretsmanager', 'create-secret', '--name', 'ref/one', '--secret-string', 'referenced');
    const got = await ssm.send(new GetParameterCommand({ Name: '/aws/reference/secretsmanager/ref/one', WithDecryption: true }));
    assert.equal(got.Parameter?.Value, 'referenced');
    assert.equal(got.Parameter?.Type, 'SecureString');
    assert.match(got.Parameter?.ARN ?? '', /:secretsmanager:.*:secret:ref\/one-/);
    assert.equal(JSON.parse(got.Parameter!.SourceResult!).Name, 'ref/one');
    const noDecrypt = await rejection(ssm.send(new GetParameterCommand({ Name: '/aws/reference/secretsmanager/ref/one' })));
    assert.equal(noDecrypt.name, 'ValidationException');
    assert.match(noDecrypt.message, /WithDecryption flag must be True/);
    const missing = await rejection(ssm.send(new GetParameterCommand({ Name: '/aws/reference/secretsmanager/ref/none', WithDecryption: true })));
    assert.equal(missing.name, 'ParameterNotFound');
    const many = await ssm.send(new GetParametersCommand({ Names: ['/aws/reference/secretsmanager/ref/one'], WithDecryption: true }));
    assert.equal(many.Parameters?.[0].Value, 'referenced');
  });
});
}
