import type { Logger } from '../logger.ts';

export interface PeriodicTaskOptions {
  /** Said in the log when a pass fails. */
  readonly name: string;
  /** Pause between the end of one pass and the start of the next, ms. */
  readonly intervalMs: number;
  readonly run: () => Promise<void>;
  readonly logger: Logger;
}

/**
 * The thin loop under the server's background work (policy scheduler, webhook delivery):
 * one pass at a time, the next one `intervalMs` after the last ended, a failed pass logged
 * and retried on the next tick. `stop` waits for a pass in flight, so the store can close.
 */
export class PeriodicTask {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(private readonly options: PeriodicTaskOptions) {}

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.running = this.options.run()
        .catch((error) => this.options.logger.error({ err: error }, `${this.options.name} failed`))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.options.intervalMs);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
