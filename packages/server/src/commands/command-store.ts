import { sql, type Transaction } from 'kysely';
import type { Scope } from '@bosun/protocol';
import type { Db } from '../store/store.ts';
import { bulkInsert } from '../store/bulk-insert.ts';
import type { ChannelMessagesTable, CommandInvocationsTable, CommandsTable, Database } from '../store/schema.ts';

/**
 * Store queries of Run Command. A command row keeps its counters (started, in flight, one
 * per outcome) up to date incrementally, so that no query ever counts a command's
 * invocations; an invocation is a row whose status only moves forward (a terminal status is
 * never overwritten: a duplicate result changes nothing). Callers pass ids and `now`.
 * Commands live per account and region (their invocations in the command's region); command
 * ids are unique everywhere, so the dispatcher works from ids alone.
 */

export type CommandRow = CommandsTable;
export type InvocationRow = CommandInvocationsTable;
type Tx = Transaction<Database>;

export const TERMINAL_STATUSES: readonly string[] = ['Success', 'Failed', 'TimedOut', 'Cancelled'];
const NOT_TERMINAL = ['Pending', 'Delayed', 'InProgress', 'Cancelling'];

/** Rows per INSERT: far below SQLite's and PostgreSQL's limits on bound values. */
/** Rows (or ids) per statement where each is its own values. */
const INSERT_BATCH = 500;

/** Invocation rows per statement (store/bulk-insert.ts). */
const BULK_BATCH = 5000;

/** The columns of an invocation row, with their types. */
const INVOCATION_COLUMNS = ([
  ['command_id', 'text'], ['instance_id', 'text'], ['account_id', 'text'], ['region', 'text'], ['seq', 'integer'], ['instance_name', 'text'], ['status', 'text'], ['status_details', 'text'],
  ['response_code', 'integer'], ['message_id', 'text'], ['sent_at', 'bigint'], ['acked_at', 'bigint'], ['started_at', 'bigint'], ['ended_at', 'bigint'],
  ['deadline_at', 'bigint'], ['plugins', 'text'], ['updated_at', 'bigint'],
] as const).map(([name, type]) => ({ name, type }));

/** The channel message id of an invocation's send-command: one per (command, node), so that the ack names the invocation. */
export function invocationMessageId(commandId: string, instanceId: string): string {
  return `${commandId}_${instanceId}`;
}

export function parseInvocationMessageId(messageId: string): { commandId: string; instanceId: string } | undefined {
  const at = messageId.lastIndexOf('_');
  if (at !== 36) return undefined;
  return { commandId: messageId.slice(0, at), instanceId: messageId.slice(at + 1) };
}

/** Which counter of its command a terminal invocation adds to. */
export type Outcome = 'success' | 'failed' | 'execution_timed_out' | 'delivery_timed_out' | 'undeliverable' | 'invalid_platform' | 'cancelled' | 'terminated';

export function outcomeOf(status: string, statusDetails: string): Outcome {
  switch (status) {
    case 'Success': return 'success';
    case 'TimedOut': return statusDetails === 'DeliveryTimedOut' ? 'delivery_timed_out' : 'execution_timed_out';
    case 'Cancelled': return statusDetails === 'Terminated' ? 'terminated' : 'cancelled';
    default:
      if (statusDetails === 'Undeliverable') return 'undeliverable';
      if (statusDetails === 'InvalidPlatform') return 'invalid_platform';
      return 'failed';
  }
}

/** Counter deltas of one command, applied in one UPDATE. */
class Deltas {
  readonly byCommand = new Map<string, Map<string, number>>();
  add(commandId: string, column: string, n = 1): void {
    let m = this.byCommand.get(commandId);
    if (!m) this.byCommand.set(commandId, (m = new Map()));
    m.set(column, (m.get(column) ?? 0) + n);
  }
  outcome(commandId: string, outcome: Outcome, wasSent: boolean): void {
    this.add(commandId, `${outcome}_count`);
    this.add(commandId, 'completed_count');
    if (outcome === 'failed' || outcome === 'execution_timed_out') this.add(commandId, 'error_count');
    if (wasSent) this.add(commandId, 'in_flight_count', -1);
  }
  async apply(tx: Tx): Promise<void> {
    for (const [commandId, columns] of this.byCommand) {
      const set: Record<string, unknown> = {};
      for (const [column, n] of columns) if (n !== 0) set[column] = sql`${sql.ref(column)} + ${n}`;
      if (Object.keys(set).length > 0) await tx.updateTable('commands').set(set).where('command_id', '=', commandId).execute();
    }
  }
}

