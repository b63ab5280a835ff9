/**
 * Where large blobs live (command output today). Keys are `/`-separated paths made of
 * safe characters; values are UTF-8 text. Two implementations: files under the data
 * directory (SQLite deployments, the default) and a table of the store (PostgreSQL
 * deployments, so that every replica reads the same output). An S3-compatible one can
 * follow the same interface.
 */
export interface ObjectStore {
  /** Writes (or replaces) an object: writing the same key twice is harmless. */
  put(key: string, data: string): Promise<void>;
  /** The object's text, or undefined when there is none. */
  get(key: string): Promise<string | undefined>;
}

const KEY = /^[A-Za-z0-9._%-]+(\/[A-Za-z0-9._:%-]+)*$/;

/** Refuses keys that could leave the store's root (`..`, absolute paths, odd characters). */
export function checkObjectKey(key: string): string {
  if (!KEY.test(key) || key.split('/').some((part) => part === '.' || part === '..')) throw new Error(`invalid object key ${JSON.stringify(key)}`);
  return key;
}
