/**
 * A SecureString value and a secret never rest or travel in plaintext where they need not: a
 * canary SecureString and a canary secret are written, read, versioned, labelled, referenced and
 * deleted; afterwards neither canary is in the server log, the audit trail, or the store's bytes
 * (SQLite file with its WAL, every PostgreSQL table as text). Tampering with a stored ciphertext,
 * or moving it to another parameter's row, makes decryption fail.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  DeleteParameterCommand, GetParameterCommand, GetParameterHistoryCommand, GetParametersByPathCommand, LabelParameterVersionCommand, PutParameterCommand,
} from '@aws-sdk/client-ssm';
import { unseal } from '../../packages/server/src/crypto/root-key.ts';
import { canarySecret, engines, rejection, signedFetch, ssmClient, startTestServer, storeContents, type TestServer } from './support.ts';

/** A canary as is, base64 and hex (key material is binary: latin1 keeps its bytes). */
function forms(canary: string): string[] {
  const bytes = Buffer.from(canary, 'latin1');
  return [canary, bytes.toString('base64'), bytes.toString('hex')];
}

function leaks(where: string, haystack: string | Buffer, canaries: readonly string[]): string[] {
  const bytes = typeof haystack === 'string' ? Buffer.from(haystack) : haystack;
  return canaries.filter((c) => forms(c).some((f) => bytes.includes(Buffer.from(f, 'latin1')) || bytes.includes(f))).map((c) => `${JSON.stringify(c).slice(0, 20)}… in ${where}`);
}

