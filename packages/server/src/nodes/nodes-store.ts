import { sql } from 'kysely';
import type { Scope } from '@bosun/protocol';
import type { Db } from '../store/store.ts';
import type { ActivationsTable, ChannelMessagesTable, ManagedInstancesTable } from '../store/schema.ts';

/**
 * Store queries of managed nodes: activations, nodes, and the channel's outbound queue.
 * Callers pass ids and `now`; nothing here reads the clock or makes ids. Activations and nodes
 * live per account and region (a node in the region of the activation it registered with);
 * ids are unique everywhere, so what a node itself calls finds its row by id alone.
 */

export type ActivationRow = ActivationsTable;
export type InstanceRow = ManagedInstancesTable;

/** Whether a row found by its id (unique everywhere) is the caller's: its account, in its region. */
export function inScope(row: { readonly account_id: string; readonly region: string }, scope: Scope): boolean {
  return row.account_id === scope.accountId && row.region === scope.region;
}

export async function insertActivation(db: Db, row: ActivationRow): Promise<void> {
  await db.insertInto('activations').values(row).execute();
}

export async function findActivation(db: Db, activationId: string): Promise<ActivationRow | undefined> {
  return db.selectFrom('activations').selectAll().where('activation_id', '=', activationId).executeTakeFirst();
}

/** An account's activations in the region, in creation order. */
export async function listActivations(db: Db, scope: Scope): Promise<ActivationRow[]> {
  const rows = await db.selectFrom('activations').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region)
    .orderBy('created_at').orderBy('activation_id').execute();
  return rows.map(normaliseActivation);
}

