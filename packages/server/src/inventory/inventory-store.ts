import type { Scope } from '@bosun/protocol';
import type { Transaction } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { Db } from '../store/store.ts';
import type { InventoryDeletionsTable, InventoryItemsTable, InventorySchemasTable } from './tables.ts';

/**
 * Store queries of Inventory (migration 0014-inventory). The current state of a node is its
 * item rows (one per type) and their entries (one row each); every write also appends the
 * changes it made to inventory_changes, so that the state at any earlier time is the current
 * state with the later changes undone. Callers pass `now`; nothing here reads the clock.
 */

type Tx = Transaction<Database>;

/** The item row of the type itself in inventory_changes (its schema version). */
export const ITEM_KEY = '';

/** One entry as a put gives it, with its identity within its type. */
export interface NewEntry {
  readonly key: string;
  readonly name: string | null;
  /** The entry, JSON. */
  readonly content: string;
}

/** One item of a put, checked by the caller. `entries` undefined: the hash only (unchanged content). */
export interface NewItem {
  readonly typeName: string;
  readonly schemaVersion: string;
  readonly captureTime: string;
  readonly contentHash?: string;
  readonly entries?: readonly NewEntry[];
  /** The attribute names the entries use (Custom types: their schema). */
  readonly attributes: readonly string[];
}

export interface PutInventory {
  readonly instanceId: string;
  readonly items: readonly NewItem[];
  /** How many Custom:* types an account may have in a region. */
  readonly customTypeLimit: number;
}

export type PutOutcome =
  | { readonly outcome: 'written'; readonly changes: number; readonly skipped: readonly string[] }
  | { readonly outcome: 'type-limit'; readonly typeName: string; readonly types: readonly string[] }
  | { readonly outcome: 'mismatch'; readonly typeName: string }
  | { readonly outcome: 'old-version'; readonly typeName: string; readonly version: string }
  | { readonly outcome: 'new-attributes'; readonly typeName: string; readonly version: string; readonly attributes: readonly string[] };

class Abort extends Error {
  constructor(readonly result: PutOutcome) {
    super(result.outcome);
  }
}

// Rows per INSERT: 7 columns × 500 rows stays below both engines' limits on bound parameters.
const CHUNK = 500;

/** Compares schema versions (`1.0` < `1.10` < `2.0`). */
export function compareSchemaVersions(a: string, b: string): number {
  const [am, an] = a.split('.').map(Number);
  const [bm, bn] = b.split('.').map(Number);
  return am !== bm ? am - bm : (an ?? 0) - (bn ?? 0);
}

/**
 * Writes one PutInventory in one transaction: each item replaces its type's entries on the
 * node (an item whose ContentHash is the stored one only updates its capture time); the
 * entries that changed are appended to the history. Nothing is written when an outcome other
 * than `written` comes back.
 */
export async function putInventory(db: Db, scope: Scope, put: PutInventory, now: number): Promise<PutOutcome> {
  try {
    return await db.transaction().execute(async (tx) => {
      let changes = 0;
      const skipped: string[] = [];
      for (const item of put.items) {
        const written = await putItemTx(tx, scope, put, item, now);
        if (written === undefined) skipped.push(item.typeName);
        else changes += written;
      }
      return { outcome: 'written', changes, skipped } as const;
    });
  } catch (error) {
    if (error instanceof Abort) return error.result;
    throw error;
  }
}