for (const engine of engines) {
  describe(`canary SecureStrings and secrets stay encrypted (${engine.name})`, { skip: engine.skip }, () => {
    let t: TestServer;
    const secureValue = canarySecret('PARAM');
    const secureValue2 = canarySecret('PARAMV2');
    const secretValue = canarySecret('SECRET');
    const kmsPlaintext = canarySecret('KMS');
    const canaries = [secureValue, secureValue2, secretValue, kmsPlaintext];
    const call = (service: string, target: string, body: unknown) =>
      signedFetch(t.url, { target, body: JSON.stringify(body), credentials: t.admin, service });

    before(async () => {
      t = await startTestServer({ engine: engine.name, logLevel: 'trace' });
      const ssm = ssmClient(t, t.admin);
      try {
        await ssm.send(new PutParameterCommand({ Name: '/canary/secure', Value: secureValue, Type: 'SecureString' }));
        await ssm.send(new PutParameterCommand({ Name: '/canary/secure', Value: secureValue2, Type: 'SecureString', Overwrite: true }));
        await ssm.send(new LabelParameterVersionCommand({ Name: '/canary/secure', ParameterVersion: 1, Labels: ['first'] }));
        assert.equal((await ssm.send(new GetParameterCommand({ Name: '/canary/secure:first', WithDecryption: true }))).Parameter?.Value, secureValue);
        await ssm.send(new GetParameterHistoryCommand({ Name: '/canary/secure', WithDecryption: true }));
        await ssm.send(new GetParametersByPathCommand({ Path: '/canary', WithDecryption: true }));
        // A failed write of the canary (pattern mismatch) must not echo it either.
        await rejection(ssm.send(new PutParameterCommand({ Name: '/canary/pattern', Value: secureValue, Type: 'SecureString', AllowedPattern: '^x$' })));
        await ssm.send(new PutParameterCommand({ Name: '/canary/deleted', Value: secureValue, Type: 'SecureString' }));
        await ssm.send(new DeleteParameterCommand({ Name: '/canary/deleted' }));
        const created = await call('secretsmanager', 'secretsmanager.CreateSecret', { Name: 'canary/secret', SecretString: secretValue });
        assert.equal(created.status, 200, created.text);
        const got = await call('secretsmanager', 'secretsmanager.GetSecretValue', { SecretId: 'canary/secret' });
        assert.equal(got.json.SecretString, secretValue);
        await call('secretsmanager', 'secretsmanager.PutSecretValue', { SecretId: 'canary/secret', SecretString: secretValue + 'v2' });
        assert.equal((await ssm.send(new GetParameterCommand({ Name: '/aws/reference/secretsmanager/canary/secret', WithDecryption: true }))).Parameter?.Value, secretValue + 'v2');
        const encrypted = await call('kms', 'TrentService.Encrypt', { KeyId: 'alias/aws/ssm', Plaintext: Buffer.from(kmsPlaintext).toString('base64') });
        assert.equal(encrypted.status, 200, encrypted.text);
        // Tampering: a flipped byte, and a ciphertext moved to another parameter's row.
        await ssm.send(new PutParameterCommand({ Name: '/canary/victim', Value: 'victim-value', Type: 'SecureString' }));
        await ssm.send(new PutParameterCommand({ Name: '/canary/tampered', Value: 'tampered-value', Type: 'SecureString' }));
      } finally {
        ssm.destroy();
      }
    });
    after(async () => {
      await t?.destroy();
    });

    test('a ciphertext moved to another parameter\'s row fails to decrypt', async () => {
      const db = t.server.store.db;
      const source = await db.selectFrom('parameter_versions').select('value').where('name', '=', '/canary/secure').where('is_current', '=', 1).executeTakeFirstOrThrow();
      await db.updateTable('parameter_versions').set({ value: source.value }).where('name', '=', '/canary/victim').execute();
      const ssm = ssmClient(t, t.admin);
      try {
        const error = await rejection(ssm.send(new GetParameterCommand({ Name: '/canary/victim', WithDecryption: true })));
        assert.equal(error.name, 'InvalidKeyId');
        assert.match(error.message, /InvalidCiphertextException/);
      } finally {
        ssm.destroy();
      }
    });

    test('a stored ciphertext with one byte changed fails to decrypt', async () => {
      const db = t.server.store.db;
      const row = await db.selectFrom('parameter_versions').select('value').where('name', '=', '/canary/tampered').executeTakeFirstOrThrow();
      const bytes = Buffer.from(row.value, 'base64');
      bytes[bytes.length - 3] ^= 0x40;
      await db.updateTable('parameter_versions').set({ value: bytes.toString('base64') }).where('name', '=', '/canary/tampered').execute();
      const ssm = ssmClient(t, t.admin);
      try {
        assert.equal((await rejection(ssm.send(new GetParameterCommand({ Name: '/canary/tampered', WithDecryption: true })))).name, 'InvalidKeyId');
      } finally {
        ssm.destroy();
      }
    });

    test('no canary is in the server log', () => {
      const log = t.log();
      assert.match(log, /Bosun API listening/);
      assert.deepEqual(leaks('server log', log, canaries), []);
    });

    test('no canary is in the audit tables', async () => {
      const db = t.server.store.db;
      const events = await db.selectFrom('audit_events').selectAll().execute();
      assert.ok(events.some((e) => e.event_name === 'PutParameter'));
      assert.ok(events.some((e) => e.event_name === 'CreateSecret'));
      assert.deepEqual(leaks('audit tables', JSON.stringify(events), canaries), []);
    });

    test('no canary, and no KMS key material, is in the store once the server is closed', async () => {
      // The key material, opened with the root key (which the store never holds), must not be in the store as is.
      const versions = await t.server.store.db.selectFrom('kms_key_versions').selectAll().execute();
      assert.ok(versions.length >= 2, 'alias/aws/ssm and alias/aws/secretsmanager keys exist');
      const materials = versions.map((v) => Buffer.from(unseal(t.rootKey, v.material_sealed, `kms-key-material:${v.key_id}:${v.version}`), 'base64'));
      for (const m of materials) assert.equal(m.length, 32);
      canaries.push(...materials.map((m) => m.toString('latin1')));
      await t.close();
      const parts = await storeContents(t);
      if (engine.name === 'postgres') {
        const names = parts.map((p) => p.where);
        assert.ok(names.includes('parameter_versions') && names.includes('secret_versions'));
      }
      assert.ok(parts.some((p) => p.content.includes('/canary/secure')), 'the search reads the data that holds the parameters');
      assert.deepEqual(parts.flatMap((p) => leaks(p.where, p.content, canaries)), []);
    });
  });
}