export async function deleteActivationRow(db: Db, scope: Scope, activationId: string): Promise<boolean> {
  const result = await db.deleteFrom('activations').where('account_id', '=', scope.accountId).where('region', '=', scope.region)
    .where('activation_id', '=', activationId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export type RegistrationRefusal = 'not-found' | 'expired' | 'limit';

/**
 * Registers a node with an activation in one transaction: the activation must exist, match
 * the code hash, be unexpired and below its limit; its count goes up by one. The node takes
 * the activation's account, region, role, name and tags, and the tags it registered with
 * (`tags`, checked by the caller; a key in both takes the node's value) — stored with the row,
 * so whatever reacts to the node's first heartbeat already sees them.
 */
export async function registerInstance(
  db: Db,
  input: {
    activationId: string; codeHash: string; instance: Omit<InstanceRow, 'account_id' | 'region' | 'activation_id' | 'iam_role' | 'name' | 'tags'>; now: number;
    tags?: readonly { readonly Key: string; readonly Value: string }[];
  },
): Promise<{ ok: true; row: InstanceRow } | { ok: false; reason: RegistrationRefusal; activation?: ActivationRow }> {
  return db.transaction().execute(async (tx) => {
    const found = await tx.selectFrom('activations').selectAll().where('activation_id', '=', input.activationId).executeTakeFirst();
    if (!found || found.code_hash !== input.codeHash) return { ok: false, reason: 'not-found' } as const;
    const activation = normaliseActivation(found);
    if (activation.expires_at <= input.now) return { ok: false, reason: 'expired', activation } as const;
    // The count is raised only while below the limit, in the same statement: two concurrent
    // registrations cannot both take the last place.
    const raised = await tx.updateTable('activations').set((eb) => ({ registrations_count: eb('registrations_count', '+', 1) }))
      .where('activation_id', '=', input.activationId).where('registrations_count', '<', activation.registration_limit).executeTakeFirst();
    if (Number(raised.numUpdatedRows) === 0) return { ok: false, reason: 'limit', activation } as const;
    const row: InstanceRow = {
      ...input.instance,
      account_id: activation.account_id,
      region: activation.region,
      activation_id: activation.activation_id,
      iam_role: activation.iam_role,
      name: activation.default_instance_name,
      tags: mergeTags(activation.tags, input.tags),
    };
    await tx.insertInto('managed_instances').values(row).execute();
    return { ok: true, row } as const;
  });
}

/** The activation's tags (JSON text) with the node's own over them, in order of first appearance. */
function mergeTags(activationTags: string, own: readonly { readonly Key: string; readonly Value: string }[] | undefined): string {
  if (!own || own.length === 0) return activationTags;
  const merged = new Map((JSON.parse(activationTags) as { Key: string; Value: string }[]).map((t) => [t.Key, t.Value]));
  for (const tag of own) merged.set(tag.Key, tag.Value);
  return JSON.stringify([...merged].map(([Key, Value]) => ({ Key, Value })));
}

export async function findInstance(db: Db, instanceId: string): Promise<InstanceRow | undefined> {
  const row = await db.selectFrom('managed_instances').selectAll().where('instance_id', '=', instanceId).executeTakeFirst();
  return row && normaliseInstance(row);
}

/** The account's nodes in the region (deregistered ones included), by id. */
/** The scope's nodes, or only those of `instanceIds` (read by id: cheaper than the whole fleet for a few). */
export async function listInstances(db: Db, scope: Scope, instanceIds?: readonly string[]): Promise<InstanceRow[]> {
  const query = () => db.selectFrom('managed_instances').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region);
  if (!instanceIds) return (await query().orderBy('instance_id').execute()).map(normaliseInstance);
  const rows: InstanceRow[] = [];
  // SQLite's limit on bound parameters: ids in slices.
  for (let i = 0; i < instanceIds.length; i += 500) {
    const slice = instanceIds.slice(i, i + 500);
    if (slice.length > 0) rows.push(...(await query().where('instance_id', 'in', slice).execute()).map(normaliseInstance));
  }
  return rows.sort((a, b) => (a.instance_id < b.instance_id ? -1 : a.instance_id > b.instance_id ? 1 : 0));
}

export interface HeartbeatUpdate {
  readonly agent_version: string;
  readonly platform_name: string;
  readonly platform_type: string;
  readonly platform_version: string;
  readonly computer_name: string;
  readonly ip_address: string;
  readonly clock_offset_ms: number;
}

/** One UPDATE by primary key: heartbeats of 10,000 nodes must stay cheap. */
export async function recordHeartbeat(db: Db, instanceId: string, update: HeartbeatUpdate, now: number): Promise<void> {
  await db.updateTable('managed_instances').set({ ...update, last_ping_at: now, refused_reason: null, refused_at: null, refused_skew_ms: null })
    .where('instance_id', '=', instanceId).where('deregistered_at', 'is', null).execute();
}

/** Marks a node's channel as alive (connection opened) without waiting for its first heartbeat. */
export async function touchInstance(db: Db, instanceId: string, now: number): Promise<void> {
  await db.updateTable('managed_instances').set({ last_ping_at: now, refused_reason: null, refused_at: null, refused_skew_ms: null })
    .where('instance_id', '=', instanceId).where('deregistered_at', 'is', null).execute();
}

export async function recordRefusal(db: Db, instanceId: string, refusal: { reason: string; skewMs: number | null }, now: number): Promise<void> {
  await db.updateTable('managed_instances').set({ refused_reason: refusal.reason, refused_at: now, refused_skew_ms: refusal.skewMs })
    .where('instance_id', '=', instanceId).execute();
}

export async function deregisterInstanceRow(db: Db, scope: Scope, instanceId: string, now: number): Promise<boolean> {
  const result = await db.updateTable('managed_instances').set({ deregistered_at: now })
    .where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('instance_id', '=', instanceId).where('deregistered_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function setInstanceRole(db: Db, scope: Scope, instanceId: string, iamRole: string): Promise<boolean> {
  const result = await db.updateTable('managed_instances').set({ iam_role: iamRole })
    .where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('instance_id', '=', instanceId).where('deregistered_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function setInstanceTags(db: Db, scope: Scope, instanceId: string, tags: string): Promise<void> {
  await db.updateTable('managed_instances').set({ tags }).where('account_id', '=', scope.accountId).where('region', '=', scope.region)
    .where('instance_id', '=', instanceId).execute();
}

// ---------------------------------------------------------------------------------------------
// The outbound queue of the channel

export async function enqueueMessage(db: Db, row: Omit<ChannelMessagesTable, 'state' | 'acked_at'>): Promise<void> {
  await db.insertInto('channel_messages').values({ ...row, state: 'queued', acked_at: null }).execute();
}

export async function pendingMessages(db: Db, instanceId: string, limit: number): Promise<ChannelMessagesTable[]> {
  return db.selectFrom('channel_messages').selectAll().where('instance_id', '=', instanceId).where('state', '=', 'queued')
    .orderBy('created_at').orderBy('message_id').limit(limit).execute();
}

/** Marks a message acked; only the node it was for can ack it. */
export async function ackMessage(db: Db, instanceId: string, messageId: string, now: number): Promise<boolean> {
  const result = await db.updateTable('channel_messages').set({ state: 'acked', acked_at: now })
    .where('message_id', '=', messageId).where('instance_id', '=', instanceId).where('state', '=', 'queued').executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * Marks many messages acked in one statement per slice (a fan-out to 10,000 nodes brings
 * 10,000 acks at once); each only by the node it was for. Returns the ids that were acked now.
 */
export async function ackMessages(db: Db, acks: readonly { instanceId: string; messageId: string }[], now: number): Promise<Set<string>> {
  const acked = new Set<string>();
  for (let i = 0; i < acks.length; i += 500) {
    const values = sql.join(acks.slice(i, i + 500).map((a) => sql`(${a.messageId}, ${a.instanceId})`));
    const result = await sql<{ message_id: string }>`
      update channel_messages set state = 'acked', acked_at = ${String(now)}
      from (values ${values}) as v
      where channel_messages.message_id = v.column1 and channel_messages.instance_id = v.column2 and channel_messages.state = 'queued'
      returning channel_messages.message_id`.execute(db);
    for (const row of result.rows) acked.add(row.message_id);
  }
  return acked;
}

export async function findMessage(db: Db, messageId: string): Promise<ChannelMessagesTable | undefined> {
  return db.selectFrom('channel_messages').selectAll().where('message_id', '=', messageId).executeTakeFirst();
}

// PostgreSQL returns bigint columns as strings.
function normaliseActivation(row: ActivationRow): ActivationRow {
  return { ...row, expires_at: Number(row.expires_at), created_at: Number(row.created_at), registration_limit: Number(row.registration_limit), registrations_count: Number(row.registrations_count) };
}

const maybe = (v: number | null): number | null => (v === null ? null : Number(v));

function normaliseInstance(row: InstanceRow): InstanceRow {
  return {
    ...row,
    registered_at: Number(row.registered_at),
    deregistered_at: maybe(row.deregistered_at),
    last_ping_at: maybe(row.last_ping_at),
    clock_offset_ms: maybe(row.clock_offset_ms),
    refused_at: maybe(row.refused_at),
    refused_skew_ms: maybe(row.refused_skew_ms),
  };
}

/** Every node of every account and region (operator tools: `bosun nodes ls`). */
export async function listAllInstances(db: Db): Promise<InstanceRow[]> {
  const rows = await db.selectFrom('managed_instances').selectAll().orderBy('account_id').orderBy('instance_id').execute();
  return rows.map(normaliseInstance);
}
