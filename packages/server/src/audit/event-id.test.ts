import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newEventId } from './event-id.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('an event id is a version 7 UUID that carries the call time in milliseconds', () => {
  const now = Date.UTC(2026, 10, 26, 6, 15, 0, 123);
  const id = newEventId(now);
  assert.match(id, UUID_V7);
  assert.equal(parseInt(id.slice(0, 8) + id.slice(9, 13), 16), now);
});

test('event ids sort in the order of their times', () => {
  const start = Date.UTC(2026, 10, 26);
  const ids = Array.from({ length: 1000 }, (_, i) => newEventId(start + i * 7));
  assert.deepEqual([...ids].sort(), ids);
});

test('event ids made in the same millisecond differ', () => {
  const now = Date.now();
  const ids = new Set(Array.from({ length: 10_000 }, () => newEventId(now)));
  assert.equal(ids.size, 10_000);
});
