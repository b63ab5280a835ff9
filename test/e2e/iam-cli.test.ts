import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { GetServiceSettingCommand, SSMClient } from '@aws-sdk/client-ssm';
import { auditRecordOf, auditRows, awsCli, awsCliEnv, engines, REGION, settingArn, signedFetch, skipWithoutAwsCli, startTestServer, type Credentials, type TestServer } from './support.ts';

/**
 * Access control end to end, through the Debian AWS CLI v2 (IAM and STS on the Query
 * protocol) and the SDK: policies written for AWS decide the calls here.
 */
for (const engine of engines) {
  describe(`IAM and STS through the AWS CLI (${engine.name})`, { skip: skipWithoutAwsCli ?? engine.skip }, () => {
    let t: TestServer;
    let bob: Credentials;
    let account: string;
    const cli = (creds: Credentials & { sessionToken?: string }, ...args: string[]) =>
      awsCli([...args, '--endpoint-url', t.url, '--output', 'json'], { ...awsCliEnv(creds), ...(creds.sessionToken ? { AWS_SESSION_TOKEN: creds.sessionToken } : {}) });
    const ok = async (creds: Credentials & { sessionToken?: string }, ...args: string[]) => {
      const res = await cli(creds, ...args);
      assert.equal(res.code, 0, `aws ${args.join(' ')} failed: ${res.stderr}`);
      return res.stdout.trim() ? JSON.parse(res.stdout) : {};
    };
    const admin = () => t.admin;

    before(async () => {
      t = await startTestServer({ engine: engine.name });
      account = t.admin.accountId;
      await ok(admin(), 'iam', 'create-user', '--user-name', 'bob', '--tags', 'Key=Env,Value=dev');
      const key = await ok(admin(), 'iam', 'create-access-key', '--user-name', 'bob');
      bob = { accessKeyId: key.AccessKey.AccessKeyId, secretAccessKey: key.AccessKey.SecretAccessKey };
    });
    after(async () => {
      await t?.destroy();
    });

    test('a new user has no policies: every call is denied in AWS wording, and audited with its errorCode', async () => {
      const res = await cli(bob, 'ssm', 'get-service-setting', '--setting-id', '/ssm/parameter-store/high-throughput-enabled');
      assert.notEqual(res.code, 0);
      const arn = settingArn(account, '/ssm/parameter-store/high-throughput-enabled');
      assert.match(res.stderr, /AccessDeniedException/);
      assert.ok(res.stderr.includes(`User: arn:aws:iam::${account}:user/bob is not authorized to perform: ssm:GetServiceSetting on resource: ${arn} because no identity-based policy allows the ssm:GetServiceSetting action`), res.stderr);
      const denied = (await auditRows(t)).filter((r) => r.record.eventName === 'GetServiceSetting' && r.record.errorCode === 'AccessDeniedException');
      assert.equal(denied.length, 1);
      assert.equal(denied[0].record.userIdentity.arn, `arn:aws:iam::${account}:user/bob`);
    });

    test('a managed policy on a resource prefix allows those settings and denies the others', async () => {
      const policy = await ok(admin(), 'iam', 'create-policy', '--policy-name', 'ParameterStoreSettings', '--policy-document', JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'ssm:GetServiceSetting*', Resource: `arn:aws:ssm:*:${account}:servicesetting/ssm/parameter-store/*` }],
      }));
      assert.equal(policy.Policy.Arn, `arn:aws:iam::${account}:policy/ParameterStoreSettings`);
      await ok(admin(), 'iam', 'attach-user-policy', '--user-name', 'bob', '--policy-arn', policy.Policy.Arn);
      const allowed = await ok(bob, 'ssm', 'get-service-setting', '--setting-id', '/ssm/parameter-store/high-throughput-enabled');
      assert.equal(allowed.ServiceSetting.SettingId, '/ssm/parameter-store/high-throughput-enabled');
      const denied = await cli(bob, 'ssm', 'get-service-setting', '--setting-id', '/ssm/opsinsights/opscenter');
      assert.notEqual(denied.code, 0);
      assert.ok(denied.stderr.includes(`on resource: ${settingArn(account, '/ssm/opsinsights/opscenter')} because no identity-based policy allows the ssm:GetServiceSetting action`), denied.stderr);
      const attached = await ok(admin(), 'iam', 'list-attached-user-policies', '--user-name', 'bob');
      assert.deepEqual(attached.AttachedPolicies, [{ PolicyName: 'ParameterStoreSettings', PolicyArn: policy.Policy.Arn }]);
      const version = await ok(admin(), 'iam', 'get-policy-version', '--policy-arn', policy.Policy.Arn, '--version-id', 'v1');
      assert.equal(version.PolicyVersion.Document.Statement[0].Action, 'ssm:GetServiceSetting*');
    });

    test('an explicit deny in an inline policy wins over an allow', async () => {
      await ok(admin(), 'iam', 'put-user-policy', '--user-name', 'bob', '--policy-name', 'NoHighThroughput', '--policy-document', JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Deny', Action: 'ssm:*', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/Env': 'dev' }, Bool: { 'aws:SecureTransport': 'false' } } }],
      }));
      const res = await cli(bob, 'ssm', 'get-service-setting', '--setting-id', '/ssm/parameter-store/high-throughput-enabled');
      assert.notEqual(res.code, 0);
      assert.match(res.stderr, /with an explicit deny in an identity-based policy/);
      await ok(admin(), 'iam', 'delete-user-policy', '--user-name', 'bob', '--policy-name', 'NoHighThroughput');
      await ok(bob, 'ssm', 'get-service-setting', '--setting-id', '/ssm/parameter-store/high-throughput-enabled');
    });

    test('policy variables: a user may manage its own access keys only, and IAM denials answer AccessDenied', async () => {
      await ok(admin(), 'iam', 'put-user-policy', '--user-name', 'bob', '--policy-name', 'OwnKeys', '--policy-document', JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: ['iam:ListAccessKeys', 'iam:GetUser'], Resource: 'arn:aws:iam::*:user/${aws:username}' }],
      }));
      const own = await ok(bob, 'iam', 'list-access-keys');
      assert.equal(own.AccessKeyMetadata.length, 1);
      assert.equal(own.AccessKeyMetadata[0].AccessKeyId, bob.accessKeyId);
      assert.equal((await ok(bob, 'iam', 'get-user')).User.UserName, 'bob');
      const other = await cli(bob, 'iam', 'list-access-keys', '--user-name', 'admin');
      assert.notEqual(other.code, 0);
      assert.match(other.stderr, /\(AccessDenied\) when calling the ListAccessKeys operation: User: arn:aws:iam::\d{12}:user\/bob is not authorized to perform: iam:ListAccessKeys on resource: arn:aws:iam::\d{12}:user\/admin because no identity-based policy allows the iam:ListAccessKeys action/);
      const audited = (await auditRows(t)).filter((r) => r.record.eventSource === 'iam.amazonaws.com' && r.record.eventName === 'ListAccessKeys');
      // CloudTrail records the code IAM answered with.
      assert.deepEqual(audited.map((r) => r.record.errorCode ?? 'ok'), ['ok', 'AccessDenied']);
    });

    test('resource tags: a user allowed only on resources tagged Env=dev reads those and is denied on prod ones', async () => {
      // The SendCommand-on-nodes-tagged-Env=dev case, with IAM users as the tagged resources
      // (nodes come with the Nodes capability; the decision is the same, see evaluate.test.ts).
      await ok(admin(), 'iam', 'create-user', '--user-name', 'dev-svc', '--tags', 'Key=Env,Value=dev');
      await ok(admin(), 'iam', 'create-user', '--user-name', 'prod-svc', '--tags', 'Key=Env,Value=prod');
      await ok(admin(), 'iam', 'create-user', '--user-name', 'carol');
      await ok(admin(), 'iam', 'put-user-policy', '--user-name', 'carol', '--policy-name', 'DevOnly', '--policy-document', JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: ['iam:GetUser', 'iam:TagUser'], Resource: `arn:aws:iam::${account}:user/*`, Condition: { StringEquals: { 'aws:ResourceTag/Env': 'dev' } } }],
      }));
      const key = await ok(admin(), 'iam', 'create-access-key', '--user-name', 'carol');
      const carol = { accessKeyId: key.AccessKey.AccessKeyId, secretAccessKey: key.AccessKey.SecretAccessKey };
      assert.deepEqual((await ok(carol, 'iam', 'get-user', '--user-name', 'dev-svc')).User.Tags, [{ Key: 'Env', Value: 'dev' }]);
      const prod = await cli(carol, 'iam', 'get-user', '--user-name', 'prod-svc');
      assert.match(prod.stderr, new RegExp(`\\(AccessDenied\\) when calling the GetUser operation: User: arn:aws:iam::${account}:user/carol is not authorized to perform: iam:GetUser on resource: arn:aws:iam::${account}:user/prod-svc because no identity-based policy allows the iam:GetUser action`));
      // Retagging prod-svc as dev is a TagUser on a prod resource: denied too.
      assert.match((await cli(carol, 'iam', 'tag-user', '--user-name', 'prod-svc', '--tags', 'Key=Env,Value=dev')).stderr, /\(AccessDenied\)/);
      await ok(carol, 'iam', 'tag-user', '--user-name', 'dev-svc', '--tags', 'Key=Owner,Value=carol');
    });

    test('a deactivated or deleted access key stops working at once', async () => {
      await ok(admin(), 'iam', 'create-user', '--user-name', 'temp');
      await ok(admin(), 'iam', 'attach-user-policy', '--user-name', 'temp', '--policy-arn', 'arn:aws:iam::aws:policy/AdministratorAccess');
      const created = await ok(admin(), 'iam', 'create-access-key', '--user-name', 'temp');
      const temp = { accessKeyId: created.AccessKey.AccessKeyId, secretAccessKey: created.AccessKey.SecretAccessKey };
      await ok(temp, 'sts', 'get-caller-identity');
      await ok(admin(), 'iam', 'update-access-key', '--user-name', 'temp', '--access-key-id', temp.accessKeyId, '--status', 'Inactive');
      assert.match((await cli(temp, 'sts', 'get-caller-identity')).stderr, /\(InvalidClientTokenId\)/);
      const keys = await ok(admin(), 'iam', 'list-access-keys', '--user-name', 'temp');
      assert.equal(keys.AccessKeyMetadata[0].Status, 'Inactive');
      await ok(admin(), 'iam', 'update-access-key', '--user-name', 'temp', '--access-key-id', temp.accessKeyId, '--status', 'Active');
      await ok(temp, 'sts', 'get-caller-identity');
      await ok(admin(), 'iam', 'delete-access-key', '--user-name', 'temp', '--access-key-id', temp.accessKeyId);
      assert.match((await cli(temp, 'ssm', 'get-service-setting', '--setting-id', '/ssm/opsinsights/opscenter')).stderr, /UnrecognizedClientException/);
      const conflict = await cli(admin(), 'iam', 'delete-user', '--user-name', 'temp');
      assert.match(conflict.stderr, /\(DeleteConflict\) when calling the DeleteUser operation: Cannot delete entity, must detach all policies first\./);
      await ok(admin(), 'iam', 'detach-user-policy', '--user-name', 'temp', '--policy-arn', 'arn:aws:iam::aws:policy/AdministratorAccess');
      await ok(admin(), 'iam', 'delete-user', '--user-name', 'temp');
    });

    test('users, groups and simulation through the IAM API', async () => {
      const users = await ok(admin(), 'iam', 'list-users');
      assert.deepEqual(users.Users.map((u: { UserName: string }) => u.UserName).filter((n: string) => ['admin', 'bob'].includes(n)), ['admin', 'bob']);
      await ok(admin(), 'iam', 'create-group', '--group-name', 'readers');
      await ok(admin(), 'iam', 'add-user-to-group', '--group-name', 'readers', '--user-name', 'bob');
      await ok(admin(), 'iam', 'attach-group-policy', '--group-name', 'readers', '--policy-arn', 'arn:aws:iam::aws:policy/AdministratorAccess');
      const sim = await ok(admin(), 'iam', 'simulate-principal-policy', '--policy-source-arn', `arn:aws:iam::${account}:user/bob`, '--action-names', 'ssm:DeleteParameter', 'kms:Decrypt');
      assert.deepEqual(sim.EvaluationResults.map((r: { EvalDecision: string }) => r.EvalDecision), ['allowed', 'allowed']);
      await ok(admin(), 'iam', 'detach-group-policy', '--group-name', 'readers', '--policy-arn', 'arn:aws:iam::aws:policy/AdministratorAccess');
      const after = await ok(admin(), 'iam', 'simulate-principal-policy', '--policy-source-arn', `arn:aws:iam::${account}:user/bob`, '--action-names', 'ssm:DeleteParameter');
      assert.equal(after.EvaluationResults[0].EvalDecision, 'implicitDeny');
      // IAM calls on an entity are authorised on its ARN with its path.
      await ok(admin(), 'iam', 'create-user', '--user-name', 'erin', '--path', '/engineering/');
      await ok(admin(), 'iam', 'put-user-policy', '--user-name', 'bob', '--policy-name', 'Engineering', '--policy-document', JSON.stringify({
        Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:GetUser', Resource: `arn:aws:iam::${account}:user/engineering/*` }],
      }));
      assert.equal((await ok(bob, 'iam', 'get-user', '--user-name', 'erin')).User.Arn, `arn:aws:iam::${account}:user/engineering/erin`);
      // IAM's quotas: 2,048 characters of inline policies per user.
      const big = JSON.stringify({ Version: '2012-10-17', Statement: Array.from({ length: 40 }, (_, i) => ({ Effect: 'Allow', Action: 'ssm:GetParameter', Resource: `arn:aws:ssm:*:*:parameter/p${i}/*` })) });
      const tooBig = await cli(admin(), 'iam', 'put-user-policy', '--user-name', 'bob', '--policy-name', 'Big', '--policy-document', big);
      assert.match(tooBig.stderr, /\(LimitExceeded\) when calling the PutUserPolicy operation: Maximum policy size of 2048 bytes exceeded for user bob/);
      const missing = await cli(admin(), 'iam', 'get-user', '--user-name', 'nobody');
      assert.match(missing.stderr, /\(NoSuchEntity\) when calling the GetUser operation: The user with name nobody cannot be found\./);
      const lastUsed = await ok(admin(), 'iam', 'get-access-key-last-used', '--access-key-id', bob.accessKeyId);
      assert.equal(lastUsed.UserName, 'bob');
      assert.equal(lastUsed.AccessKeyLastUsed.Region, REGION);
      assert.ok(['ssm', 'iam'].includes(lastUsed.AccessKeyLastUsed.ServiceName), lastUsed.AccessKeyLastUsed.ServiceName);
      assert.ok(lastUsed.AccessKeyLastUsed.LastUsedDate);
      // The secret CreateAccessKey showed once is not in the audit trail.
      assert.ok(!JSON.stringify((await auditRows(t)).map((r) => r.record)).includes(bob.secretAccessKey), 'access key secret in the audit trail');
      assert.ok(!t.log().includes(bob.secretAccessKey), 'access key secret in the server log');
      assert.ok(!JSON.stringify(await t.server.store.db.selectFrom('access_keys').selectAll().execute()).includes(bob.secretAccessKey), 'access key secret stored in plaintext');
      const malformed = await cli(admin(), 'iam', 'put-user-policy', '--user-name', 'bob', '--policy-name', 'x', '--policy-document', '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Resource":"*"}]}');
      assert.match(malformed.stderr, /\(MalformedPolicyDocument\) when calling the PutUserPolicy operation: Policy statement must contain actions\./);
    });

    test('IAM lists come in Marker pages: the CLI follows IsTruncated/Marker to the whole list', async () => {
      for (const name of ['page-a', 'page-b', 'page-c', 'page-d', 'page-e']) await ok(admin(), 'iam', 'create-user', '--user-name', name, '--path', '/paging/');
      const first = await ok(admin(), 'iam', 'list-users', '--path-prefix', '/paging/', '--max-items', '2');
      assert.deepEqual(first.Users.map((u: { UserName: string }) => u.UserName), ['page-a', 'page-b']);
      assert.ok(first.NextToken, 'a truncated list gives the CLI a token to continue');
      const rest = await ok(admin(), 'iam', 'list-users', '--path-prefix', '/paging/', '--starting-token', first.NextToken);
      assert.deepEqual(rest.Users.map((u: { UserName: string }) => u.UserName), ['page-c', 'page-d', 'page-e']);
      // --page-size makes each request ask for MaxItems=2; the CLI follows the Marker to the end.
      const all = await ok(admin(), 'iam', 'list-users', '--path-prefix', '/paging/', '--page-size', '2');
      assert.deepEqual(all.Users.map((u: { UserName: string }) => u.UserName), ['page-a', 'page-b', 'page-c', 'page-d', 'page-e']);
      const bad = await cli(admin(), 'iam', 'list-users', '--marker', 'not-a-marker');
      assert.match(bad.stderr, /\(InvalidInput\) when calling the ListUsers operation: Invalid Marker/);
    });

    test('an assumed role acts with the role\'s policies, and its session credentials expire', async () => {
      await ok(admin(), 'iam', 'create-role', '--role-name', 'Reader', '--assume-role-policy-document', JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:user/bob` }, Action: 'sts:AssumeRole' }],
      }));
      await ok(admin(), 'iam', 'put-role-policy', '--role-name', 'Reader', '--policy-name', 'Settings', '--policy-document', JSON.stringify({
        Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ssm:GetServiceSetting', Resource: '*' }],
      }));
      const assumed = await ok(bob, 'sts', 'assume-role', '--role-arn', `arn:aws:iam::${account}:role/Reader`, '--role-session-name', 'bob-session', '--duration-seconds', '900');
      const session = { accessKeyId: assumed.Credentials.AccessKeyId, secretAccessKey: assumed.Credentials.SecretAccessKey, sessionToken: assumed.Credentials.SessionToken };
      assert.match(session.accessKeyId, /^ASIA/);
      const me = await ok(session, 'sts', 'get-caller-identity');
      assert.equal(me.Arn, `arn:aws:sts::${account}:assumed-role/Reader/bob-session`);
      await ok(session, 'ssm', 'get-service-setting', '--setting-id', '/ssm/opsinsights/opscenter');
      const denied = await cli(session, 'ssm', 'update-service-setting', '--setting-id', '/ssm/opsinsights/opscenter', '--setting-value', 'Enabled');
      assert.match(denied.stderr, new RegExp(`User: arn:aws:sts::${account}:assumed-role/Reader/bob-session is not authorized to perform: ssm:UpdateServiceSetting`));
      // Nobody else may assume it: the trust policy names bob only.
      const refused = await cli(admin(), 'sts', 'assume-role', '--role-arn', `arn:aws:iam::${account}:role/Reader`, '--role-session-name', 'admin-session');
      assert.ok(refused.stderr.includes(`(AccessDenied) when calling the AssumeRole operation: User: arn:aws:iam::${account}:user/admin is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${account}:role/Reader\n`), refused.stderr);
      // The session token never reaches the audit trail.
      const trail = JSON.stringify((await auditRows(t)).map((r) => r.record));
      assert.ok(!trail.includes(session.sessionToken) && !trail.includes(session.secretAccessKey), 'session secret or token in the audit trail');
      assert.ok(!t.log().includes(session.sessionToken) && !t.log().includes(session.secretAccessKey), 'session secret or token in the server log');
      const stored = JSON.stringify(await t.server.store.db.selectFrom('session_credentials').selectAll().execute());
      assert.ok(!stored.includes(session.sessionToken) && !stored.includes(session.secretAccessKey), 'session secret or token stored in plaintext');

      // Past its expiration (the server's clock and the client's moved together) the session is refused.
      const offset = 901_000;
      t.clock.offsetMs = offset;
      const client = new SSMClient({ endpoint: t.url, region: REGION, credentials: session, maxAttempts: 1, systemClockOffset: offset });
      try {
        const error = await client.send(new GetServiceSettingCommand({ SettingId: '/ssm/opsinsights/opscenter' })).then(() => undefined, (e: Error) => e);
        assert.equal(error?.name, 'ExpiredTokenException');
      } finally {
        client.destroy();
        t.clock.offsetMs = 0;
      }
    });
  });
}

describe('IAM and STS on the wire', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    await t?.destroy();
  });

  test('an unsigned Query request is refused in XML, and audited under the IAM event source', async () => {
    const res = await signedFetch(t.url, { body: 'Action=ListUsers&Version=2010-05-08', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' } });
    assert.equal(res.status, 403);
    assert.match(res.headers['content-type'] ?? '', /text\/xml/);
    assert.match(res.text, /^<ErrorResponse xmlns="https:\/\/iam.amazonaws.com\/doc\/2010-05-08\/"><Error><Type>Sender<\/Type><Code>MissingAuthenticationToken<\/Code>/);
    const record = await auditRecordOf(t, res.requestId);
    assert.equal(record.eventSource, 'iam.amazonaws.com');
    assert.equal(record.eventName, 'ListUsers');
  });

  test('a signed STS call answers XML with its result wrapper and request id', async () => {
    const res = await signedFetch(t.url, {
      body: 'Action=GetCallerIdentity&Version=2011-06-15', service: 'sts', credentials: t.admin,
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    });
    assert.equal(res.status, 200);
    assert.equal(res.text, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><UserId>${(await auditRecordOf(t, res.requestId)).userIdentity.principalId}</UserId>`
      + `<Account>${t.admin.accountId}</Account><Arn>arn:aws:iam::${t.admin.accountId}:user/admin</Arn></GetCallerIdentityResult>`
      + `<ResponseMetadata><RequestId>${res.requestId}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`);
  });

  test('DeletePolicy and AttachUserPolicy refusals in IAM\'s words: unknown policy, versions left, an ARN that does not parse', async () => {
    const iam = async (params: Record<string, string>) => {
      const body = new URLSearchParams({ Version: '2010-05-08', ...params }).toString();
      const res = await signedFetch(t.url, { body, service: 'iam', credentials: t.admin, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      const error = /<Code>([^<]+)<\/Code><Message>([^<]*)<\/Message>/.exec(res.text);
      return error ? { code: error[1], message: error[2].replace(/&apos;/g, "'") } : { status: res.status };
    };
    const missing = `arn:aws:iam::${t.admin.accountId}:policy/NoSuchPolicy`;
    assert.deepEqual(await iam({ Action: 'DeletePolicy', PolicyArn: missing }), { code: 'NoSuchEntity', message: `Policy ${missing} was not found.` });
    const document = JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'Allow', Action: 'ssm:GetParameter', Resource: '*' } });
    assert.deepEqual(await iam({ Action: 'CreatePolicy', PolicyName: 'Versioned', PolicyDocument: document }), { status: 200 });
    const arn = `arn:aws:iam::${t.admin.accountId}:policy/Versioned`;
    assert.deepEqual(await iam({ Action: 'CreatePolicyVersion', PolicyArn: arn, PolicyDocument: document }), { status: 200 });
    assert.deepEqual(await iam({ Action: 'DeletePolicy', PolicyArn: arn }), {
      code: 'DeleteConflict', message: "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
    });
    assert.deepEqual(await iam({ Action: 'AttachUserPolicy', UserName: 'admin', PolicyArn: 'ReadOnlyAccessPolicyName' }), { code: 'ValidationError', message: 'Invalid ARN:  Could not be parsed!' });
  });

  test('an unknown Action and a wrong Version answer InvalidAction', async () => {
    for (const body of ['Action=NoSuchThing&Version=2010-05-08', 'Action=ListUsers&Version=2099-01-01']) {
      const res = await signedFetch(t.url, { body, service: 'iam', credentials: t.admin, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      assert.equal(res.status, 400);
      assert.match(res.text, /<Code>InvalidAction<\/Code>/);
    }
  });
});
