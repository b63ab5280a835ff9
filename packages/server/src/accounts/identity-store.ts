import type { Db } from '../store/store.ts';
import type { AccessKeysTable, UsersTable } from '../store/schema.ts';

/** Store queries for accounts, users and access keys. Callers pass ids and `now`. */

export class IdentityConflictError extends Error {}

export async function createAccount(db: Db, input: { accountId: string; now: number }): Promise<void> {
  const existing = await db.selectFrom('accounts').select('account_id').where('account_id', '=', input.accountId).executeTakeFirst();
  if (existing) throw new IdentityConflictError(`Account ${input.accountId} already exists`);
  await db.insertInto('accounts').values({ account_id: input.accountId, created_at: input.now }).execute();
}

export async function getAccount(db: Db, accountId: string): Promise<{ account_id: string; created_at: number } | undefined> {
  return db.selectFrom('accounts').selectAll().where('account_id', '=', accountId).executeTakeFirst();
}

export async function listAccounts(db: Db): Promise<{ account_id: string; created_at: number }[]> {
  return db.selectFrom('accounts').selectAll().orderBy('created_at').execute();
}

export async function createUser(db: Db, input: { accountId: string; userName: string; userId: string; now: number; path?: string }): Promise<UsersTable> {
  return db.transaction().execute(async (tx) => {
    const account = await tx.selectFrom('accounts').select('account_id').where('account_id', '=', input.accountId).executeTakeFirst();
    if (!account) throw new IdentityConflictError(`Account ${input.accountId} does not exist`);
    const existing = await tx.selectFrom('users').select('user_name').where('account_id', '=', input.accountId).where('user_name', '=', input.userName).executeTakeFirst();
    if (existing) throw new IdentityConflictError(`User ${input.userName} already exists in account ${input.accountId}`);
    const row: UsersTable = { account_id: input.accountId, user_name: input.userName, user_id: input.userId, path: input.path ?? '/', created_at: input.now };
    await tx.insertInto('users').values(row).execute();
    return row;
  });
}

export async function getUser(db: Db, accountId: string, userName: string): Promise<UsersTable | undefined> {
  return db.selectFrom('users').selectAll().where('account_id', '=', accountId).where('user_name', '=', userName).executeTakeFirst();
}

/** AWS allows at most two access keys per user. */
export const MAX_ACCESS_KEYS_PER_USER = 2;

export async function createAccessKey(db: Db, input: { accountId: string; userName: string; accessKeyId: string; secretSealed: string; now: number }): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const user = await tx.selectFrom('users').select('user_name').where('account_id', '=', input.accountId).where('user_name', '=', input.userName).executeTakeFirst();
    if (!user) throw new IdentityConflictError(`User ${input.userName} does not exist in account ${input.accountId}`);
    const count = await tx.selectFrom('access_keys').select((eb) => eb.fn.countAll<number>().as('n')).where('account_id', '=', input.accountId).where('user_name', '=', input.userName).executeTakeFirstOrThrow();
    if (Number(count.n) >= MAX_ACCESS_KEYS_PER_USER) {
      throw new IdentityConflictError(`User ${input.userName} already has ${MAX_ACCESS_KEYS_PER_USER} access keys, the most AWS allows; delete one first`);
    }
    await tx.insertInto('access_keys').values({
      access_key_id: input.accessKeyId,
      account_id: input.accountId,
      user_name: input.userName,
      secret_sealed: input.secretSealed,
      status: 'Active',
      created_at: input.now,
      last_used_at: null,
    }).execute();
  });
}

export interface AccessKeyWithUser {
  readonly key: AccessKeysTable;
  readonly user: UsersTable;
}

export async function findAccessKey(db: Db, accessKeyId: string): Promise<AccessKeyWithUser | undefined> {
  const row = await db
    .selectFrom('access_keys')
    .innerJoin('users', (join) => join.onRef('users.account_id', '=', 'access_keys.account_id').onRef('users.user_name', '=', 'access_keys.user_name'))
    .select([
      'access_keys.access_key_id', 'access_keys.account_id', 'access_keys.user_name', 'access_keys.secret_sealed',
      'access_keys.status', 'access_keys.created_at', 'access_keys.last_used_at',
      'users.user_id', 'users.path', 'users.created_at as user_created_at',
    ])
    .where('access_keys.access_key_id', '=', accessKeyId)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    key: {
      access_key_id: row.access_key_id, account_id: row.account_id, user_name: row.user_name, secret_sealed: row.secret_sealed,
      status: row.status, created_at: row.created_at, last_used_at: row.last_used_at,
    },
    user: { account_id: row.account_id, user_name: row.user_name, user_id: row.user_id, path: row.path, created_at: row.user_created_at },
  };
}
