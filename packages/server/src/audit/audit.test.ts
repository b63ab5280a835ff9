import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fixtures } from '../testing/fixtures.ts';
import { sql } from 'kysely';
import { queryRows } from '../store/read-cache.ts';
import { storeTargets, type TestStore } from '../testing/stores.ts';
import { chainKey } from './chain.ts';
import { buildRecord } from './record.ts';
import { verifyAuditChain } from './verify.ts';
import { AuditWriter } from './writer.ts';

function entry(n: number, account = '111122223333') {
  const record = buildRecord({
    eventTime: Date.UTC(2026, 10, 26, 6, 0, n), eventSource: 'ssm.amazonaws.com', eventName: `Op${n}`, region: 'us-east-1',
    sourceIp: '127.0.0.1', userAgent: 'test', requestId: `req-${n}`, eventId: `evt-${n}`, readOnly: n % 2 === 0,
    accountId: account, requestParameters: { n }, responseElements: null, resources: [{ type: 'AWS::SSM::Thing', name: `thing-${n}` }],
  });
  return { record, resources: [{ type: 'AWS::SSM::Thing', name: `thing-${n}` }] };
}

for (const target of storeTargets) {
  describe(`audit chain on ${target.name}`, { skip: target.skip }, () => {
    let store: TestStore;
    const key = chainKey(fixtures.rootKey());
    before(async () => {
      store = await target.open();
      const writer = new AuditWriter({ store, key, maxBatch: 7 });
      // Appended concurrently: group commit must still give consecutive sequence numbers.
      await Promise.all(Array.from({ length: 40 }, (_, i) => writer.append(entry(i + 1))));
    });
    after(async () => { await store?.destroy(); });

    test('concurrent appends get consecutive sequence numbers and a head that matches the last event', async () => {
      const rows = await store.db.selectFrom('audit_events').select(['seq', 'hash']).orderBy('seq').execute();
      assert.deepEqual(rows.map((r) => Number(r.seq)), Array.from({ length: 40 }, (_, i) => i + 1));
      const head = await store.db.selectFrom('audit_head').selectAll().executeTakeFirstOrThrow();
      assert.equal(Number(head.seq), 40);
      assert.equal(head.hash, rows[39].hash);
    });

    test('an event appended while another transaction is open commits on its own, even if that transaction rolls back', async () => {
      const writer = new AuditWriter({ store, key });
      let release!: () => void;
      const held = new Promise<void>((resolve) => { release = resolve; });
      let appended: Promise<void> | undefined;
      const rolledBack = store.db.transaction().execute(async (tx) => {
        await tx.insertInto('server_meta').values({ key: 'rollback-probe', value: 'x' }).execute();
        appended = writer.append(entry(41));
        await held;
        throw new Error('roll back');
      });
      // The writer starts its batch on the next turn of the event loop (setImmediate), while the
      // transaction above is still open: two turns later it has made its choice.
      for (let i = 0; i < 2; i++) await new Promise((resolve) => setImmediate(resolve));
      release();
      await assert.rejects(rolledBack, /roll back/);
      await appended;
      const probe = await store.db.selectFrom('server_meta').selectAll().where('key', '=', 'rollback-probe').executeTakeFirst();
      assert.equal(probe, undefined, 'the other transaction was rolled back');
      const row = await store.db.selectFrom('audit_events').select('event_id').where('seq', '=', 41).executeTakeFirst();
      assert.equal(row?.event_id, 'evt-41');
      assert.equal((await verifyAuditChain(store.db, key)).ok, true);
      await store.db.deleteFrom('audit_resources').where('seq', '=', 41).execute();
      await store.db.deleteFrom('audit_events').where('seq', '=', 41).execute();
      await store.db.updateTable('audit_head').set({ seq: 40, hash: (await store.db.selectFrom('audit_events').select('hash').where('seq', '=', 40).executeTakeFirstOrThrow()).hash }).where('id', '=', 1).execute();
    });

    test('an untouched chain verifies', async () => {
      const result = await verifyAuditChain(store.db, key, { pageSize: 9 });
      assert.equal(result.ok, true, result.problem?.message);
      assert.equal(result.checked, 40);
    });

    test('a chain checked with another root key does not verify', async () => {
      const result = await verifyAuditChain(store.db, chainKey(fixtures.rootKey()));
      assert.equal(result.ok, false);
      assert.equal(result.problem?.seq, 1);
    });

    test('an edited record is reported as edited at its sequence number', async () => {
      const row = await store.db.selectFrom('audit_events').select('record').where('seq', '=', 17).executeTakeFirstOrThrow();
      await store.db.updateTable('audit_events').set({ record: row.record.replace('"n":17', '"n":71') }).where('seq', '=', 17).execute();
      const result = await verifyAuditChain(store.db, key, { pageSize: 9 });
      assert.equal(result.ok, false);
      assert.equal(result.problem?.kind, 'edited');
      assert.equal(result.problem?.seq, 17);
      assert.equal(result.problem?.eventId, 'evt-17');
      await store.db.updateTable('audit_events').set({ record: row.record }).where('seq', '=', 17).execute();
      assert.equal((await verifyAuditChain(store.db, key)).ok, true);
    });

    test('an edited index column is reported even though the record is intact', async () => {
      await store.db.updateTable('audit_events').set({ username: 'mallory' }).where('seq', '=', 5).execute();
      const result = await verifyAuditChain(store.db, key);
      assert.equal(result.problem?.kind, 'edited');
      assert.equal(result.problem?.seq, 5);
      assert.match(result.problem?.message ?? '', /username/);
      await store.db.updateTable('audit_events').set({ username: null }).where('seq', '=', 5).execute();
    });

    test('a deleted event is reported as deleted at its sequence number', async () => {
      const row = await store.db.selectFrom('audit_events').selectAll().where('seq', '=', 23).executeTakeFirstOrThrow();
      await store.db.deleteFrom('audit_events').where('seq', '=', 23).execute();
      const result = await verifyAuditChain(store.db, key);
      assert.equal(result.problem?.kind, 'deleted');
      assert.equal(result.problem?.seq, 23);
      await store.db.insertInto('audit_events').values(row).execute();
    });

    test('events deleted from the end are reported', async () => {
      const rows = await store.db.selectFrom('audit_events').selectAll().where('seq', '>', 38).execute();
      await store.db.deleteFrom('audit_events').where('seq', '>', 38).execute();
      const result = await verifyAuditChain(store.db, key);
      assert.equal(result.problem?.kind, 'deleted');
      assert.equal(result.problem?.seq, 39);
      await store.db.insertInto('audit_events').values(rows).execute();
    });

    test('an inserted event is reported as inserted', async () => {
      const forged = { ...(await store.db.selectFrom('audit_events').selectAll().where('seq', '=', 40).executeTakeFirstOrThrow()), seq: 41, event_id: 'evt-forged' };
      await store.db.insertInto('audit_events').values(forged).execute();
      const result = await verifyAuditChain(store.db, key);
      assert.equal(result.problem?.kind, 'inserted');
      assert.equal(result.problem?.seq, 41);
      await store.db.deleteFrom('audit_events').where('seq', '=', 41).execute();
      assert.equal((await verifyAuditChain(store.db, key)).ok, true);
    });

    test('an event replaced by a re-chained forgery without the key is reported', async () => {
      const row = await store.db.selectFrom('audit_events').selectAll().where('seq', '=', 12).executeTakeFirstOrThrow();
      const crypto = await import('node:crypto');
      const record = row.record.replace('"n":12', '"n":99');
      // A forger without the root key can only use a plain hash.
      const hash = crypto.createHash('sha256').update(`${row.prev_hash}\n12\n${record}`).digest('hex');
      await store.db.updateTable('audit_events').set({ record, hash }).where('seq', '=', 12).execute();
      const result = await verifyAuditChain(store.db, key);
      assert.equal(result.problem?.seq, 12);
      assert.equal(result.problem?.kind, 'edited');
      await store.db.updateTable('audit_events').set({ record: row.record, hash: row.hash }).where('seq', '=', 12).execute();
    });
  });

  describe(`audit batches on ${target.name}`, { skip: target.skip }, () => {
    const key = chainKey(fixtures.rootKey());
    test('a large batch of events with no, one or several resources stores each resource under its event and still verifies', async () => {
      const store = await target.open();
      try {
        const writer = new AuditWriter({ store, key });
        const head = Number((await store.db.selectFrom('audit_head').select('seq').executeTakeFirstOrThrow()).seq);
        // 150 events in one batch: multi-row inserts of every chunk size (SQLite), one statement (PostgreSQL).
        const entries = Array.from({ length: 150 }, (_, i) => {
          const base = entry(1000 + i);
          return { record: base.record, resources: Array.from({ length: i % 3 }, (_, j) => ({ type: 'AWS::SSM::Thing', name: `batch-${i}-${j}` })) };
        });
        await Promise.all(entries.map((e) => writer.append(e)));
        const resources = await store.db.selectFrom('audit_resources').select(['seq', 'resource_name']).where('resource_name', 'like', 'batch-%').orderBy('seq').orderBy('resource_name').execute();
        const expected = entries.flatMap((e, i) => e.resources.map((r) => ({ seq: head + i + 1, resource_name: r.name })));
        assert.deepEqual(resources.map((r) => ({ seq: Number(r.seq), resource_name: r.resource_name })), expected);
        const events = await store.db.selectFrom('audit_events').select(['seq', 'event_name']).where('seq', '>', head).orderBy('seq').execute();
        assert.deepEqual(events.map((e) => e.event_name), entries.map((e) => e.record.eventName));
        assert.equal((await verifyAuditChain(store.db, key)).ok, true);
      } finally {
        await store.destroy();
      }
    });
  });
}

