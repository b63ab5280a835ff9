import type { Logger } from '../logger.ts';
import type { Db } from '../store/store.ts';
import type { EventsTable } from '../store/schema.ts';
import { dueDeliveries, markDelivered, markFailed } from './event-store.ts';
import { PeriodicTask } from '../engine/periodic-task.ts';

/**
 * Delivers events to each account's webhook URL: POST of the EventBridge-shaped event as JSON.
 * At least once: an event is marked delivered only after a 2xx answer; otherwise it is retried
 * with exponential backoff. A receiver may see an event twice (same `id`) and should de-duplicate.
 */
export interface WebhookDeliveryOptions {
  readonly db: Db;
  readonly now: () => number;
  readonly logger: Logger;
  /** How often to look for due deliveries, ms. Default 500. */
  readonly intervalMs?: number;
  /** Per-request timeout, ms. Default 5000. */
  readonly timeoutMs?: number;
}

/** 1 s, 2 s, 4 s … capped at 5 minutes. */
export function backoffMs(attempts: number): number {
  return Math.min(1000 * 2 ** Math.max(0, attempts - 1), 5 * 60 * 1000);
}

/** The EventBridge-shaped JSON of an event, in the region it was kept in. */
export function eventBody(event: EventsTable): string {
  return JSON.stringify({
    version: '0',
    id: event.event_id,
    'detail-type': event.detail_type,
    source: event.source,
    account: event.account_id,
    time: new Date(Number(event.created_at)).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: event.region,
    resources: JSON.parse(event.resources),
    detail: JSON.parse(event.detail),
  });
}

export class WebhookDelivery {
  private readonly loop: PeriodicTask;

  constructor(private readonly options: WebhookDeliveryOptions) {
    this.loop = new PeriodicTask({ name: 'webhook delivery', intervalMs: options.intervalMs ?? 500, run: () => this.deliverDue(), logger: options.logger });
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** One pass: delivers what is due. */
  async deliverDue(): Promise<void> {
    const due = await dueDeliveries(this.options.db, this.options.now(), 50);
    await Promise.all(due.map((event) => this.deliver(event)));
  }

  private async deliver(event: EventsTable & { url: string }): Promise<void> {
    let error: string | undefined;
    try {
      const response = await fetch(event.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'bosun-events/1' },
        body: eventBody(event),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
      });
      await response.arrayBuffer().catch(() => undefined);
      if (response.status < 200 || response.status > 299) error = `HTTP ${response.status}`;
    } catch (thrown) {
      error = (thrown as Error).message;
    }
    const now = this.options.now();
    if (!error) {
      await markDelivered(this.options.db, event.event_id, now);
      return;
    }
    const attempts = event.attempts + 1;
    this.options.logger.warn({ eventId: event.event_id, attempts, error }, 'webhook delivery failed; will retry');
    await markFailed(this.options.db, event.event_id, attempts, now + backoffMs(attempts), error);
  }
}
