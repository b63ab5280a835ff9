import type { SigningKey } from '../api/sigv4.ts';
import { unseal, type RootKey } from '../crypto/root-key.ts';
import type { Db } from '../store/store.ts';
import { findAccessKey } from './identity-store.ts';
import { userPrincipal, type Principal } from './principal.ts';

export interface KeyRingOptions {
  readonly db: Db;
  readonly rootKey: RootKey;
  readonly now: () => number;
  /** How long a looked-up key is trusted before the store is asked again. Default 10 s. */
  readonly ttlMs?: number;
  /** Most keys kept in memory. Default 10,000. */
  readonly maxEntries?: number;
}

/**
 * Access keys for SigV4 verification: looks a key up in the store, opens its sealed
 * secret with the root key, and keeps it in memory for a short time so that signed
 * calls do not hit the store every time. A deactivated or deleted key stops working
 * within the TTL (on every replica, since each asks the store again).
 */
export class KeyRing {
  private readonly cache = new Map<string, { value: SigningKey<Principal> | undefined; expiresAt: number }>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(private readonly options: KeyRingOptions) {
    this.ttlMs = options.ttlMs ?? 10_000;
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  async lookup(accessKeyId: string): Promise<SigningKey<Principal> | undefined> {
    const now = this.options.now();
    const hit = this.cache.get(accessKeyId);
    if (hit && hit.expiresAt > now) return hit.value;
    const value = await this.load(accessKeyId);
    if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(accessKeyId, { value, expiresAt: now + this.ttlMs });
    return value;
  }

  forget(accessKeyId: string): void {
    this.cache.delete(accessKeyId);
  }

  private async load(accessKeyId: string): Promise<SigningKey<Principal> | undefined> {
    const found = await findAccessKey(this.options.db, accessKeyId);
    if (!found || found.key.status !== 'Active') return undefined;
    const secretAccessKey = unseal(this.options.rootKey, found.key.secret_sealed, accessKeySealContext(accessKeyId));
    return { secretAccessKey, principal: userPrincipal(found.user, accessKeyId) };
  }
}

/** The context an access key secret is sealed under: it cannot be moved to another key's row. */
export function accessKeySealContext(accessKeyId: string): string {
  return `access-key:${accessKeyId}`;
}
