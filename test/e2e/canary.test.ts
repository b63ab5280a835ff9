/**
 * A secret access key never leaves the request that proves it: an access key created with a
 * known canary secret is used for successful, failed and refused calls (and other canaries are
 * sent as wrong secrets and in malformed credentials); afterwards no canary is found in the
 * server log, the audit trail (LookupEvents and the raw tables), or the store's bytes.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { GetServiceSettingCommand, ResetServiceSettingCommand, UpdateServiceSettingCommand } from '@aws-sdk/client-ssm';
import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import {
  canarySecret, cloudTrailClient, engines, rejection, SETTING_ID, signedFetch, ssmClient, startTestServer, storeContents, type TestServer,
} from './support.ts';

interface Leak {
  readonly where: string;
  readonly canary: string;
}

/** Every form in which a canary would be recognisable: as is, and base64- or hex-encoded. */
function forms(canary: string): string[] {
  return [canary, Buffer.from(canary).toString('base64'), Buffer.from(canary).toString('hex')];
}

function findLeaks(where: string, haystack: string | Buffer, canaries: readonly string[]): Leak[] {
  const bytes = typeof haystack === 'string' ? Buffer.from(haystack) : haystack;
  return canaries.filter((c) => forms(c).some((form) => bytes.includes(form))).map((canary) => ({ where, canary }));
}

