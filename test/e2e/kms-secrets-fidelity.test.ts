/**
 * KMS and Secrets Manager errors beyond the model's constraints: the codes and messages AWS
 * answers, through signed requests (issue 21).
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { signedFetch, startTestServer, type TestServer } from './support.ts';

describe('KMS and Secrets Manager answer with AWS errors (sqlite)', () => {
  let t: TestServer;
  const kms = (target: string, body: unknown) => signedFetch(t.url, { target: `TrentService.${target}`, body: JSON.stringify(body), credentials: t.admin, service: 'kms' });
  const sm = (target: string, body: unknown) => signedFetch(t.url, { target: `secretsmanager.${target}`, body: JSON.stringify(body), credentials: t.admin, service: 'secretsmanager' });
  const errorOf = (res: { json: any }) => ({ code: String(res.json?.__type ?? '').split('#').pop(), message: res.json?.message ?? res.json?.Message });

  before(async () => {
    t = await startTestServer({ engine: 'sqlite' });
  });
  after(async () => {
    await t?.destroy();
  });

  test('CreateAlias without the alias/ prefix is a ValidationException', async () => {
    const key = await kms('CreateKey', {});
    assert.equal(key.status, 200, key.text);
    const res = await kms('CreateAlias', { AliasName: 'noprefix', TargetKeyId: key.json.KeyMetadata.KeyId });
    assert.equal(res.status, 400);
    assert.deepEqual(errorOf(res), {
      code: 'ValidationException',
      message: 'Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html',
    });
  });

  test('UpdateSecretVersionStage without RemoveFromVersionId names the version that holds the label', async () => {
    const first = '11111111-1111-1111-1111-111111111111';
    const second = '22222222-2222-2222-2222-222222222222';
    assert.equal((await sm('CreateSecret', { Name: 'fidelity/stage', SecretString: 'a', ClientRequestToken: first })).status, 200);
    assert.equal((await sm('PutSecretValue', { SecretId: 'fidelity/stage', SecretString: 'b', ClientRequestToken: second })).status, 200);
    const res = await sm('UpdateSecretVersionStage', { SecretId: 'fidelity/stage', VersionStage: 'AWSCURRENT', MoveToVersionId: first });
    assert.equal(res.status, 400);
    assert.deepEqual(errorOf(res), {
      code: 'InvalidParameterException',
      message: `The parameter RemoveFromVersionId can't be empty. Staging label AWSCURRENT is currently attached to version ${second}, so you must explicitly reference that version in RemoveFromVersionId.`,
    });
  });
});
