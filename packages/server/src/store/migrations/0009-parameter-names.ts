import { sql, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * On AWS a top-level parameter name is one parameter with or without its leading slash (`foo`
 * and `/foo`). Stores written before this migration could hold both as two parameters. For each
 * such pair the most recently modified one stays the parameter (ties: the one with the slash);
 * the other is moved, every version, label and tag as it was, into deleted_parameters, so
 * `bosun params history NAME --deleted` lists it and `bosun params restore` brings it back once
 * the kept one is deleted. Then a unique index keeps it so: at most one current version per
 * account for the two forms of a name (a deeper name without its slash cannot be created).
 *
 * Self-contained on purpose (no store helpers): a migration must do the same thing forever.
 */
export const DELETED_BY = 'bosun:migration/0009-parameter-names';

export async function up(db: Kysely<any>): Promise<void> {
  const current: { account_id: string; name: string; last_modified_at: number | string }[] = await db.selectFrom('parameter_versions')
    .select(['account_id', 'name', 'last_modified_at']).where('is_current', '=', 1).where('name', 'not like', '%/%/%').execute();
  const byKey = new Map<string, typeof current>();
  for (const row of current) {
    const key = `${row.account_id}\0${row.name.replace(/^\/+/, '')}`;
    byKey.set(key, [...(byKey.get(key) ?? []), row]);
  }
  // A migration has no caller to pass `now`: the moved parameters are kept the retention period from today.
  const now = Date.now();
  for (const pair of byKey.values()) {
    if (pair.length < 2) continue;
    const [loser] = [...pair].sort((a, b) => Number(a.last_modified_at) - Number(b.last_modified_at) || (a.name.startsWith('/') ? 1 : -1));
    // PostgreSQL's migrations already run in a transaction (Kysely's transactional DDL), where
    // another cannot be opened; SQLite's do not, so each pair moves in one of its own.
    const atomically = (work: (tx: Kysely<any>) => Promise<void>) => (db.isTransaction ? work(db) : db.transaction().execute(work));
    await atomically(async (tx) => {
      const versions = await tx.selectFrom('parameter_versions').selectAll()
        .where('account_id', '=', loser.account_id).where('name', '=', loser.name).orderBy('version').execute();
      const tags = await tx.selectFrom('parameter_tags').select('tags').where('account_id', '=', loser.account_id).where('name', '=', loser.name).executeTakeFirst();
      await tx.insertInto('deleted_parameters').values({
        deletion_id: `0009-parameter-names:${loser.account_id}:${loser.name}`,
        account_id: loser.account_id, name: loser.name, deleted_at: now, deleted_by: DELETED_BY,
        versions: JSON.stringify(versions), tags: tags?.tags ?? '[]',
      }).execute();
      await tx.deleteFrom('parameter_versions').where('account_id', '=', loser.account_id).where('name', '=', loser.name).execute();
      await tx.deleteFrom('parameter_tags').where('account_id', '=', loser.account_id).where('name', '=', loser.name).execute();
    });
  }
  await sql`create unique index parameter_versions_one_name on parameter_versions (account_id, ltrim(name, '/')) where is_current = 1`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index parameter_versions_one_name`.execute(db);
}