for (const engine of engines) {
  describe(`canary secrets stay out of logs, audit and store (${engine.name})`, { skip: engine.skip }, () => {
    let t: TestServer;
    /** The real secret of the canary user's key. */
    const secret = canarySecret('REAL');
    /** Wrong secrets and malformed credentials, each sent once. */
    const wrongSecret = canarySecret('WRONG');
    const strangerSecret = canarySecret('STRANGER');
    const inHeader = canarySecret('HEADER');
    const sessionToken = canarySecret('TOKEN');
    const canaries = [secret, wrongSecret, strangerSecret, inHeader, sessionToken];
    let accessKeyId: string;
    const outcomes: string[] = [];

    before(async () => {
      t = await startTestServer({ engine: engine.name, logLevel: 'trace' });
      const key = await t.newUser(t.admin.accountId, 'canary', secret);
      accessKeyId = key.accessKeyId;
      const creds = { accessKeyId, secretAccessKey: secret };
      const ssm = ssmClient(t, creds);
      const trail = cloudTrailClient(t, creds);
      const wrong = ssmClient(t, { accessKeyId, secretAccessKey: wrongSecret });
      const stranger = ssmClient(t, { accessKeyId: 'AKIACANARYSTRANGER00', secretAccessKey: strangerSecret });
      const skewed = ssmClient(t, creds, { clockOffsetMs: -10 * 60 * 1000 });
      const record = (label: string, outcome: string) => outcomes.push(`${label}: ${outcome}`);
      try {
        // Successful calls.
        await ssm.send(new GetServiceSettingCommand({ SettingId: SETTING_ID }));
        await ssm.send(new UpdateServiceSettingCommand({ SettingId: SETTING_ID, SettingValue: 'true' }));
        await ssm.send(new ResetServiceSettingCommand({ SettingId: SETTING_ID }));
        await trail.send(new LookupEventsCommand({}));
        const presigned = await signedFetch(t.url, { target: 'AmazonSSM.GetServiceSetting', body: JSON.stringify({ SettingId: SETTING_ID }), credentials: creds, presign: { expiresIn: 60 } });
        record('presigned', String(presigned.status));
        // Failed calls (authenticated, refused by the operation or validation).
        record('not found', (await rejection(ssm.send(new GetServiceSettingCommand({ SettingId: '/ssm/none' })))).name);
        record('invalid value', (await rejection(ssm.send(new UpdateServiceSettingCommand({ SettingId: SETTING_ID, SettingValue: 'nope' })))).name);
        record('two attributes', (await rejection(trail.send(new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'a' }, { AttributeKey: 'Username', AttributeValue: 'b' }],
        })))).name);
        record('not json', (await signedFetch(t.url, { target: 'AmazonSSM.GetServiceSetting', body: 'nope', credentials: creds })).json.__type);
        record('unknown op', (await signedFetch(t.url, { target: 'AmazonSSM.NoSuchOp', credentials: creds })).json.__type);
        // Refused calls (authentication).
        record('wrong secret', (await rejection(wrong.send(new GetServiceSettingCommand({ SettingId: SETTING_ID })))).name);
        record('stranger', (await rejection(stranger.send(new GetServiceSettingCommand({ SettingId: SETTING_ID })))).name);
        record('skewed', (await rejection(skewed.send(new GetServiceSettingCommand({ SettingId: SETTING_ID })))).name);
        record('session token', (await signedFetch(t.url, {
          target: 'AmazonSSM.GetServiceSetting', body: JSON.stringify({ SettingId: SETTING_ID }), credentials: creds, headers: { 'x-amz-security-token': sessionToken },
        })).json.__type);
        // A secret pasted where the Authorization header's parameters belong.
        record('malformed authorization', (await signedFetch(t.url, {
          target: 'AmazonSSM.GetServiceSetting', headers: { authorization: `AWS4-HMAC-SHA256 ${inHeader}`, 'x-amz-date': '20260101T000000Z' },
        })).json.__type);
      } finally {
        for (const client of [ssm, trail, wrong, stranger, skewed]) client.destroy();
      }
    });
    after(async () => {
      await t?.destroy();
    });

    test('the calls succeeded, failed and were refused as intended', () => {
      assert.deepEqual(outcomes, [
        'presigned: 200',
        'not found: ServiceSettingNotFound',
        'invalid value: ValidationException',
        'two attributes: InvalidLookupAttributesException',
        'not json: SerializationException',
        'unknown op: UnknownOperationException',
        'wrong secret: InvalidSignatureException',
        'stranger: UnrecognizedClientException',
        'skewed: InvalidSignatureException',
        'session token: UnrecognizedClientException',
        'malformed authorization: IncompleteSignatureException',
      ]);
    });

    test('no canary is in the server log', () => {
      const log = t.log();
      assert.match(log, /Bosun API listening/, 'the log was captured');
      assert.deepEqual(findLeaks('server log', log, canaries), []);
    });

    test('no canary is in the audit events LookupEvents returns', async () => {
      const trail = cloudTrailClient(t, t.admin);
      const pages: unknown[] = [];
      try {
        let token: string | undefined;
        do {
          const out = await trail.send(new LookupEventsCommand({ NextToken: token }));
          pages.push(out.Events);
          token = out.NextToken;
        } while (token);
      } finally {
        trail.destroy();
      }
      const text = JSON.stringify(pages);
      assert.ok(text.includes(accessKeyId), 'the canary key\'s events were listed');
      assert.deepEqual(findLeaks('LookupEvents', text, canaries), []);
    });

    test('no canary is in the raw audit tables', async () => {
      const db = t.server.store.db;
      const events = await db.selectFrom('audit_events').selectAll().execute();
      const resources = await db.selectFrom('audit_resources').selectAll().execute();
      // 5 successful, 5 failed and 5 refused calls, and the lookups of the test above.
      assert.ok(events.length >= 16, `the trail holds the calls (${events.length} events)`);
      const text = JSON.stringify({ events, resources });
      assert.ok(text.includes(accessKeyId));
      assert.deepEqual(findLeaks('audit tables', text, canaries), []);
    });

    test('no canary is in the store itself once the server is closed', async () => {
      await t.close();
      const parts = await storeContents(t);
      const names = parts.map((p) => p.where);
      if (engine.name === 'sqlite') assert.ok(names.includes('bosun.db') && names.includes('bosun-audit.db'), `files found: ${names.join(', ')}`);
      else assert.ok(names.includes('audit_events') && names.includes('access_keys'), `tables found: ${names.join(', ')}`);
      assert.ok(parts.some((p) => p.content.includes(accessKeyId)), 'the store holds the access key id (the search reads the right data)');
      assert.deepEqual(parts.flatMap((p) => findLeaks(p.where, p.content, canaries)), []);
    });
  });
}
