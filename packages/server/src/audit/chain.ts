import crypto from 'node:crypto';
import type { RootKey } from '../crypto/root-key.ts';

/**
 * The audit chain: each event's hash covers the previous hash, its sequence number and
 * its record text. The hash is an HMAC under a key derived from the server's root key,
 * so someone who can write to the database but has not got the root key cannot
 * rewrite the chain after editing, inserting or deleting an event.
 */
export const GENESIS_HASH = '0'.repeat(64);

export type ChainKey = Buffer & { readonly __chainKey: true };

export function chainKey(rootKey: RootKey): ChainKey {
  return Buffer.from(crypto.hkdfSync('sha256', rootKey.key, Buffer.alloc(0), 'bosun audit chain v1', 32)) as ChainKey;
}

export function chainHash(key: ChainKey, prevHash: string, seq: number, record: string): string {
  return crypto.createHmac('sha256', keyObjectOf(key)).update(`${prevHash}\n${seq}\n`).update(record).digest('hex');
}

/** The key as a KeyObject, made once: createHmac then skips importing the raw bytes on every event. */
const keyObjects = new WeakMap<ChainKey, crypto.KeyObject>();
function keyObjectOf(key: ChainKey): crypto.KeyObject {
  let object = keyObjects.get(key);
  if (!object) {
    object = crypto.createSecretKey(key);
    keyObjects.set(key, object);
  }
  return object;
}
