import { Command } from 'commander';
import { chainKey, verifyAuditChain, type Store } from '@bosun/server';
import { loadRootKey, type StoreFlags } from '../config.ts';
import { formatTable } from '../table.ts';
import { addStoreFlags, runUntilSignal, withStore } from './common.ts';
import { progressBar } from '../progress.ts';

export function auditCommand(): Command {
  const audit = new Command('audit').description('Inspect and verify the audit trail (every API call, hash-chained).');

  addStoreFlags(
    audit.command('verify')
      .description('Check the hash chain; report the first edited, inserted or deleted event and exit 1 if there is one.'),
  ).action(async (flags: StoreFlags) => {
    await withStore(flags, async (store, config) => {
      const key = chainKey(loadRootKey(config));
      const bar = progressBar('Verifying');
      const result = await verifyAuditChain(store.db, key, { onProgress: (done, total) => bar.update(done, total) });
      bar.stop();
      if (result.ok) {
        process.stdout.write(`OK: ${result.checked} events verified. Chain head: event ${result.head.seq}, hash ${result.head.hash}\n`);
        process.stdout.write('Keep the head hash somewhere else (a ticket, a log): it proves later that no event was removed from the end.\n');
        return;
      }
      const problem = result.problem!;
      process.stdout.write(`TAMPERED: ${problem.message}\n`);
      process.stdout.write(`${result.checked} events before it verified. First bad event: ${problem.seq} (${problem.kind}).\n`);
      process.exitCode = 1;
    });
  });

  addStoreFlags(
    audit.command('tail')
      .description('Show the latest audit events as a table.')
      .option('-n, --lines <count>', 'how many events', '20')
      .option('-f, --follow', 'keep printing new events as they arrive'),
  ).action(async (flags: StoreFlags & { lines: string; follow?: boolean }) => {
    const count = Number(flags.lines);
    if (!Number.isInteger(count) || count < 1) throw new Error(`--lines must be a positive whole number (got '${flags.lines}')`);
    await withStore(flags, async (store) => {
      let last = await printLatest(store, count, 0, true);
      if (!flags.follow) return;
      let stopped = false;
      const done = runUntilSignal(async () => { stopped = true; });
      while (!stopped) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        last = await printLatest(store, 1000, last, false);
      }
      await done;
    });
  });
  return audit;
}

async function printLatest(store: Store, count: number, afterSeq: number, header: boolean): Promise<number> {
  const rows = await store.db.selectFrom('audit_events')
    .select(['seq', 'event_time', 'account_id', 'username', 'event_source', 'event_name', 'error_code', 'record'])
    .where('seq', '>', afterSeq).orderBy('seq', 'desc').limit(count).execute();
  rows.reverse();
  if (rows.length === 0) {
    if (header) process.stdout.write('No audit events yet.\n');
    return afterSeq;
  }
  const table = rows.map((r) => {
    const record = JSON.parse(r.record) as { sourceIPAddress?: string };
    return [
      String(r.seq), new Date(Number(r.event_time)).toISOString(), r.account_id ?? '-', r.username ?? '-',
      `${r.event_source.replace('.amazonaws.com', '')}:${r.event_name}`, r.error_code ?? 'OK', record.sourceIPAddress ?? '',
    ];
  });
  const text = formatTable(['SEQ', 'TIME', 'ACCOUNT', 'USER', 'EVENT', 'RESULT', 'SOURCE IP'], table);
  process.stdout.write((header ? text : text.split('\n').slice(2).join('\n')) + '\n');
  return Number(rows[rows.length - 1].seq);
}
