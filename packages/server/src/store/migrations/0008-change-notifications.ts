import { PostgresAdapter, sql, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * PostgreSQL: a commit that changes parameter_versions notifies channel `bosun_changes` with
 * `schema:table`, so that every replica (store/dialects/postgres.ts) ends its cached parameter
 * reads a moment after another one writes. One notification per statement, sent at commit
 * (PostgreSQL folds identical ones of a transaction into one). SQLite needs none: its
 * connection sees other processes' commits through data_version.
 */
export async function up(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`create or replace function bosun_notify_change() returns trigger language plpgsql as $$
begin
  perform pg_notify('bosun_changes', tg_table_schema || ':' || tg_table_name);
  return null;
end
$$`.execute(db);
  await sql`create trigger parameter_versions_changed after insert or update or delete or truncate on parameter_versions
for each statement execute function bosun_notify_change()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`drop trigger if exists parameter_versions_changed on parameter_versions`.execute(db);
  await sql`drop function if exists bosun_notify_change()`.execute(db);
}