/** Writes one item; answers how many entries changed, or undefined when the item was ignored (a disabled schema). */
async function putItemTx(tx: Tx, scope: Scope, put: PutInventory, item: NewItem, now: number): Promise<number | undefined> {
  const key = { instanceId: put.instanceId, typeName: item.typeName };
  const existing = await itemQuery(tx.selectFrom('inventory_items').selectAll(), scope, key).executeTakeFirst();
  const touch = () => itemQuery(tx.updateTable('inventory_items'), scope, key).set({ capture_time: item.captureTime, updated_at: now }).execute();
  if (item.entries === undefined) {
    // The agent sent only the hash: its content is the stored one, or the server lost it and must have it again.
    if (!existing || existing.content_hash !== item.contentHash) throw new Abort({ outcome: 'mismatch', typeName: item.typeName });
    await touch();
    return 0;
  }
  if (existing && item.contentHash !== undefined && existing.content_hash === item.contentHash && existing.schema_version === item.schemaVersion) {
    await touch();
    return 0;
  }
  if (item.typeName.startsWith('Custom:') && !(await checkCustomSchemaTx(tx, scope, put, item, now))) return undefined;

  const stored = await entryQuery(tx.selectFrom('inventory_entries').select(['entry_key', 'content']), scope, key).execute();
  const current = new Map(stored.map((row) => [row.entry_key, row.content]));
  const change = (entryKey: string, name: string | null, before: string | null, after: string | null) => ({
    account_id: scope.accountId, region: scope.region, instance_id: put.instanceId, type_name: item.typeName, changed_at: now, entry_key: entryKey, name, before, after,
  });
  const history: ReturnType<typeof change>[] = [];
  const meta = JSON.stringify({ SchemaVersion: item.schemaVersion });
  if (!existing) history.push(change(ITEM_KEY, ITEM_KEY, null, meta));
  else if (existing.schema_version !== item.schemaVersion) history.push(change(ITEM_KEY, ITEM_KEY, JSON.stringify({ SchemaVersion: existing.schema_version }), meta));

  const added: NewEntry[] = [];
  const updated: NewEntry[] = [];
  const seen = new Set<string>();
  for (const entry of item.entries) {
    seen.add(entry.key);
    const before = current.get(entry.key);
    if (before === undefined) {
      added.push(entry);
      // A type new on the node: its creation row stands for the entries it came with.
      if (existing) history.push(change(entry.key, entry.name, null, entry.content));
    } else if (before !== entry.content) {
      updated.push(entry);
      history.push(change(entry.key, entry.name, before, entry.content));
    }
  }
  const removed: { key: string; content: string }[] = [];
  for (const [entryKey, content] of current) if (!seen.has(entryKey)) removed.push({ key: entryKey, content });
  for (const entry of removed) history.push(change(entry.key, nameOf(entry.content), entry.content, null));

  for (let i = 0; i < removed.length; i += CHUNK) {
    await entryQuery(tx.deleteFrom('inventory_entries'), scope, key).where('entry_key', 'in', removed.slice(i, i + CHUNK).map((e) => e.key)).execute();
  }
  for (const entry of updated) {
    await entryQuery(tx.updateTable('inventory_entries'), scope, key).where('entry_key', '=', entry.key).set({ content: entry.content, name: entry.name }).execute();
  }
  const rows = added.map((entry) => ({
    account_id: scope.accountId, region: scope.region, instance_id: put.instanceId, type_name: item.typeName, entry_key: entry.key, name: entry.name, content: entry.content,
  }));
  for (let i = 0; i < rows.length; i += CHUNK) await tx.insertInto('inventory_entries').values(rows.slice(i, i + CHUNK)).execute();
  for (let i = 0; i < history.length; i += CHUNK) await tx.insertInto('inventory_changes').values(history.slice(i, i + CHUNK)).execute();

  const row: InventoryItemsTable = {
    account_id: scope.accountId, region: scope.region, instance_id: put.instanceId, type_name: item.typeName, schema_version: item.schemaVersion,
    capture_time: item.captureTime, content_hash: item.contentHash ?? null, entry_count: item.entries.length, updated_at: now,
  };
  if (existing) {
    await itemQuery(tx.updateTable('inventory_items'), scope, key).set({
      schema_version: row.schema_version, capture_time: row.capture_time, content_hash: row.content_hash, entry_count: row.entry_count, updated_at: now,
    }).execute();
  } else {
    await tx.insertInto('inventory_items').values(row).execute();
  }
  return history.length;
}

/**
 * A Custom type's schema: made by its first put (within the account's limit of types); the
 * same version must keep to its attributes, a higher one replaces them, a lower one is refused.
 * Answers false when the item is to be ignored (its schema was disabled by DeleteInventory).
 */