/** A new command, its invocations (in dispatch order) and nothing sent yet, in one transaction. */
export async function insertCommand(db: Db, command: CommandRow, invocations: readonly InvocationRow[]): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx.insertInto('commands').values(command).execute();
    for (let i = 0; i < invocations.length; i += BULK_BATCH) {
      await bulkInsert(tx, {
        table: 'command_invocations', columns: INVOCATION_COLUMNS, rows: invocations.slice(i, i + BULK_BATCH),
      });
    }
  });
}

export async function findCommand(db: Db, commandId: string): Promise<CommandRow | undefined> {
  const row = await db.selectFrom('commands').selectAll().where('command_id', '=', commandId).executeTakeFirst();
  return row && normaliseCommand(row);
}

/** Commands that are not terminal yet (the dispatcher's work after a restart). */
export async function activeCommandIds(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('commands').select('command_id').where('status', 'in', ['Pending', 'InProgress', 'Cancelling']).execute();
  return rows.map((r) => r.command_id);
}

/** The filters ListCommands and ListCommandInvocations share. */
interface CommandFilters {
  readonly scope: Scope;
  readonly commandId?: string;
  readonly instanceId?: string;
  readonly invokedAfter?: number;
  readonly invokedBefore?: number;
  readonly statuses?: readonly string[];
  readonly statusDetails?: readonly string[];
  readonly documentName?: string;
  readonly executionStage?: 'Executing' | 'Complete';
  readonly limit: number;
}

export interface CommandQuery extends CommandFilters {
  /** Continue after this (requested_at, command_id), newest first. */
  readonly after?: { readonly at: number; readonly commandId: string };
}

/** An account's commands in the region, newest first. */
export async function listCommands(db: Db, q: CommandQuery): Promise<CommandRow[]> {
  let query = db.selectFrom('commands').selectAll().where('account_id', '=', q.scope.accountId).where('region', '=', q.scope.region);
  if (q.commandId) query = query.where('command_id', '=', q.commandId);
  if (q.instanceId) {
    const instanceId = q.instanceId;
    query = query.where((eb) => eb.exists(eb.selectFrom('command_invocations').select('command_invocations.command_id')
      .whereRef('command_invocations.command_id', '=', 'commands.command_id').where('command_invocations.instance_id', '=', instanceId)));
  }
  if (q.invokedAfter !== undefined) query = query.where('requested_at', '>=', q.invokedAfter);
  if (q.invokedBefore !== undefined) query = query.where('requested_at', '<=', q.invokedBefore);
  if (q.statuses) query = query.where('status', 'in', [...q.statuses]);
  if (q.statusDetails) query = query.where('status_details', 'in', [...q.statusDetails]);
  if (q.documentName) query = query.where('document_name', '=', q.documentName);
  if (q.executionStage) query = query.where('status', q.executionStage === 'Complete' ? 'in' : 'not in', TERMINAL_STATUSES);
  if (q.after) {
    const { at, commandId } = q.after;
    query = query.where((eb) => eb.or([eb('requested_at', '<', at), eb.and([eb('requested_at', '=', at), eb('command_id', '<', commandId)])]));
  }
  const rows = await query.orderBy('requested_at', 'desc').orderBy('command_id', 'desc').limit(q.limit).execute();
  return rows.map(normaliseCommand);
}

export interface InvocationQuery extends CommandFilters {
  /** Continue after this (command_id, instance_id). */
  readonly after?: { readonly commandId: string; readonly instanceId: string };
}

export type InvocationWithCommand = InvocationRow & Pick<CommandRow, 'document_name' | 'document_version' | 'comment' | 'requested_at' | 'service_role' | 'notification_config' | 'cloudwatch_output_config' | 'output_s3_region' | 'output_s3_bucket_name' | 'output_s3_key_prefix'>;

