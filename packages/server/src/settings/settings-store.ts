import type { Db } from '../store/store.ts';
import type { ServiceSettingsTable } from '../store/schema.ts';

/** Store queries for service settings. A missing row means the setting has its default. */

export async function getSettingRow(db: Db, accountId: string, settingId: string): Promise<ServiceSettingsTable | undefined> {
  return db.selectFrom('service_settings').selectAll().where('account_id', '=', accountId).where('setting_id', '=', settingId).executeTakeFirst();
}

export async function putSettingRow(db: Db, row: ServiceSettingsTable): Promise<void> {
  await db
    .insertInto('service_settings')
    .values(row)
    .onConflict((oc) => oc.columns(['account_id', 'setting_id']).doUpdateSet({
      setting_value: row.setting_value,
      last_modified_at: row.last_modified_at,
      last_modified_user: row.last_modified_user,
    }))
    .execute();
}

export async function deleteSettingRow(db: Db, accountId: string, settingId: string): Promise<void> {
  await db.deleteFrom('service_settings').where('account_id', '=', accountId).where('setting_id', '=', settingId).execute();
}
