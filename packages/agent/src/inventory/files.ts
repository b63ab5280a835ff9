import fs from 'node:fs';
import path from 'node:path';
import type { CollectedItem, InventoryEntry } from './collectors.ts';

/**
 * AWS:File: the files under the paths AWS-GatherSoftwareInventory's `files` parameter names,
 * as AWS's file gatherer reads them:
 *   [{"Path": "/usr/bin", "Pattern": ["aws*", "*ssm*"], "Recursive": false, "DirScanLimit": 1000, "FileLimit": 500}]
 * Pattern is a list of globs (`*`, `?`) matched on file names; Recursive descends into
 * directories (symbolic links are not followed), scanning at most DirScanLimit directories
 * (default 5000); at most FileLimit files (default 500) are collected per path. Past a limit
 * the collection fails, as AWS's does, rather than sending a partial list as if it were whole.
 */

export interface FileQuery {
  readonly Path: string;
  readonly Pattern: readonly string[];
  readonly Recursive?: boolean;
  readonly DirScanLimit?: number;
  readonly FileLimit?: number;
}

export const DEFAULT_DIR_SCAN_LIMIT = 5000;
export const DEFAULT_FILE_LIMIT = 500;

export class FileInventoryError extends Error {}

/** Parses the `files` parameter (JSON text, or already a list); '' is no file query. */
export function parseFileQueries(input: unknown): FileQuery[] {
  if (input === undefined || input === '' || input === null) return [];
  let value: unknown = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input) as unknown;
    } catch (error) {
      throw new FileInventoryError(`files is not JSON: ${(error as Error).message}`);
    }
  }
  if (!Array.isArray(value)) throw new FileInventoryError('files must be a JSON list of {"Path", "Pattern", "Recursive"} objects');
  return value.map((q: Record<string, unknown>, i) => {
    if (!q || typeof q.Path !== 'string' || q.Path === '') throw new FileInventoryError(`files[${i}] has no Path`);
    if (!Array.isArray(q.Pattern) || q.Pattern.length === 0 || !q.Pattern.every((p) => typeof p === 'string')) throw new FileInventoryError(`files[${i}].Pattern must be a list of name patterns such as ["*.conf"]`);
    for (const key of ['DirScanLimit', 'FileLimit'] as const) {
      if (q[key] !== undefined && (typeof q[key] !== 'number' || !Number.isInteger(q[key]) || (q[key] as number) < 1)) throw new FileInventoryError(`files[${i}].${key} must be a positive integer`);
    }
    return { Path: q.Path, Pattern: q.Pattern as string[], Recursive: q.Recursive === true || q.Recursive === 'true', DirScanLimit: q.DirScanLimit as number | undefined, FileLimit: q.FileLimit as number | undefined };
  });
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('')}$`);
}

/** Expands $VAR and ${VAR} in a path, as the gatherer expands environment variables. */
function expand(p: string): string {
  return p.replace(/\$\{(\w+)\}|\$(\w+)/g, (all, a: string | undefined, b: string | undefined) => process.env[a ?? b ?? ''] ?? all);
}

const isoSeconds = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export function collectFiles(queries: readonly FileQuery[]): CollectedItem {
  const content: InventoryEntry[] = [];
  const seen = new Set<string>();
  for (const query of queries) {
    const root = path.resolve(expand(query.Path));
    const patterns = query.Pattern.map(globToRegExp);
    const dirLimit = query.DirScanLimit ?? DEFAULT_DIR_SCAN_LIMIT;
    const fileLimit = query.FileLimit ?? DEFAULT_FILE_LIMIT;
    let dirs = 0;
    let files = 0;
    const queue = [root];
    while (queue.length > 0) {
      const dir = queue.shift()!;
      dirs += 1;
      if (dirs > dirLimit) throw new FileInventoryError(`${query.Path}: more than DirScanLimit (${dirLimit}) directories to scan; narrow the Path or raise DirScanLimit`);
      let names: fs.Dirent[];
      try {
        names = fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        continue; // unreadable or gone: the gatherer skips it
      }
      for (const dirent of names.sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const full = path.join(dir, dirent.name);
        if (dirent.isDirectory()) {
          if (query.Recursive) queue.push(full);
          continue;
        }
        if (!dirent.isFile() || !patterns.some((p) => p.test(dirent.name)) || seen.has(full)) continue;
        let stat: fs.Stats;
        try {
          stat = fs.statSync(full);
        } catch {
          continue;
        }
        files += 1;
        if (files > fileLimit) throw new FileInventoryError(`${query.Path}: more than FileLimit (${fileLimit}) files match ${JSON.stringify(query.Pattern)}; narrow the Pattern or raise FileLimit`);
        seen.add(full);
        content.push({
          Name: dirent.name, Size: String(stat.size), InstalledDir: dir,
          ModificationTime: isoSeconds(stat.mtime), LastAccessTime: isoSeconds(stat.atime), InstalledDate: isoSeconds(stat.birthtimeMs > 0 ? stat.birthtime : stat.ctime),
        });
      }
    }
  }
  return { typeName: 'AWS:File', schemaVersion: '1.0', content };
}