/** Invocations with their command's columns, ordered by command then node. */
export async function listInvocations(db: Db, q: InvocationQuery): Promise<InvocationWithCommand[]> {
  let query = db.selectFrom('command_invocations').innerJoin('commands', 'commands.command_id', 'command_invocations.command_id')
    .selectAll('command_invocations')
    .select(['commands.document_name', 'commands.document_version', 'commands.comment', 'commands.requested_at', 'commands.service_role', 'commands.notification_config',
      'commands.cloudwatch_output_config', 'commands.output_s3_region', 'commands.output_s3_bucket_name', 'commands.output_s3_key_prefix'])
    .where('command_invocations.account_id', '=', q.scope.accountId).where('command_invocations.region', '=', q.scope.region);
  if (q.commandId) query = query.where('command_invocations.command_id', '=', q.commandId);
  if (q.instanceId) query = query.where('command_invocations.instance_id', '=', q.instanceId);
  if (q.invokedAfter !== undefined) query = query.where('commands.requested_at', '>=', q.invokedAfter);
  if (q.invokedBefore !== undefined) query = query.where('commands.requested_at', '<=', q.invokedBefore);
  if (q.statuses) query = query.where('command_invocations.status', 'in', [...q.statuses]);
  if (q.statusDetails) query = query.where('command_invocations.status_details', 'in', [...q.statusDetails]);
  if (q.documentName) query = query.where('commands.document_name', '=', q.documentName);
  if (q.executionStage) query = query.where('command_invocations.status', q.executionStage === 'Complete' ? 'in' : 'not in', TERMINAL_STATUSES);
  if (q.after) {
    const { commandId, instanceId } = q.after;
    query = query.where((eb) => eb.or([eb('command_invocations.command_id', '>', commandId),
      eb.and([eb('command_invocations.command_id', '=', commandId), eb('command_invocations.instance_id', '>', instanceId)])]));
  }
  const rows = await query.orderBy('command_invocations.command_id').orderBy('command_invocations.instance_id').limit(q.limit).execute();
  return rows.map((r) => ({ ...normaliseInvocation(r), requested_at: Number(r.requested_at) }));
}

export async function findInvocation(db: Db, commandId: string, instanceId: string): Promise<InvocationRow | undefined> {
  const row = await db.selectFrom('command_invocations').selectAll().where('command_id', '=', commandId).where('instance_id', '=', instanceId).executeTakeFirst();
  return row && normaliseInvocation(row);
}

/** Every invocation of a command, in dispatch order (the stream route's first state). */
export async function commandInvocations(db: Db, commandId: string): Promise<InvocationRow[]> {
  const rows = await db.selectFrom('command_invocations').selectAll().where('command_id', '=', commandId).orderBy('seq').execute();
  return rows.map(normaliseInvocation);
}

/**
 * Takes the next `count` queued invocations of a command out of the queue and queues their
 * send-command messages, in one transaction. The claim is conditional on `started` being the
 * cursor the caller read, so two dispatchers never send the same invocation. Returns the
 * invocations sent (empty when another dispatcher moved first).
 */
