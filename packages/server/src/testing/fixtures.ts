import crypto from 'node:crypto';
import type { Scope } from '@bosun/protocol';
import { rootKeyFromBase64, type RootKey } from '../crypto/root-key.ts';
import { adminBootstrap, type NewAccessKey } from '../accounts/admin.ts';
import type { Principal, UserPrincipal } from '../accounts/principal.ts';
import type { CallContext } from '../api/operation.ts';
import type { Store } from '../store/store.ts';
import { parentPath } from '../parameters/names.ts';
import type { VersionRow } from '../parameters/parameter-store.ts';

/** Small factories for tests. */
export const fixtures = {
  rootKey(): RootKey {
    return rootKeyFromBase64(crypto.randomBytes(32).toString('base64'), 'test');
  },
  /** An account with an admin user and an access key. */
  async account(store: Store, rootKey: RootKey, options: { accountId?: string; now?: number } = {}): Promise<NewAccessKey> {
    return adminBootstrap(store, rootKey, { accountId: options.accountId, now: options.now ?? Date.now() });
  },
  /** The account's `admin` user as a principal (what adminBootstrap makes, without the store). */
  adminPrincipal(accountId: string): UserPrincipal {
    return { type: 'IAMUser', accountId, userName: 'admin', userId: 'AIDAADMIN', arn: `arn:aws:iam::${accountId}:user/admin`, accessKeyId: 'AKIAADMIN' };
  },
  /** The context of a call signed for `scope`'s region, by the account's admin unless `principal` is given. */
  callContext(scope: Scope, options: { now: number; principal?: Principal; sourceIp?: string }): CallContext {
    return {
      principal: options.principal ?? fixtures.adminPrincipal(scope.accountId), now: options.now, region: scope.region, scope,
      requestId: 'r', sourceIp: options.sourceIp ?? '10.1.2.3',
    };
  },
  /** The current version row of a plain String parameter in `scope`, as putVersion takes it. */
  parameterVersion(scope: Scope, name: string, options: { version: number; value: string; at: number }): VersionRow {
    return {
      account_id: scope.accountId, region: scope.region, name, version: options.version, parent_path: parentPath(name), type: 'String', value: options.value, key_id: null,
      description: null, allowed_pattern: null, tier: 'Standard', policies: '[]', data_type: 'text', labels: '[]', last_modified_at: options.at,
      last_modified_user: 'arn:aws:iam::1:user/u', is_current: 1, expires_at: null, policy_due_at: null,
    };
  },
};
