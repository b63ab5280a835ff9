/**
 * The AWS JSON API end to end through @aws-sdk/client-ssm and @aws-sdk/client-cloudtrail
 * (and raw signed requests for what the SDK cannot send), on SQLite and on PostgreSQL:
 * service settings, every refusal of the request pipeline with its audit event, clock
 * skew, presigned requests, body-size limits, concurrency and LookupEvents.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import {
  GetServiceSettingCommand, ResetServiceSettingCommand, UpdateServiceSettingCommand, type SSMClient,
} from '@aws-sdk/client-ssm';
import { LookupEventsCommand, type CloudTrailClient, type Event as TrailEvent, type LookupEventsCommandInput } from '@aws-sdk/client-cloudtrail';
import { verifyAuditChain } from '../../packages/server/src/audit/verify.ts';
import {
  auditHeadSeq, auditRecordOf, auditRows, cloudTrailClient, engines, rejection, settingArn, signedFetch, socketRequest,
  SETTING_ID, ssmClient, startTestServer, userArnOf, type TestServer,
} from './support.ts';

const TEN_MINUTES = 10 * 60 * 1000;

for (const engine of engines) {
  describe(`service settings through the SSM SDK (${engine.name})`, { skip: engine.skip }, () => {
    let t: TestServer;
    let ssm: SSMClient;
    before(async () => {
      t = await startTestServer({ engine: engine.name });
      ssm = ssmClient(t, t.admin);
    });
    after(async () => {
      ssm?.destroy();
      await t?.destroy();
    });

    test('GetServiceSetting answers the default with Status Default, LastModifiedUser System and an ARN of the account and region', async () => {
      const out = await ssm.send(new GetServiceSettingCommand({ SettingId: SETTING_ID }));
      assert.equal(out.$metadata.httpStatusCode, 200);
      const s = out.ServiceSetting!;
      assert.equal(s.SettingId, SETTING_ID);
      assert.equal(s.SettingValue, 'false');
      assert.equal(s.Status, 'Default');
      assert.equal(s.LastModifiedUser, 'System');
      assert.equal(s.ARN, `arn:aws:ssm:us-east-1:${t.admin.accountId}:servicesetting${SETTING_ID}`);
      assert.ok(s.LastModifiedDate instanceof Date, 'LastModifiedDate decodes to a Date');
    });

    test('UpdateServiceSetting customises a setting in the name of the user, and ResetServiceSetting restores the default', async () => {
      const id = '/ssm/parameter-store/default-parameter-tier';
      await ssm.send(new UpdateServiceSettingCommand({ SettingId: id, SettingValue: 'Advanced' }));
      const updated = (await ssm.send(new GetServiceSettingCommand({ SettingId: id }))).ServiceSetting!;
      assert.equal(updated.SettingValue, 'Advanced');
      assert.equal(updated.Status, 'Customized');
      assert.equal(updated.LastModifiedUser, userArnOf(t.admin));

      const reset = (await ssm.send(new ResetServiceSettingCommand({ SettingId: id }))).ServiceSetting!;
      assert.equal(reset.SettingValue, 'Standard');
      assert.equal(reset.Status, 'Default');
      assert.equal(reset.LastModifiedUser, 'System');
      const after = (await ssm.send(new GetServiceSettingCommand({ SettingId: id }))).ServiceSetting!;
      assert.deepEqual([after.SettingValue, after.Status], ['Standard', 'Default']);
    });

    test('a setting can be named by its ARN', async () => {
      const id = '/ssm/automation/customer-script-log-destination';
      const arn = settingArn(t.admin.accountId, id);
      await ssm.send(new UpdateServiceSettingCommand({ SettingId: arn, SettingValue: 'CloudWatch' }));
      const byArn = (await ssm.send(new GetServiceSettingCommand({ SettingId: arn }))).ServiceSetting!;
      const byId = (await ssm.send(new GetServiceSettingCommand({ SettingId: id }))).ServiceSetting!;
      assert.equal(byArn.SettingId, id);
      assert.equal(byArn.ARN, arn);
      assert.deepEqual([byArn.SettingValue, byId.SettingValue], ['CloudWatch', 'CloudWatch']);
    });

    test('an unknown setting is ServiceSettingNotFound, and the refusal is audited with that error code', async () => {
      const error = await rejection(ssm.send(new GetServiceSettingCommand({ SettingId: '/ssm/no/such-setting' })));
      assert.equal(error.name, 'ServiceSettingNotFound');
      assert.equal(error.$metadata?.httpStatusCode, 400);
      assert.match(error.message, /\/ssm\/no\/such-setting was not found/);
      const record = await auditRecordOf(t, error.$metadata?.requestId);
      assert.equal(record.errorCode, 'ServiceSettingNotFound');
      assert.equal(record.eventName, 'GetServiceSetting');
      assert.equal(record.userIdentity.type, 'IAMUser');
      assert.equal(record.userIdentity.arn, userArnOf(t.admin));
    });

    test('a value the setting does not accept is a ValidationException and changes nothing', async () => {
      const error = await rejection(ssm.send(new UpdateServiceSettingCommand({ SettingId: SETTING_ID, SettingValue: 'maybe' })));
      assert.equal(error.name, 'ValidationException');
      assert.match(error.message, /'maybe' is not valid/);
      assert.equal((await auditRecordOf(t, error.$metadata?.requestId)).errorCode, 'ValidationException');
      const s = (await ssm.send(new GetServiceSettingCommand({ SettingId: SETTING_ID }))).ServiceSetting!;
      assert.equal(s.Status, 'Default');
    });

    test('a SettingId longer than the model allows (1000) is refused in AWS validation wording', async () => {
      const id = `/ssm/${'x'.repeat(996)}`; // 1001 characters
      const error = await rejection(ssm.send(new GetServiceSettingCommand({ SettingId: id })));
      assert.equal(error.name, 'ValidationException');
      assert.equal(error.message, `1 validation error detected: Value '${id}' at 'settingId' failed to satisfy constraint: Member must have length less than or equal to 1000`);
      assert.equal((await auditRecordOf(t, error.$metadata?.requestId)).errorCode, 'ValidationException');
    });

    test('settings are per account: a change in one account leaves another at the defaults', async () => {
      const id = '/ssm/managed-instance/activation-tier';
      await ssm.send(new UpdateServiceSettingCommand({ SettingId: id, SettingValue: 'advanced' }));
      const other = await t.newAccount();
      const otherSsm = ssmClient(t, other);
      try {
        const seen = (await otherSsm.send(new GetServiceSettingCommand({ SettingId: id }))).ServiceSetting!;
        assert.deepEqual([seen.SettingValue, seen.Status, seen.LastModifiedUser], ['standard', 'Default', 'System']);
        assert.equal(seen.ARN, settingArn(other.accountId, id));
        // Naming the first account's setting by its ARN does not reach into that account.
        const error = await rejection(otherSsm.send(new GetServiceSettingCommand({ SettingId: settingArn(t.admin.accountId, id) })));
        assert.equal(error.name, 'ServiceSettingNotFound');
      } finally {
        otherSsm.destroy();
      }
      const mine = (await ssm.send(new GetServiceSettingCommand({ SettingId: id }))).ServiceSetting!;
      assert.equal(mine.SettingValue, 'advanced');
    });

    test('64 concurrent Get and Update calls all succeed, each with exactly one audit event, and the chain verifies', async () => {
      const client = ssmClient(t, t.admin, { maxSockets: 64 });
      try {
        const before = await auditHeadSeq(t);
        const calls = Array.from({ length: 64 }, (_, i) => (i % 2 === 0
          ? client.send(new GetServiceSettingCommand({ SettingId: '/ssm/opsinsights/opscenter' }))
          : client.send(new UpdateServiceSettingCommand({ SettingId: '/ssm/opsinsights/opscenter', SettingValue: i % 4 === 1 ? 'Enabled' : 'Disabled' }))));
        const results = await Promise.allSettled(calls);
        const failures = results.filter((r) => r.status === 'rejected');
        assert.deepEqual(failures, [], 'every call succeeded');
        const requestIds = results.map((r) => (r as PromiseFulfilledResult<{ $metadata: { requestId?: string } }>).value.$metadata.requestId!);
        assert.equal(new Set(requestIds).size, 64);

        assert.equal(await auditHeadSeq(t), before + 64, 'exactly 64 events were appended');
        const recorded = (await auditRows(t)).filter((r) => r.seq > before).map((r) => r.record.requestID);
        assert.deepEqual([...recorded].sort(), [...requestIds].sort());
        const verified = await verifyAuditChain(t.server.store.db, t.chainKey);
        assert.equal(verified.ok, true, verified.problem?.message);
        assert.equal(verified.checked, before + 64);
      } finally {
        client.destroy();
      }
    });
  });

  describe(`refused requests and their audit events (${engine.name})`, { skip: engine.skip }, () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer({ engine: engine.name });
    });
    after(async () => {
      await t?.destroy();
    });

    test('an unknown X-Amz-Target is UnknownOperationException', async () => {
      const res = await signedFetch(t.url, { target: 'AmazonSSM.NoSuchOp', credentials: t.admin });
      assert.equal(res.status, 400);
      assert.equal(res.json.__type, 'UnknownOperationException');
      const record = await auditRecordOf(t, res.requestId);
      assert.equal(record.errorCode, 'UnknownOperationException');
      assert.equal(record.eventName, 'NoSuchOp');
      assert.equal(record.userIdentity.type, 'IAMUser');
    });

    test('a signed body that is not JSON is SerializationException', async () => {
      const res = await signedFetch(t.url, { target: 'AmazonSSM.GetServiceSetting', body: 'SettingId=/ssm/x', credentials: t.admin });
      assert.equal(res.status, 400);
      assert.equal(res.json.__type, 'SerializationException');
      assert.match(res.json.message, /not valid JSON/);
      assert.equal((await auditRecordOf(t, res.requestId)).errorCode, 'SerializationException');
    });

    test('an unsigned request is MissingAuthenticationTokenException (403), audited as an Unknown identity', async () => {
      const res = await signedFetch(t.url, { target: 'AmazonSSM.GetServiceSetting', body: JSON.stringify({ SettingId: SETTING_ID }) });
      assert.equal(res.status, 403);
      assert.equal(res.json.__type, 'MissingAuthenticationTokenException');
      const record = await auditRecordOf(t, res.requestId);
      assert.equal(record.errorCode, 'MissingAuthenticationTokenException');
      assert.deepEqual(record.userIdentity, { type: 'Unknown' });
      assert.equal(record.recipientAccountId, undefined);
    });

    test('an access key the server does not know is UnrecognizedClientException', async () => {
      const stranger = { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'x'.repeat(40) };
      const client = ssmClient(t, stranger);
      try {
        const error = await rejection(client.send(new GetServiceSettingCommand({ SettingId: SETTING_ID })));
        assert.equal(error.name, 'UnrecognizedClientException');
        assert.equal(error.message, 'The security token included in the request is invalid.');
        const record = await auditRecordOf(t, error.$metadata?.requestId);
        assert.equal(record.errorCode, 'UnrecognizedClientException');
        assert.deepEqual(record.userIdentity, { type: 'Unknown', accessKeyId: stranger.accessKeyId });
      } finally {
        client.destroy();
      }
    });

    test('a wrong secret is InvalidSignatureException, filed under the key owner\'s account and visible to LookupEvents', async () => {
      const client = ssmClient(t, { accessKeyId: t.admin.accessKeyId, secretAccessKey: 'y'.repeat(40) });
      const trail = cloudTrailClient(t, t.admin);
      try {
        const error = await rejection(client.send(new GetServiceSettingCommand({ SettingId: SETTING_ID })));
        assert.equal(error.name, 'InvalidSignatureException');
        assert.match(error.message, /^The request signature we calculated does not match/);
        const record = await auditRecordOf(t, error.$metadata?.requestId);
        assert.equal(record.errorCode, 'InvalidSignatureException');
        assert.deepEqual(record.userIdentity, { type: 'Unknown', accountId: t.admin.accountId, accessKeyId: t.admin.accessKeyId });

        const found = await trail.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'GetServiceSetting' }] }));
        const match = found.Events!.find((e) => JSON.parse(e.CloudTrailEvent!).requestID === error.$metadata?.requestId);
        assert.ok(match, 'the refused call is in the account\'s event history');
        assert.equal(JSON.parse(match.CloudTrailEvent!).errorCode, 'InvalidSignatureException');
      } finally {
        client.destroy();
        trail.destroy();
      }
    });

    test('a client clock 10 minutes behind gets "Signature expired" with the skew in seconds', async () => {
      const client = ssmClient(t, t.admin, { clockOffsetMs: -TEN_MINUTES });
      try {
        const error = await rejection(client.send(new GetServiceSettingCommand({ SettingId: SETTING_ID })));
        assert.equal(error.name, 'InvalidSignatureException');
        assert.match(error.message, /^Signature expired: \d{8}T\d{6}Z is now earlier than/);
        assert.match(error.message, /The request's date is 60[01] seconds behind the server's clock \(at most 300 seconds are allowed\)/);
        const record = await auditRecordOf(t, error.$metadata?.requestId);
        assert.equal(record.errorCode, 'InvalidSignatureException');
        assert.equal(record.userIdentity.type, 'Unknown');
      } finally {
        client.destroy();
      }
    });

    test('a client clock 10 minutes ahead gets "Signature not yet current" with the skew in seconds', async () => {
      const client = ssmClient(t, t.admin, { clockOffsetMs: TEN_MINUTES });
      try {
        const error = await rejection(client.send(new GetServiceSettingCommand({ SettingId: SETTING_ID })));
        assert.equal(error.name, 'InvalidSignatureException');
        assert.match(error.message, /^Signature not yet current: \d{8}T\d{6}Z is still later than/);
        assert.match(error.message, /The request's date is (599|600) seconds ahead of the server's clock/);
        assert.equal((await auditRecordOf(t, error.$metadata?.requestId)).errorCode, 'InvalidSignatureException');
      } finally {
        client.destroy();
      }
    });

    test('a request signed exactly 10 minutes before the server clock reports a skew of exactly 600 seconds', async () => {
      const serverNow = Date.UTC(2026, 0, 15, 12, 0, 0);
      const signingDate = new Date(serverNow - TEN_MINUTES);
      t.clock.frozenAt = serverNow;
      let res;
      try {
        res = await signedFetch(t.url, { target: 'AmazonSSM.GetServiceSetting', body: JSON.stringify({ SettingId: SETTING_ID }), credentials: t.admin, signingDate });
      } finally {
        t.clock.frozenAt = undefined;
      }
      assert.equal(res.status, 400);
      assert.equal(res.json.__type, 'InvalidSignatureException');
      assert.equal(
        res.json.message,
        'Signature expired: 20260115T115000Z is now earlier than 20260115T115500Z (20260115T120000Z - 5 min.) ' +
          "The request's date is 600 seconds behind the server's clock (at most 300 seconds are allowed); check the client's clock (enable NTP).",
      );
      const record = await auditRecordOf(t, res.requestId);
      assert.equal(record.eventTime, '2026-01-15T12:00:00Z');
      assert.equal(record.errorCode, 'InvalidSignatureException');
    });

    test('a presigned request (query-string authentication) is accepted', async () => {
      const res = await signedFetch(t.url, {
        target: 'AmazonSSM.GetServiceSetting', body: JSON.stringify({ SettingId: SETTING_ID }), credentials: t.admin, presign: { expiresIn: 300 },
      });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.ServiceSetting.SettingId, SETTING_ID);
      assert.equal(res.json.ServiceSetting.Status, 'Default');
      const record = await auditRecordOf(t, res.requestId);
      assert.equal(record.errorCode, undefined);
      assert.equal(record.userIdentity.arn, userArnOf(t.admin));
    });
  });

  describe(`CloudTrail LookupEvents over the audit trail (${engine.name})`, { skip: engine.skip }, () => {
    const OLD_MS = 2 * 60 * 60 * 1000;
    const opscenter = '/ssm/opsinsights/opscenter';
    let t: TestServer;
    let trail: CloudTrailClient;
    let ops: { accountId: string; userName: string; accessKeyId: string; secretAccessKey: string };
    let otherAccount: typeof ops;
    const ids = { old: '', ops: '', other: '', gets: [] as string[] };

    const requestIdOf = (e: TrailEvent) => JSON.parse(e.CloudTrailEvent!).requestID as string;
    const lookup = (input: LookupEventsCommandInput, client = trail) => client.send(new LookupEventsCommand(input));

    before(async () => {
      t = await startTestServer({ engine: engine.name });
      ops = await t.newUser(t.admin.accountId, 'ops');
      otherAccount = await t.newAccount();

      // Two hours ago (server and client clocks both moved back): one update by admin.
      t.clock.offsetMs = -OLD_MS;
      const oldClient = ssmClient(t, t.admin, { clockOffsetMs: -OLD_MS, keepClockOffset: true });
      try {
        ids.old = (await oldClient.send(new UpdateServiceSettingCommand({ SettingId: '/ssm/appmanager/appmanager-enabled', SettingValue: 'True' }))).$metadata.requestId!;
      } finally {
        oldClient.destroy();
        t.clock.offsetMs = 0;
      }
      // Now: seven reads by admin, one update by ops, one update in another account.
      const admin = ssmClient(t, t.admin);
      const opsClient = ssmClient(t, ops);
      const otherClient = ssmClient(t, otherAccount);
      try {
        for (let i = 0; i < 7; i++) ids.gets.push((await admin.send(new GetServiceSettingCommand({ SettingId: opscenter }))).$metadata.requestId!);
        ids.ops = (await opsClient.send(new UpdateServiceSettingCommand({ SettingId: '/ssm/managed-instance/activation-tier', SettingValue: 'advanced' }))).$metadata.requestId!;
        ids.other = (await otherClient.send(new UpdateServiceSettingCommand({ SettingId: opscenter, SettingValue: 'Enabled' }))).$metadata.requestId!;
      } finally {
        admin.destroy();
        opsClient.destroy();
        otherClient.destroy();
      }
      trail = cloudTrailClient(t, t.admin);
    });
    after(async () => {
      trail?.destroy();
      await t?.destroy();
    });

    test('EventName finds the account\'s updates, newest first', async () => {
      const out = await lookup({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'UpdateServiceSetting' }] });
      assert.deepEqual(out.Events!.map(requestIdOf), [ids.ops, ids.old]);
      assert.ok(out.Events!.every((e) => e.EventName === 'UpdateServiceSetting' && e.EventSource === 'ssm.amazonaws.com'));
      assert.equal(out.NextToken, undefined);
    });

    test('Username finds only that user\'s calls', async () => {
      const out = await lookup({ LookupAttributes: [{ AttributeKey: 'Username', AttributeValue: 'ops' }] });
      assert.deepEqual(out.Events!.map(requestIdOf), [ids.ops]);
      assert.equal(out.Events![0].Username, 'ops');
      assert.equal(out.Events![0].AccessKeyId, ops.accessKeyId);
      const record = JSON.parse(out.Events![0].CloudTrailEvent!);
      assert.equal(record.userIdentity.arn, userArnOf(ops));
      assert.deepEqual(record.requestParameters, { settingId: '/ssm/managed-instance/activation-tier', settingValue: 'advanced' });
    });

    test('ReadOnly separates reads from writes', async () => {
      const writes = await lookup({ LookupAttributes: [{ AttributeKey: 'ReadOnly', AttributeValue: 'false' }] });
      assert.deepEqual(writes.Events!.map(requestIdOf), [ids.ops, ids.old]);
      const reads = await lookup({ LookupAttributes: [{ AttributeKey: 'ReadOnly', AttributeValue: 'true' }] });
      assert.ok(reads.Events!.every((e) => e.ReadOnly === 'true'));
      const readIds = reads.Events!.map(requestIdOf);
      for (const id of ids.gets) assert.ok(readIds.includes(id), `read ${id} listed`);
      assert.ok(!readIds.includes(ids.ops) && !readIds.includes(ids.old));
    });

    test('ResourceName pages through seven events three at a time with NextToken', async () => {
      const pages: TrailEvent[][] = [];
      let token: string | undefined;
      do {
        const out = await lookup({ LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: opscenter }], MaxResults: 3, NextToken: token });
        pages.push(out.Events!);
        token = out.NextToken;
        assert.ok(pages.length <= 3, 'no more than three pages');
      } while (token);
      assert.deepEqual(pages.map((p) => p.length), [3, 3, 1]);
      assert.deepEqual(pages.flat().map(requestIdOf), [...ids.gets].reverse());
      assert.deepEqual(pages[0][0].Resources, [{ ResourceType: 'AWS::SSM::ServiceSetting', ResourceName: opscenter }]);
    });

    test('StartTime and EndTime bound the events by their time', async () => {
      const hourAgo = new Date(Date.now() - 60 * 60 * 1000);
      const early = await lookup({ EndTime: hourAgo });
      assert.deepEqual(early.Events!.map(requestIdOf), [ids.old]);
      assert.ok(early.Events![0].EventTime!.getTime() <= hourAgo.getTime());
      const late = await lookup({ StartTime: hourAgo, LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'UpdateServiceSetting' }] });
      assert.deepEqual(late.Events!.map(requestIdOf), [ids.ops]);
      const error = await rejection(lookup({ StartTime: new Date(), EndTime: hourAgo }));
      assert.equal(error.name, 'InvalidTimeRangeException');
    });

    test('two lookup attributes are InvalidLookupAttributesException', async () => {
      const error = await rejection(lookup({
        LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'GetServiceSetting' }, { AttributeKey: 'Username', AttributeValue: 'admin' }],
      }));
      assert.equal(error.name, 'InvalidLookupAttributesException');
      assert.equal((await auditRecordOf(t, error.$metadata?.requestId)).errorCode, 'InvalidLookupAttributesException');
    });

    test('events of another account are never visible', async () => {
      const mine = await lookup({ MaxResults: 50 });
      const myIds = mine.Events!.map(requestIdOf);
      assert.ok(myIds.includes(ids.ops), 'own events listed');
      assert.ok(!myIds.includes(ids.other), 'the other account\'s update is not listed');
      assert.ok(mine.Events!.every((e) => JSON.parse(e.CloudTrailEvent!).recipientAccountId === t.admin.accountId));
      const byKey = await lookup({ LookupAttributes: [{ AttributeKey: 'AccessKeyId', AttributeValue: otherAccount.accessKeyId }] });
      assert.deepEqual(byKey.Events, []);

      const theirs = cloudTrailClient(t, otherAccount);
      try {
        const out = await lookup({}, theirs);
        const theirIds = out.Events!.map(requestIdOf);
        assert.ok(theirIds.includes(ids.other));
        for (const id of [ids.old, ids.ops, ...ids.gets]) assert.ok(!theirIds.includes(id), `event ${id} of the first account is hidden`);
      } finally {
        theirs.destroy();
      }
    });
  });
}

describe('request body size limit', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    await t?.destroy();
  });

  const head = (t: TestServer, framing: string) =>
    'POST / HTTP/1.1\r\n' +
    `Host: 127.0.0.1:${t.port}\r\n` +
    'Content-Type: application/x-amz-json-1.1\r\n' +
    'X-Amz-Target: AmazonSSM.GetServiceSetting\r\n' +
    `Authorization: AWS4-HMAC-SHA256 Credential=${t.admin.accessKeyId}/20260101/us-east-1/ssm/aws4_request, SignedHeaders=host, Signature=00\r\n` +
    `${framing}\r\n\r\n`;

  test('a Content-Length over the limit is answered 413 before the body is read', async () => {
    // 1 GiB announced, 15 bytes sent: only a server that does not wait for the body answers.
    const res = await socketRequest(t.url, head(t, 'Content-Length: 1073741824'), (socket) => socket.write('{"SettingId":"/'));
    assert.equal(res.status, 413);
    assert.equal(res.json.__type, 'RequestEntityTooLargeException');
    assert.match(res.json.message, /larger than the 2097152 bytes/);
    const record = await auditRecordOf(t, res.requestId);
    assert.equal(record.errorCode, 'RequestEntityTooLargeException');
    assert.equal(record.eventName, 'GetServiceSetting');
    assert.deepEqual(record.userIdentity, { type: 'Unknown', accountId: t.admin.accountId, accessKeyId: t.admin.accessKeyId });
  });

  test('a chunked body that grows past the limit is refused with 413', async () => {
    const chunk = Buffer.alloc(256 * 1024, 0x61);
    const frame = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
    let sent = 0;
    const pump = async (socket: Socket, answered: () => boolean) => {
      // Up to 16 MiB, far past the 2 MiB limit; stops as soon as the server answers.
      while (sent < 16 * 1024 * 1024 && !answered() && !socket.destroyed) {
        sent += chunk.length;
        if (!socket.write(frame)) {
          await new Promise<void>((resolve) => {
            const done = () => {
              socket.off('drain', done).off('close', done).off('data', done);
              resolve();
            };
            socket.on('drain', done).on('close', done).on('data', done);
          });
        }
      }
    };
    const res = await socketRequest(t.url, head(t, 'Transfer-Encoding: chunked'), (socket, answered) => {
      pump(socket, answered).catch(() => undefined);
    });
    assert.equal(res.status, 413);
    assert.equal(res.json.__type, 'RequestEntityTooLargeException');
    assert.ok(sent < 16 * 1024 * 1024, `the server answered before the whole body was sent (sent ${sent} bytes)`);
    assert.equal((await auditRecordOf(t, res.requestId)).errorCode, 'RequestEntityTooLargeException');
  });

  test('the server keeps answering normal calls after refusing oversized ones', async () => {
    const client = ssmClient(t, t.admin);
    try {
      const out = await client.send(new GetServiceSettingCommand({ SettingId: SETTING_ID }));
      assert.equal(out.ServiceSetting!.SettingId, SETTING_ID);
    } finally {
      client.destroy();
    }
  });
});
