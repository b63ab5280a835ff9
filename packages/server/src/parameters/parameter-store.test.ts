import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import type { Scope } from '@bosun/protocol';
import { sqliteFile } from '../store/store.ts';
import { fixtures } from '../testing/fixtures.ts';
import { openPostgresTestStore, openSqliteTestStore, postgresUrl, storeTargets, type TestStore } from '../testing/stores.ts';
import { skipUnless } from '../testing/requirements.ts';
import { deleteParameter, getCurrent, getTags, getVersions, listCurrent, listDeleted, putVersion, restoreDeleted, setLabels, setTags, type VersionRow } from './parameter-store.ts';

const T0 = Date.UTC(2026, 10, 26, 6, 0, 0);

const row = (scope: Scope, name: string, version: number, value: string): VersionRow => fixtures.parameterVersion(scope, name, { version, value, at: T0 + version });

/** Polls `read` until `done` holds, or fails after `deadlineMs`. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, deadlineMs = 2_000): Promise<T> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > until) assert.fail(`condition not met within ${deadlineMs} ms; last value ${JSON.stringify(value)}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

for (const target of storeTargets) {
  describe(`parameter reads on ${target.name}`, { skip: target.skip }, () => {
    let store: TestStore;
    let scope: Scope;
    before(async () => {
      store = await target.open();
      scope = { accountId: (await fixtures.account(store, fixtures.rootKey(), { now: T0 })).accountId, region: 'us-east-1' };
    });
    after(async () => {
      await store?.destroy();
    });

    test('the current version read (cached on SQLite) is the row the database holds', async () => {
      await putVersion(store.db, row(scope, '/r/a', 1, 'one'), {});
      const fromStore = await store.db.selectFrom('parameter_versions').selectAll().where('name', '=', '/r/a').executeTakeFirstOrThrow();
      assert.deepEqual(await getCurrent(store.db, scope, '/r/a'), fromStore);
      assert.deepEqual(await getCurrent(store.db, scope, '/r/a'), fromStore);
      assert.equal(await getCurrent(store.db, scope, '/r/none'), undefined);
    });

    test('a new version written in this process is read at once', async () => {
      await putVersion(store.db, row(scope, '/r/b', 1, 'one'), {});
      assert.equal((await getCurrent(store.db, scope, '/r/b'))?.value, 'one');
      assert.equal((await listCurrent(store.db, scope, { parent: '/r', limit: 10 })).find((r) => r.name === '/r/b')?.value, 'one');
      await putVersion(store.db, row(scope, '/r/b', 2, 'two'), { previous: 1 });
      assert.equal((await getCurrent(store.db, scope, '/r/b'))?.value, 'two');
      assert.equal((await listCurrent(store.db, scope, { parent: '/r', limit: 10 })).find((r) => r.name === '/r/b')?.value, 'two');
    });

    test('a write to parameter_versions by any query of this process is read at once', async () => {
      await putVersion(store.db, row(scope, '/r/c', 1, 'one'), {});
      assert.equal((await getCurrent(store.db, scope, '/r/c'))?.value, 'one');
      await store.db.updateTable('parameter_versions').set({ value: 'changed' }).where('name', '=', '/r/c').execute();
      assert.equal((await getCurrent(store.db, scope, '/r/c'))?.value, 'changed');
    });

    test('a read while a write transaction is open never sees its uncommitted state', async () => {
      await putVersion(store.db, row(scope, '/r/d', 1, 'one'), {});
      assert.equal((await getCurrent(store.db, scope, '/r/d'))?.value, 'one');
      let inside!: () => void;
      const opened = new Promise<void>((resolve) => (inside = resolve));
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const writing = store.db.transaction().execute(async (tx) => {
        // Between these two statements the parameter has no current version.
        await tx.updateTable('parameter_versions').set({ is_current: 0 }).where('name', '=', '/r/d').execute();
        inside();
        await held;
        await tx.insertInto('parameter_versions').values(row(scope, '/r/d', 2, 'two')).execute();
      });
      await opened;
      const reading = getCurrent(store.db, scope, '/r/d');
      release();
      const [read] = await Promise.all([reading, writing]);
      // SQLite waits for the transaction (one connection) and reads version 2; PostgreSQL reads the committed version 1.
      assert.ok(read, 'a current version is always there');
      assert.ok(['one', 'two'].includes(read.value));
      assert.equal((await getCurrent(store.db, scope, '/r/d'))?.value, 'two');
    });

  });
}

for (const target of storeTargets) {
  describe(`parameters are kept per account and region on ${target.name}`, { skip: target.skip }, () => {
    let store: TestStore;
    let east: Scope;
    let west: Scope;
    before(async () => {
      store = await target.open();
      const accountId = (await fixtures.account(store, fixtures.rootKey(), { now: T0 })).accountId;
      east = { accountId, region: 'us-east-1' };
      west = { accountId, region: 'eu-west-1' };
    });
    after(async () => {
      await store?.destroy();
    });

    test('a parameter put in one region is not read, listed or found by version in another', async () => {
      await putVersion(store.db, row(west, '/iso/a', 1, 'west'), { tags: '[]' });
      assert.equal((await getCurrent(store.db, west, '/iso/a'))?.value, 'west');
      assert.equal(await getCurrent(store.db, east, '/iso/a'), undefined);
      assert.deepEqual(await listCurrent(store.db, east, { parent: '/iso', limit: 10 }), []);
      assert.deepEqual(await listCurrent(store.db, east, { prefix: '/', limit: 10 }), []);
      assert.deepEqual((await listCurrent(store.db, west, { parent: '/iso', limit: 10 })).map((r) => r.name), ['/iso/a']);
      assert.deepEqual(await getVersions(store.db, east, '/iso/a'), []);
      assert.equal((await getVersions(store.db, west, '/iso/a')).length, 1);
    });

    test('the same name is created in two regions, each with its own versions, labels and tags', async () => {
      await putVersion(store.db, row(west, '/iso/b', 1, 'west-1'), { tags: '[{"Key":"r","Value":"west"}]' });
      await putVersion(store.db, row(east, '/iso/b', 1, 'east-1'), { tags: '[{"Key":"r","Value":"east"}]' });
      await putVersion(store.db, row(east, '/iso/b', 2, 'east-2'), { previous: 1 });
      assert.equal((await getCurrent(store.db, west, '/iso/b'))?.value, 'west-1');
      assert.equal((await getCurrent(store.db, east, '/iso/b'))?.value, 'east-2');
      assert.deepEqual((await getVersions(store.db, west, '/iso/b')).map((v) => [v.version, v.region]), [[1, 'eu-west-1']]);

      await setLabels(store.db, east, '/iso/b', [{ version: 1, labels: ['prod'] }]);
      assert.deepEqual(JSON.parse((await getVersions(store.db, west, '/iso/b'))[0].labels), []);
      assert.deepEqual(JSON.parse((await getVersions(store.db, east, '/iso/b'))[0].labels), ['prod']);

      await setTags(store.db, east, '/iso/b', '[{"Key":"r","Value":"east-changed"}]');
      assert.equal((await getTags(store.db, west, ['/iso/b'])).get('/iso/b'), '[{"Key":"r","Value":"west"}]');
      assert.equal((await getTags(store.db, east, ['/iso/b'])).get('/iso/b'), '[{"Key":"r","Value":"east-changed"}]');
      assert.equal((await getTags(store.db, { ...east, region: 'ap-south-1' }, ['/iso/b'])).size, 0);
    });

    test('deleting in one region leaves the other region\'s parameter, and the deletion is restored where it was made', async () => {
      await putVersion(store.db, row(west, '/iso/c', 1, 'west'), { tags: '[]' });
      await putVersion(store.db, row(east, '/iso/c', 1, 'east'), { tags: '[]' });
      assert.equal(await deleteParameter(store.db, east, '/iso/none', { id: 'd-none', at: T0, by: 'me' }), false);
      assert.equal(await deleteParameter(store.db, east, '/iso/c', { id: 'd-east', at: T0 + 10, by: 'me' }), true);
      assert.equal(await getCurrent(store.db, east, '/iso/c'), undefined);
      assert.equal((await getCurrent(store.db, west, '/iso/c'))?.value, 'west');
      assert.deepEqual(await listDeleted(store.db, west, '/iso/c'), []);
      const [deleted] = await listDeleted(store.db, east, '/iso/c');
      assert.equal(deleted.region, 'us-east-1');
      await restoreDeleted(store.db, deleted, T0 + 20);
      assert.equal((await getCurrent(store.db, east, '/iso/c'))?.value, 'east');
      assert.equal((await getCurrent(store.db, west, '/iso/c'))?.value, 'west');
    });
  });
}

describe('parameter reads on SQLite: what only an embedded store has', () => {
  let store: TestStore;
  let scope: Scope;
  before(async () => {
    store = await openSqliteTestStore();
    scope = { accountId: (await fixtures.account(store, fixtures.rootKey(), { now: T0 })).accountId, region: 'us-east-1' };
  });
  after(async () => {
    await store?.destroy();
  });

  test('a commit by another process on the same SQLite file is read within moments', async () => {
    await putVersion(store.db, row(scope, '/r/e', 1, 'one'), {});
    assert.equal((await getCurrent(store.db, scope, '/r/e'))?.value, 'one');
    const other = new BetterSqlite3(sqliteFile(store.location.dataDir!));
    try {
      other.prepare("update parameter_versions set value = 'from-elsewhere' where name = '/r/e'").run();
    } finally {
      other.close();
    }
    await eventually(() => getCurrent(store.db, scope, '/r/e'), (r) => r?.value === 'from-elsewhere');
  });

  test('audit writes do not end cached parameter reads; a write of unknown table does', async () => {
    const embedded = store.dialect.embedded!;
    const stamp = () => embedded.changeStamp(['parameter_versions']);
    const before = stamp();
    embedded.transaction((q) => q.run('insert into audit_resources (seq, resource_type, resource_name) values (?, ?, ?)', [0, 't', 'n']));
    await store.db.insertInto('audit_resources').values({ seq: 0, resource_type: 't', resource_name: 'n' }).execute();
    assert.equal(stamp(), before);
    await store.db.updateTable('parameter_tags').set({ tags: '[]' }).where('name', '=', '/none').execute();
    assert.equal(stamp(), before);
    embedded.transaction((q) => q.run("with t as (select 1) update parameter_versions set value = value where name = '/none'", []));
    assert.notEqual(stamp(), before);
  });
});

describe('parameter reads on PostgreSQL: the cache and what ends it', { skip: skipUnless(postgresUrl !== undefined, 'BOSUN_TEST_DATABASE_URL is not set') }, () => {
  let store: TestStore;
  let scope: Scope;
  /** Runs SQL on a connection of its own (another replica or tool, as far as the store knows). */
  const elsewhere = async (text: string, params: unknown[] = [], options: { quiet?: boolean } = {}) => {
    const client = new pg.Client({ connectionString: store.location.databaseUrl });
    await client.connect();
    try {
      // session_replication_role = replica: the triggers do not fire, so no notification is sent.
      if (options.quiet) await client.query('set session_replication_role = replica');
      await client.query(text, params);
    } finally {
      await client.end();
    }
  };
  const listener = async () => {
    const client = new pg.Client({ connectionString: store.location.databaseUrl });
    await client.connect();
    try {
      return (await client.query<{ pid: number }>("select pid from pg_stat_activity where query = 'listen bosun_changes' and datname = current_database()")).rows.map((r) => r.pid);
    } finally {
      await client.end();
    }
  };
  /**
   * Whether a read of `name` is answered from the cache right now: a write that sends no
   * notification, made between two reads, goes unseen by the second.
   */
  let quietWrites = 0;
  const unseenQuietWrite = async (name: string) => {
    const first = (await getCurrent(store.db, scope, name))?.value;
    await elsewhere('update parameter_versions set value = $1 where name = $2', [`quiet-${++quietWrites}`, name], { quiet: true });
    const second = (await getCurrent(store.db, scope, name))?.value;
    return { first, second, cached: first === second };
  };
  before(async () => {
    store = await openPostgresTestStore();
    scope = { accountId: (await fixtures.account(store, fixtures.rootKey(), { now: T0 })).accountId, region: 'us-east-1' };
  });
  after(async () => {
    await store?.destroy();
  });

  test('a read is answered from the cache: a write that sends no notification is not seen', async () => {
    await putVersion(store.db, row(scope, '/pg/a', 1, 'one'), {});
    // The notification of this process's own commit arrives a moment later and ends the cache once.
    const probe = await eventually(() => unseenQuietWrite('/pg/a'), (r) => r.cached);
    assert.notEqual(probe.first, undefined);
    const inDatabase = `quiet-${quietWrites}`;
    assert.equal((await listCurrent(store.db, scope, { parent: '/pg', limit: 10 })).find((r) => r.name === '/pg/a')?.value, inDatabase, 'a list not read before comes from the database');
    await elsewhere("update parameter_versions set value = 'announced' where name = '/pg/a'");
    await eventually(() => getCurrent(store.db, scope, '/pg/a'), (r) => r?.value === 'announced');
  });

  test("another replica's commit is read once its notification arrives", async () => {
    await putVersion(store.db, row(scope, '/pg/b', 1, 'one'), {});
    assert.equal((await getCurrent(store.db, scope, '/pg/b'))?.value, 'one');
    await elsewhere("update parameter_versions set value = 'from-elsewhere' where name = '/pg/b'");
    await eventually(() => getCurrent(store.db, scope, '/pg/b'), (r) => r?.value === 'from-elsewhere');
  });

  test('a write of this process is read at once, and only once its transaction has committed', async () => {
    await putVersion(store.db, row(scope, '/pg/c', 1, 'one'), {});
    assert.equal((await getCurrent(store.db, scope, '/pg/c'))?.value, 'one');
    await store.db.transaction().execute(async (tx) => {
      await tx.updateTable('parameter_versions').set({ value: 'two' }).where('name', '=', '/pg/c').execute();
      // Read (and possibly cached) outside the transaction, before it commits: the old row.
      assert.equal((await getCurrent(store.db, scope, '/pg/c'))?.value, 'one');
    });
    assert.equal((await getCurrent(store.db, scope, '/pg/c'))?.value, 'two', 'the commit ended the cached row at once');
  });

  test('while the listening connection is down nothing is cached, and caching resumes after it reconnects', async () => {
    await putVersion(store.db, row(scope, '/pg/d', 1, 'one'), {});
    await eventually(() => unseenQuietWrite('/pg/d'), (r) => r.cached);
    const pids = await listener();
    assert.ok(pids.length > 0, 'the store listens');
    await elsewhere('select pg_terminate_backend(pid) from unnest($1::int[]) as pid', [pids]);
    // While it is down (the store notices at once or within moments) every read goes to the database...
    await eventually(() => unseenQuietWrite('/pg/d'), (r) => !r.cached);
    // ...and once it is back, reads are cached again.
    await eventually(() => unseenQuietWrite('/pg/d'), (r) => r.cached, 5_000);
    assert.ok((await listener()).length > 0, 'the store listens again');
  });
});

