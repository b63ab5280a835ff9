import { foldResourceNames, RESOURCE_FOLD_EVERY } from '../store/audit-file.ts';
import { dollarText, queryRows } from '../store/read-cache.ts';
import type { Db, Store } from '../store/store.ts';
import type { AuditEventsTable, AuditResourcesTable } from '../store/schema.ts';
import { chainHash, type ChainKey } from './chain.ts';
import { indexColumns, type AuditResource, type CloudTrailRecord } from './record.ts';

export interface AuditEntry {
  readonly record: CloudTrailRecord;
  readonly resources: readonly AuditResource[];
}

export interface AuditWriterOptions {
  readonly store: Store;
  readonly key: ChainKey;
  /** Most events written in one transaction. Default 500. */
  readonly maxBatch?: number;
}

interface Pending {
  readonly entry: AuditEntry;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Appends events to the hash chain. Calls that arrive together are written in one
 * transaction (group commit), and each `append` resolves only once its event is
 * committed, so the API answers a call only after its event is durable.
 */
export class AuditWriter {
  private queue: Pending[] = [];
  private running: Promise<void> | undefined;
  private readonly maxBatch: number;

  constructor(private readonly options: AuditWriterOptions) {
    this.maxBatch = options.maxBatch ?? 500;
  }

  append(entry: AuditEntry): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ entry, resolve, reject });
      if (!this.running) this.running = this.drain();
    });
  }

  /** Resolves when everything appended so far is committed. */
  async flush(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    // Let the calls that are already in flight join this batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          await this.write(batch.map((p) => p.entry));
          for (const p of batch) p.resolve();
        } catch (error) {
          for (const p of batch) p.reject(error);
        }
      }
    } finally {
      this.running = undefined;
    }
  }

  private async write(entries: readonly AuditEntry[]): Promise<void> {
    const { store, key } = this.options;
    const embedded = store.dialect.embedded;
    // SQLite: the whole batch in one synchronous transaction (no promise hops per statement),
    // unless a handler's transaction is open on the connection right now.
    if (embedded && !embedded.inTransaction()) {
      embedded.transaction((sql) => {
        const head = sql.get<{ seq: number; hash: string }>('select seq, hash from audit_head where id = 1', []);
        if (!head) throw new Error('audit_head row is missing');
        const rows = chainRows(key, head, entries);
        // Multi-row inserts, in chunks of fixed sizes so that a handful of statement texts
        // (each prepared once) serve every batch size.
        forChunks(rows.events.length, (start, count) => {
          const params: unknown[] = [];
          for (let i = start; i < start + count; i++) for (const c of EVENT_COLUMNS) params.push(rows.events[i][c]);
          sql.run(insertText('audit_events', EVENT_COLUMNS, count), params);
        });
        forChunks(rows.resources.length, (start, count) => {
          const params: unknown[] = [];
          for (let i = start; i < start + count; i++) params.push(rows.resources[i].seq, rows.resources[i].resource_type, rows.resources[i].resource_name);
          sql.run(insertText('audit_resources', RESOURCE_COLUMNS, count), params);
        });
        sql.run('update audit_head set seq = ?, hash = ? where id = 1', [rows.head.seq, rows.head.hash]);
        // The audit file's resource-name index is filled in sorted folds (store/audit-file.ts).
        if (store.dialect.auditFile && rows.head.seq >= this.nextFoldAt) this.nextFoldAt = foldResourceNames(sql, rows.head.seq) + RESOURCE_FOLD_EVERY;
      });
      return;
    }
    if (store.dialect.rowLocks) {
      // PostgreSQL, usually: one statement on the head this writer wrote last (no transaction,
      // no locking read first); when another writer has moved the head, the locking way below.
      const predicted = this.predictedHead;
      if (predicted) {
        const rows = chainRows(key, predicted, entries);
        if (fitsOneStatement(rows)) {
          this.predictedHead = rows.head;
          try {
            await appendIfHeadIs(store, predicted, rows);
            return;
          } catch (error) {
            if (this.predictedHead === rows.head) this.predictedHead = undefined;
            if (!headMoved(error)) throw error;
          }
        }
      }
    }
    const written = await store.db.transaction().execute(async (tx) => {
      let headQuery = tx.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1);
      // Replicas sharing PostgreSQL take turns on the chain head.
      if (store.dialect.rowLocks) headQuery = headQuery.forUpdate();
      const rows = chainRows(key, await headQuery.executeTakeFirstOrThrow(), entries);
      if (store.dialect.rowLocks && fitsOneStatement(rows)) {
        // PostgreSQL: the events, their resources and the new head in one statement (data-modifying
        // CTEs), one round trip instead of three, inside the transaction that locked the head.
        await appendInOneStatement(store, tx, rows);
        return rows.head;
      }
      // 13 columns a row: 200 rows stay far below SQLite's bound-parameter limit.
      for (let i = 0; i < rows.events.length; i += 200) await tx.insertInto('audit_events').values(rows.events.slice(i, i + 200)).execute();
      for (let i = 0; i < rows.resources.length; i += 500) await tx.insertInto('audit_resources').values(rows.resources.slice(i, i + 500)).execute();
      await tx.updateTable('audit_head').set(rows.head).where('id', '=', 1).execute();
      return rows.head;
    });
    if (store.dialect.rowLocks && this.predictedHead === undefined) this.predictedHead = written;
  }

  /** SQLite audit file: the sequence number at which this writer next folds resource names. */
  private nextFoldAt = 0;

  /** PostgreSQL: the head after the last batch this writer sent, while it expects to be the only writer. */
  private predictedHead: { seq: number; hash: string } | undefined;
}

