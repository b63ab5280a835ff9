import type { Db } from '../store/store.ts';
import { chainHash, GENESIS_HASH, type ChainKey } from './chain.ts';
import { indexColumns, type CloudTrailRecord } from './record.ts';

export type AuditProblem = 'edited' | 'deleted' | 'inserted';

export interface VerifyResult {
  readonly ok: boolean;
  /** Events checked. */
  readonly checked: number;
  /** The chain head: last sequence number and hash (record these elsewhere to anchor the chain). */
  readonly head: { seq: number; hash: string };
  readonly problem?: { kind: AuditProblem; seq: number; eventId?: string; message: string };
}

/**
 * Walks the chain from the first event and reports the first event that was edited,
 * inserted or deleted. Reads in pages so that a large trail verifies in bounded memory.
 */
export async function verifyAuditChain(db: Db, key: ChainKey, options: { pageSize?: number; onProgress?: (checked: number, total: number) => void } = {}): Promise<VerifyResult> {
  const pageSize = options.pageSize ?? 2000;
  const headRow = await db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirstOrThrow();
  const head = { seq: Number(headRow.seq), hash: headRow.hash };
  const totalRow = await db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const total = Number(totalRow.n);
  let expectedSeq = 1;
  let prev = GENESIS_HASH;
  let checked = 0;
  const fail = (kind: AuditProblem, seq: number, message: string, eventId?: string): VerifyResult =>
    ({ ok: false, checked, head, problem: { kind, seq, eventId, message } });

  for (;;) {
    const rows = await db.selectFrom('audit_events').selectAll().where('seq', '>=', expectedSeq).orderBy('seq').limit(pageSize).execute();
    if (rows.length === 0) break;
    for (const row of rows) {
      const seq = Number(row.seq);
      if (seq > head.seq) {
        return fail('inserted', seq, `event ${seq} (${row.event_id}) lies beyond the chain head ${head.seq}: it was inserted`, row.event_id);
      }
      if (seq !== expectedSeq) {
        return fail('deleted', expectedSeq, `event ${expectedSeq}${seq - expectedSeq > 1 ? `..${seq - 1}` : ''} is missing: deleted before event ${seq}`);
      }
      if (row.prev_hash !== prev) {
        return fail('inserted', seq, `event ${seq} (${row.event_id}) does not follow event ${seq - 1}: the chain was broken (an event inserted or replaced)`, row.event_id);
      }
      if (chainHash(key, row.prev_hash, seq, row.record) !== row.hash) {
        return fail('edited', seq, `event ${seq} (${row.event_id}) was edited: its record does not match its hash`, row.event_id);
      }
      const mismatch = columnMismatch(row);
      if (mismatch) return fail('edited', seq, `event ${seq} (${row.event_id}) was edited: column ${mismatch} does not match its record`, row.event_id);
      prev = row.hash;
      expectedSeq = seq + 1;
      checked += 1;
    }
    options.onProgress?.(checked, total);
  }
  if (checked < head.seq) {
    return fail('deleted', checked + 1, `events ${checked + 1}..${head.seq} are missing: deleted from the end of the trail`);
  }
  if (prev !== head.hash) {
    return fail('edited', head.seq, `the chain head does not match event ${head.seq}: the head or the last event was edited`);
  }
  return { ok: true, checked, head };
}

function columnMismatch(row: Record<string, unknown>): string | undefined {
  let record: CloudTrailRecord;
  try {
    record = JSON.parse(String(row.record)) as CloudTrailRecord;
  } catch {
    return 'record';
  }
  const derived = indexColumns(record) as Record<string, unknown>;
  for (const [column, value] of Object.entries(derived)) {
    const stored = row[column];
    const same = typeof value === 'number' ? Number(stored) === value : (stored ?? null) === value;
    if (!same) return column;
  }
  return undefined;
}
