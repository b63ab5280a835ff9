import { awsError, type Scope } from '@bosun/protocol';
import type { Db } from '../store/store.ts';
import { compareVersions, type Entry } from './inventory-filters.ts';
import { entriesNamedAt, historyStart, nodeStateAt, type NodeState } from './inventory-store.ts';

/**
 * Inventory history (beyond AWS, docs/inventory.md): a node's inventory at any time, what
 * changed between two times, and which nodes had an entry (a package) below a version at a
 * time. Shapes of Bosun's own JSON routes, not AWS's.
 */

export interface NodeInventoryAt {
  readonly instanceId: string;
  /** ISO time the state is of. */
  readonly at: string;
  /** The oldest change kept (older ones are pruned by the retention): earlier states are not known. */
  readonly historyStartsAt?: string;
  readonly types: {
    readonly typeName: string;
    readonly schemaVersion: string;
    /** Present when the item has not changed since (AWS's capture time of the last put). */
    readonly captureTime?: string;
    readonly entries: Entry[];
  }[];
}

export interface InventoryChange {
  readonly typeName: string;
  readonly change: 'added' | 'removed' | 'changed';
  readonly name?: string;
  readonly before?: Entry;
  readonly after?: Entry;
}

export interface NodeInventoryDiff {
  readonly instanceId: string;
  readonly from: string;
  readonly to: string;
  readonly changes: InventoryChange[];
}

/** A time of a query: epoch ms, or an ISO 8601 date-time. */
export function parseTime(text: string | undefined, name: string, fallback?: number): number {
  if (text === undefined || text === '') {
    if (fallback !== undefined) return fallback;
    throw awsError('ValidationException', `${name} is required: a time such as 2026-03-01T10:00:00Z, or epoch milliseconds.`);
  }
  const value = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(value)) throw awsError('ValidationException', `${name} ${JSON.stringify(text)} isn't a time: write it as 2026-03-01T10:00:00Z, or epoch milliseconds.`);
  return value;
}

function present(state: NodeState): NodeInventoryAt['types'] {
  return [...state.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([typeName, item]) => ({
    typeName, schemaVersion: item.schemaVersion, ...(item.captureTime !== undefined ? { captureTime: item.captureTime } : {}),
    entries: [...item.entries.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, content]) => JSON.parse(content) as Entry),
  }));
}

export async function inventoryAt(db: Db, scope: Scope, instanceId: string, at: number, typeNames?: readonly string[]): Promise<NodeInventoryAt> {
  const [state, start] = await Promise.all([nodeStateAt(db, scope, instanceId, at, typeNames), historyStart(db, scope, instanceId)]);
  return { instanceId, at: new Date(at).toISOString(), ...(start !== undefined ? { historyStartsAt: new Date(start).toISOString() } : {}), types: present(state) };
}

/** What changed on a node from `from` to `to`: entries added, removed or changed (the net change, not every step). */
export async function inventoryDiff(db: Db, scope: Scope, instanceId: string, from: number, to: number, typeNames?: readonly string[]): Promise<NodeInventoryDiff> {
  if (from > to) throw awsError('ValidationException', `from (${new Date(from).toISOString()}) is after to (${new Date(to).toISOString()}).`);
  const [before, after] = await Promise.all([nodeStateAt(db, scope, instanceId, from, typeNames), nodeStateAt(db, scope, instanceId, to, typeNames)]);
  const changes: InventoryChange[] = [];
  const types = [...new Set([...before.keys(), ...after.keys()])].sort();
  for (const typeName of types) {
    const a = before.get(typeName)?.entries ?? new Map<string, string>();
    const b = after.get(typeName)?.entries ?? new Map<string, string>();
    for (const key of [...new Set([...a.keys(), ...b.keys()])].sort()) {
      const x = a.get(key);
      const y = b.get(key);
      if (x === y) continue;
      const old = x === undefined ? undefined : (JSON.parse(x) as Entry);
      const now = y === undefined ? undefined : (JSON.parse(y) as Entry);
      const name = (now ?? old)?.Name;
      changes.push({
        typeName, change: old === undefined ? 'added' : now === undefined ? 'removed' : 'changed', ...(name !== undefined ? { name } : {}),
        ...(old ? { before: old } : {}), ...(now ? { after: now } : {}),
      });
    }
  }
  return { instanceId, from: new Date(from).toISOString(), to: new Date(to).toISOString(), changes };
}

export interface FleetEntryMatch {
  readonly instanceId: string;
  readonly entry: Entry;
}

/**
 * The nodes that had an entry of `typeName` named `name` at `at` — with `below`, only those
 * whose `Version` (or `attribute`) was lower than it, compared as versions.
 */
export async function fleetEntriesAt(db: Db, scope: Scope, query: { typeName: string; name: string; at: number; below?: string; attribute?: string }): Promise<FleetEntryMatch[]> {
  const attribute = query.attribute ?? 'Version';
  const rows = await entriesNamedAt(db, scope, query.typeName, query.name, query.at);
  return rows.map((r) => ({ instanceId: r.instanceId, entry: JSON.parse(r.content) as Entry }))
    .filter((r) => query.below === undefined || (r.entry[attribute] !== undefined && compareVersions(r.entry[attribute], query.below) < 0));
}
