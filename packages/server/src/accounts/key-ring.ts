import { awsError } from '@bosun/protocol';
import type { SigningKey } from '../api/sigv4.ts';
import { unseal, type RootKey } from '../crypto/root-key.ts';
import type { Db } from '../store/store.ts';
import { findAccessKey } from './identity-store.ts';
import { userPrincipal, type AssumedRolePrincipal, type Principal } from './principal.ts';
import { findSessionCredentials, sessionSealContext } from './session-credentials.ts';

export interface KeyRingOptions {
  readonly db: Db;
  readonly rootKey: RootKey;
  readonly now: () => number;
  /** How long a looked-up key is trusted before the store is asked again. Default 10 s. */
  readonly ttlMs?: number;
  /** Most keys kept in memory. Default 10,000. */
  readonly maxEntries?: number;
}

interface Entry {
  readonly value: SigningKey<Principal> | undefined;
  /** When the cached answer must be asked again. */
  readonly recheckAt: number;
  /** When temporary credentials stop working, whatever the cache says. */
  readonly expiresAt?: number;
  readonly subject?: string;
}

/**
 * Access keys for SigV4 verification: long-term user keys (AKIA…) and temporary role
 * session credentials (ASIA…). Looks a key up in the store, opens its sealed secret with
 * the root key, and keeps it in memory for a short time so that signed calls do not hit
 * the store every time. A key deactivated elsewhere stops working within the TTL (every
 * replica asks the store again); `forget`/`forgetSubject` end it in this process at once.
 */
export class KeyRing {
  private readonly cache = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(private readonly options: KeyRingOptions) {
    this.ttlMs = options.ttlMs ?? 10_000;
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  /**
   * The key, from memory when it was looked up within the TTL (then synchronously: a signed
   * call's verification does not wait a promise for it), else from the store.
   */
  lookup(accessKeyId: string): SigningKey<Principal> | undefined | Promise<SigningKey<Principal> | undefined> {
    const now = this.options.now();
    const entry = this.cache.get(accessKeyId);
    // A session's entry is rechecked no later than its expiry, so a fresh entry has not expired.
    if (entry && entry.recheckAt > now) return entry.value;
    return this.load(accessKeyId, now).then((loaded) => {
      if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(accessKeyId, loaded);
      return valueOf(loaded, now);
    });
  }

  forget(accessKeyId: string): void {
    this.cache.delete(accessKeyId);
  }

  /** Drops every cached session issued to `subject` (e.g. a node id) in this process. */
  forgetSubject(subject: string): void {
    for (const [id, entry] of this.cache) if (entry.subject === subject) this.cache.delete(id);
  }

  private async load(accessKeyId: string, now: number): Promise<Entry> {
    const recheckAt = now + this.ttlMs;
    if (accessKeyId.startsWith('ASIA')) {
      const row = await findSessionCredentials(this.options.db, accessKeyId);
      if (!row || row.revoked_at !== null) return { value: undefined, recheckAt };
      const { rootKey } = this.options;
      return {
        value: {
          secretAccessKey: unseal(rootKey, row.secret_sealed, sessionSealContext(accessKeyId, 'secret')),
          sessionToken: unseal(rootKey, row.session_token_sealed, sessionSealContext(accessKeyId, 'token')),
          principal: JSON.parse(row.principal) as AssumedRolePrincipal,
        },
        recheckAt: Math.min(recheckAt, Number(row.expires_at)),
        expiresAt: Number(row.expires_at),
        subject: row.subject,
      };
    }
    const found = await findAccessKey(this.options.db, accessKeyId);
    if (!found || found.key.status !== 'Active') return { value: undefined, recheckAt };
    const secretAccessKey = unseal(this.options.rootKey, found.key.secret_sealed, accessKeySealContext(accessKeyId));
    return { value: { secretAccessKey, principal: userPrincipal(found.user, accessKeyId) }, recheckAt };
  }
}

function valueOf(entry: Entry, now: number): SigningKey<Principal> | undefined {
  if (entry.expiresAt !== undefined && entry.expiresAt <= now) {
    throw awsError('ExpiredTokenException', 'The security token included in the request is expired');
  }
  return entry.value;
}

/** The context an access key secret is sealed under: it cannot be moved to another key's row. */
export function accessKeySealContext(accessKeyId: string): string {
  return `access-key:${accessKeyId}`;
}
