import type { Scope } from '@bosun/protocol';
import { sql } from 'kysely';
import type { Db } from '../store/store.ts';
import type { ServiceSettingsTable } from '../store/schema.ts';

/**
 * Store queries for service settings, which are regional as on AWS (0010-regions). A missing
 * row means the setting has its default.
 */

export async function getSettingRow(db: Db, scope: Scope, settingId: string): Promise<ServiceSettingsTable | undefined> {
  return db.selectFrom('service_settings').selectAll()
    .where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('setting_id', '=', settingId).executeTakeFirst();
}

/**
 * A setting's row (undefined while the setting has its default) and the creation time of its
 * account (the date a default reports), in one query; undefined when the account does not exist.
 */
export async function getSettingAndAccount(db: Db, scope: Scope, settingId: string): Promise<{ row: ServiceSettingsTable | undefined; accountCreatedAt: number } | undefined> {
  // Written out rather than built: this is GetServiceSetting's only query, and building and
  // compiling it with the query builder cost more than running it.
  const { rows } = await sql<{ created_at: number; setting_value: string | null; last_modified_at: number | null; last_modified_user: string | null }>`
    select a.created_at, s.setting_value, s.last_modified_at, s.last_modified_user
    from accounts a left join service_settings s on s.account_id = a.account_id and s.region = ${scope.region} and s.setting_id = ${settingId}
    where a.account_id = ${scope.accountId}`.execute(db);
  const found = rows[0];
  if (!found) return undefined;
  const { created_at, setting_value, last_modified_at, last_modified_user } = found;
  const row = setting_value === null || last_modified_at === null || last_modified_user === null
    ? undefined
    : { account_id: scope.accountId, region: scope.region, setting_id: settingId, setting_value, last_modified_at: Number(last_modified_at), last_modified_user };
  return { row, accountCreatedAt: Number(created_at) };
}

export async function putSettingRow(db: Db, row: ServiceSettingsTable): Promise<void> {
  await db
    .insertInto('service_settings')
    .values(row)
    .onConflict((oc) => oc.columns(['account_id', 'region', 'setting_id']).doUpdateSet({
      setting_value: row.setting_value,
      last_modified_at: row.last_modified_at,
      last_modified_user: row.last_modified_user,
    }))
    .execute();
}

export async function deleteSettingRow(db: Db, scope: Scope, settingId: string): Promise<void> {
  await db.deleteFrom('service_settings')
    .where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('setting_id', '=', settingId).execute();
}
