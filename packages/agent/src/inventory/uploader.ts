import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ApiCaller } from '../plugins/plugin.ts';
import type { CollectedItem } from './collectors.ts';

/**
 * Sends collected inventory with PutInventory as AWS's agent does: each type carries the
 * SHA-256 of its content; a type whose hash is the one last sent goes with its hash only (the
 * server keeps the content and updates the capture time), so a fleet whose packages did not
 * change sends almost nothing. When the server answers ItemContentMismatchException (it has
 * other content than this node thinks), everything is sent again whole. The hashes are kept
 * in the state directory, written once the server has taken the put.
 */

/** AWS's limits on one item and one PutInventory. */
export const ITEM_LIMIT_BYTES = 200 * 1024;
export const TOTAL_LIMIT_BYTES = 1024 * 1024;
const ITEMS_PER_CALL = 30;

export interface UploadReport {
  /** Types sent with their content. */
  readonly sent: string[];
  /** Types sent with their hash only. */
  readonly unchanged: string[];
  /** Types left out, with why. */
  readonly problems: string[];
  /** Attributes dropped to stay under the item limit (type → attribute). */
  readonly trimmed: string[];
}

export function contentHash(content: unknown): string {
  return crypto.createHash('sha256').update(JSON.stringify(content)).digest('hex');
}

function readHashes(file: string): Record<string, string> {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
  } catch {
    return {};
  }
}

/** AWS's CaptureTime: UTC to the second. */
export function captureTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

/** Attributes dropped, in this order, from a type over the item limit (long text the queries rarely need). */
const OPTIONAL_ATTRIBUTES = ['Summary', 'URL', 'PackageId', 'Publisher'];

/** The item within AWS's size limit: optional attributes dropped if need be; undefined when it still does not fit. */
function withinLimit(item: CollectedItem, trimmed: string[]): CollectedItem | undefined {
  let current = item;
  for (const attribute of OPTIONAL_ATTRIBUTES) {
    if (bytes(current.content) <= ITEM_LIMIT_BYTES) return current;
    if (!current.content.some((e) => attribute in e)) continue;
    current = { ...current, content: current.content.map(({ [attribute]: _dropped, ...rest }) => rest) };
    trimmed.push(`${item.typeName}.${attribute}`);
  }
  return bytes(current.content) <= ITEM_LIMIT_BYTES ? current : undefined;
}

export async function uploadInventory(input: { instanceId: string; items: readonly CollectedItem[]; callApi: ApiCaller; hashFile: string; now: number }): Promise<UploadReport> {
  const problems: string[] = [];
  const trimmed: string[] = [];
  const items: CollectedItem[] = [];
  for (const item of input.items) {
    const fitted = withinLimit(item, trimmed);
    if (fitted) items.push(fitted);
    else problems.push(`${item.typeName}: ${bytes(item.content)} bytes of content, over AWS's limit of ${ITEM_LIMIT_BYTES} bytes per inventory type: it was not sent`);
  }
  const hashes = readHashes(input.hashFile);
  const time = captureTime(input.now);
  const build = (useHashes: boolean) => items.map((item) => {
    const hash = contentHash(item.content);
    const base = { TypeName: item.typeName, SchemaVersion: item.schemaVersion, CaptureTime: time, ContentHash: hash };
    return useHashes && hashes[item.typeName] === hash ? base : { ...base, Content: item.content };
  });
  const send = async (useHashes: boolean) => {
    for (const batch of batches(build(useHashes))) await input.callApi('AmazonSSM.PutInventory', { InstanceId: input.instanceId, Items: batch });
  };
  let useHashes = true;
  try {
    await send(true);
  } catch (error) {
    if ((error as { code?: string }).code !== 'ItemContentMismatchException') throw error;
    useHashes = false;
    await send(false);
  }
  const sent: string[] = [];
  const unchanged: string[] = [];
  const next: Record<string, string> = {};
  for (const item of build(useHashes)) {
    next[item.TypeName] = item.ContentHash;
    ('Content' in item ? sent : unchanged).push(item.TypeName);
  }
  fs.mkdirSync(path.dirname(input.hashFile), { recursive: true, mode: 0o700 });
  fs.writeFileSync(input.hashFile, JSON.stringify(next, null, 2) + '\n', { mode: 0o600 });
  return { sent, unchanged, problems, trimmed };
}

/** Items in calls of at most 30 items and 1 MB each. */
function batches<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const item of items) {
    const n = bytes(item);
    if (current.length > 0 && (current.length >= ITEMS_PER_CALL || size + n > TOTAL_LIMIT_BYTES)) {
      out.push(current);
      current = [];
      size = 0;
    }
    current.push(item);
    size += n;
  }
  if (current.length > 0) out.push(current);
  return out;
}