export async function claimAndSend(
  db: Db,
  input: { command: CommandRow; count: number; now: number; body: (row: InvocationRow) => string; offline: (instanceId: string) => boolean },
): Promise<InvocationRow[]> {
  const { command, count, now } = input;
  return db.transaction().execute(async (tx) => {
    const claimed = await tx.updateTable('commands')
      .set({ started_count: command.started_count + count })
      .where('command_id', '=', command.command_id).where('started_count', '=', command.started_count).executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) return [];
    const rows = (await tx.selectFrom('command_invocations').selectAll().where('command_id', '=', command.command_id)
      .where('seq', '>=', command.started_count).where('seq', '<', command.started_count + count).orderBy('seq').execute()).map(normaliseInvocation);
    const sendable = rows.filter((r) => r.status === 'Pending' && r.sent_at === null);
    await tx.updateTable('command_invocations')
      .set({ sent_at: now, updated_at: now, message_id: sql`command_id || '_' || instance_id` })
      .where('command_id', '=', command.command_id).where('seq', '>=', command.started_count).where('seq', '<', command.started_count + count)
      .where('status', '=', 'Pending').where('sent_at', 'is', null).execute();
    // Only invocations still queued are sent (one cancelled before its turn is not).
    if (sendable.length > 0) await tx.updateTable('commands').set({ in_flight_count: sql`in_flight_count + ${sendable.length}` }).where('command_id', '=', command.command_id).execute();
    const delayed = sendable.filter((r) => input.offline(r.instance_id)).map((r) => r.instance_id);
    for (let i = 0; i < delayed.length; i += INSERT_BATCH) {
      await tx.updateTable('command_invocations').set({ status: 'Delayed', status_details: 'Delayed' })
        .where('command_id', '=', command.command_id).where('instance_id', 'in', delayed.slice(i, i + INSERT_BATCH)).execute();
    }
    const messages: ChannelMessagesTable[] = sendable.map((r) => ({
      message_id: invocationMessageId(r.command_id, r.instance_id), instance_id: r.instance_id, type: 'send-command', body: input.body(r), state: 'queued', created_at: now, acked_at: null,
    }));
    for (let i = 0; i < messages.length; i += INSERT_BATCH) {
      await tx.insertInto('channel_messages').values(messages.slice(i, i + INSERT_BATCH)).onConflict((oc) => oc.column('message_id').doNothing()).execute();
    }
    const delayedSet = new Set(delayed);
    return sendable.map((r) => ({ ...r, sent_at: now, message_id: invocationMessageId(r.command_id, r.instance_id), status: delayedSet.has(r.instance_id) ? 'Delayed' : 'Pending' }));
  });
}

/**
 * A node received its invocations: Pending or Delayed become InProgress, and the execution
 * deadline (the server's backstop for a node that vanishes mid-run) starts. Returns those that moved.
 */
export async function recordAcks(db: Db, acks: readonly { commandId: string; instanceId: string }[], now: number): Promise<{ commandId: string; instanceId: string }[]> {
  if (acks.length === 0) return [];
  return db.transaction().execute(async (tx) => {
    const moved: { commandId: string; instanceId: string }[] = [];
    for (let i = 0; i < acks.length; i += INSERT_BATCH) {
      const values = sql.join(acks.slice(i, i + INSERT_BATCH).map((a) => sql`(${a.commandId}, ${a.instanceId})`));
      const result = await sql<{ command_id: string; instance_id: string }>`
        update command_invocations set
          status = 'InProgress', status_details = 'InProgress', acked_at = ${String(now)}, updated_at = ${String(now)},
          deadline_at = ${String(now)} + (select execution_limit_ms from commands where commands.command_id = command_invocations.command_id)
        from (values ${values}) as v
        where command_invocations.command_id = v.column1 and command_invocations.instance_id = v.column2
          and command_invocations.status in ('Pending', 'Delayed')
        returning command_invocations.command_id, command_invocations.instance_id`.execute(tx);
      for (const row of result.rows) moved.push({ commandId: row.command_id, instanceId: row.instance_id });
    }
    return moved;
  });
}

export interface TerminalUpdate {
  readonly commandId: string;
  readonly instanceId: string;
  readonly status: string;
  readonly statusDetails: string;
  readonly responseCode: number;
  readonly startedAt: number | null;
  readonly endedAt: number | null;
  /** JSON of the plugin results; undefined keeps what the row has. */
  readonly plugins?: string;
}

/**
 * Ends invocations (agent results, timeouts, cancels) and moves their commands' counters,
 * in one transaction. An invocation already terminal is left as it is: recording a result
 * twice changes nothing. Returns the updates that applied.
 */
export async function endInvocations(db: Db, updates: readonly TerminalUpdate[], now: number, options: { fromStatuses?: readonly string[] } = {}): Promise<TerminalUpdate[]> {
  if (updates.length === 0) return [];
  return db.transaction().execute((tx) => endInvocationsTx(tx, updates, now, options));
}