for (const target of storeTargets) {
  describe(`two audit writers on one ${target.name} store`, { skip: target.skip }, () => {
    let store: TestStore;
    const key = chainKey(fixtures.rootKey());
    before(async () => { store = await target.open(); });
    after(async () => { await store?.destroy(); });

    test('writers taking turns and writing at once keep one unbroken chain (a writer whose expected head moved starts again from the real one)', async () => {
      // PostgreSQL: the appends on a predicted head run prepared, so the head check is also tested prepared.
      const offered: string[] = [];
      const prepare = store.dialect.prepare?.bind(store.dialect);
      if (prepare) (store.dialect as { prepare?: (text: string) => boolean }).prepare = (text) => { offered.push(text); return prepare(text); };
      const a = new AuditWriter({ store, key, maxBatch: 5 });
      const b = new AuditWriter({ store, key, maxBatch: 3 });
      let n = 0;
      for (let round = 0; round < 6; round++) {
        // In turns: each writer's head is stale after the other's batch.
        await Promise.all(Array.from({ length: 4 }, () => a.append(entry(++n))));
        await Promise.all(Array.from({ length: 4 }, () => b.append(entry(++n))));
        // At once: batches of both in flight together.
        await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? a : b).append(entry(++n))));
      }
      const rows = await store.db.selectFrom('audit_events').select(['seq', 'event_id']).orderBy('seq').execute();
      assert.deepEqual(rows.map((r) => Number(r.seq)), Array.from({ length: n }, (_, i) => i + 1));
      assert.equal(new Set(rows.map((r) => r.event_id)).size, n, 'every event once');
      const result = await verifyAuditChain(store.db, key);
      assert.equal(result.ok, true, result.problem?.message);
      assert.equal(result.checked, n);
      if (target.name === 'postgres') assert.ok(offered.some((text) => text.startsWith('with events as (insert into audit_events')), 'the append text was offered for preparing');
    });
  });
}

