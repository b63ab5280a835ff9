import { sql, type Kysely } from 'kysely';
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
    const rows = await sql<{ name: string }>`select name from ${sql.raw(schema)}.sqlite_master where type = 'table' and name in ('audit_events', 'audit_resources', 'audit_head')`.execute(db);
    return rows.rows.map((r) => r.name);
  };
  const inMain = await tablesIn('main');
  const inAuditFile = await tablesIn('audit');
  if (inMain.length === 0) {
    if (inAuditFile.length === 3) return;
    throw new Error(`The audit file beside the SQLite file is missing or incomplete (it holds ${inAuditFile.length ? inAuditFile.join(', ') : 'no audit table'}): restore bosun-audit.db from the backup taken with bosun.db`);
  }
  if (inAuditFile.length > 0) {
    throw new Error('Both the main SQLite file and the audit file hold audit tables: keep the audit file of this store, or move it away to rebuild it from the main file');
  }
  await db.transaction().execute(async (tx) => {
    for (const statement of AUDIT_FILE_SCHEMA) await sql.raw(statement).execute(tx);
    for (const table of ['audit_events', 'audit_resources', 'audit_head']) {
      await sql.raw(`insert into audit.${table} select * from main.${table}`).execute(tx);
    }
    for (const table of ['audit_resources', 'audit_events', 'audit_head']) await sql.raw(`drop table main.${table}`).execute(tx);
  });
}

/**
 * The audit tables in the audit file: the columns of migration 0001, in the same order (rows
 * are copied with `select *`), except that `seq` is an INTEGER PRIMARY KEY, SQLite's row id,
 * which saves one b-tree per event written.
 */
const AUDIT_FILE_SCHEMA = [
  `create table audit.audit_events (seq integer primary key, event_id text not null unique, event_time bigint not null, account_id text, event_source text not null, event_name text not null, read_only integer not null, username text, access_key_id text, error_code text, record text not null, prev_hash text not null, hash text not null)`,
  `create index audit.audit_events_account_time on audit_events (account_id, event_time)`,
  `create index audit.audit_events_account_name on audit_events (account_id, event_name, seq)`,
  `create index audit.audit_events_account_user on audit_events (account_id, username, seq)`,
  `create table audit.audit_resources (seq bigint not null, resource_type text not null, resource_name text not null)`,
  `create index audit.audit_resources_name on audit_resources (resource_name, seq)`,
  `create index audit.audit_resources_seq on audit_resources (seq)`,
  `create table audit.audit_head (id integer primary key, seq bigint not null, hash text not null)`,
];
