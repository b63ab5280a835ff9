import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkDataDir } from './data-dir.ts';
import { openStore } from './store.ts';

const temp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-data-dir-'));

test('a data dir that does not exist yet, or one holding a store of this version, passes', async () => {
  const dir = temp();
  try {
    checkDataDir(path.join(dir, 'new', 'deeper'));
    const store = await openStore({ dataDir: dir });
    // Open elsewhere (its -wal exists): read in place.
    checkDataDir(dir);
    await store.close();
    // Closed: read from a copy, and nothing is left beside it.
    const files = fs.readdirSync(dir).sort();
    checkDataDir(dir);
    assert.deepEqual(fs.readdirSync(dir).sort(), files);
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

test('a store with a migration this version does not know is refused, open or closed', async () => {
  const dir = temp();
  try {
    const store = await openStore({ dataDir: dir });
    await store.db.insertInto('bosun_migration' as never).values({ name: '9999-later', timestamp: new Date().toISOString() } as never).execute();
    assert.throws(() => checkDataDir(dir), /was written by a newer Bosun \(its store has migration 9999-later; this version knows up to 0\d{3}-/);
    await store.close();
    assert.throws(() => checkDataDir(dir), /was written by a newer Bosun/);
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

test('a relative path is refused: paths are made absolute where they enter', () => {
  assert.throws(() => checkDataDir('.bosun'), /must be an absolute path \(got '\.bosun'\)/);
});
