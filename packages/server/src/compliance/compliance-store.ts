import type { Scope } from '@bosun/protocol';
import type { Transaction } from 'kysely';
import type { ComplianceItemsTable, ComplianceSummariesTable, Database } from '../store/schema.ts';
import type { Db } from '../store/store.ts';
import { rollup } from './severity-counts.ts';

/**
 * Store queries of compliance (migration 0012-compliance). Items live per account, region,
 * resource, compliance type and item key; every write recounts its resource's summary row for
 * that type in the same transaction, so summaries never disagree with the items. Callers pass
 * `now`; nothing here reads the clock.
 */

type Tx = Transaction<Database>;

/** ManagedInstance is the only resource type AWS's compliance supports. */
export const RESOURCE_TYPE = 'ManagedInstance';

export type ItemRow = ComplianceItemsTable;
export type SummaryRow = ComplianceSummariesTable;

/** Which resource and compliance type a write is about. */
export interface ComplianceKey {
  readonly resourceType: string;
  readonly resourceId: string;
  readonly complianceType: string;
}

export interface Execution {
  /** Epoch ms. */
  readonly time: number;
  readonly id?: string;
  readonly type?: string;
}

/** One item as a put gives it; `key` is its place among the resource's items of the type. */
export interface NewItem {
  readonly key: string;
  readonly id?: string;
  readonly title?: string;
  readonly status: string;
  readonly severity: string;
  readonly details?: Readonly<Record<string, string>>;
}

export interface PutItems extends ComplianceKey {
  readonly execution: Execution;
  readonly items: readonly NewItem[];
  /** COMPLETE replaces every item of the type on the resource; PARTIAL replaces the items with the same keys. */
  readonly uploadType: 'COMPLETE' | 'PARTIAL';
  readonly contentHash?: string;
  /** How many Custom:* types a resource may have. */
  readonly customTypeLimit: number;
}

export type PutOutcome = { readonly outcome: 'written' } | { readonly outcome: 'unchanged' } | { readonly outcome: 'type-limit'; readonly types: readonly string[] };

// Rows per INSERT: 15 columns × 500 rows stays below both engines' limits on bound parameters.
const CHUNK = 500;

/** Writes one put's items and recounts the resource's summary for the type, in one transaction. */
export async function putItems(db: Db, scope: Scope, put: PutItems, now: number): Promise<PutOutcome> {
  return db.transaction().execute(async (tx) => {
    const existing = await findSummaryTx(tx, scope, put);
    // AWS: "If the content hashes match, the request to put compliance information is ignored."
    if (put.contentHash !== undefined && existing?.content_hash === put.contentHash) return { outcome: 'unchanged' } as const;
    if (!existing && put.complianceType.startsWith('Custom:')) {
      const types = await customTypesTx(tx, scope, put);
      if (types.length >= put.customTypeLimit) return { outcome: 'type-limit', types } as const;
    }
    await lockSummaryTx(tx, scope, put, now);
    const rows = put.items.map((item) => itemRow(scope, put, item, put.execution, now));
    if (put.uploadType === 'COMPLETE') {
      await itemsOf(tx.deleteFrom('compliance_items'), scope, put).execute();
      for (let i = 0; i < rows.length; i += CHUNK) await tx.insertInto('compliance_items').values(rows.slice(i, i + CHUNK)).execute();
    } else {
      for (let i = 0; i < rows.length; i += CHUNK) await upsertItemsTx(tx, rows.slice(i, i + CHUNK));
    }
    await recountTx(tx, scope, put, { execution: put.execution, contentHash: put.contentHash ?? null }, now);
    return { outcome: 'written' } as const;
  });
}

/**
 * Writes one item (the item of one association on a node), unless the stored one comes from a
 * later execution: results that arrive late never replace newer ones. Answers whether it wrote.
 */
export async function putItemIfNewer(db: Db, scope: Scope, key: ComplianceKey, item: NewItem, execution: Execution, now: number): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    await lockSummaryTx(tx, scope, key, now);
    const stored = await itemsOf(tx.selectFrom('compliance_items').select('execution_time'), scope, key).where('item_key', '=', item.key).executeTakeFirst();
    const newer = !stored || Number(stored.execution_time) <= execution.time;
    if (newer) await upsertItemsTx(tx, [itemRow(scope, key, item, execution, now)]);
    // The summary keeps its execution when nothing was written; content_hash goes: the items changed without a put.
    await recountTx(tx, scope, key, newer ? { execution, contentHash: null } : undefined, now);
    return newer;
  });
}

/** Items of the scope's registered nodes (deregistered ones' are not listed), optionally of some resources only. */
export async function listItems(db: Db, scope: Scope, options: { resourceIds?: readonly string[] } = {}): Promise<ItemRow[]> {
  let query = db.selectFrom('compliance_items').selectAll('compliance_items')
    .innerJoin('managed_instances', 'managed_instances.instance_id', 'compliance_items.resource_id')
    .where('compliance_items.account_id', '=', scope.accountId).where('compliance_items.region', '=', scope.region)
    .where('managed_instances.account_id', '=', scope.accountId).where('managed_instances.region', '=', scope.region)
    .where('managed_instances.deregistered_at', 'is', null);
  if (options.resourceIds) {
    if (options.resourceIds.length === 0) return [];
    query = query.where('compliance_items.resource_id', 'in', [...options.resourceIds]);
  }
  const rows = await query.execute();
  return rows.map((row) => ({ ...row, execution_time: Number(row.execution_time), updated_at: Number(row.updated_at) }));
}

