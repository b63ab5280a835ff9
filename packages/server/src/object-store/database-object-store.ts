import type { Db } from '../store/store.ts';
import { checkObjectKey, type ObjectStore } from './object-store.ts';

/** Objects as rows of `stored_objects`: for PostgreSQL deployments, where replicas share no disk. */
export function databaseObjectStore(db: Db, now: () => number): ObjectStore {
  return {
    async put(key, data) {
      const object_key = checkObjectKey(key);
      await db.insertInto('stored_objects').values({ object_key, data, created_at: now() })
        .onConflict((oc) => oc.column('object_key').doUpdateSet({ data })).execute();
    },
    async get(key) {
      return (await db.selectFrom('stored_objects').select('data').where('object_key', '=', checkObjectKey(key)).executeTakeFirst())?.data;
    },
  };
}
