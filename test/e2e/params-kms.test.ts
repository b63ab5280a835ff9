/**
 * Key management through the AWS CLI (`aws kms ... --endpoint-url`): keys, aliases, encryption
 * with encryption context, rotation keeping old ciphertext readable, disable, deletion, tags.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { awsCli, awsCliEnv, engines, signedFetch, skipWithoutAwsCli, startTestServer, type TestServer } from './support.ts';

for (const engine of engines) {
describe(`KMS through the AWS CLI (${engine.name})`, { skip: skipWithoutAwsCli ?? engine.skip }, () => {
  let t: TestServer;
  let env: NodeJS.ProcessEnv;
  const aws = async (...args: string[]) => {
    const res = await awsCli([...args, '--endpoint-url', t.url, '--output', 'json'], env);
    return { ...res, json: res.code === 0 && res.stdout.trim() ? JSON.parse(res.stdout) : undefined };
  };
  const kms = (target: string, body: unknown) => signedFetch(t.url, { target: `TrentService.${target}`, body: JSON.stringify(body), credentials: t.admin, service: 'kms' });
  let keyId: string;
  let keyArn: string;

  before(async () => {
    t = await startTestServer({ engine: engine.name });
    env = awsCliEnv(t.admin);
    const created = await aws('kms', 'create-key', '--description', 'app key', '--tags', 'TagKey=team,TagValue=ops');
    assert.equal(created.code, 0, created.stderr);
    keyId = created.json.KeyMetadata.KeyId;
    keyArn = created.json.KeyMetadata.Arn;
  });
  after(async () => {
    await t?.destroy();
  });

  test('CreateKey returns an enabled symmetric key with its ARN', async () => {
    const described = await aws('kms', 'describe-key', '--key-id', keyId);
    assert.equal(described.code, 0, described.stderr);
    const meta = described.json.KeyMetadata;
    assert.equal(meta.Arn, `arn:aws:kms:us-east-1:${t.admin.accountId}:key/${keyId}`);
    assert.equal(meta.KeyState, 'Enabled');
    assert.equal(meta.KeySpec, 'SYMMETRIC_DEFAULT');
    assert.equal(meta.KeyManager, 'CUSTOMER');
    assert.equal(meta.Description, 'app key');
  });

  test('an alias names the key for DescribeKey and Encrypt, and UpdateAlias moves it', async () => {
    assert.equal((await aws('kms', 'create-alias', '--alias-name', 'alias/app', '--target-key-id', keyId)).code, 0);
    const dup = await aws('kms', 'create-alias', '--alias-name', 'alias/app', '--target-key-id', keyId);
    assert.match(dup.stderr, /AlreadyExistsException/);
    const viaAlias = await aws('kms', 'describe-key', '--key-id', 'alias/app');
    assert.equal(viaAlias.json.KeyMetadata.KeyId, keyId);
    const listed = await aws('kms', 'list-aliases', '--key-id', keyId);
    assert.deepEqual(listed.json.Aliases.map((a: { AliasName: string }) => a.AliasName), ['alias/app']);
    const other = await aws('kms', 'create-key');
    assert.equal((await aws('kms', 'update-alias', '--alias-name', 'alias/app', '--target-key-id', other.json.KeyMetadata.KeyId)).code, 0);
    assert.equal((await aws('kms', 'describe-key', '--key-id', 'alias/app')).json.KeyMetadata.KeyId, other.json.KeyMetadata.KeyId);
    assert.equal((await aws('kms', 'delete-alias', '--alias-name', 'alias/app')).code, 0);
    assert.match((await aws('kms', 'describe-key', '--key-id', 'alias/app')).stderr, /NotFoundException/);
  });

  test('ListAliases without Limit answers 50 per page, as AWS documents', async () => {
    for (let i = 0; i < 51; i++) {
      const made = await kms('CreateAlias', { AliasName: `alias/page-${String(i).padStart(2, '0')}`, TargetKeyId: keyId });
      assert.equal(made.status, 200, made.text);
    }
    const first = await kms('ListAliases', {});
    assert.equal(first.json.Aliases.length, 50);
    assert.equal(first.json.Truncated, true);
    assert.ok(first.json.NextMarker);
  });

  test('reserved and malformed alias names are refused', async () => {
    assert.match((await aws('kms', 'create-alias', '--alias-name', 'alias/aws/mine', '--target-key-id', keyId)).stderr, /InvalidAliasNameException/);
    assert.match((await aws('kms', 'create-alias', '--alias-name', 'noprefix', '--target-key-id', keyId)).stderr, /ValidationException/);
  });

  test('Encrypt and Decrypt round-trip, with the encryption context bound into the ciphertext', async () => {
    const plaintext = Buffer.from('hello kms').toString('base64');
    const enc = await kms('Encrypt', { KeyId: keyId, Plaintext: plaintext, EncryptionContext: { app: 'a', env: 'prod' } });
    assert.equal(enc.status, 200, enc.text);
    assert.equal(enc.json.KeyId, keyArn);
    // The order of the context's pairs does not matter.
    const dec = await kms('Decrypt', { CiphertextBlob: enc.json.CiphertextBlob, EncryptionContext: { env: 'prod', app: 'a' } });
    assert.equal(dec.status, 200, dec.text);
    assert.equal(Buffer.from(dec.json.Plaintext, 'base64').toString(), 'hello kms');
    assert.equal(dec.json.KeyId, keyArn);
    const wrongContext = await kms('Decrypt', { CiphertextBlob: enc.json.CiphertextBlob, EncryptionContext: { app: 'b', env: 'prod' } });
    assert.equal(wrongContext.json.__type, 'InvalidCiphertextException');
    const noContext = await kms('Decrypt', { CiphertextBlob: enc.json.CiphertextBlob });
    assert.equal(noContext.json.__type, 'InvalidCiphertextException');
  });

  test('a tampered ciphertext fails to decrypt', async () => {
    const enc = await kms('Encrypt', { KeyId: keyId, Plaintext: Buffer.from('x').toString('base64') });
    const bytes = Buffer.from(enc.json.CiphertextBlob, 'base64');
    bytes[bytes.length - 1] ^= 1;
    const dec = await kms('Decrypt', { CiphertextBlob: bytes.toString('base64') });
    assert.equal(dec.json.__type, 'InvalidCiphertextException');
  });

  test('Decrypt with a KeyId other than the ciphertext\'s key is IncorrectKeyException', async () => {
    const other = await aws('kms', 'create-key');
    const enc = await kms('Encrypt', { KeyId: keyId, Plaintext: Buffer.from('x').toString('base64') });
    const dec = await kms('Decrypt', { CiphertextBlob: enc.json.CiphertextBlob, KeyId: other.json.KeyMetadata.KeyId });
    assert.equal(dec.json.__type, 'IncorrectKeyException');
  });

  test('the AWS CLI encrypts and decrypts a file', async () => {
    const enc = await aws('kms', 'encrypt', '--key-id', keyId, '--plaintext', Buffer.from('from the cli').toString('base64'), '--encryption-context', 'purpose=test');
    assert.equal(enc.code, 0, enc.stderr);
    const dec = await aws('kms', 'decrypt', '--ciphertext-blob', enc.json.CiphertextBlob, '--encryption-context', 'purpose=test');
    assert.equal(dec.code, 0, dec.stderr);
    assert.equal(Buffer.from(dec.json.Plaintext, 'base64').toString(), 'from the cli');
  });

  test('after RotateKeyOnDemand old ciphertexts still decrypt and new ones use the new material', async () => {
    const before = await kms('Encrypt', { KeyId: keyId, Plaintext: Buffer.from('old').toString('base64') });
    // The Debian AWS CLI (2.9) predates RotateKeyOnDemand: a signed request calls it.
    const rotated = await kms('RotateKeyOnDemand', { KeyId: keyId });
    assert.equal(rotated.status, 200, rotated.text);
    const afterEnc = await kms('Encrypt', { KeyId: keyId, Plaintext: Buffer.from('new').toString('base64') });
    // The blob names the key version (bytes 49–52).
    assert.notDeepEqual(Buffer.from(before.json.CiphertextBlob, 'base64').subarray(49, 53), Buffer.from(afterEnc.json.CiphertextBlob, 'base64').subarray(49, 53));
    const old = await kms('Decrypt', { CiphertextBlob: before.json.CiphertextBlob });
    assert.equal(Buffer.from(old.json.Plaintext, 'base64').toString(), 'old');
  });

  test('rotation status follows EnableKeyRotation and DisableKeyRotation', async () => {
    assert.equal((await aws('kms', 'get-key-rotation-status', '--key-id', keyId)).json.KeyRotationEnabled, false);
    // RotationPeriodInDays is newer than the Debian AWS CLI (2.9): a signed request sets it.
    assert.equal((await kms('EnableKeyRotation', { KeyId: keyId, RotationPeriodInDays: 90 })).status, 200);
    const status = await kms('GetKeyRotationStatus', { KeyId: keyId });
    assert.equal(status.json.KeyRotationEnabled, true);
    assert.equal(status.json.RotationPeriodInDays, 90);
    assert.equal((await aws('kms', 'enable-key-rotation', '--key-id', keyId)).code, 0);
    assert.equal((await aws('kms', 'disable-key-rotation', '--key-id', keyId)).code, 0);
    assert.equal((await aws('kms', 'get-key-rotation-status', '--key-id', keyId)).json.KeyRotationEnabled, false);
  });

  test('a disabled key refuses Encrypt and Decrypt with DisabledException until enabled', async () => {
    const key = (await aws('kms', 'create-key')).json.KeyMetadata.KeyId;
    const enc = await kms('Encrypt', { KeyId: key, Plaintext: Buffer.from('x').toString('base64') });
    assert.equal((await aws('kms', 'disable-key', '--key-id', key)).code, 0);
    assert.equal((await kms('Decrypt', { CiphertextBlob: enc.json.CiphertextBlob })).json.__type, 'DisabledException');
    assert.equal((await kms('Encrypt', { KeyId: key, Plaintext: 'eA==' })).json.__type, 'DisabledException');
    assert.equal((await aws('kms', 'enable-key', '--key-id', key)).code, 0);
    assert.equal((await kms('Decrypt', { CiphertextBlob: enc.json.CiphertextBlob })).status, 200);
  });

  test('a key scheduled for deletion is KMSInvalidStateException; cancelling leaves it disabled', async () => {
    const key = (await aws('kms', 'create-key')).json.KeyMetadata.KeyId;
    const tooShort = await aws('kms', 'schedule-key-deletion', '--key-id', key, '--pending-window-in-days', '3');
    assert.match(tooShort.stderr, /ValidationException/);
    const scheduled = await aws('kms', 'schedule-key-deletion', '--key-id', key, '--pending-window-in-days', '7');
    assert.equal(scheduled.code, 0, scheduled.stderr);
    assert.equal(scheduled.json.KeyState, 'PendingDeletion');
    assert.equal((await kms('Encrypt', { KeyId: key, Plaintext: 'eA==' })).json.__type, 'KMSInvalidStateException');
    assert.equal((await aws('kms', 'cancel-key-deletion', '--key-id', key)).code, 0);
    assert.equal((await aws('kms', 'describe-key', '--key-id', key)).json.KeyMetadata.KeyState, 'Disabled');
  });

  test('GenerateDataKey returns a plaintext key and its ciphertext; ReEncrypt moves a ciphertext to another key', async () => {
    const dk = await aws('kms', 'generate-data-key', '--key-id', keyId, '--key-spec', 'AES_256');
    assert.equal(dk.code, 0, dk.stderr);
    assert.equal(Buffer.from(dk.json.Plaintext, 'base64').length, 32);
    const opened = await kms('Decrypt', { CiphertextBlob: dk.json.CiphertextBlob });
    assert.equal(opened.json.Plaintext, dk.json.Plaintext);
    const without = await aws('kms', 'generate-data-key-without-plaintext', '--key-id', keyId, '--number-of-bytes', '16');
    assert.equal(without.json.Plaintext, undefined);
    const other = (await aws('kms', 'create-key')).json.KeyMetadata;
    const re = await kms('ReEncrypt', { CiphertextBlob: dk.json.CiphertextBlob, DestinationKeyId: other.KeyId });
    assert.equal(re.status, 200, re.text);
    assert.equal(re.json.KeyId, other.Arn);
    assert.equal((await kms('Decrypt', { CiphertextBlob: re.json.CiphertextBlob })).json.Plaintext, dk.json.Plaintext);
  });

  test('tags added by TagResource are listed by ListResourceTags', async () => {
    assert.equal((await aws('kms', 'tag-resource', '--key-id', keyId, '--tags', 'TagKey=env,TagValue=prod')).code, 0);
    const tags = await aws('kms', 'list-resource-tags', '--key-id', keyId);
    assert.deepEqual(tags.json.Tags, [{ TagKey: 'team', TagValue: 'ops' }, { TagKey: 'env', TagValue: 'prod' }]);
  });

  test('ListKeys pages with Marker', async () => {
    const first = await aws('kms', 'list-keys', '--limit', '1', '--no-paginate');
    assert.equal(first.json.Keys.length, 1);
    assert.equal(first.json.Truncated, true);
    const all = await aws('kms', 'list-keys');
    assert.ok(all.json.Keys.some((k: { KeyId: string }) => k.KeyId === keyId));
  });

  test('an unknown key is NotFoundException', async () => {
    assert.match((await aws('kms', 'describe-key', '--key-id', '00000000-0000-0000-0000-000000000000')).stderr, /NotFoundException/);
  });
});
}