/** Summary rows (one per resource and type) of the scope's registered nodes. */
export async function listSummaries(db: Db, scope: Scope): Promise<SummaryRow[]> {
  const rows = await db.selectFrom('compliance_summaries').selectAll('compliance_summaries')
    .innerJoin('managed_instances', 'managed_instances.instance_id', 'compliance_summaries.resource_id')
    .where('compliance_summaries.account_id', '=', scope.accountId).where('compliance_summaries.region', '=', scope.region)
    .where('managed_instances.account_id', '=', scope.accountId).where('managed_instances.region', '=', scope.region)
    .where('managed_instances.deregistered_at', 'is', null)
    .execute();
  return rows.map((row) => ({ ...row, execution_time: Number(row.execution_time), updated_at: Number(row.updated_at) }));
}

function itemRow(scope: Scope, key: ComplianceKey, item: NewItem, execution: Execution, now: number): ItemRow {
  return {
    account_id: scope.accountId,
    region: scope.region,
    resource_type: key.resourceType,
    resource_id: key.resourceId,
    compliance_type: key.complianceType,
    item_key: item.key,
    item_id: item.id ?? null,
    title: item.title ?? null,
    status: item.status,
    severity: item.severity,
    details: item.details && Object.keys(item.details).length > 0 ? JSON.stringify(item.details) : null,
    execution_time: execution.time,
    execution_id: execution.id ?? null,
    execution_type: execution.type ?? null,
    updated_at: now,
  };
}

/** Narrows a query on compliance_items to one resource and type. */
function itemsOf<Q extends { where: (...args: any[]) => Q }>(query: Q, scope: Scope, key: ComplianceKey): Q { // eslint-disable-line @typescript-eslint/no-explicit-any
  return query.where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('resource_type', '=', key.resourceType)
    .where('resource_id', '=', key.resourceId).where('compliance_type', '=', key.complianceType);
}

async function upsertItemsTx(tx: Tx, rows: readonly ItemRow[]): Promise<void> {
  await tx.insertInto('compliance_items').values([...rows])
    .onConflict((oc) => oc.columns(['account_id', 'region', 'resource_type', 'resource_id', 'compliance_type', 'item_key']).doUpdateSet((eb) => ({
      item_id: eb.ref('excluded.item_id'),
      title: eb.ref('excluded.title'),
      status: eb.ref('excluded.status'),
      severity: eb.ref('excluded.severity'),
      details: eb.ref('excluded.details'),
      execution_time: eb.ref('excluded.execution_time'),
      execution_id: eb.ref('excluded.execution_id'),
      execution_type: eb.ref('excluded.execution_type'),
      updated_at: eb.ref('excluded.updated_at'),
    })))
    .execute();
}

async function findSummaryTx(tx: Tx, scope: Scope, key: ComplianceKey): Promise<SummaryRow | undefined> {
  return itemsOf(tx.selectFrom('compliance_summaries').selectAll(), scope, key).executeTakeFirst();
}

async function customTypesTx(tx: Tx, scope: Scope, key: ComplianceKey): Promise<string[]> {
  const rows = await tx.selectFrom('compliance_summaries').select('compliance_type')
    .where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('resource_type', '=', key.resourceType)
    .where('resource_id', '=', key.resourceId).where('compliance_type', 'like', 'Custom:%').orderBy('compliance_type').execute();
  return rows.map((r) => r.compliance_type);
}

/**
 * Makes sure the summary row exists and holds its lock until the transaction ends: on
 * PostgreSQL two writes to the same resource and type then take turns instead of interleaving
 * their deletes and inserts. (SQLite runs one write transaction at a time anyway.) The row's
 * contents are set by recountTx.
 */
async function lockSummaryTx(tx: Tx, scope: Scope, key: ComplianceKey, now: number): Promise<void> {
  await tx.insertInto('compliance_summaries').values({
    account_id: scope.accountId, region: scope.region, resource_type: key.resourceType, resource_id: key.resourceId, compliance_type: key.complianceType,
    status: 'COMPLIANT', overall_severity: 'UNSPECIFIED', compliant_counts: '{}', non_compliant_counts: '{}',
    execution_time: now, execution_id: null, execution_type: null, content_hash: null, updated_at: now,
  }).onConflict((oc) => oc.columns(['account_id', 'region', 'resource_type', 'resource_id', 'compliance_type']).doUpdateSet({ updated_at: now })).execute();
}

/** Recounts a resource's items of one type into its summary row; the row goes when no item is left. */
async function recountTx(tx: Tx, scope: Scope, key: ComplianceKey, write: { execution: Execution; contentHash: string | null } | undefined, now: number): Promise<void> {
  const groups = await itemsOf(tx.selectFrom('compliance_items'), scope, key)
    .select((eb) => ['status', 'severity', eb.fn.countAll().as('count')]).groupBy(['status', 'severity']).execute();
  const counted = rollup(groups.map((g) => ({ status: g.status, severity: g.severity, count: Number(g.count) })));
  if (!counted) {
    await itemsOf(tx.deleteFrom('compliance_summaries'), scope, key).execute();
    return;
  }
  await itemsOf(tx.updateTable('compliance_summaries'), scope, key).set({
    status: counted.status,
    overall_severity: counted.overallSeverity,
    compliant_counts: JSON.stringify(counted.compliant),
    non_compliant_counts: JSON.stringify(counted.nonCompliant),
    ...(write ? { execution_time: write.execution.time, execution_id: write.execution.id ?? null, execution_type: write.execution.type ?? null, content_hash: write.contentHash } : {}),
    updated_at: now,
  }).execute();
}
