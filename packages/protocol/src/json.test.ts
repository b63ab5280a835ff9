import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeJson } from './json.ts';

test('a Date is written as epoch seconds with the milliseconds as a fraction', () => {
  assert.equal(encodeJson({ LastModifiedDate: new Date(1764142723123) }), '{"LastModifiedDate":1764142723.123}');
  assert.equal(encodeJson({ At: new Date(1764142723000) }), '{"At":1764142723}');
});

test('a Buffer or Uint8Array is written as base64', () => {
  assert.equal(encodeJson({ CiphertextBlob: Buffer.from('hello') }), '{"CiphertextBlob":"aGVsbG8="}');
  assert.equal(encodeJson({ Bytes: new Uint8Array([1, 2, 3]) }), '{"Bytes":"AQID"}');
});

test('only the bytes of a Uint8Array view are written, not its whole buffer', () => {
  const view = new Uint8Array([0, 104, 105, 0]).subarray(1, 3);
  assert.equal(encodeJson({ Bytes: view }), '{"Bytes":"aGk="}');
});

test('undefined members are dropped', () => {
  assert.equal(encodeJson({ Name: 'p', NextToken: undefined }), '{"Name":"p"}');
});

test('Dates and blobs are converted inside lists and nested structures', () => {
  const value = { Events: [{ EventTime: new Date(1000), Data: Buffer.from([255]) }] };
  assert.equal(encodeJson(value), '{"Events":[{"EventTime":1,"Data":"/w=="}]}');
});

test('a top-level Date is converted too', () => {
  assert.equal(encodeJson(new Date(1500)), '1.5');
});

test('no value at all is an empty object, the body of an operation without output', () => {
  assert.equal(encodeJson(undefined), '{}');
});
