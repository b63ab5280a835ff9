import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { storeTargets } from '../testing/stores.ts';
import { databaseObjectStore } from './database-object-store.ts';
import { fileObjectStore } from './file-object-store.ts';
import type { ObjectStore } from './object-store.ts';

interface Target { name: string; skip?: string; open(): Promise<{ objects: ObjectStore; close(): Promise<void> }> }

const targets: Target[] = [
  {
    name: 'files',
    async open() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-objects-'));
      return { objects: fileObjectStore(dir), close: async () => fs.rmSync(dir, { recursive: true, force: true }) };
    },
  },
  ...storeTargets.map((t): Target => ({
    name: `database on ${t.name}`,
    skip: t.skip,
    async open() {
      const store = await t.open();
      return { objects: databaseObjectStore(store.db, () => 1), close: () => store.destroy() };
    },
  })),
];

for (const target of targets) {
  describe(`object store: ${target.name}`, { skip: target.skip }, () => {
    test('an object written is read back; a missing one is undefined', async () => {
      const { objects, close } = await target.open();
      try {
        await objects.put('commands/c1/mi-1/aws:runShellScript/stdout', 'héllo\n'.repeat(1000));
        assert.equal(await objects.get('commands/c1/mi-1/aws:runShellScript/stdout'), 'héllo\n'.repeat(1000));
        assert.equal(await objects.get('commands/c1/mi-1/aws:runShellScript/stderr'), undefined);
      } finally {
        await close();
      }
    });

    test('writing a key again replaces it', async () => {
      const { objects, close } = await target.open();
      try {
        await objects.put('a/b', 'one');
        await objects.put('a/b', 'two');
        assert.equal(await objects.get('a/b'), 'two');
      } finally {
        await close();
      }
    });

    test('keys that could leave the store are refused', async () => {
      const { objects, close } = await target.open();
      try {
        for (const bad of ['../x', 'a/../../x', '/etc/passwd', 'a//b', 'a/b c']) await assert.rejects(objects.put(bad, 'x'), /invalid object key/, bad);
      } finally {
        await close();
      }
    });
  });
}