async function checkCustomSchemaTx(tx: Tx, scope: Scope, put: PutInventory, item: NewItem, now: number): Promise<boolean> {
  const stored = await tx.selectFrom('inventory_schemas').selectAll()
    .where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('type_name', '=', item.typeName).executeTakeFirst();
  const attributes = JSON.stringify([...item.attributes].sort().map((Name) => ({ Name, DataType: 'string' })));
  if (!stored) {
    const types = (await tx.selectFrom('inventory_schemas').select('type_name').where('account_id', '=', scope.accountId).where('region', '=', scope.region)
      .where('type_name', 'like', 'Custom:%').execute()).map((r) => r.type_name);
    if (types.length >= put.customTypeLimit) throw new Abort({ outcome: 'type-limit', typeName: item.typeName, types: types.sort() });
    await tx.insertInto('inventory_schemas').values({ account_id: scope.accountId, region: scope.region, type_name: item.typeName, version: item.schemaVersion, attributes, disabled: 0, updated_at: now }).execute();
    return true;
  }
  const order = compareSchemaVersions(item.schemaVersion, stored.version);
  if (stored.disabled === 1 && order <= 0) return false;
  if (order < 0) throw new Abort({ outcome: 'old-version', typeName: item.typeName, version: stored.version });
  if (order === 0) {
    const known = new Set((JSON.parse(stored.attributes) as { Name: string }[]).map((a) => a.Name));
    const extra = item.attributes.filter((a) => !known.has(a));
    if (extra.length > 0) throw new Abort({ outcome: 'new-attributes', typeName: item.typeName, version: stored.version, attributes: extra });
    return true;
  }
  await tx.updateTable('inventory_schemas').set({ version: item.schemaVersion, attributes, disabled: 0, updated_at: now })
    .where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('type_name', '=', item.typeName).execute();
  return true;
}

function nameOf(content: string): string | null {
  const name = (JSON.parse(content) as Record<string, string>).Name;
  return typeof name === 'string' ? name : null;
}

type ItemKey = { instanceId: string; typeName: string };

/** Narrows a query on inventory_items or inventory_entries to one node and type. */
function itemQuery<Q extends { where: (...args: any[]) => Q }>(query: Q, scope: Scope, key: ItemKey): Q { // eslint-disable-line @typescript-eslint/no-explicit-any
  return query.where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('instance_id', '=', key.instanceId).where('type_name', '=', key.typeName);
}
const entryQuery = itemQuery;

export type ItemRow = InventoryItemsTable;

function itemRow(row: InventoryItemsTable): ItemRow {
  return { ...row, entry_count: Number(row.entry_count), updated_at: Number(row.updated_at) };
}

/** The item rows of some nodes (all their types, or some). */
export async function itemsOf(db: Db, scope: Scope, instanceIds: readonly string[], typeNames?: readonly string[]): Promise<ItemRow[]> {
  if (instanceIds.length === 0 || typeNames?.length === 0) return [];
  let query = db.selectFrom('inventory_items').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region)
    .where('instance_id', 'in', [...instanceIds]);
  if (typeNames) query = query.where('type_name', 'in', [...typeNames]);
  return (await query.execute()).map(itemRow);
}

export interface EntryRow {
  readonly instance_id: string;
  readonly type_name: string;
  readonly entry_key: string;
  readonly content: string;
}

/** Entries picked by their Name (read from the name index): any of `names`, or those starting with `prefix`. */
export type NameCondition = { readonly names: readonly string[] } | { readonly prefix: string };