/**
 * PostgreSQL: appends the batch in one statement, committed on its own, provided the chain head
 * is still `expected`: one round trip, where the locking way takes four (begin, the head read
 * for update, the append, commit), which left the server idle while its batch went back and
 * forth. The head's update waits for the row lock of another writer's batch still committing,
 * then checks the head that batch wrote; a different head aborts the whole statement (nothing of
 * it is kept) with division_by_zero: `headMoved`. (The zero depends on the row: a constant one
 * would be folded by the planner and always fail.)
 */
async function appendIfHeadIs(store: Store, expected: { seq: number; hash: string }, rows: ChainRows): Promise<void> {
  await appendInOneStatement(store, store.db, rows, expected);
}

/**
 * PostgreSQL: the events, their resources and the new head as one statement (data-modifying
 * CTEs), with `expected` the guard of appendIfHeadIs. The text is made once per number of events
 * and resources, from the inserts the SQLite path uses (the query builder cost a tenth of a
 * call's CPU here); queryRows numbers its placeholders for PostgreSQL.
 */
async function appendInOneStatement(store: Store, db: Db, rows: ChainRows, expected?: { seq: number; hash: string }): Promise<void> {
  const events = rows.events.length;
  const resources = rows.resources.length;
  const name = `${events}:${resources}:${expected ? 1 : 0}`;
  let text = appendTexts.get(name);
  if (text === undefined) {
    text = `with events as (${insertText('audit_events', EVENT_COLUMNS, events)})`
      + (resources > 0 ? `, resources as (${insertText('audit_resources', RESOURCE_COLUMNS, resources)})` : '')
      + ' update audit_head set seq = ?, hash = ? where id = 1'
      + (expected ? ' and case when seq = ? and hash = ? then true else 1 / (seq - seq) = 1 end' : '');
    if (appendTexts.size >= 500) appendTexts.clear();
    appendTexts.set(name, text);
  }
  // The usual batches (up to 64 events of at most one resource each, on the predicted head) as
  // prepared statements: PostgreSQL then binds a batch instead of parsing and planning a
  // statement of hundreds of placeholders, about a third of its CPU for the batch. (Two map
  // lookups a batch: the texts are shared by every store of the process, admission is per store.)
  if (expected && events <= 64 && resources <= events) store.dialect.prepare?.(dollarText(text));
  const params: unknown[] = [];
  for (const event of rows.events) for (const c of EVENT_COLUMNS) params.push(event[c]);
  for (const resource of rows.resources) for (const c of RESOURCE_COLUMNS) params.push(resource[c]);
  params.push(rows.head.seq, rows.head.hash);
  if (expected) params.push(expected.seq, expected.hash);
  await queryRows(db, text, params);
}

/** Whether a batch fits appendInOneStatement (13 columns an event: far below PostgreSQL's 65,535 parameters). */
function fitsOneStatement(rows: ChainRows): boolean {
  return rows.events.length <= 200 && rows.resources.length <= 500;
}

const appendTexts = new Map<string, string>();

type ChainRows = ReturnType<typeof chainRows>;

/** The head was not the expected one: another writer appended (or a batch before this one failed). */
function headMoved(error: unknown): boolean {
  const e = error as { code?: string; table?: string };
  // 23505 on audit_events: another writer's events took these sequence numbers (audit_resources has no unique key).
  return e?.code === '22012' || (e?.code === '23505' && e.table === 'audit_events');
}

const EVENT_COLUMNS = [
  'seq', 'event_id', 'event_time', 'account_id', 'event_source', 'event_name', 'read_only',
  'username', 'access_key_id', 'error_code', 'record', 'prev_hash', 'hash',
] as const satisfies readonly (keyof AuditEventsTable)[];

const RESOURCE_COLUMNS = ['seq', 'resource_type', 'resource_name'] as const satisfies readonly (keyof AuditResourcesTable)[];

/** Rows per multi-row insert, largest first: 64 events of 13 columns stay far below SQLite's bound-parameter limit. */
const CHUNK_SIZES = [64, 16, 4, 1] as const;

/** Splits `n` rows into chunks of CHUNK_SIZES, largest first. */
function forChunks(n: number, insert: (start: number, count: number) => void): void {
  let start = 0;
  for (const size of CHUNK_SIZES) {
    while (n - start >= size) {
      insert(start, size);
      start += size;
    }
  }
}

const insertTexts = new Map<string, string>();

/** `insert into TABLE (cols) values (?, ...), (?, ...)` for `rows` rows, built once per shape. */
function insertText(table: string, columns: readonly string[], rows: number): string {
  const key = `${table}:${rows}`;
  let text = insertTexts.get(key);
  if (text === undefined) {
    const row = `(${columns.map(() => '?').join(', ')})`;
    text = `insert into ${table} (${columns.join(', ')}) values ${Array.from({ length: rows }, () => row).join(', ')}`;
    insertTexts.set(key, text);
  }
  return text;
}

/** The rows that append `entries` to the chain after `head`, and the new head. */
function chainRows(key: ChainKey, head: { seq: number | string; hash: string }, entries: readonly AuditEntry[]) {
  let seq = Number(head.seq);
  let prev = head.hash;
  const events: AuditEventsTable[] = [];
  const resources: AuditResourcesTable[] = [];
  for (const entry of entries) {
    seq += 1;
    const record = JSON.stringify(entry.record);
    const hash = chainHash(key, prev, seq, record);
    events.push({ seq, ...indexColumns(entry.record), record, prev_hash: prev, hash });
    for (const r of entry.resources) resources.push({ seq, resource_type: r.type, resource_name: r.name });
    prev = hash;
  }
  return { events, resources, head: { seq, hash: prev } };
}
