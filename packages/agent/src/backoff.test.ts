import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff, MAX_BACKOFF_MS } from './backoff.ts';

test('backoff doubles from its base with jitter in the upper half, and is capped at 5 minutes', () => {
  const high = new Backoff({ baseMs: 1000, random: () => 1 });
  assert.deepEqual([high.next(), high.next(), high.next()], [1000, 2000, 4000]);
  for (let i = 0; i < 40; i++) high.next();
  assert.equal(high.next(), MAX_BACKOFF_MS);
  assert.equal(MAX_BACKOFF_MS, 5 * 60 * 1000);
  const low = new Backoff({ baseMs: 1000, random: () => 0 });
  assert.equal(low.next(), 500);
});

test('reset starts the backoff again from its base', () => {
  const b = new Backoff({ baseMs: 100, random: () => 1 });
  b.next();
  b.next();
  b.reset();
  assert.equal(b.next(), 100);
});
