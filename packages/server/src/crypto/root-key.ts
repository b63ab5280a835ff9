import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The server's root key: 32 random bytes that seal every secret the store keeps
 * (access key secrets now, KMS key material later). It lives outside the database,
 * in a file the operator controls (or BOSUN_ROOT_KEY), so a copy of the database
 * alone reveals nothing.
 */
export interface RootKey {
  readonly key: Buffer;
  /** Where it came from, for messages; never the key itself. */
  readonly source: string;
}

const KEY_BYTES = 32;

export function rootKeyFromBase64(text: string, source: string): RootKey {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== KEY_BYTES) {
    throw new Error(`The root key from ${source} must be ${KEY_BYTES} bytes, base64-encoded (got ${key.length} bytes). Create one with: head -c 32 /dev/urandom | base64 > root.key`);
  }
  return { key, source };
}

export function readRootKeyFile(file: string): RootKey {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`Cannot read the root key file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}. Pass --root-key-file FILE, or set BOSUN_ROOT_KEY.`);
  }
  return rootKeyFromBase64(text, file);
}

/** Creates the key file (mode 0600) when it is missing; returns the key either way. */
export function ensureRootKeyFile(file: string): { rootKey: RootKey; created: boolean } {
  if (fs.existsSync(file)) return { rootKey: readRootKeyFile(file), created: false };
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const key = crypto.randomBytes(KEY_BYTES);
  fs.writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  return { rootKey: { key, source: file }, created: true };
}

const SEALED_PREFIX = 'v1:';

/**
 * AES-256-GCM under the root key. `context` is bound as additional data, so a sealed
 * value moved to another row (another context) fails to open.
 */
export function seal(rootKey: RootKey, plaintext: string, context: string): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', rootKey.key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return SEALED_PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

export function unseal(rootKey: RootKey, sealed: string, context: string): string {
  if (!sealed.startsWith(SEALED_PREFIX)) throw new Error('Sealed value has an unknown format');
  const raw = Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64');
  const decipher = crypto.createDecipheriv('aes-256-gcm', rootKey.key, raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}
