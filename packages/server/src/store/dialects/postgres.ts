import pg from 'pg';
import { PostgresDialect } from 'kysely';
import type { StoreDialect } from './dialect.ts';
import { WriteCounter } from './write-counter.ts';

// int8 (bigint columns, count(*)) arrives as a string by default; every bigint we
// store is an epoch-ms time or a sequence number, both safe as JS numbers.
pg.types.setTypeParser(20, Number);

export interface PostgresOptions {
  readonly url: string;
  /** Pool size; default 10. */
  readonly poolSize?: number;
}

/** The channel of migration 0008's triggers: payload `schema:table`, sent at commit. */
const CHANGES_CHANNEL = 'bosun_changes';

export function postgresDialect(options: PostgresOptions): StoreDialect {
  const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10 });
  const writes = new WriteCounter();
  const prepared = new Map<string, string>();
  pool.on('connect', (client) => countWrites(client, writes, prepared));
  const changes = new ChangeListener(options.url);
  return {
    name: 'postgres',
    kysely: new PostgresDialect({ pool }),
    rowLocks: true,
    location: redactUrl(options.url),
    changeStamp(tables) {
      const heard = changes.stamp(tables);
      if (heard === undefined) return undefined;
      return `${heard}:${writes.writesTo(tables)}`;
    },
    prepare(text) {
      if (prepared.has(text)) return true;
      if (prepared.size >= MAX_PREPARED) return false;
      prepared.set(text, `bosun_${prepared.size + 1}`);
      return true;
    },
    async beforeClose() {
      await changes.close();
    },
  };
}

/** Texts `prepare` admits: each a plan on every connection that runs it (the audit append of 64 events takes about 400 KiB). */
const MAX_PREPARED = 24;

/**
 * Counts the writes this process makes on a pooled connection (`WriteCounter`): a statement
 * outside a transaction once it has run, one inside a transaction once it has run and again
 * once its COMMIT has, so that a read made in between (which still sees the old rows) is not
 * kept past the commit. Runs the texts admitted by `prepare` as named statements (pg parses a
 * name once per connection).
 */
function countWrites(client: pg.PoolClient, writes: WriteCounter, prepared: ReadonlyMap<string, string>): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  let inTransaction = false;
  let pending = new Set<string>();
  (client as { query: unknown }).query = (...args: unknown[]) => {
    const text = args[0];
    if (typeof text !== 'string') return query(...args);
    const name = prepared.get(text);
    if (name !== undefined && args.length === 2 && Array.isArray(args[1])) args = [{ name, text, values: args[1] }];
    const tables = writes.tables(text);
    let after: readonly string[] = tables;
    if (/^\s*(begin|start\s+transaction)\b/i.test(text)) inTransaction = true;
    else if (/^\s*(commit|end)\b/i.test(text)) {
      after = [...pending];
      pending = new Set();
      inTransaction = false;
    } else if (/^\s*rollback\b(?!\s+to\b)/i.test(text)) {
      pending = new Set();
      inTransaction = false;
    } else if (inTransaction) for (const table of tables) pending.add(table);
    const result = query(...args);
    if (after.length > 0 && result instanceof Promise) {
      // Counted whether it succeeded or not: a failed write makes a read cache start again, no more.
      const count = () => writes.add(after);
      return result.then((value: unknown) => { count(); return value; }, (error: unknown) => { count(); throw error; });
    }
    return result;
  };
}

/**
 * Hears the commits of every process on this schema (other replicas, tools) through
 * LISTEN on a connection of its own. `stamp` changes whenever a change to one of the tables
 * has been heard, and is undefined while the connection is down (then nothing may be cached:
 * a change could go unheard); it reconnects with backoff, and a new connection starts a new
 * epoch, which ends everything cached before.
 */
class ChangeListener {
  private client: pg.Client | undefined;
  private schema = '';
  private epoch = 0;
  private readonly heard = new Map<string, number>();
  private closed = false;
  private retryMs = 250;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly url: string) {
    void this.connect();
  }

  stamp(tables: readonly string[]): string | undefined {
    if (!this.client) return undefined;
    let n = 0;
    for (const table of tables) n += this.heard.get(table) ?? 0;
    return `${this.epoch}.${n}`;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    const lost = () => {
      if (this.client === client) this.client = undefined;
      client.end().catch(() => undefined);
      if (!this.closed && !this.timer) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          void this.connect();
        }, this.retryMs);
        this.timer.unref();
        this.retryMs = Math.min(this.retryMs * 2, 10_000);
      }
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (message) => {
      const payload = message.payload ?? '';
      const colon = payload.indexOf(':');
      if (payload.slice(0, colon) !== this.schema) return;
      const table = payload.slice(colon + 1);
      this.heard.set(table, (this.heard.get(table) ?? 0) + 1);
    });
    try {
      await client.connect();
      this.schema = (await client.query<{ schema: string }>('select current_schema() as schema')).rows[0]?.schema ?? '';
      await client.query(`listen ${CHANGES_CHANNEL}`);
      if (this.closed) {
        await client.end();
        return;
      }
      this.epoch += 1;
      this.retryMs = 250;
      this.client = client;
      // The connection must not keep the process alive on its own.
      (client as unknown as { connection?: { stream?: { unref?: () => void } } }).connection?.stream?.unref?.();
    } catch {
      lost();
    }
  }
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}
