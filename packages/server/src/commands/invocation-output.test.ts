import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileObjectStore } from '../object-store/file-object-store.ts';
import type { OutputChunk } from './command-store.ts';
import { assembleStream, outputKey, storePluginOutput, STDOUT_CONTENT_MAX, wholeStream } from './invocation-output.ts';

const chunk = (offset: number, data: string): OutputChunk => ({ commandId: 'c', instanceId: 'mi-1', pluginName: 'p', stream: 'stdout', offset, data });

describe('assembleStream', () => {
  test('puts chunks in offset order and appends the tail', () => {
    assert.equal(assembleStream([chunk(3, 'def'), chunk(0, 'abc')], 'gh', 8), 'abcdefgh');
  });
  test('a repeated chunk is read once', () => {
    assert.equal(assembleStream([chunk(0, 'abc'), chunk(0, 'abc'), chunk(3, 'd')], '', 4), 'abcd');
  });
  test('a tail that repeats the last chunk is not doubled', () => {
    assert.equal(assembleStream([chunk(0, 'abcdef')], 'ef', 6), 'abcdef');
  });
  test('a lost chunk is marked where it belonged', () => {
    assert.match(assembleStream([chunk(0, 'ab'), chunk(5, 'fg')], '', 7), /^ab\n\[bosun: 3 characters of output were lost here\]\nfg$/);
  });
});

describe('storePluginOutput', () => {
  const plugin = (stdout: string) => ({
    name: 'run step', status: 'Success' as const, statusDetails: 'Success', responseCode: 0, length: { stdout: stdout.length, stderr: 0 }, tail: { stdout, stderr: '' },
  });

  test('short output stays in the row only', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-out-'));
    const objects = fileObjectStore(dir);
    const stored = await storePluginOutput(objects, { commandId: 'c', instanceId: 'mi-1', plugin: plugin('hello\n'), chunks: [] });
    assert.equal(stored.head.stdout, 'hello\n');
    assert.equal(stored.stored.stdout, false);
    assert.equal(await objects.get(outputKey('c', 'mi-1', 'run step', 'stdout')), undefined);
    fs.rmSync(dir, { recursive: true });
  });

  test('output longer than the head goes whole to the object store', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-out-'));
    const objects = fileObjectStore(dir);
    const text = 'x'.repeat(STDOUT_CONTENT_MAX + 10);
    const stored = await storePluginOutput(objects, { commandId: 'c', instanceId: 'mi-1', plugin: plugin(text), chunks: [] });
    assert.equal(stored.head.stdout.length, STDOUT_CONTENT_MAX);
    assert.equal(stored.stored.stdout, true);
    assert.equal(stored.length.stdout, text.length);
    assert.equal(await wholeStream(objects, 'c', 'mi-1', stored, 'stdout'), text);
    fs.rmSync(dir, { recursive: true });
  });
});
