import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { migrationNames } from './migrations/index.ts';
import { requireAbsoluteDataDir, sqliteFile } from './store.ts';

/** Why a data directory cannot be used, in one line that says what to do. */
export class DataDirError extends Error {}

/**
 * Checks a SQLite data directory before anything is written to it (the store, the root key,
 * the env file): it must be absolute, a directory (or not exist yet, in a place where it can
 * be made), writable, and, when it already holds a store, one this version knows every
 * migration of. A directory that fails is left exactly as it was: the store is only ever
 * opened read-only here.
 */
export function checkDataDir(dir: string): void {
  requireAbsoluteDataDir(dir);
  const stat = statOrUndefined(dir);
  if (stat === undefined) {
    const parent = nearestExisting(path.dirname(dir));
    if (!parent.stat.isDirectory()) throw new DataDirError(`cannot create the data directory ${dir}: ${parent.path} is a file. Pass --data-dir a directory path.`);
    if (!writable(parent.path)) throw new DataDirError(`cannot create the data directory ${dir}: ${parent.path} is not writable. Pass --data-dir a directory you can write to.`);
    return;
  }
  if (!stat.isDirectory()) throw new DataDirError(`the data directory ${dir} is a file, not a directory. Pass --data-dir a directory (it is created when missing).`);
  if (!writable(dir)) throw new DataDirError(`the data directory ${dir} is not writable. Pass --data-dir a directory you can write to, or fix its permissions.`);
  const file = sqliteFile(dir);
  if (!fs.existsSync(file)) return;
  const unknown = unknownMigrations(file);
  if (unknown.length > 0) {
    throw new DataDirError(`the data directory ${dir} was written by a newer Bosun (its store has migration ${unknown[unknown.length - 1]}; this version knows up to ${migrationNames[migrationNames.length - 1]}). Run that version or a newer one, or pass --data-dir another directory.`);
  }
}

/**
 * The migrations a store records that this version does not know. A closed store says in its
 * file header (user_version, kept by openStore) how many it has: when that is no more than this
 * version knows, nothing is opened or copied. Only a store that is open elsewhere, or one that
 * has more (a newer Bosun's, whose migrations the message then names), is read.
 */
function unknownMigrations(file: string): string[] {
  if (!fs.existsSync(`${file}-wal`)) {
    const header = Buffer.alloc(100);
    const fd = fs.openSync(file, 'r');
    let read: number;
    try {
      read = fs.readSync(fd, header, 0, header.length, 0);
    } finally {
      fs.closeSync(fd);
    }
    // An empty file is a database SQLite has not written yet: it holds no migrations.
    if (read === 0) return [];
    if (read < header.length || header.subarray(0, 16).toString('latin1') !== 'SQLite format 3\0') {
      throw new DataDirError(`${file} is not a Bosun store (not a SQLite database). Pass --data-dir another directory, or move that file away.`);
    }
    if (header.readUInt32BE(60) <= migrationNames.length) return [];
  }
  const known = new Set(migrationNames);
  return appliedMigrations(file).filter((name) => !known.has(name));
}

/**
 * The migrations a store records. SQLite creates the -wal and -shm files of a WAL database
 * even for a read-only connection, so a cleanly closed store (no -wal beside it) is read from
 * a copy in the temp directory; one that is open elsewhere (its -wal exists) is read in place.
 */
function appliedMigrations(file: string): string[] {
  let copyDir: string | undefined;
  let source = file;
  if (!fs.existsSync(`${file}-wal`)) {
    copyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-check-'));
    source = path.join(copyDir, 'bosun.db');
    fs.copyFileSync(file, source);
  }
  let db: BetterSqlite3.Database | undefined;
  try {
    db = new BetterSqlite3(source, { readonly: true, fileMustExist: true });
    const table = db.prepare(`select 1 from sqlite_master where type = 'table' and name = 'bosun_migration'`).get();
    if (!table) return [];
    return (db.prepare('select name from bosun_migration order by name').all() as { name: string }[]).map((row) => row.name);
  } catch (error) {
    throw new DataDirError(`${file} is not a Bosun store (${(error as Error).message}). Pass --data-dir another directory, or move that file away.`);
  } finally {
    db?.close();
    if (copyDir) fs.rmSync(copyDir, { recursive: true, force: true });
  }
}

function statOrUndefined(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new DataDirError(`cannot read the data directory ${file}: ${(error as NodeJS.ErrnoException).code}`);
  }
}

function nearestExisting(dir: string): { path: string; stat: fs.Stats } {
  for (let at = dir; ; at = path.dirname(at)) {
    const stat = statOrUndefined(at);
    if (stat) return { path: at, stat };
    if (path.dirname(at) === at) throw new DataDirError(`cannot create the data directory under ${dir}`);
  }
}

/** access(2) W_OK|X_OK: also false on a read-only file system, where root cannot write either. */
function writable(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
