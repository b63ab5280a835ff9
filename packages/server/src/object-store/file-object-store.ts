import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { checkObjectKey, type ObjectStore } from './object-store.ts';

/** Objects as files under `root` (the data directory's `objects/`), written atomically (temp file + rename). */
export function fileObjectStore(root: string): ObjectStore {
  const fileOf = (key: string) => path.join(root, ...checkObjectKey(key).split('/'));
  return {
    async put(key, data) {
      const file = fileOf(key);
      await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      const temp = `${file}.${crypto.randomBytes(4).toString('hex')}.tmp`;
      await fs.writeFile(temp, data, { mode: 0o600 });
      await fs.rename(temp, file);
    },
    async get(key) {
      try {
        return await fs.readFile(fileOf(key), 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
  };
}
