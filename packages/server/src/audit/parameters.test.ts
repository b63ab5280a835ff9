import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HIDDEN, models, redactSensitive, type ServiceModel } from '@bosun/protocol';
import { auditParameters } from './parameters.ts';

/** The two walks the audit record was made with before they became one: redaction, then renaming. */
function twoWalks(model: ServiceModel, shapeName: string | undefined, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  const rename = (shape: string | undefined, v: unknown): unknown => {
    if (v instanceof Date) return v.toISOString();
    if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
    if (v === null || typeof v !== 'object') return v;
    const s = shape ? model.shapes[shape] : undefined;
    if (Array.isArray(v)) return v.map((item) => rename(s?.type === 'list' ? s.member : undefined, item));
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(v)) {
      if (s?.type === 'map') out[key] = rename(s.value, item);
      else out[key.charAt(0).toLowerCase() + key.slice(1)] = rename(s?.type === 'structure' ? s.members[key] : undefined, item);
    }
    return out;
  };
  return rename(shapeName, redactSensitive(model, shapeName, value));
}

test('audit parameters hide sensitive members, rename members and encode dates and blobs as the two walks did', () => {
  const cases: [ServiceModel, string, unknown][] = [
    [models.ssm, 'GetParameterRequest', { Name: '/a', WithDecryption: true }],
    [models.ssm, 'PutParameterRequest', { Name: '/s', Value: 'secret', Type: 'SecureString', Tags: [{ Key: 'k', Value: 'v' }], Unknown: { Deep: 1 } }],
    [models.ssm, 'GetParameterResult', { Parameter: { Name: '/a', Value: 'v', LastModifiedDate: new Date(1_000), Version: 1 } }],
    [models.kms, 'EncryptRequest', { KeyId: 'k', Plaintext: new Uint8Array([1, 2, 3]), EncryptionContext: { PARAMETER_ARN: 'arn' } }],
    [models.kms, 'EncryptResponse', { CiphertextBlob: new Uint8Array([9, 8]), KeyId: 'k' }],
    [models.secretsmanager, 'CreateSecretRequest', { Name: 'n', SecretString: 's', SecretBinary: new Uint8Array([1]), Tags: [] }],
    [models.ssm, 'GetParametersRequest', { Names: ['/a', '/b'], WithDecryption: false }],
  ];
  for (const [model, shape, value] of cases) assert.deepEqual(auditParameters(model, shape, value), twoWalks(model, shape, value), shape);
  assert.equal(auditParameters(models.ssm, 'GetParameterRequest', undefined), null);
  const put = auditParameters(models.ssm, 'PutParameterRequest', { Name: '/s', Value: 'secret' }) as Record<string, unknown>;
  assert.deepEqual(put, { name: '/s', value: HIDDEN });
});
