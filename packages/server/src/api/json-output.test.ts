import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeJson } from '@bosun/protocol';
import { encodeOutput } from './json-output.ts';

test('encodeOutput writes the same text as encodeJson for every kind of output', () => {
  const when = new Date(Date.UTC(2026, 10, 26, 6, 0, 0, 123));
  const values: unknown[] = [
    undefined, {}, null, [], 'text', 12.5, true,
    { Parameter: { Name: '/a', Type: 'String', Value: 'v', Version: 1, LastModifiedDate: when, ARN: 'arn:aws:ssm:us-east-1:111122223333:parameter/a', DataType: 'text' } },
    { Parameters: [{ Name: '/a', LastModifiedDate: when }, { Name: '/b', LastModifiedDate: new Date(0) }], NextToken: 'abc' },
    { CiphertextBlob: new Uint8Array([1, 2, 3, 250]), KeyId: 'k', Plain: Buffer.from('héllo') },
    { Sub: Buffer.from('abcdef').subarray(2, 5) },
    { Skipped: undefined, Kept: 1, Nested: { Deeper: [{ At: when, Missing: undefined }] } },
    { List: [undefined, when, null, 'x', () => 1] },
    JSON.parse('{"__proto__": {"At": 1}, "b": 2}'),
    Object.defineProperty({ a: 1 }, '__proto__', { value: when, enumerable: true }),
    { Custom: { toJSON: () => ({ At: when }) } },
    { Map: new Map([['a', 1]]), Big: Number.MAX_SAFE_INTEGER, Neg: -0, Nan: Number.NaN },
    { Unicode: '\u2028\u2029"\\\n', Emoji: '😀' },
  ];
  for (const value of values) assert.equal(encodeOutput(value), encodeJson(value), JSON.stringify(encodeJson(value)));
});

test('encodeOutput leaves its input as it was', () => {
  const when = new Date(1_000);
  const output = { Parameter: { LastModifiedDate: when, Blob: new Uint8Array([1]) }, List: [when] };
  encodeOutput(output);
  assert.equal(output.Parameter.LastModifiedDate, when);
  assert.ok(output.Parameter.Blob instanceof Uint8Array);
  assert.equal(output.List[0], when);
});

test('a frozen output, and a frozen part of one, is written as its unfrozen copy, every time', () => {
  const when = new Date(Date.UTC(2026, 10, 26, 6, 0, 0));
  const parameter = Object.freeze({ Name: '/a', Type: 'String', Value: 'v', Version: 1, LastModifiedDate: when, ARN: 'arn:aws:ssm:us-east-1:111122223333:parameter/a', DataType: 'text' });
  const whole = Object.freeze({ Parameter: parameter });
  const page = { Parameters: [parameter, { ...parameter, Name: '/b' }], NextToken: 'n' };
  for (let i = 0; i < 3; i++) {
    assert.equal(encodeOutput(whole), encodeJson({ Parameter: { ...parameter } }));
    assert.equal(encodeOutput(page), encodeJson({ Parameters: [{ ...parameter }, { ...parameter, Name: '/b' }], NextToken: 'n' }));
  }
  // Another frozen object with other contents is written as itself, not as the first one.
  const other = Object.freeze({ Parameter: Object.freeze({ ...parameter, Value: 'w' }) });
  assert.match(encodeOutput(other), /"Value":"w"/);
});
