import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { InvocationOutputBody } from '@bosun/protocol/channel';
import { OutputCollector, safeCut } from './output-collector.ts';

type Chunk = Omit<InvocationOutputBody, 'commandId'>;

function collector(options: { secrets?: string[]; chunkChars?: number; flushMs?: number; maxChars?: number; maxTailChars?: number } = {}) {
  const chunks: Chunk[] = [];
  const c = new OutputCollector({ emit: (chunk) => chunks.push(chunk), pluginName: 'step1', secrets: options.secrets ?? [], ...options });
  return { c, chunks };
}

/** The stream as the server rebuilds it: chunks placed by offset, then the tail. */
function rebuild(chunks: readonly Chunk[], stream: 'stdout' | 'stderr', tail: string): string {
  let text = '';
  for (const chunk of chunks.filter((x) => x.stream === stream)) {
    assert.equal(chunk.offset, text.length, 'chunks are contiguous');
    text += chunk.data;
  }
  return text + tail;
}

async function until(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('output is cut into chunks of at most chunkChars with contiguous offsets, the rest in the tail', () => {
  const { c, chunks } = collector({ chunkChars: 10, maxTailChars: 100 });
  c.write('stdout', 'a'.repeat(25));
  c.write('stderr', 'err');
  const { length, tail } = c.finish();
  assert.deepEqual(chunks.map((x) => x.data.length), [10, 10, 5].slice(0, chunks.length));
  assert.ok(chunks.every((x) => x.data.length <= 10 && x.pluginName === 'step1'));
  assert.equal(rebuild(chunks, 'stdout', tail.stdout), 'a'.repeat(25));
  assert.equal(rebuild(chunks, 'stderr', tail.stderr), 'err');
  assert.deepEqual(length, { stdout: 25, stderr: 3 });
});

test('buffered output is sent after flushMs without waiting for the step to end', async () => {
  const { c, chunks } = collector({ flushMs: 50 });
  c.write('stdout', 'hello\n');
  assert.equal(chunks.length, 0, 'batched, not sent per write');
  await until(() => chunks.length === 1);
  assert.deepEqual(chunks[0], { pluginName: 'step1', stream: 'stdout', offset: 0, data: 'hello\n' });
  const { tail, length } = c.finish();
  assert.deepEqual(tail, { stdout: '', stderr: '' });
  assert.deepEqual(length, { stdout: 6, stderr: 0 });
});

test('a secret is masked in chunks and tail, even when it arrives split across writes and flushes', async () => {
  const { c, chunks } = collector({ secrets: ['hunter2-secret'], flushMs: 20 });
  c.write('stdout', 'password is hunt');
  await new Promise((r) => setTimeout(r, 60));
  c.write('stdout', 'er2-secret and again hunter2-secret\n');
  const { tail } = c.finish();
  const text = rebuild(chunks, 'stdout', tail.stdout);
  assert.equal(text, 'password is *** and again ***\n');
  assert.ok(!JSON.stringify(chunks).includes('hunter2'), 'no part of the secret left the collector before it was known not to be one');
});

test('a large tail is sent as a last chunk so the result frame stays small', () => {
  const { c, chunks } = collector({ maxTailChars: 8, chunkChars: 1000 });
  c.write('stdout', 'x'.repeat(20));
  const { tail, length } = c.finish();
  assert.equal(tail.stdout, '');
  assert.equal(rebuild(chunks, 'stdout', ''), 'x'.repeat(20));
  assert.equal(length.stdout, 20);
});

test('output past maxChars is dropped with a note saying so', () => {
  const { c, chunks } = collector({ maxChars: 10, maxTailChars: 1000 });
  c.write('stdout', '0123456789abcdef');
  const { tail } = c.finish();
  const text = rebuild(chunks, 'stdout', tail.stdout);
  assert.ok(text.startsWith('0123456789\n[bosun: 6 more characters of stdout were dropped'));
});

test('chunks never split a surrogate pair', () => {
  const { c, chunks } = collector({ chunkChars: 3, maxTailChars: 0 });
  c.write('stdout', 'ab😀cd');
  c.finish();
  assert.ok(chunks.every((x) => !/[\uD800-\uDBFF]$/.test(x.data)));
  assert.equal(rebuild(chunks, 'stdout', ''), 'ab😀cd');
});

test('safeCut holds back the start of a secret and never cuts through one', () => {
  assert.equal(safeCut('abc sec', ['secret']), 4);
  assert.equal(safeCut('abc', ['secret']), 3);
  assert.equal(safeCut('xx abcab', ['abcab']), 3, 'a complete occurrence whose end is also a prefix is held back whole');
});
