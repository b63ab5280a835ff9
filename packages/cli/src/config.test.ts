import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveConfig } from './config.ts';

test('paths from flags and the environment are made absolute from the current directory', () => {
  const fromFlags = resolveConfig({ dataDir: 'state', rootKeyFile: 'keys/root.key', database: 'sqlite:db/x.db' }, {}, '/srv/app');
  assert.equal(fromFlags.dataDir, '/srv/app/state');
  assert.equal(fromFlags.rootKeyFile, '/srv/app/keys/root.key');
  assert.equal(fromFlags.databaseUrl, 'sqlite:/srv/app/db/x.db');
  const fromEnv = resolveConfig({}, { BOSUN_DATA_DIR: '../data', BOSUN_ROOT_KEY_FILE: 'k' }, '/srv/app');
  assert.equal(fromEnv.dataDir, '/srv/data');
  assert.equal(fromEnv.rootKeyFile, '/srv/app/k');
});

test('the default data dir is .bosun under the current directory, with root.key inside it', () => {
  const config = resolveConfig({}, {}, '/home/me/bosun');
  assert.equal(config.dataDir, '/home/me/bosun/.bosun');
  assert.equal(config.rootKeyFile, '/home/me/bosun/.bosun/root.key');
});

test("paths in the config file are taken from the config file's own directory; a postgres URL is left as it is", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-config-'));
  try {
    fs.mkdirSync(path.join(dir, 'etc'));
    fs.writeFileSync(path.join(dir, 'etc', 'bosun.json'), JSON.stringify({ dataDir: 'data', rootKeyFile: '/abs/root.key', database: 'postgres://u@db/bosun' }));
    const config = resolveConfig({ config: 'etc/bosun.json' }, {}, dir);
    assert.equal(config.dataDir, path.join(dir, 'etc', 'data'));
    assert.equal(config.rootKeyFile, '/abs/root.key');
    assert.equal(config.databaseUrl, 'postgres://u@db/bosun');
    // A flag still wins, and is taken from the current directory.
    assert.equal(resolveConfig({ config: 'etc/bosun.json', dataDir: 'mine' }, {}, dir).dataDir, path.join(dir, 'mine'));
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});
