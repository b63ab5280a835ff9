import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ApiError } from '../commands/invocation-runner.ts';
import type { CollectedItem } from './collectors.ts';
import { uploadInventory } from './uploader.ts';

type Put = { InstanceId: string; Items: { TypeName: string; ContentHash: string; Content?: unknown[] }[] };

/** A server stand-in that keeps the hashes it has content for, and refuses a hash it does not have, as PutInventory does. */
function server() {
  const stored = new Map<string, string>();
  const calls: Put[] = [];
  const callApi = async <T>(target: string, input: unknown): Promise<T> => {
    assert.equal(target, 'AmazonSSM.PutInventory');
    const put = input as Put;
    calls.push(put);
    for (const item of put.Items) if (!item.Content && stored.get(item.TypeName) !== item.ContentHash) throw new ApiError('ItemContentMismatchException', 'mismatch');
    for (const item of put.Items) stored.set(item.TypeName, item.ContentHash);
    return {} as T;
  };
  return { stored, calls, callApi };
}

const items = (rack: string): CollectedItem[] => [
  { typeName: 'AWS:Application', schemaVersion: '1.1', content: [{ Name: 'bash', Version: '5.2' }] },
  { typeName: 'Custom:Rack', schemaVersion: '1.0', content: [{ Rack: rack }] },
];

test('a type whose content did not change is sent by its hash only; a changed one whole', async () => {
  const hashFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-upload-')), 'inventory', 'hashes.json');
  const s = server();
  const first = await uploadInventory({ instanceId: 'mi-1', items: items('R1'), callApi: s.callApi, hashFile, now: Date.UTC(2026, 0, 1) });
  assert.deepEqual([first.sent, first.unchanged], [['AWS:Application', 'Custom:Rack'], []]);
  const second = await uploadInventory({ instanceId: 'mi-1', items: items('R2'), callApi: s.callApi, hashFile, now: Date.UTC(2026, 0, 2) });
  assert.deepEqual([second.sent, second.unchanged], [['Custom:Rack'], ['AWS:Application']]);
  assert.equal(s.calls[1].Items.find((i) => i.TypeName === 'AWS:Application')!.Content, undefined);
  assert.equal((s.calls[1].Items[0] as unknown as { CaptureTime: string }).CaptureTime, '2026-01-02T00:00:00Z');
});

test('when the server no longer has the content of a hash, everything is sent again whole', async () => {
  const hashFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-upload-')), 'hashes.json');
  const s = server();
  await uploadInventory({ instanceId: 'mi-1', items: items('R1'), callApi: s.callApi, hashFile, now: 0 });
  s.stored.clear();
  const again = await uploadInventory({ instanceId: 'mi-1', items: items('R1'), callApi: s.callApi, hashFile, now: 0 });
  assert.deepEqual([again.sent, again.unchanged], [['AWS:Application', 'Custom:Rack'], []]);
  assert.equal(s.calls.length, 3);
});

test('a type over the 200 KB item limit sheds optional attributes first, and is left out with a problem if it still does not fit', async () => {
  const hashFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-upload-')), 'hashes.json');
  const s = server();
  const packages = Array.from({ length: 1500 }, (_, i) => ({ Name: `pkg-${i}`, Version: '1.0', Summary: 'x'.repeat(150) }));
  const huge = Array.from({ length: 300 }, (_, i) => ({ Name: `f-${i}`, Description: 'y'.repeat(1000) }));
  const report = await uploadInventory({
    instanceId: 'mi-1', callApi: s.callApi, hashFile, now: 0,
    items: [{ typeName: 'AWS:Application', schemaVersion: '1.1', content: packages }, { typeName: 'AWS:File', schemaVersion: '1.0', content: huge }],
  });
  assert.deepEqual(report.sent, ['AWS:Application']);
  assert.deepEqual(report.trimmed, ['AWS:Application.Summary']);
  assert.match(report.problems.join('\n'), /AWS:File: \d+ bytes of content, over AWS's limit of 204800 bytes/);
  assert.equal((s.calls[0].Items[0].Content as Record<string, string>[])[0].Summary, undefined);
});
