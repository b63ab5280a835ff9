import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomPassword } from './random-password.ts';

test('the default password is 32 characters with every type included', () => {
  for (let i = 0; i < 20; i++) {
    const p = randomPassword({});
    assert.equal(p.length, 32);
    assert.match(p, /[a-z]/);
    assert.match(p, /[A-Z]/);
    assert.match(p, /[0-9]/);
    assert.match(p, /[^A-Za-z0-9]/);
  }
});

test('excluded characters and types never appear', () => {
  const p = randomPassword({ PasswordLength: 200, ExcludeCharacters: 'abcXYZ', ExcludeNumbers: true, ExcludePunctuation: true });
  assert.match(p, /^[d-zA-W]+$/);
});
