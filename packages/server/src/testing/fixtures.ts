import crypto from 'node:crypto';
import { rootKeyFromBase64, type RootKey } from '../crypto/root-key.ts';
import { adminBootstrap, type NewAccessKey } from '../accounts/admin.ts';
import type { Store } from '../store/store.ts';

/** Small factories for tests. */
export const fixtures = {
  rootKey(): RootKey {
    return rootKeyFromBase64(crypto.randomBytes(32).toString('base64'), 'test');
  },
  /** An account with an admin user and an access key. */
  async account(store: Store, rootKey: RootKey, options: { accountId?: string; now?: number } = {}): Promise<NewAccessKey> {
    return adminBootstrap(store, rootKey, { accountId: options.accountId, now: options.now ?? Date.now() });
  },
};
