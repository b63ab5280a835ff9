import { seal, unseal, type RootKey } from '../crypto/root-key.ts';
import type { Store } from '../store/store.ts';
import { createAccessKey, createAccount, createUser, getUser } from './identity-store.ts';
import { newAccessKeyId, newAccountId, newSecretAccessKey, newUserId } from './ids.ts';
import { accessKeySealContext } from './key-ring.ts';
import { attachPolicy } from '../iam/iam-store.ts';
import { AdministratorAccess } from '../iam/policy/builtin.ts';

/** Administration done on the store directly (bosun admin, bosun dev), not through the API. */

export interface NewAccessKey {
  readonly accountId: string;
  readonly userName: string;
  readonly accessKeyId: string;
  /** Shown once to the operator; the store keeps it sealed under the root key. */
  readonly secretAccessKey: string;
}

export async function adminCreateAccount(store: Store, input: { accountId?: string; now: number }): Promise<string> {
  const accountId = input.accountId ?? newAccountId();
  await createAccount(store.db, { accountId, now: input.now });
  return accountId;
}

export async function adminCreateUser(store: Store, input: { accountId: string; userName: string; now: number }): Promise<void> {
  await createUser(store.db, { accountId: input.accountId, userName: input.userName, userId: newUserId(), now: input.now });
}

export async function adminCreateAccessKey(store: Store, rootKey: RootKey, input: { accountId: string; userName: string; now: number; accessKeyId?: string; secretAccessKey?: string }): Promise<NewAccessKey> {
  const accessKeyId = input.accessKeyId ?? newAccessKeyId();
  const secretAccessKey = input.secretAccessKey ?? newSecretAccessKey();
  await createAccessKey(store.db, {
    accountId: input.accountId,
    userName: input.userName,
    accessKeyId,
    secretSealed: seal(rootKey, secretAccessKey, accessKeySealContext(accessKeyId)),
    now: input.now,
  });
  return { accountId: input.accountId, userName: input.userName, accessKeyId, secretAccessKey };
}

/** Attaches AWS's AdministratorAccess (Allow * on *) to a user: an account's administrator. */
export async function adminGrantAdministrator(store: Store, input: { accountId: string; userName: string; now: number }): Promise<void> {
  await attachPolicy(store.db, { accountId: input.accountId, entityType: 'user', entityName: input.userName, policyArn: AdministratorAccess.arn, now: input.now });
}

/** An account with an `admin` user (holding AdministratorAccess) and one access key: what `bosun dev` makes on first start. */
export async function adminBootstrap(store: Store, rootKey: RootKey, input: { accountId?: string; userName?: string; now: number }): Promise<NewAccessKey> {
  const accountId = await adminCreateAccount(store, input);
  const userName = input.userName ?? 'admin';
  await adminCreateUser(store, { accountId, userName, now: input.now });
  await adminGrantAdministrator(store, { accountId, userName, now: input.now });
  return adminCreateAccessKey(store, rootKey, { accountId, userName, now: input.now });
}

export async function userExists(store: Store, accountId: string, userName: string): Promise<boolean> {
  return (await getUser(store.db, accountId, userName)) !== undefined;
}

const ROOT_KEY_CHECK = 'root_key_check';

/**
 * Makes sure the store and the root key belong together: the first start records a
 * value sealed under the key, later starts must open it. A wrong key file is refused
 * at start instead of failing every signed call later.
 */
export async function checkRootKey(store: Store, rootKey: RootKey): Promise<void> {
  const row = await store.db.selectFrom('server_meta').select('value').where('key', '=', ROOT_KEY_CHECK).executeTakeFirst();
  if (!row) {
    await store.db.insertInto('server_meta').values({ key: ROOT_KEY_CHECK, value: seal(rootKey, 'bosun', ROOT_KEY_CHECK) })
      .onConflict((oc) => oc.column('key').doNothing()).execute();
    return checkRootKey(store, rootKey);
  }
  try {
    unseal(rootKey, row.value, ROOT_KEY_CHECK);
  } catch {
    throw new Error(`The root key from ${rootKey.source} is not the key this store (${store.dialect.location}) was created with. Start with the original key file (--root-key-file) or BOSUN_ROOT_KEY.`);
  }
}
