import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { decryptBlob, encryptBlob, envelopeDataKeyBlob, openEnvelope, readBlobHeader, sealEnvelope } from './ciphertext.ts';

const header = { accountId: '123456789012', keyId: crypto.randomUUID(), keyVersion: 3 };
const material = crypto.randomBytes(32);

test('a blob names its account, key and key version, and opens with the same material and context', () => {
  const blob = encryptBlob(header, material, Buffer.from('hello'), { b: '2', a: '1' });
  assert.deepEqual(readBlobHeader(blob), header);
  assert.equal(decryptBlob(blob, material, { a: '1', b: '2' })?.toString(), 'hello');
});

test('another context, another material, or a changed byte (header or body) does not open', () => {
  const blob = encryptBlob(header, material, Buffer.from('hello'), { a: '1' });
  assert.equal(decryptBlob(blob, material, { a: '2' }), undefined);
  assert.equal(decryptBlob(blob, material, undefined), undefined);
  assert.equal(decryptBlob(blob, crypto.randomBytes(32), { a: '1' }), undefined);
  for (const at of [5, 50, blob.length - 1]) {
    const copy = Buffer.from(blob);
    copy[at] ^= 1;
    assert.equal(decryptBlob(copy, material, { a: '1' }), undefined, `byte ${at}`);
  }
});

test('bytes that are not a blob have no header', () => {
  assert.equal(readBlobHeader(Buffer.from('not a ciphertext at all, but long enough to pass the length check........')), undefined);
  assert.equal(readBlobHeader(Buffer.alloc(3)), undefined);
});

test('an envelope opens with its data key and context only', () => {
  const dataKey = crypto.randomBytes(32);
  const dataKeyBlob = encryptBlob(header, material, dataKey, { PARAMETER_ARN: 'arn:a' });
  const envelope = sealEnvelope(dataKeyBlob, dataKey, Buffer.from('secret'), { PARAMETER_ARN: 'arn:a' });
  assert.deepEqual(envelopeDataKeyBlob(envelope), dataKeyBlob);
  assert.equal(openEnvelope(envelope, dataKey, { PARAMETER_ARN: 'arn:a' })?.toString(), 'secret');
  assert.equal(openEnvelope(envelope, dataKey, { PARAMETER_ARN: 'arn:b' }), undefined);
});
