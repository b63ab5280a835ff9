import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WriteCounter, writtenTables } from './write-counter.ts';

test('the tables a statement writes are read from its text', () => {
  assert.deepEqual(writtenTables('insert into "parameter_versions" ("a") values ($1)'), ['parameter_versions']);
  assert.deepEqual(writtenTables('INSERT OR IGNORE INTO audit_resources values (?)'), ['audit_resources']);
  assert.deepEqual(writtenTables('update "parameter_versions" set "value" = $1'), ['parameter_versions']);
  assert.deepEqual(writtenTables('delete from parameter_tags where name = ?'), ['parameter_tags']);
  assert.deepEqual(writtenTables('select * from parameter_versions where name = $1'), []);
  for (const control of ['begin', 'commit', 'rollback', 'savepoint a', 'pragma data_version', 'listen bosun_changes']) assert.deepEqual(writtenTables(control), []);
});

test('a with statement counts every table it inserts into, updates or deletes from, and none when it only reads', () => {
  const auditBatch = 'with "events" as (insert into "audit_events" ("seq") values ($1)), "resources" as (insert into "audit_resources" ("seq") values ($2)) update "audit_head" set "seq" = $3 where "id" = $4';
  assert.deepEqual(writtenTables(auditBatch), ['audit_events', 'audit_resources', 'audit_head']);
  assert.deepEqual(writtenTables("with t as (select 1) update parameter_versions set value = value where name = '/none'"), ['parameter_versions']);
  assert.deepEqual(writtenTables('with t as (select * from parameter_versions) select * from t'), []);
  // A column named like a keyword is not a table.
  assert.deepEqual(writtenTables('with t as (select updated_at from x) select * from t'), []);
});

test('a statement whose table is not recognised counts under *', () => {
  assert.deepEqual(writtenTables('create table x (a int)'), ['*']);
  const writes = new WriteCounter();
  writes.note('alter table parameter_versions add column z text');
  writes.note('insert into parameter_tags values (1)');
  assert.equal(writes.of('*'), 1);
  assert.equal(writes.of('parameter_tags'), 1);
  assert.equal(writes.of('parameter_versions'), 0);
});

test('writesTo counts the writes to the tables given and those of unknown table, and no others', () => {
  const writes = new WriteCounter();
  const before = writes.writesTo(['parameter_versions']);
  writes.note('insert into audit_events values (1)');
  assert.equal(writes.writesTo(['parameter_versions']), before);
  writes.note('update parameter_versions set value = 1');
  assert.equal(writes.writesTo(['parameter_versions']), before + 1);
  writes.note('create table x (a int)');
  assert.equal(writes.writesTo(['parameter_versions']), before + 2);
});
