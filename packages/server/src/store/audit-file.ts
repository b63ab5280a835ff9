import { sql, type Kysely } from 'kysely';
import type { EmbeddedSql } from './dialects/dialect.ts';
import type { Database } from './schema.ts';

/**
 * SQLite keeps the audit trail in a file of its own (`bosun-audit.db`), attached to the main
 * connection as schema `audit`. Every API call appends to it, so it takes nearly all the writes:
 * in a file of its own they leave the main file's WAL, checkpoints and page cache to the data,
 * and the audit tables are laid out for appending (see AUDIT_FILE_SCHEMA). Measured on
 * GetParameter: about 10% less server CPU a call than the tables of migration 0001 in the main file.
 *
 * Queries name the tables without a schema (`audit_events`): SQLite looks in `main`, then in
 * the attached files, so once the tables are gone from `main` the same SQL reads the audit file.
 *
 * The migrations (shared with PostgreSQL) create the audit tables in `main`; this runs after
 * them at every open and moves the tables, with their rows, into the audit file in one
 * transaction. A store of an earlier layout keeps its chain: rows are copied as they are.
 */
export async function moveAuditTablesToAuditFile(db: Kysely<Database>): Promise<void> {
  const tablesIn = async (schema: 'main' | 'audit') => {
    const rows = await sql<{ name: string }>`select name from ${sql.raw(schema)}.sqlite_master where type = 'table' and name in ('audit_events', 'audit_resources', 'audit_head', 'audit_resource_names', 'audit_resource_fold')`.execute(db);
    return rows.rows.map((r) => r.name);
  };
  const inMain = await tablesIn('main');
  const inAuditFile = await tablesIn('audit');
  if (inMain.length === 0) {
    const core = ['audit_events', 'audit_resources', 'audit_head'];
    if (!core.every((t) => inAuditFile.includes(t))) {
      throw new Error(`The audit file beside the SQLite file is missing or incomplete (it holds ${inAuditFile.length ? inAuditFile.join(', ') : 'no audit table'}): restore bosun-audit.db from the backup taken with bosun.db`);
    }
    if (inAuditFile.length < 5) {
      // An audit file from before the folded resource-name index: index what it holds.
      await db.transaction().execute(async (tx) => {
        for (const statement of RESOURCE_NAME_SCHEMA) await sql.raw(statement).execute(tx);
        await sql.raw('drop index if exists audit.audit_resources_name').execute(tx);
        await foldEverything(tx, 'audit');
      });
    }
    return;
  }
  if (inAuditFile.length > 0) {
    throw new Error('Both the main SQLite file and the audit file hold audit tables: keep the audit file of this store, or move it away to rebuild it from the main file');
  }
  await db.transaction().execute(async (tx) => {
    for (const statement of [...AUDIT_FILE_SCHEMA, ...RESOURCE_NAME_SCHEMA]) await sql.raw(statement).execute(tx);
    for (const table of ['audit_events', 'audit_resources', 'audit_head']) {
      await sql.raw(`insert into audit.${table} select * from main.${table}`).execute(tx);
    }
    await foldEverything(tx, 'main');
    for (const table of ['audit_resources', 'audit_events', 'audit_head']) await sql.raw(`drop table main.${table}`).execute(tx);
  });
}

/**
 * The audit tables in the audit file: the columns of migration 0001, in the same order (rows
 * are copied with `select *`), except that `seq` is an INTEGER PRIMARY KEY, SQLite's row id,
 * which saves one b-tree per event written; and audit_resources has no index by name (below).
 */
const AUDIT_FILE_SCHEMA = [
  `create table audit.audit_events (seq integer primary key, event_id text not null unique, event_time bigint not null, account_id text, event_source text not null, event_name text not null, read_only integer not null, username text, access_key_id text, error_code text, record text not null, prev_hash text not null, hash text not null)`,
  `create index audit.audit_events_account_time on audit_events (account_id, event_time)`,
  `create index audit.audit_events_account_name on audit_events (account_id, event_name, seq)`,
  `create index audit.audit_events_account_user on audit_events (account_id, username, seq)`,
  `create table audit.audit_resources (seq bigint not null, resource_type text not null, resource_name text not null)`,
  `create index audit.audit_resources_seq on audit_resources (seq)`,
  `create table audit.audit_head (id integer primary key, seq bigint not null, hash text not null)`,
];

/**
 * The index of resources by name, folded. Indexed as they are written, the calls of a fleet
 * reading many parameters put each event's name at another place of the index, and every
 * commit rewrote one index page per event (in a raw insert test, the audit insert went from 11
 * to 22 µs an event over 100 names). Instead, audit_resources is only appended to, and
 * `foldResourceNames` copies its names into audit_resource_names in name order, a few thousand
 * events at a time, so that each page of the index is written once per fold. LookupEvents by
 * ResourceName reads the folded index and the short tail after audit_resource_fold.seq.
 */
const RESOURCE_NAME_SCHEMA = [
  `create table audit.audit_resource_names (resource_name text not null, seq bigint not null, primary key (resource_name, seq)) without rowid`,
  `create table audit.audit_resource_fold (id integer primary key, seq bigint not null)`,
];

/** Indexes the names of every resource in `from` (the tables just copied, or an older audit file) and sets the fold point after them. */
async function foldEverything(tx: Kysely<Database>, from: 'main' | 'audit'): Promise<void> {
  await sql.raw(`insert or ignore into audit.audit_resource_names (resource_name, seq) select resource_name, seq from ${from}.audit_resources order by resource_name, seq`).execute(tx);
  await sql.raw(`insert into audit.audit_resource_fold (id, seq) select 1, seq from ${from}.audit_head where id = 1`).execute(tx);
}

/** Events gathered before their resource names are folded into the index. */
export const RESOURCE_FOLD_EVERY = 2048;

/**
 * Folds the names of the events after the last fold, up to `upTo`, into audit_resource_names
 * (inside the caller's transaction on the audit file). Returns the new fold point.
 */
export function foldResourceNames(q: EmbeddedSql, upTo: number): number {
  const from = q.get<{ seq: number }>('select seq from audit_resource_fold where id = 1', [])?.seq ?? 0;
  if (upTo <= from) return from;
  q.run('insert or ignore into audit_resource_names (resource_name, seq) select resource_name, seq from audit_resources where seq > ? and seq <= ? order by resource_name, seq', [from, upTo]);
  q.run('update audit_resource_fold set seq = ? where id = 1', [upTo]);
  return upTo;
}