async function endInvocationsTx(tx: Tx, updates: readonly TerminalUpdate[], now: number, options: { fromStatuses?: readonly string[] }): Promise<TerminalUpdate[]> {
  const applied: TerminalUpdate[] = [];
  const deltas = new Deltas();
  const from = [...(options.fromStatuses ?? NOT_TERMINAL)];
  // One statement per slice (UPDATE … FROM VALUES, on SQLite and PostgreSQL alike): a result
  // batch of 10,000 nodes is 20 statements, not 10,000 round trips. The first update of an
  // invocation in the batch wins; the store keeps it from moving once terminal.
  const unique = new Map<string, TerminalUpdate>();
  for (const u of updates) if (!unique.has(`${u.commandId}/${u.instanceId}`)) unique.set(`${u.commandId}/${u.instanceId}`, u);
  const all = [...unique.values()];
  for (let i = 0; i < all.length; i += INSERT_BATCH) {
    const slice = all.slice(i, i + INSERT_BATCH);
    const values = sql.join(slice.map((u) => sql`(${u.commandId}, ${u.instanceId}, ${u.status}, ${u.statusDetails}, ${String(u.responseCode)}, ${u.startedAt === null ? null : String(u.startedAt)}, ${u.endedAt === null ? null : String(u.endedAt)}, ${u.plugins ?? null})`));
    const result = await sql<{ command_id: string; instance_id: string; sent_at: number | null }>`
      update command_invocations set
        status = v.column3, status_details = v.column4, response_code = cast(v.column5 as integer),
        started_at = cast(v.column6 as bigint), ended_at = cast(v.column7 as bigint), updated_at = ${String(now)},
        plugins = coalesce(v.column8, command_invocations.plugins)
      from (values ${values}) as v
      where command_invocations.command_id = v.column1 and command_invocations.instance_id = v.column2
        and command_invocations.status in (${sql.join(from)})
      returning command_invocations.command_id, command_invocations.instance_id, command_invocations.sent_at`.execute(tx);
    for (const row of result.rows) {
      const u = unique.get(`${row.command_id}/${row.instance_id}`)!;
      applied.push(u);
      deltas.outcome(u.commandId, outcomeOf(u.status, u.statusDetails), row.sent_at !== null);
    }
  }
  await deltas.apply(tx);
  return applied;
}

/**
 * MaxErrors was exceeded: every invocation still queued (never sent) ends Cancelled /
 * Terminated, and the queue cursor moves to the end.
 */
export async function terminateQueued(db: Db, command: CommandRow, now: number, details: { status: string; statusDetails: string } = { status: 'Cancelled', statusDetails: 'Terminated' }): Promise<string[]> {
  return db.transaction().execute(async (tx) => {
    const rows = await tx.updateTable('command_invocations').set({ status: details.status, status_details: details.statusDetails, updated_at: now })
      .where('command_id', '=', command.command_id).where('sent_at', 'is', null).where('status', '=', 'Pending')
      .returning('instance_id').execute();
    const deltas = new Deltas();
    const outcome = outcomeOf(details.status, details.statusDetails);
    for (let i = 0; i < rows.length; i++) deltas.outcome(command.command_id, outcome, false);
    await deltas.apply(tx);
    await tx.updateTable('commands').set({ started_count: command.target_count }).where('command_id', '=', command.command_id).execute();
    return rows.map((r) => r.instance_id);
  });
}

/**
 * The delivery deadline passed: every invocation its node has not received (Pending,
 * Delayed) ends TimedOut / DeliveryTimedOut, and the messages still queued for them are
 * dropped so that a node reconnecting later does not run them.
 */
export async function expireDelivery(db: Db, command: CommandRow, now: number): Promise<string[]> {
  return db.transaction().execute(async (tx) => {
    const rows = await tx.updateTable('command_invocations').set({ status: 'TimedOut', status_details: 'DeliveryTimedOut', response_code: -1, updated_at: now })
      .where('command_id', '=', command.command_id).where('status', 'in', ['Pending', 'Delayed'])
      .returning(['instance_id', 'sent_at']).execute();
    const deltas = new Deltas();
    const dropped: string[] = [];
    for (const r of rows) {
      deltas.outcome(command.command_id, 'delivery_timed_out', r.sent_at !== null);
      if (r.sent_at !== null) dropped.push(invocationMessageId(command.command_id, r.instance_id));
    }
    await deltas.apply(tx);
    await tx.updateTable('commands').set({ started_count: command.target_count }).where('command_id', '=', command.command_id).execute();
    for (let i = 0; i < dropped.length; i += INSERT_BATCH) {
      await tx.updateTable('channel_messages').set({ state: 'dropped' }).where('message_id', 'in', dropped.slice(i, i + INSERT_BATCH)).where('state', '=', 'queued').execute();
    }
    return rows.map((r) => r.instance_id);
  });
}

