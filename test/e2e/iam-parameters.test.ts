import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { awsCli, awsCliEnv, skipWithoutAwsCli, startTestServer, type Credentials, type TestServer } from './support.ts';

/**
 * The issue's Parameter Store case for access control, through the Debian AWS CLI v2:
 * a user allowed `ssm:GetParameter*` on `parameter/app/dev/*` reads those and is denied
 * `/app/prod/x`, in AWS's words.
 */
describe('IAM policies decide Parameter Store calls (AWS CLI)', { skip: skipWithoutAwsCli }, () => {
  let t: TestServer;
  let dev: Credentials;
  const cli = (creds: Credentials, ...args: string[]) => awsCli([...args, '--endpoint-url', t.url, '--output', 'json'], awsCliEnv(creds));

  before(async () => {
    t = await startTestServer();
    for (const [name, value] of [['/app/dev/db-host', 'dev-db'], ['/app/dev/api/url', 'https://dev'], ['/app/prod/x', 'prod-secret-host']]) {
      const put = await cli(t.admin, 'ssm', 'put-parameter', '--name', name, '--value', value, '--type', 'String');
      assert.equal(put.code, 0, put.stderr);
    }
    const user = await t.newUser(t.admin.accountId, 'dev-reader', undefined, { withoutPolicies: true });
    dev = user;
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'ssm:GetParameter*', Resource: `arn:aws:ssm:*:${t.admin.accountId}:parameter/app/dev/*` }],
    });
    const attach = await cli(t.admin, 'iam', 'put-user-policy', '--user-name', 'dev-reader', '--policy-name', 'DevParameters', '--policy-document', policy);
    assert.equal(attach.code, 0, attach.stderr);
  });
  after(async () => { await t?.destroy(); });

  test('a user allowed ssm:GetParameter* on parameter/app/dev/* reads those parameters', async () => {
    const one = await cli(dev, 'ssm', 'get-parameter', '--name', '/app/dev/db-host');
    assert.equal(one.code, 0, one.stderr);
    assert.equal(JSON.parse(one.stdout).Parameter.Value, 'dev-db');
    const many = await cli(dev, 'ssm', 'get-parameters', '--names', '/app/dev/db-host', '/app/dev/api/url');
    assert.equal(many.code, 0, many.stderr);
    assert.deepEqual(JSON.parse(many.stdout).Parameters.map((p: { Name: string }) => p.Name).sort(), ['/app/dev/api/url', '/app/dev/db-host']);
    // As on AWS, GetParametersByPath is authorised on the path itself (parameter/app/dev), which
    // parameter/app/dev/* does not match: policies for it name `parameter/app/dev*`.
    const byPath = await cli(dev, 'ssm', 'get-parameters-by-path', '--path', '/app/dev', '--recursive');
    assert.equal(byPath.code, 254);
    assert.match(byPath.stderr, /ssm:GetParametersByPath on resource: arn:aws:ssm:us-east-1:\d{12}:parameter\/app\/dev because/);
  });

  test('the same user is denied /app/prod/x with AWS\'s AccessDeniedException wording, and the value is not shown', async () => {
    const res = await cli(dev, 'ssm', 'get-parameter', '--name', '/app/prod/x');
    assert.equal(res.code, 254, res.stderr);
    const resource = `arn:aws:ssm:us-east-1:${t.admin.accountId}:parameter/app/prod/x`;
    assert.ok(res.stderr.includes(`An error occurred (AccessDeniedException) when calling the GetParameter operation: User: arn:aws:iam::${t.admin.accountId}:user/dev-reader is not authorized to perform: ssm:GetParameter on resource: ${resource} because no identity-based policy allows the ssm:GetParameter action`), res.stderr);
    assert.ok(!res.stdout.includes('prod-secret-host') && !res.stderr.includes('prod-secret-host'));
  });

  test('the policy grants reads only: writing under /app/dev is denied', async () => {
    const res = await cli(dev, 'ssm', 'put-parameter', '--name', '/app/dev/new', '--value', 'v', '--type', 'String');
    assert.equal(res.code, 254);
    assert.match(res.stderr, /is not authorized to perform: ssm:PutParameter on resource: arn:aws:ssm:us-east-1:\d{12}:parameter\/app\/dev\/new/);
  });
});
