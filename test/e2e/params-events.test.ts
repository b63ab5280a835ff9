/**
 * Parameter policies on a running server: an Expiration policy deletes the parameter at its time
 * (the scheduler does it; the versions are kept for restore), the action is an event that
 * `bosun events tail` shows, and a webhook receives it.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetParameterCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import fs from 'node:fs';
import { startServer } from '../../packages/server/src/server.ts';
import { createLogger } from '../../packages/server/src/logger.ts';
import { fixtures } from '../../packages/server/src/testing/fixtures.ts';
import { bosunEnv, rejection, runBosun, ssmClient, startTestServer, tempDir, type TestServer } from './support.ts';

async function until<T>(what: string, probe: () => Promise<T | undefined>, deadlineMs = 10_000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('parameter policies, events and webhooks on a running server', () => {
  let t: TestServer;
  let ssm: SSMClient;
  let receiver: http.Server;
  const received: unknown[] = [];

  before(async () => {
    t = await startTestServer();
    ssm = ssmClient(t, t.admin);
    let first = true;
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        // The first delivery fails: the event must come again.
        res.statusCode = first ? 500 : 200;
        if (!first) received.push(JSON.parse(body));
        first = false;
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    ssm?.destroy();
    receiver?.close();
    await t?.destroy();
  });

  test('an Expiration policy deletes the parameter at its time; the event is in the log and reaches the webhook', async () => {
    const set = await runBosun(['events', 'webhook', `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`, '--account-id', t.admin.accountId, '--data-dir', t.dataDir!], { env: bosunEnv() });
    assert.equal(set.code, 0, set.stderr);
    const at = new Date(Date.now() + 1500).toISOString();
    await ssm.send(new PutParameterCommand({
      Name: '/policy/short-lived', Value: 'x', Type: 'String', Tier: 'Advanced',
      Policies: JSON.stringify([{ Type: 'Expiration', Version: '1.0', Attributes: { Timestamp: at } }]),
    }));
    const deletion = await until('the scheduler deleting the parameter', async () =>
      t.server.store.db.selectFrom('deleted_parameters').selectAll().where('name', '=', '/policy/short-lived').executeTakeFirst());
    assert.equal(deletion.deleted_by, 'bosun:parameter-policy:Expiration');
    assert.equal((await rejection(ssm.send(new GetParameterCommand({ Name: '/policy/short-lived' })))).name, 'ParameterNotFound');

    const tail = await runBosun(['events', 'tail', '--data-dir', t.dataDir!, '--account-id', t.admin.accountId], { env: bosunEnv() });
    assert.equal(tail.code, 0, tail.stderr);
    assert.match(tail.stdout, /aws\.ssm\s+Parameter Store Policy Action\s+arn:aws:ssm:us-east-1:\d{12}:parameter\/policy\/short-lived\s+Expiration/);

    const delivered = await until('the webhook receiving the event', async () => (received.length > 0 ? received[0] : undefined), 15_000) as Record<string, unknown>;
    assert.equal(delivered['detail-type'], 'Parameter Store Policy Action');
    assert.deepEqual(delivered.resources, [`arn:aws:ssm:us-east-1:${t.admin.accountId}:parameter/policy/short-lived`]);

    const restored = await runBosun(['params', 'restore', '/policy/short-lived', '--data-dir', t.dataDir!, '--account-id', t.admin.accountId], { env: bosunEnv() });
    assert.equal(restored.code, 0, restored.stderr);
  });
});

describe('parameter policies survive a restart', () => {
  test('an Expiration that falls due while the server is down is applied by the next server', async () => {
    const dataDir = tempDir();
    const rootKey = fixtures.rootKey();
    const quiet = createLogger({ level: 'silent' });
    const first = await startServer({ host: '127.0.0.1', port: 0, dataDir, rootKey, logger: quiet });
    try {
      const admin = await fixtures.account(first.store, rootKey);
      const ssm = ssmClient(first, admin);
      try {
        await ssm.send(new PutParameterCommand({
          Name: '/restart/p', Value: 'x', Type: 'String', Tier: 'Advanced',
          Policies: JSON.stringify([{ Type: 'Expiration', Version: '1.0', Attributes: { Timestamp: new Date(Date.now() + 60 * 60 * 1000).toISOString() } }]),
        }));
      } finally {
        ssm.destroy();
      }
      await first.close();
      // The next server starts two hours later (its clock says so): the expiration is past due.
      const second = await startServer({ host: '127.0.0.1', port: 0, dataDir, rootKey, logger: quiet, now: () => Date.now() + 2 * 60 * 60 * 1000 });
      try {
        const deletion = await until('the restarted scheduler deleting the parameter', async () =>
          second.store.db.selectFrom('deleted_parameters').selectAll().where('name', '=', '/restart/p').executeTakeFirst());
        assert.equal(deletion.deleted_by, 'bosun:parameter-policy:Expiration');
        const events = await second.store.db.selectFrom('events').selectAll().execute();
        assert.equal(events.length, 1);
      } finally {
        await second.close();
      }
    } finally {
      await first.close().catch(() => undefined);
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
