import type { Kysely, Transaction } from 'kysely';
import type { Db } from '../store/store.ts';
import type { Database, EventsTable } from '../store/schema.ts';

/**
 * The event log (EventBridge-shaped events Bosun emits, e.g. Parameter Store policy actions)
 * and per-account options (webhook URL, retention). An event id is chosen by the emitter so
 * that emitting the same fact twice stores it once. Events are regional, as on EventBridge:
 * each is kept in the region of the resource it is about; an account's options hold for all
 * its regions (one webhook receives every region's events).
 */

export interface NewEvent {
  readonly eventId: string;
  readonly accountId: string;
  /** The region of the resources the event is about: its `region` field, and where it is listed. */
  readonly region: string;
  readonly at: number;
  readonly source: string;
  readonly detailType: string;
  readonly resources: readonly string[];
  readonly detail: Record<string, unknown>;
}

/** Appends an event unless one with its id exists; true when it was new. */
export async function appendEvent(db: Kysely<Database> | Transaction<Database>, event: NewEvent): Promise<boolean> {
  const result = await db.insertInto('events').values({
    event_id: event.eventId, account_id: event.accountId, region: event.region, created_at: event.at, source: event.source, detail_type: event.detailType,
    resources: JSON.stringify(event.resources), detail: JSON.stringify(event.detail), delivered_at: null, attempts: 0, next_attempt_at: event.at, last_error: null,
  }).onConflict((oc) => oc.column('event_id').doNothing()).executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
}

/** Events in time order; of one account, one region or both when given (the CLI tails every one). */
export async function listEvents(
  db: Db, options: { accountId?: string; region?: string; after?: { at: number; eventId: string }; limit: number; newestFirst?: boolean },
): Promise<EventsTable[]> {
  let query = db.selectFrom('events').selectAll();
  if (options.accountId) query = query.where('account_id', '=', options.accountId);
  if (options.region) query = query.where('region', '=', options.region);
  if (options.after) {
    const { at, eventId } = options.after;
    query = query.where((eb) => eb.or([eb('created_at', '>', at), eb.and([eb('created_at', '=', at), eb('event_id', '>', eventId)])]));
  }
  const direction = options.newestFirst ? 'desc' : 'asc';
  return query.orderBy('created_at', direction).orderBy('event_id', direction).limit(options.limit).execute();
}

/** Undelivered events (of any region) of accounts that have a webhook, due now, oldest first. */
export async function dueDeliveries(db: Db, now: number, limit: number): Promise<(EventsTable & { url: string })[]> {
  return db.selectFrom('events')
    .innerJoin('account_options', (join) => join.onRef('account_options.account_id', '=', 'events.account_id').on('account_options.option', '=', WEBHOOK_OPTION))
    .selectAll('events').select('account_options.value as url')
    .where('events.delivered_at', 'is', null).where('events.next_attempt_at', '<=', now)
    .orderBy('events.next_attempt_at').limit(limit).execute();
}

export async function markDelivered(db: Db, eventId: string, now: number): Promise<void> {
  await db.updateTable('events').set((eb) => ({ delivered_at: now, attempts: eb('attempts', '+', 1), last_error: null })).where('event_id', '=', eventId).execute();
}

export async function markFailed(db: Db, eventId: string, attempts: number, nextAttemptAt: number, error: string): Promise<void> {
  await db.updateTable('events').set({ attempts, next_attempt_at: nextAttemptAt, last_error: error.slice(0, 500) }).where('event_id', '=', eventId).execute();
}

export const WEBHOOK_OPTION = 'events.webhook-url';
export const RETENTION_OPTION = 'parameters.deleted-retention-days';

export async function getAccountOption(db: Db, accountId: string, option: string): Promise<string | undefined> {
  return (await db.selectFrom('account_options').select('value').where('account_id', '=', accountId).where('option', '=', option).executeTakeFirst())?.value;
}

export async function setAccountOption(db: Db, accountId: string, option: string, value: string | undefined, now: number): Promise<void> {
  if (value === undefined) {
    await db.deleteFrom('account_options').where('account_id', '=', accountId).where('option', '=', option).execute();
    return;
  }
  await db.insertInto('account_options').values({ account_id: accountId, option, value, updated_at: now })
    .onConflict((oc) => oc.columns(['account_id', 'option']).doUpdateSet({ value, updated_at: now })).execute();
}

export async function accountOptions(db: Db, option: string): Promise<Map<string, string>> {
  const rows = await db.selectFrom('account_options').select(['account_id', 'value']).where('option', '=', option).execute();
  return new Map(rows.map((r) => [r.account_id, r.value]));
}