describe('SQLite checkpoints on a worker thread', () => {
  test('the worker copies the WAL into the database file and the audit file, and closing removes both WALs', async () => {
    const store = await (await import('../store/store.ts')).openStore({ dataDir: fs.mkdtempSync('/tmp/bosun-checkpoint-'), backgroundCheckpoints: true });
    const file = store.dialect.location;
    const auditFile = store.dialect.auditFile!;
    try {
      const start = { main: fs.statSync(file).size, audit: fs.statSync(auditFile).size };
      const big = 'x'.repeat(2000);
      store.dialect.embedded!.transaction((q) => {
        for (let i = 0; i < 500; i++) {
          q.run('insert into audit_resources (seq, resource_type, resource_name) values (?, ?, ?)', [i, 't', big]);
          q.run('insert into server_meta (key, value) values (?, ?)', [`k${i}`, big]);
        }
      });
      // The main connection's own checkpoints wait for 100,000 pages: only the worker moves these.
      await eventually(async () => fs.statSync(file).size, (size) => size > start.main + 500 * 2000);
      await eventually(async () => fs.statSync(auditFile).size, (size) => size > start.audit + 500 * 2000);
    } finally {
      await store.close();
    }
    assert.equal(fs.existsSync(`${file}-wal`), false, 'the WAL is gone once the store is closed');
    assert.equal(fs.existsSync(`${auditFile}-wal`), false, 'the audit file\'s WAL is gone once the store is closed');
    fs.rmSync(file.slice(0, file.lastIndexOf('/')), { recursive: true, force: true });
  });
});
