import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kmsModel, secretsmanagerModel, ssmModel } from './generated/index.ts';
import { HIDDEN, redactSensitive } from './redact.ts';

test("HIDDEN is CloudTrail's placeholder", () => {
  assert.equal(HIDDEN, 'HIDDEN_DUE_TO_SECURITY_REASONS');
});

test('PutParameter: Value (PSParameterValue, sensitive) is hidden, the other members are kept', () => {
  const request = { Name: '/app/db', Value: 's3cr3t', Type: 'SecureString', Tags: [{ Key: 'team', Value: 'core' }] };
  assert.deepEqual(redactSensitive(ssmModel, 'PutParameterRequest', request), {
    Name: '/app/db',
    Value: HIDDEN,
    Type: 'SecureString',
    Tags: [{ Key: 'team', Value: 'core' }],
  });
});

test('the input is not modified and the result shares no objects with it', () => {
  const request = { Name: '/app/db', Value: 's3cr3t', Tags: [{ Key: 'team', Value: 'core' }] };
  const copy = redactSensitive(ssmModel, 'PutParameterRequest', request) as typeof request;
  assert.equal(request.Value, 's3cr3t');
  assert.notEqual(copy.Tags, request.Tags);
  assert.notEqual(copy.Tags[0], request.Tags[0]);
});

test('sensitive members are found inside nested structures and lists', () => {
  const response = {
    Parameters: [
      { Name: '/a', Value: 'one', Version: 1 },
      { Name: '/b', Value: 'two', Version: 3 },
    ],
    InvalidParameters: ['/c'],
  };
  assert.deepEqual(redactSensitive(ssmModel, 'GetParametersResult', response), {
    Parameters: [
      { Name: '/a', Value: HIDDEN, Version: 1 },
      { Name: '/b', Value: HIDDEN, Version: 3 },
    ],
    InvalidParameters: ['/c'],
  });
});

test('a sensitive map is hidden as a whole', () => {
  const request = { WindowId: 'mw-0123456789abcdef0', TaskArn: 'AWS-RunShellScript', TaskParameters: { commands: { Values: ['echo hi'] } } };
  const redacted = redactSensitive(ssmModel, 'RegisterTaskWithMaintenanceWindowRequest', request) as Record<string, unknown>;
  assert.equal(redacted.TaskParameters, HIDDEN);
  assert.equal(redacted.TaskArn, 'AWS-RunShellScript');
});

test('sensitive blobs and strings of other services are hidden too', () => {
  const encrypt = redactSensitive(kmsModel, 'EncryptRequest', { KeyId: 'alias/app', Plaintext: Buffer.from('hello') });
  assert.deepEqual(encrypt, { KeyId: 'alias/app', Plaintext: HIDDEN });
  const secret = redactSensitive(secretsmanagerModel, 'GetSecretValueResponse', { Name: 'db', SecretString: 'pw', VersionStages: ['AWSCURRENT'] });
  assert.deepEqual(secret, { Name: 'db', SecretString: HIDDEN, VersionStages: ['AWSCURRENT'] });
});

test('members the model does not know are kept as they are', () => {
  const redacted = redactSensitive(ssmModel, 'PutParameterRequest', { Name: '/p', Value: 'v', Extra: { nested: ['x'] } });
  assert.deepEqual(redacted, { Name: '/p', Value: HIDDEN, Extra: { nested: ['x'] } });
});

test('Dates and Buffers are kept as they are', () => {
  const when = new Date('2025-11-26T07:38:43Z');
  const blob = Buffer.from('ciphertext');
  const redacted = redactSensitive(kmsModel, 'DecryptRequest', { CiphertextBlob: blob }) as { CiphertextBlob: Buffer };
  assert.equal(redacted.CiphertextBlob, blob);
  const history = redactSensitive(ssmModel, 'ParameterHistory', { Name: '/p', LastModifiedDate: when, Value: 'v' }) as { LastModifiedDate: Date };
  assert.equal(history.LastModifiedDate, when);
});

test('without a shape the value is copied unchanged', () => {
  const value = { a: [1, { b: 'c' }] };
  const copy = redactSensitive(ssmModel, undefined, value);
  assert.deepEqual(copy, value);
  assert.notEqual(copy, value);
});

test('null and absent values stay as they are', () => {
  assert.equal(redactSensitive(ssmModel, 'PutParameterRequest', null), null);
  assert.equal(redactSensitive(ssmModel, 'PutParameterRequest', undefined), undefined);
  assert.deepEqual(redactSensitive(ssmModel, 'PutParameterRequest', { Name: '/p', Value: null }), { Name: '/p', Value: null });
});
