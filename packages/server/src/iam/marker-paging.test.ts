import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AwsError } from '@bosun/protocol';
import { DEFAULT_MAX_ITEMS, markerPage } from './marker-paging.ts';

const letters = ['a', 'b', 'c', 'd', 'e'];

test('markerPage walks a list in MaxItems pages and stops when IsTruncated is false', () => {
  const seen: string[] = [];
  let marker: string | undefined;
  let pages = 0;
  do {
    const page = markerPage(letters, { Marker: marker, MaxItems: 2 });
    seen.push(...page.items);
    marker = page.Marker;
    assert.equal(page.IsTruncated, marker !== undefined);
    pages++;
  } while (marker);
  assert.deepEqual(seen, letters);
  assert.equal(pages, 3);
});

test('markerPage returns the whole list, untruncated, when it fits the default page', () => {
  const items = Array.from({ length: DEFAULT_MAX_ITEMS }, (_, i) => i);
  assert.deepEqual(markerPage(items, {}), { items, IsTruncated: false });
  const over = markerPage([...items, DEFAULT_MAX_ITEMS], {});
  assert.equal(over.items.length, DEFAULT_MAX_ITEMS);
  assert.equal(over.IsTruncated, true);
});

test('markerPage refuses a Marker it did not make with InvalidInput', () => {
  assert.throws(() => markerPage(letters, { Marker: 'garbage' }), (error: unknown) => error instanceof AwsError && error.code === 'InvalidInput' && /Invalid Marker/.test(error.message));
});
