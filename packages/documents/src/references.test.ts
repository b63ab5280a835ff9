import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findParameterReferences, substituteReferences } from './references.ts';

test('references of both kinds are found once each, in order, with their selectors', () => {
  const found = findParameterReferences({
    a: 'echo {{ssm:/app/name}} {{ ssm:/app/name }}',
    b: ['{{ssm-secure:/app/password}}', 'x {{ssm:/app/port:3}} {{ssm:/app/env:prod}}'],
    c: { nested: '{{ssm-secure:token}}' },
    d: 42,
    e: '{{ ordinary }}',
  });
  assert.deepEqual(found, { plain: ['/app/name', '/app/port:3', '/app/env:prod'], secure: ['/app/password', 'token'] });
});

test('values without references find none', () => {
  assert.deepEqual(findParameterReferences({ a: 'plain', b: ['{ {ssm:x} }'] }), { plain: [], secure: [] });
});

test('the server substitutes ssm: references and leaves ssm-secure: ones for the agent', () => {
  const values = { commands: ['echo {{ssm:/app/name}}', 'use {{ssm-secure:/app/password}}'], name: '{{ ssm:/app/name }}' };
  const served = substituteReferences(values, 'ssm', new Map([['/app/name', 'bosun']]));
  assert.deepEqual(served, { commands: ['echo bosun', 'use {{ssm-secure:/app/password}}'], name: 'bosun' });
  assert.deepEqual(values.commands, ['echo {{ssm:/app/name}}', 'use {{ssm-secure:/app/password}}'], 'the input is not changed');
});

test('the agent substitutes ssm-secure: references', () => {
  const values = { commands: ['login {{ssm-secure:/app/password}}'] };
  assert.deepEqual(substituteReferences(values, 'ssm-secure', new Map([['/app/password', 's3cret']])), { commands: ['login s3cret'] });
});

test('references without a given value stay as written', () => {
  const values = { a: '{{ssm:/missing}} {{ssm:/present}}' };
  assert.deepEqual(substituteReferences(values, 'ssm', new Map([['/present', 'yes']])), { a: '{{ssm:/missing}} yes' });
});

test('a substituted value is not scanned again for placeholders', () => {
  const values = { a: '{{ssm:/one}}' };
  assert.deepEqual(substituteReferences(values, 'ssm', new Map([['/one', '{{ssm:/two}}'], ['/two', 'no']])), { a: '{{ssm:/two}}' });
});
