import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { chainKey } from '../audit/chain.ts';
import { buildRecord } from '../audit/record.ts';
import { verifyAuditChain } from '../audit/verify.ts';
import { AuditWriter } from '../audit/writer.ts';
import { fixtures } from '../testing/fixtures.ts';
import { openStore, sqliteAuditFile, sqliteFile } from './store.ts';

const key = chainKey(fixtures.rootKey());

function entry(n: number) {
  const record = buildRecord({
    eventTime: Date.UTC(2026, 10, 26, 6, 0, n), eventSource: 'ssm.amazonaws.com', eventName: 'GetParameter', region: 'us-east-1',
    sourceIp: '127.0.0.1', userAgent: 'test', requestId: `req-${n}`, eventId: `evt-${n}`, readOnly: true,
    accountId: '111122223333', requestParameters: { name: `/p/${n}` }, responseElements: null, resources: [],
  });
  return { record, resources: [{ type: 'AWS::SSM::Parameter', name: `/p/${n}` }] };
}

/** The tables of one SQLite file, read on a connection of its own (no attached files). */
function tablesOf(file: string): string[] {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    return (db.prepare("select name from sqlite_master where type = 'table' and name like 'audit%' order by name").all() as { name: string }[]).map((r) => r.name);
  } finally {
    db.close();
  }
}

describe('the SQLite audit file', () => {
  const dirs: string[] = [];
  const newDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-audit-file-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a new store keeps its audit tables in bosun-audit.db, with seq as the row id, and none in bosun.db', async () => {
    const dataDir = newDir();
    const store = await openStore({ dataDir });
    try {
      assert.equal(store.dialect.auditFile, path.join(dataDir, 'bosun-audit.db'));
      await new AuditWriter({ store, key }).append(entry(1));
      assert.equal((await verifyAuditChain(store.db, key)).ok, true);
    } finally {
      await store.close();
    }
    assert.deepEqual(tablesOf(sqliteFile(dataDir)), []);
    assert.deepEqual(tablesOf(sqliteAuditFile(sqliteFile(dataDir))), ['audit_events', 'audit_head', 'audit_resources']);
    const db = new BetterSqlite3(sqliteAuditFile(sqliteFile(dataDir)), { readonly: true });
    try {
      const row = db.prepare('select seq, rowid as id from audit_events').get() as { seq: number; id: number };
      assert.equal(row.seq, row.id, 'seq is the INTEGER PRIMARY KEY (the row id)');
    } finally {
      db.close();
    }
  });

  test('a store of the earlier layout has its chain moved into the audit file, unbroken, and goes on from it', async () => {
    const dataDir = newDir();
    const old = await openStore({ dataDir, separateAuditFile: false });
    try {
      const writer = new AuditWriter({ store: old, key });
      await Promise.all(Array.from({ length: 25 }, (_, i) => writer.append(entry(i + 1))));
    } finally {
      await old.close();
    }
    assert.deepEqual(tablesOf(sqliteFile(dataDir)), ['audit_events', 'audit_head', 'audit_resources']);

    const store = await openStore({ dataDir });
    try {
      assert.deepEqual(tablesOf(sqliteFile(dataDir)), [], 'the main file no longer holds the audit tables');
      const result = await verifyAuditChain(store.db, key);
      assert.equal(result.ok, true);
      await new AuditWriter({ store, key }).append(entry(26));
      const rows = await store.db.selectFrom('audit_events').select(['seq', 'event_id']).orderBy('seq').execute();
      assert.deepEqual(rows.map((r) => Number(r.seq)), Array.from({ length: 26 }, (_, i) => i + 1));
      assert.equal(rows[25].event_id, 'evt-26');
      const resources = await store.db.selectFrom('audit_resources').select('resource_name').where('seq', '=', 3).execute();
      assert.deepEqual(resources.map((r) => r.resource_name), ['/p/3']);
      assert.equal((await verifyAuditChain(store.db, key)).ok, true);
    } finally {
      await store.close();
    }
  });

  test('a lost audit file stops the store from opening, with a message that names it', async () => {
    const dataDir = newDir();
    await (await openStore({ dataDir })).close();
    fs.rmSync(sqliteAuditFile(sqliteFile(dataDir)));
    await assert.rejects(openStore({ dataDir }), /audit file beside the SQLite file is missing or incomplete .*restore bosun-audit\.db/);
  });

  test('audit tables in both files are refused rather than merged', async () => {
    const dataDir = newDir();
    await (await openStore({ dataDir })).close();
    const main = new BetterSqlite3(sqliteFile(dataDir));
    try {
      main.exec('create table audit_head (id integer primary key, seq bigint not null, hash text not null)');
    } finally {
      main.close();
    }
    await assert.rejects(openStore({ dataDir }), /Both the main SQLite file and the audit file hold audit tables/);
  });
});