/** Sent invocations whose node never answered by their deadline (the node vanished mid-run). */
export async function overdueInvocations(db: Db, now: number, limit: number): Promise<InvocationRow[]> {
  const rows = await db.selectFrom('command_invocations').selectAll().where('status', 'in', ['InProgress', 'Cancelling', 'Pending', 'Delayed'])
    .where('deadline_at', '<=', now).orderBy('deadline_at').limit(limit).execute();
  return rows.map(normaliseInvocation);
}

/** Commands whose delivery deadline passed while invocations still wait for their node. */
export async function commandsPastDelivery(db: Db, now: number): Promise<CommandRow[]> {
  const rows = await db.selectFrom('commands').selectAll().where('status', 'in', ['Pending', 'InProgress', 'Cancelling']).where('expires_at', '<=', now).execute();
  return rows.map(normaliseCommand);
}

/**
 * CancelCommand: invocations not sent end Cancelled at once; sent ones whose message is
 * still queued (the node never got it) have the message dropped and end Cancelled too;
 * the rest (the node has it) become Cancelling until the node reports. Returns the nodes
 * that need a cancel-command message.
 */
export async function cancelInvocations(db: Db, input: { command: CommandRow; instanceIds?: readonly string[]; now: number }): Promise<{ cancelled: string[]; cancelling: string[] }> {
  const { command, now } = input;
  return db.transaction().execute(async (tx) => {
    if (!input.instanceIds) await tx.updateTable('commands').set({ cancel_requested: 1 }).where('command_id', '=', command.command_id).execute();
    let query = tx.selectFrom('command_invocations').leftJoin('channel_messages', 'channel_messages.message_id', 'command_invocations.message_id')
      .select(['command_invocations.instance_id', 'command_invocations.status', 'command_invocations.sent_at', 'channel_messages.state as message_state'])
      .where('command_invocations.command_id', '=', command.command_id).where('command_invocations.status', 'in', NOT_TERMINAL);
    if (input.instanceIds) query = query.where('command_invocations.instance_id', 'in', [...input.instanceIds]);
    const rows = await query.execute();
    const now_: TerminalUpdate[] = [];
    const cancelling: string[] = [];
    const drop: string[] = [];
    for (const r of rows) {
      if (r.sent_at === null || r.message_state === 'queued') {
        now_.push({ commandId: command.command_id, instanceId: r.instance_id, status: 'Cancelled', statusDetails: 'Cancelled', responseCode: -1, startedAt: null, endedAt: null });
        if (r.sent_at !== null) drop.push(invocationMessageId(command.command_id, r.instance_id));
      } else if (r.status !== 'Cancelling') {
        cancelling.push(r.instance_id);
      }
    }
    for (let i = 0; i < drop.length; i += INSERT_BATCH) {
      await tx.updateTable('channel_messages').set({ state: 'dropped' }).where('message_id', 'in', drop.slice(i, i + INSERT_BATCH)).where('state', '=', 'queued').execute();
    }
    const applied = await endInvocationsTx(tx, now_, now, {});
    for (let i = 0; i < cancelling.length; i += INSERT_BATCH) {
      // The node has it: Cancelling until it reports, with a deadline in case it never does.
      await tx.updateTable('command_invocations')
        .set((eb) => ({ status: 'Cancelling', status_details: 'Cancelling', updated_at: now, deadline_at: eb.fn.coalesce('deadline_at', eb.val(now + command.execution_limit_ms)) }))
        .where('command_id', '=', command.command_id).where('instance_id', 'in', cancelling.slice(i, i + INSERT_BATCH)).where('status', 'in', ['Pending', 'Delayed', 'InProgress']).execute();
    }
    return { cancelled: applied.map((u) => u.instanceId), cancelling };
  });
}

