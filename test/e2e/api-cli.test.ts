/**
 * The API through the real AWS CLI v2 (/usr/bin/aws, botocore): service settings, errors as
 * the CLI prints them (exit code 254), clock skew, and CloudTrail lookup-events.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { GetServiceSettingCommand } from '@aws-sdk/client-ssm';
import {
  auditRecordOf, awsCli, awsCliEnv, SETTING_ID, settingArn, skipWithoutAwsCli, ssmClient, startTestServer, userArnOf, type TestServer,
} from './support.ts';

describe('the API through the AWS CLI v2', { skip: skipWithoutAwsCli }, () => {
  let t: TestServer;
  let env: NodeJS.ProcessEnv;
  const aws = (...args: string[]) => awsCli([...args, '--endpoint-url', t.url, '--output', 'json'], env);

  before(async () => {
    t = await startTestServer();
    env = awsCliEnv(t.admin);
  });
  after(async () => {
    await t?.destroy();
  });

  test('get-service-setting shows the default, update-service-setting customises it, reset-service-setting restores it', async () => {
    const got = await aws('ssm', 'get-service-setting', '--setting-id', SETTING_ID);
    assert.equal(got.code, 0, got.stderr);
    const setting = JSON.parse(got.stdout).ServiceSetting;
    assert.equal(setting.SettingValue, 'false');
    assert.equal(setting.Status, 'Default');
    assert.equal(setting.ARN, settingArn(t.admin.accountId, SETTING_ID));

    const updated = await aws('ssm', 'update-service-setting', '--setting-id', SETTING_ID, '--setting-value', 'true');
    assert.equal(updated.code, 0, updated.stderr);
    const ssm = ssmClient(t, t.admin);
    try {
      const seen = (await ssm.send(new GetServiceSettingCommand({ SettingId: SETTING_ID }))).ServiceSetting!;
      assert.deepEqual([seen.SettingValue, seen.Status, seen.LastModifiedUser], ['true', 'Customized', userArnOf(t.admin)]);
    } finally {
      ssm.destroy();
    }

    const reset = await aws('ssm', 'reset-service-setting', '--setting-id', SETTING_ID);
    assert.equal(reset.code, 0, reset.stderr);
    const restored = JSON.parse(reset.stdout).ServiceSetting;
    assert.deepEqual([restored.SettingValue, restored.Status, restored.LastModifiedUser], ['false', 'Default', 'System']);
  });

  test('an unknown setting prints ServiceSettingNotFound the way the CLI prints AWS errors, with exit code 254', async () => {
    const res = await aws('ssm', 'get-service-setting', '--setting-id', '/ssm/no/such-setting');
    assert.equal(res.code, 254);
    assert.match(res.stderr, /An error occurred \(ServiceSettingNotFound\) when calling the GetServiceSetting operation: The service setting \/ssm\/no\/such-setting was not found/);
    assert.equal(res.stdout, '');
  });

  test('a wrong secret access key is InvalidSignatureException', async () => {
    const res = await awsCli(
      ['ssm', 'get-service-setting', '--setting-id', SETTING_ID, '--endpoint-url', t.url],
      awsCliEnv({ accessKeyId: t.admin.accessKeyId, secretAccessKey: 'w'.repeat(40) }),
    );
    assert.equal(res.code, 254);
    assert.match(res.stderr, /An error occurred \(InvalidSignatureException\) when calling the GetServiceSetting operation: The request signature we calculated does not match/);
  });

  test('a server clock 10 minutes ahead of the client refuses the CLI with "Signature expired" and the skew', async () => {
    t.clock.offsetMs = 10 * 60 * 1000;
    let res;
    try {
      res = await aws('ssm', 'get-service-setting', '--setting-id', SETTING_ID);
    } finally {
      t.clock.offsetMs = 0;
    }
    assert.equal(res.code, 254);
    assert.match(res.stderr, /An error occurred \(InvalidSignatureException\) when calling the GetServiceSetting operation: Signature expired: /);
    // The signature date is whole seconds, so the skew is 600 s plus a fraction of a second.
    assert.match(res.stderr, /The request's date is 60[0-2] seconds behind the server's clock/);
  });

  test('cloudtrail lookup-events finds the update made with the CLI', async () => {
    const res = await aws('cloudtrail', 'lookup-events', '--lookup-attributes', 'AttributeKey=EventName,AttributeValue=UpdateServiceSetting');
    assert.equal(res.code, 0, res.stderr);
    const events = JSON.parse(res.stdout).Events as { EventName: string; Username: string; CloudTrailEvent: string }[];
    assert.equal(events.length, 1);
    assert.equal(events[0].EventName, 'UpdateServiceSetting');
    assert.equal(events[0].Username, t.admin.userName);
    const record = JSON.parse(events[0].CloudTrailEvent);
    assert.match(record.userAgent, /^aws-cli\/2\./);
    assert.deepEqual(record.requestParameters, { settingId: SETTING_ID, settingValue: 'true' });
    // The lookup itself is an audited (read-only) call too.
    const lookup = await auditRecordOf(t, (await lastRequestId(t)));
    assert.deepEqual([lookup.eventSource, lookup.eventName, lookup.readOnly], ['cloudtrail.amazonaws.com', 'LookupEvents', true]);
  });
});

async function lastRequestId(t: TestServer): Promise<string> {
  const row = await t.server.store.db.selectFrom('audit_events').select('record').orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
  return JSON.parse(row.record).requestID;
}