describe('prepared statements on PostgreSQL', { skip: storeTargets.find((t) => t.name === 'postgres')?.skip }, () => {
  let store: TestStore;
  before(async () => { store = await storeTargets.find((t) => t.name === 'postgres')!.open(); });
  after(async () => { await store?.destroy(); });

  test('an admitted text runs as a named statement on the connection that runs it; others stay unnamed; admission is bounded', async () => {
    const admitted = 'select $1::int + 1 as n';
    const other = 'select $1::int + 2 as n';
    assert.equal(store.dialect.prepare!(admitted), true);
    const prepared = await store.db.transaction().execute(async (tx) => {
      // Twice: the second run binds the statement the first one parsed.
      for (let i = 0; i < 2; i++) assert.deepEqual(await queryRows(tx, admitted.replace('$1', '?'), [i]), [{ n: i + 1 }]);
      assert.deepEqual(await queryRows(tx, other.replace('$1', '?'), [1]), [{ n: 3 }]);
      return (await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(tx)).rows.map((r) => r.statement);
    });
    assert.ok(prepared.includes(admitted), `prepared: ${JSON.stringify(prepared)}`);
    assert.ok(!prepared.includes(other));
    let admittedMore = 0;
    for (let i = 0; i < 100; i++) if (store.dialect.prepare!(`select ${i} as n`)) admittedMore++;
    assert.ok(admittedMore > 0 && admittedMore < 100, `admitted ${admittedMore} of 100`);
  });
});
