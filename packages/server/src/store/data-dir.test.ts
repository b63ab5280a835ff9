import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkDataDir } from './data-dir.ts';
import { sql } from 'kysely';
import { migrationNames } from './migrations/index.ts';
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
    // Closed: its header holds this version's migration count; nothing is opened or left beside it.
    const header = fs.readFileSync(path.join(dir, 'bosun.db')).subarray(0, 100);
    assert.equal(header.readUInt32BE(60), migrationNames.length);
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
    // As a newer Bosun leaves its store: one more migration, and its count in the header.
    await store.db.insertInto('bosun_migration' as never).values({ name: '9999-later', timestamp: new Date().toISOString() } as never).execute();
    await sql.raw(`pragma user_version = ${migrationNames.length + 1}`).execute(store.db);
    assert.throws(() => checkDataDir(dir), /was written by a newer Bosun \(its store has migration 9999-later; this version knows up to 0\d{3}-/);
    await store.close();
    assert.throws(() => checkDataDir(dir), /was written by a newer Bosun/);
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

test('an empty bosun.db holds no migrations and passes; a file that is not SQLite is refused', () => {
  const dir = temp();
  try {
    fs.writeFileSync(path.join(dir, 'bosun.db'), '');
    checkDataDir(dir);
    fs.writeFileSync(path.join(dir, 'bosun.db'), 'x'.repeat(200));
    assert.throws(() => checkDataDir(dir), /bosun\.db is not a Bosun store \(not a SQLite database\)/);
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

test('a relative path is refused: paths are made absolute where they enter', () => {
  assert.throws(() => checkDataDir('.bosun'), /must be an absolute path \(got '\.bosun'\)/);
});
