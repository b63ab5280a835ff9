import type { Store } from '../store/store.ts';
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
    await store.db.transaction().execute(async (tx) => {
      let headQuery = tx.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1);
      // Replicas sharing PostgreSQL take turns on the chain head.
      if (store.dialect.rowLocks) headQuery = headQuery.forUpdate();
      const head = await headQuery.executeTakeFirstOrThrow();
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
      // 13 columns a row: 200 rows stay far below SQLite's bound-parameter limit.
      for (let i = 0; i < events.length; i += 200) await tx.insertInto('audit_events').values(events.slice(i, i + 200)).execute();
      for (let i = 0; i < resources.length; i += 500) await tx.insertInto('audit_resources').values(resources.slice(i, i + 500)).execute();
      await tx.updateTable('audit_head').set({ seq, hash: prev }).where('id', '=', 1).execute();
    });
  }
}