/** Writes a command's status when it changed; true when it did. */
export async function setCommandStatus(db: Db, commandId: string, status: { status: string; statusDetails: string }, completedAt: number | null): Promise<boolean> {
  const result = await db.updateTable('commands').set({ status: status.status, status_details: status.statusDetails, completed_at: completedAt })
    .where('command_id', '=', commandId).where((eb) => eb.or([eb('status', '!=', status.status), eb('status_details', '!=', status.statusDetails)])).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

// ---------------------------------------------------------------------------------------------
// Output received while invocations run

export interface OutputChunk {
  readonly commandId: string;
  readonly instanceId: string;
  readonly pluginName: string;
  readonly stream: 'stdout' | 'stderr';
  readonly offset: number;
  readonly data: string;
}

/**
 * Stores chunks of invocations that exist and still run (a node cannot write output for a
 * command it was not sent); a chunk already stored (same offset) is kept as it is.
 */
export async function insertChunks(db: Db, all: readonly OutputChunk[]): Promise<OutputChunk[]> {
  const running = new Set<string>();
  const commandIds = [...new Set(all.map((c) => c.commandId))];
  for (let i = 0; i < commandIds.length; i += INSERT_BATCH) {
    const rows = await db.selectFrom('command_invocations').select(['command_id', 'instance_id'])
      .where('command_id', 'in', commandIds.slice(i, i + INSERT_BATCH)).where('instance_id', 'in', [...new Set(all.map((c) => c.instanceId))])
      .where('status', 'not in', TERMINAL_STATUSES).execute();
    for (const r of rows) running.add(`${r.command_id}/${r.instance_id}`);
  }
  const chunks = all.filter((c) => running.has(`${c.commandId}/${c.instanceId}`));
  for (let i = 0; i < chunks.length; i += INSERT_BATCH) {
    await db.insertInto('command_output_chunks').values(chunks.slice(i, i + INSERT_BATCH).map((c) => ({
      command_id: c.commandId, instance_id: c.instanceId, plugin_name: c.pluginName, stream: c.stream, offset: c.offset, data: c.data,
    }))).onConflict((oc) => oc.columns(['command_id', 'instance_id', 'plugin_name', 'stream', 'offset']).doNothing()).execute();
  }
  return chunks;
}

export async function invocationChunks(db: Db, commandId: string, instanceId: string): Promise<OutputChunk[]> {
  const rows = await db.selectFrom('command_output_chunks').selectAll().where('command_id', '=', commandId).where('instance_id', '=', instanceId)
    .orderBy('plugin_name').orderBy('stream').orderBy('offset').execute();
  return rows.map((r) => ({ commandId: r.command_id, instanceId: r.instance_id, pluginName: r.plugin_name, stream: r.stream as 'stdout' | 'stderr', offset: Number(r.offset), data: r.data }));
}

export async function deleteChunks(db: Db, keys: readonly { commandId: string; instanceId: string }[]): Promise<void> {
  for (const k of keys) await db.deleteFrom('command_output_chunks').where('command_id', '=', k.commandId).where('instance_id', '=', k.instanceId).execute();
}

// PostgreSQL returns bigint columns as strings.
const maybe = (v: number | null): number | null => (v === null ? null : Number(v));

function normaliseCommand(row: CommandRow): CommandRow {
  const out: Record<string, unknown> = { ...row };
  for (const key of ['requested_at', 'expires_at', 'execution_limit_ms'] as const) out[key] = Number(row[key]);
  out.completed_at = maybe(row.completed_at);
  return out as unknown as CommandRow;
}

function normaliseInvocation<T extends InvocationRow>(row: T): T {
  return {
    ...row,
    sent_at: maybe(row.sent_at), acked_at: maybe(row.acked_at), started_at: maybe(row.started_at), ended_at: maybe(row.ended_at),
    deadline_at: maybe(row.deadline_at), updated_at: Number(row.updated_at), seq: Number(row.seq), response_code: Number(row.response_code),
  };
}