/** The entries of some nodes' items of some types, in key order; `byName` narrows them to some names. */
export async function entriesOf(db: Db, scope: Scope, instanceIds: readonly string[], typeNames: readonly string[], byName?: NameCondition): Promise<EntryRow[]> {
  if (instanceIds.length === 0 || typeNames.length === 0) return [];
  let query = db.selectFrom('inventory_entries').select(['instance_id', 'type_name', 'entry_key', 'content'])
    .where('account_id', '=', scope.accountId).where('region', '=', scope.region)
    .where('instance_id', 'in', [...instanceIds]).where('type_name', 'in', [...typeNames]);
  if (byName && 'names' in byName) query = query.where('name', 'in', [...byName.names]);
  if (byName && 'prefix' in byName) query = query.where('name', '>=', byName.prefix).where('name', '<', `${byName.prefix}\uffff`);
  const rows = await query.execute();
  return rows.sort((a, b) => cmp(a.instance_id, b.instance_id) || cmp(a.type_name, b.type_name) || cmp(a.entry_key, b.entry_key));
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** How a GetInventory narrows its nodes in the store before the remaining filters run. */
export type NodeSelection =
  | { readonly kind: 'all' }
  | { readonly kind: 'type'; readonly typeName: string }
  | { readonly kind: 'names'; readonly typeName: string; readonly names: readonly string[] }
  | { readonly kind: 'prefix'; readonly typeName: string; readonly prefix: string };

/**
 * Registered nodes of the scope with inventory, selected by `selection`, in id order, after
 * `after`, at most `limit`. The name lookups read the entries' name index.
 */
export async function selectNodes(db: Db, scope: Scope, selection: NodeSelection, options: { after?: string; limit: number }): Promise<string[]> {
  const base = selection.kind === 'all' || selection.kind === 'type' ? 'inventory_items' : 'inventory_entries';
  let query = db.selectFrom(base).innerJoin('managed_instances', 'managed_instances.instance_id', `${base}.instance_id`)
    .select(`${base}.instance_id as id`).distinct()
    .where(`${base}.account_id`, '=', scope.accountId).where(`${base}.region`, '=', scope.region)
    .where('managed_instances.deregistered_at', 'is', null);
  if (selection.kind !== 'all') query = query.where(`${base}.type_name`, '=', selection.typeName);
  if (selection.kind === 'names') query = query.where('inventory_entries.name', 'in', [...selection.names]);
  if (selection.kind === 'prefix') query = query.where('inventory_entries.name', '>=', selection.prefix).where('inventory_entries.name', '<', `${selection.prefix}\uffff`);
  if (options.after !== undefined) query = query.where(`${base}.instance_id`, '>', options.after);
  const rows = await query.orderBy('id').limit(options.limit).execute();
  return rows.map((r) => r.id);
}

// ---------------------------------------------------------------------------------------------
// History

/** A node's inventory at one time: type → schema version and entries (key → content JSON). */
export type NodeState = Map<string, { schemaVersion: string; captureTime?: string; entries: Map<string, string> }>;

interface ChangeRow {
  instance_id: string;
  type_name: string;
  changed_at: number;
  entry_key: string;
  name: string | null;
  before: string | null;
  after: string | null;
}

/** Undo order: latest first; at one time, entries before their item (a type made then changed in one millisecond). */
function byUndoOrder(a: ChangeRow, b: ChangeRow): number {
  return b.changed_at - a.changed_at || (a.entry_key === ITEM_KEY ? 1 : 0) - (b.entry_key === ITEM_KEY ? 1 : 0);
}

/**
 * The inventory of one node as it was at `at` (epoch ms): its current items with every later
 * change undone. `typeNames` narrows it to some types.
 */
export async function nodeStateAt(db: Db, scope: Scope, instanceId: string, at: number, typeNames?: readonly string[]): Promise<NodeState> {
  const items = await itemsOf(db, scope, [instanceId], typeNames);
  const state: NodeState = new Map();
  for (const item of items) state.set(item.type_name, { schemaVersion: item.schema_version, captureTime: item.capture_time, entries: new Map() });
  if (items.length > 0) {
    for (const entry of await entriesOf(db, scope, [instanceId], items.map((i) => i.type_name))) state.get(entry.type_name)!.entries.set(entry.entry_key, entry.content);
  }
  let query = db.selectFrom('inventory_changes').select(['instance_id', 'type_name', 'changed_at', 'entry_key', 'name', 'before', 'after'])
    .where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('instance_id', '=', instanceId).where('changed_at', '>', at);
  if (typeNames) query = query.where('type_name', 'in', [...typeNames]);
  const changes = (await query.execute()).map((c) => ({ ...c, changed_at: Number(c.changed_at) })).sort(byUndoOrder);
  for (const change of changes) {
    let item = state.get(change.type_name);
    if (item) delete item.captureTime;
    if (change.entry_key === ITEM_KEY) {
      if (change.before === null) state.delete(change.type_name);
      else if (item) item.schemaVersion = (JSON.parse(change.before) as { SchemaVersion: string }).SchemaVersion;
      else state.set(change.type_name, { schemaVersion: (JSON.parse(change.before) as { SchemaVersion: string }).SchemaVersion, entries: new Map() });
      continue;
    }
    if (!item) {
      item = { schemaVersion: '', entries: new Map() };
      state.set(change.type_name, item);
    }
    if (change.before === null) item.entries.delete(change.entry_key);
    else item.entries.set(change.entry_key, change.before);
  }
  return state;
}

/** The changes of one node between two times (from exclusive, to inclusive), oldest first. */
export async function changesBetween(db: Db, scope: Scope, instanceId: string, from: number, to: number): Promise<ChangeRow[]> {
  const rows = await db.selectFrom('inventory_changes').select(['instance_id', 'type_name', 'changed_at', 'entry_key', 'name', 'before', 'after'])
    .where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('instance_id', '=', instanceId)
    .where('changed_at', '>', from).where('changed_at', '<=', to).execute();
  return rows.map((c) => ({ ...c, changed_at: Number(c.changed_at) })).sort((a, b) => a.changed_at - b.changed_at || cmp(a.type_name, b.type_name) || cmp(a.entry_key, b.entry_key));
}

/**
 * The entries named `name` of type `typeName` on every node as they were at `at`: the current
 * ones, with the first later change of each (or the later creation of the node's item) deciding
 * what it was instead. Reads the name indexes only.
 */
export async function entriesNamedAt(db: Db, scope: Scope, typeName: string, name: string, at: number): Promise<{ instanceId: string; key: string; content: string }[]> {
  const current = await db.selectFrom('inventory_entries').select(['instance_id', 'entry_key', 'content'])
    .where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('type_name', '=', typeName).where('name', '=', name).execute();
  const later = await db.selectFrom('inventory_changes').select(['instance_id', 'entry_key', 'changed_at', 'before', 'name'])
    .where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('type_name', '=', typeName)
    .where((eb) => eb.or([eb('name', '=', name), eb.and([eb('name', '=', ITEM_KEY), eb('entry_key', '=', ITEM_KEY), eb('before', 'is', null)])]))
    .where('changed_at', '>', at).execute();
  const created = new Map<string, number>();
  const first = new Map<string, { at: number; before: string | null }>();
  for (const row of later) {
    const time = Number(row.changed_at);
    if (row.entry_key === ITEM_KEY) {
      if (!created.has(row.instance_id) || created.get(row.instance_id)! > time) created.set(row.instance_id, time);
      continue;
    }
    const id = `${row.instance_id}\u0000${row.entry_key}`;
    const seen = first.get(id);
    if (!seen || seen.at > time) first.set(id, { at: time, before: row.before });
  }
  const values = new Map<string, { instanceId: string; key: string; content: string | null }>();
  for (const row of current) values.set(`${row.instance_id}\u0000${row.entry_key}`, { instanceId: row.instance_id, key: row.entry_key, content: row.content });
  for (const [id, change] of first) {
    const [instanceId, key] = id.split('\u0000');
    values.set(id, { instanceId, key, content: change.before });
  }
  const out: { instanceId: string; key: string; content: string }[] = [];
  for (const [id, value] of values) {
    const createdAt = created.get(value.instanceId);
    const changedAt = first.get(id)?.at;
    if (createdAt !== undefined && (changedAt === undefined || createdAt <= changedAt)) continue;
    if (value.content !== null) out.push({ instanceId: value.instanceId, key: value.key, content: value.content });
  }
  return out.sort((a, b) => cmp(a.instanceId, b.instanceId) || cmp(a.key, b.key));
}

/** Removes the history older than `before` (the retention); answers how many changes went. */
export async function pruneHistory(db: Db, before: number): Promise<number> {
  const result = await db.deleteFrom('inventory_changes').where('changed_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** The oldest change still kept for a node, or undefined. */
export async function historyStart(db: Db, scope: Scope, instanceId: string): Promise<number | undefined> {
  const row = await db.selectFrom('inventory_changes').select((eb) => eb.fn.min('changed_at').as('first'))
    .where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('instance_id', '=', instanceId).executeTakeFirst();
  return row?.first === null || row?.first === undefined ? undefined : Number(row.first);
}

// ---------------------------------------------------------------------------------------------
// Schemas and deletions

export type SchemaRow = InventorySchemasTable;

export async function listSchemas(db: Db, scope: Scope): Promise<SchemaRow[]> {
  const rows = await db.selectFrom('inventory_schemas').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region).execute();
  return rows.map((r) => ({ ...r, disabled: Number(r.disabled), updated_at: Number(r.updated_at) }));
}

export type DeletionRow = InventoryDeletionsTable;

export interface DeletionSummary {
  TotalCount: number;
  RemainingCount: number;
  SummaryItems: { Version: string; Count: number; RemainingCount: number }[];
}

/** What deleting a type would remove: its items per schema version. */
export async function deletionSummary(db: Db, scope: Scope, typeName: string): Promise<DeletionSummary> {
  const rows = await db.selectFrom('inventory_items').select(['schema_version', (eb) => eb.fn.countAll<number>().as('count')])
    .where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('type_name', '=', typeName)
    .groupBy('schema_version').execute();
  const items = rows.map((r) => ({ Version: r.schema_version, Count: Number(r.count), RemainingCount: Number(r.count) })).sort((a, b) => compareSchemaVersions(a.Version, b.Version));
  const total = items.reduce((n, i) => n + i.Count, 0);
  return { TotalCount: total, RemainingCount: total, SummaryItems: items };
}

/**
 * Deletes a type's data on every node of the scope (recorded in the history as removals) and
 * its schema (DeleteSchema) or marks it disabled (DisableSchema), in one transaction; records
 * the deletion, Complete, with what it removed.
 */
export async function deleteInventoryType(db: Db, scope: Scope, input: { deletionId: string; typeName: string; schemaDeleteOption?: string }, now: number): Promise<DeletionRow> {
  return db.transaction().execute(async (tx) => {
    const summary = await deletionSummaryTx(tx, scope, input.typeName);
    const entries = await tx.selectFrom('inventory_entries').select(['instance_id', 'entry_key', 'name', 'content'])
      .where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('type_name', '=', input.typeName).execute();
    const items = await tx.selectFrom('inventory_items').select(['instance_id', 'schema_version'])
      .where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('type_name', '=', input.typeName).execute();
    const base = { account_id: scope.accountId, region: scope.region, type_name: input.typeName, changed_at: now, after: null };
    const history = [
      ...entries.map((e) => ({ ...base, instance_id: e.instance_id, entry_key: e.entry_key, name: e.name, before: e.content })),
      ...items.map((i) => ({ ...base, instance_id: i.instance_id, entry_key: ITEM_KEY, name: ITEM_KEY, before: JSON.stringify({ SchemaVersion: i.schema_version }) })),
    ];
    for (let i = 0; i < history.length; i += CHUNK) await tx.insertInto('inventory_changes').values(history.slice(i, i + CHUNK)).execute();
    for (const table of ['inventory_entries', 'inventory_items'] as const) {
      await tx.deleteFrom(table).where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('type_name', '=', input.typeName).execute();
    }
    const schema = tx.updateTable('inventory_schemas').where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('type_name', '=', input.typeName);
    // Without an option only the data goes; the type's schema stays.
    if (input.schemaDeleteOption === 'DisableSchema') await schema.set({ disabled: 1, updated_at: now }).execute();
    if (input.schemaDeleteOption === 'DeleteSchema') {
      await tx.deleteFrom('inventory_schemas').where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('type_name', '=', input.typeName).execute();
    }
    const done: DeletionSummary = { ...summary, RemainingCount: 0, SummaryItems: summary.SummaryItems.map((s) => ({ ...s, RemainingCount: 0 })) };
    const row: DeletionRow = {
      deletion_id: input.deletionId, account_id: scope.accountId, region: scope.region, type_name: input.typeName, started_at: now, status: 'Complete',
      status_message: 'Deletion is successful', summary: JSON.stringify(done), updated_at: now,
    };
    await tx.insertInto('inventory_deletions').values(row).execute();
    return row;
  });
}

async function deletionSummaryTx(tx: Tx, scope: Scope, typeName: string): Promise<DeletionSummary> {
  return deletionSummary(tx as unknown as Db, scope, typeName);
}

export async function listDeletions(db: Db, scope: Scope, deletionId?: string): Promise<DeletionRow[]> {
  let query = db.selectFrom('inventory_deletions').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region);
  if (deletionId !== undefined) query = query.where('deletion_id', '=', deletionId);
  const rows = await query.execute();
  return rows.map((r) => ({ ...r, started_at: Number(r.started_at), updated_at: Number(r.updated_at) })).sort((a, b) => b.started_at - a.started_at || cmp(a.deletion_id, b.deletion_id));
}

export interface InventoryNodeSummary {
  readonly instanceId: string;
  readonly types: number;
  readonly entries: number;
  /** ISO time of the last put that changed or confirmed an item. */
  readonly updatedAt: string;
}

/** The scope's registered nodes with inventory, with their counts of types and entries. */
export async function inventoryNodes(db: Db, scope: Scope): Promise<InventoryNodeSummary[]> {
  const rows = await db.selectFrom('inventory_items').innerJoin('managed_instances', 'managed_instances.instance_id', 'inventory_items.instance_id')
    .select(['inventory_items.instance_id as id', (eb) => eb.fn.countAll<number>().as('types'), (eb) => eb.fn.sum<number>('inventory_items.entry_count').as('entries'), (eb) => eb.fn.max('inventory_items.updated_at').as('updated')])
    .where('inventory_items.account_id', '=', scope.accountId).where('inventory_items.region', '=', scope.region)
    .where('managed_instances.deregistered_at', 'is', null)
    .groupBy('inventory_items.instance_id').orderBy('id').execute();
  return rows.map((r) => ({ instanceId: r.id, types: Number(r.types), entries: Number(r.entries), updatedAt: new Date(Number(r.updated)).toISOString() }));
}

/** How many nodes (of `instanceIds`, or every registered node of the scope) have an entry of the type with each Name. */
export async function countNodesByName(db: Db, scope: Scope, typeName: string, instanceIds?: readonly string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const chunks = instanceIds === undefined ? [undefined] : Array.from({ length: Math.ceil(instanceIds.length / CHUNK) }, (_, i) => instanceIds.slice(i * CHUNK, (i + 1) * CHUNK));
  for (const chunk of chunks) {
    let query = db.selectFrom('inventory_entries').innerJoin('managed_instances', 'managed_instances.instance_id', 'inventory_entries.instance_id')
      .select(['inventory_entries.name as name', (eb) => eb.fn.count<number>('inventory_entries.instance_id').distinct().as('nodes')])
      .where('inventory_entries.account_id', '=', scope.accountId).where('inventory_entries.region', '=', scope.region)
      .where('inventory_entries.type_name', '=', typeName).where('inventory_entries.name', 'is not', null)
      .where('managed_instances.deregistered_at', 'is', null);
    if (chunk) query = query.where('inventory_entries.instance_id', 'in', [...chunk]);
    for (const row of await query.groupBy('inventory_entries.name').execute()) counts.set(row.name!, (counts.get(row.name!) ?? 0) + Number(row.nodes));
  }
  return counts;
}
