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
import { lookupEventsOperation } from '../audit/lookup-events.ts';
import type { CallContext } from '../api/operation.ts';
import { RESOURCE_FOLD_EVERY } from './audit-file.ts';
import { fixtures } from '../testing/fixtures.ts';
import { openStore, sqliteAuditFile, sqliteFile } from './store.ts';

const key = chainKey(fixtures.rootKey());

function entry(n: number, resourceName = `/p/${n}`) {
  const record = buildRecord({
    eventTime: Date.UTC(2026, 10, 26, 6, 0, n), eventSource: 'ssm.amazonaws.com', eventName: 'GetParameter', region: 'us-east-1',
    sourceIp: '127.0.0.1', userAgent: 'test', requestId: `req-${n}`, eventId: `evt-${n}`, readOnly: true,
    accountId: '111122223333', requestParameters: { name: `/p/${n}` }, responseElements: null, resources: [],
  });
  return { record, resources: [{ type: 'AWS::SSM::Parameter', name: resourceName }] };
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
    assert.deepEqual(tablesOf(sqliteAuditFile(sqliteFile(dataDir))), ['audit_events', 'audit_head', 'audit_resource_fold', 'audit_resource_names', 'audit_resources']);
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

  test('resource names are folded into their index in batches, and LookupEvents by ResourceName finds folded and unfolded events alike', async () => {
    const dataDir = newDir();
    const store = await openStore({ dataDir });
    try {
      const writer = new AuditWriter({ store, key, maxBatch: 100 });
      const total = RESOURCE_FOLD_EVERY + 700;
      for (let n = 1; n <= total; n += 100) {
        await Promise.all(Array.from({ length: Math.min(100, total - n + 1) }, (_, i) => writer.append(entry(n + i, `/p/name-${(n + i) % 37}`))));
      }
      const fold = Number((await store.db.selectFrom('audit_resource_fold').select('seq').executeTakeFirstOrThrow()).seq);
      assert.ok(fold >= RESOURCE_FOLD_EVERY && fold < total, `some events are folded and some are not yet (fold at ${fold} of ${total})`);
      const folded = await store.db.selectFrom('audit_resource_names').select(['resource_name', 'seq']).execute();
      assert.equal(folded.length, fold, 'every folded event has its name in the index, once');
      assert.ok(folded.every((r) => Number(r.seq) <= fold));

      const lookup = lookupEventsOperation({ db: store.db, foldedResourceNames: true });
      const ctx = { principal: { accountId: '111122223333' }, now: Date.UTC(2026, 10, 27), region: 'us-east-1', requestId: 'r', sourceIp: '127.0.0.1' } as unknown as CallContext;
      const found: number[] = [];
      let token: string | undefined;
      do {
        const page = await lookup.handle(ctx, { LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: '/p/name-5' }], StartTime: new Date(Date.UTC(2026, 10, 26)), MaxResults: 50, NextToken: token } as never) as { Events: { EventId: string }[]; NextToken?: string };
        found.push(...page.Events.map((e) => Number(e.EventId.slice('evt-'.length))));
        token = page.NextToken;
      } while (token);
      const expected = Array.from({ length: total }, (_, i) => i + 1).filter((n) => n % 37 === 5).reverse();
      assert.deepEqual(found, expected);
      assert.ok(expected.some((n) => n <= fold) && expected.some((n) => n > fold), 'the name has events on both sides of the fold');
      assert.equal((await verifyAuditChain(store.db, key)).ok, true);
    } finally {
      await store.close();
    }
  });

  test('an audit file without the folded name index gets one, holding every event it has', async () => {
    const dataDir = newDir();
    const store = await openStore({ dataDir });
    try {
      const writer = new AuditWriter({ store, key });
      await Promise.all(Array.from({ length: 30 }, (_, i) => writer.append(entry(i + 1))));
    } finally {
      await store.close();
    }
    // The layout of the audit file before the fold: names indexed in place.
    const file = new BetterSqlite3(sqliteAuditFile(sqliteFile(dataDir)));
    try {
      file.exec('drop table audit_resource_names; drop table audit_resource_fold; create index audit_resources_name on audit_resources (resource_name, seq)');
    } finally {
      file.close();
    }
    const reopened = await openStore({ dataDir });
    try {
      const names = await reopened.db.selectFrom('audit_resource_names').select(['resource_name', 'seq']).orderBy('seq').execute();
      assert.deepEqual(names.map((r) => [r.resource_name, Number(r.seq)]), Array.from({ length: 30 }, (_, i) => [`/p/${i + 1}`, i + 1]));
      assert.equal(Number((await reopened.db.selectFrom('audit_resource_fold').select('seq').executeTakeFirstOrThrow()).seq), 30);
    } finally {
      await reopened.close();
    }
    const check = new BetterSqlite3(sqliteAuditFile(sqliteFile(dataDir)), { readonly: true });
    try {
      assert.equal((check.prepare("select count(*) as n from sqlite_master where name = 'audit_resources_name'").get() as { n: number }).n, 0, 'the index in place is gone');
    } finally {
      check.close();
    }
  });
});
