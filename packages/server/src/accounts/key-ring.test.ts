import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isAwsError } from '@bosun/protocol';
import { fixtures } from '../testing/fixtures.ts';
import { storeTargets, type TestStore } from '../testing/stores.ts';
import { KeyRing } from './key-ring.ts';
import { issueSessionCredentials, revokeSessions } from './session-credentials.ts';

for (const target of storeTargets) {
  describe(`key ring on ${target.name}`, { skip: target.skip }, () => {
    let store: TestStore;
    const rootKey = fixtures.rootKey();
    let clock = Date.UTC(2026, 10, 26, 6, 0, 0);
    const ring = () => new KeyRing({ db: store.db, rootKey, now: () => clock, ttlMs: 10_000 });
    before(async () => { store = await target.open(); });
    after(async () => { await store?.destroy(); });

    test('a user access key resolves to its user with the secret it was created with', async () => {
      const key = await fixtures.account(store, rootKey, { accountId: '111122223333' });
      const found = await ring().lookup(key.accessKeyId);
      assert.equal(found?.secretAccessKey, key.secretAccessKey);
      assert.equal(found?.principal.type, 'IAMUser');
      assert.equal(found?.principal.arn, 'arn:aws:iam::111122223333:user/admin');
      assert.equal(await ring().lookup('AKIAUNKNOWNUNKNOWN12'), undefined);
    });

    test('session credentials resolve to the role session with their token', async () => {
      const session = await issueSessionCredentials(store.db, rootKey, {
        accountId: '111122223333', roleName: 'Node', roleId: 'AROANODE', sessionName: 'mi-0123456789abcdef0', subject: 'mi-0123456789abcdef0', now: clock, ttlMs: 3_600_000,
      });
      assert.match(session.accessKeyId, /^ASIA[A-Z2-7]{16}$/);
      const found = await ring().lookup(session.accessKeyId);
      assert.equal(found?.secretAccessKey, session.secretAccessKey);
      assert.equal(found?.sessionToken, session.sessionToken);
      assert.equal(found?.principal.arn, 'arn:aws:sts::111122223333:assumed-role/Node/mi-0123456789abcdef0');
      const stored = await store.db.selectFrom('session_credentials').selectAll().where('access_key_id', '=', session.accessKeyId).executeTakeFirstOrThrow();
      assert.ok(!JSON.stringify(stored).includes(session.secretAccessKey), 'secret stored in plaintext');
      assert.ok(!JSON.stringify(stored).includes(session.sessionToken), 'session token stored in plaintext');
    });

    test('expired session credentials answer ExpiredTokenException, even from the cache', async () => {
      const keys = ring();
      const session = await issueSessionCredentials(store.db, rootKey, {
        accountId: '111122223333', roleName: 'Node', roleId: 'AROANODE', sessionName: 's1', subject: 's1', now: clock, ttlMs: 60_000,
      });
      assert.ok(await keys.lookup(session.accessKeyId));
      clock += 60_000;
      await assert.rejects(async () => keys.lookup(session.accessKeyId), (e: unknown) => isAwsError(e) && e.code === 'ExpiredTokenException');
      clock -= 60_000;
    });

    test('revoked sessions stop resolving once forgotten by subject', async () => {
      const keys = ring();
      const session = await issueSessionCredentials(store.db, rootKey, {
        accountId: '111122223333', roleName: 'Node', roleId: 'AROANODE', sessionName: 'mi-1', subject: 'mi-1', now: clock, ttlMs: 3_600_000,
      });
      assert.ok(await keys.lookup(session.accessKeyId));
      assert.equal(await revokeSessions(store.db, { accountId: '111122223333', subject: 'mi-1', now: clock }), 1);
      keys.forgetSubject('mi-1');
      assert.equal(await keys.lookup(session.accessKeyId), undefined);
    });
  });
}
