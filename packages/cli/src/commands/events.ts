import { Command } from 'commander';
import { getAccountOption, listEvents, setAccountOption, WEBHOOK_OPTION, type Store } from '@bosun/server';
import { UsageError, type StoreFlags } from '../config.ts';
import { formatTable } from '../table.ts';
import { addStoreFlags, runUntilSignal, withStore } from './common.ts';

/** `bosun events`: the event log (parameter policy actions…) and its per-account webhook. */
export function eventsCommand(): Command {
  const events = new Command('events').description('The event log (e.g. Parameter Store policy actions) and webhook delivery.');

  addStoreFlags(events.command('tail')
    .description('Show the latest events as a table.')
    .option('-n, --lines <count>', 'how many events', '20')
    .option('-f, --follow', 'keep printing new events as they arrive')
    .option('--account-id <id>', 'only this account\'s events')
    .option('--json', 'one EventBridge-shaped JSON event per line')).action(async (flags: StoreFlags & { lines: string; follow?: boolean; accountId?: string; json?: boolean }) => {
    const count = Number(flags.lines);
    if (!Number.isInteger(count) || count < 1) throw new UsageError(`--lines must be a positive whole number (got '${flags.lines}')`);
    await withStore(flags, async (store) => {
      const latest = (await listEvents(store.db, { accountId: flags.accountId, limit: count, newestFirst: true })).reverse();
      if (latest.length === 0 && !flags.follow) {
        process.stdout.write('No events yet.\n');
        return;
      }
      let after = print(latest, Boolean(flags.json), true);
      if (!flags.follow) return;
      let stopped = false;
      const done = runUntilSignal(async () => { stopped = true; });
      while (!stopped) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const more = await listEvents(store.db, { accountId: flags.accountId, after, limit: 1000 });
        if (more.length > 0) after = print(more, Boolean(flags.json), false) ?? after;
      }
      await done;
    });
  });

  addStoreFlags(events.command('webhook')
    .argument('[url]', 'http(s) URL that receives each event as a JSON POST (at least once, retried with backoff)')
    .description('Show, set or clear the webhook of an account.')
    .requiredOption('--account-id <id>', 'the account')
    .option('--clear', 'remove the webhook')).action(async (url: string | undefined, flags: StoreFlags & { accountId: string; clear?: boolean }) => {
    if (url !== undefined && !/^https?:\/\/./.test(url)) throw new UsageError(`The webhook must be an http:// or https:// URL (got '${url}')`);
    await withStore(flags, async (store: Store) => {
      if (flags.clear) {
        await setAccountOption(store.db, flags.accountId, WEBHOOK_OPTION, undefined, Date.now());
        process.stdout.write(`Webhook of account ${flags.accountId} removed.\n`);
      } else if (url) {
        await setAccountOption(store.db, flags.accountId, WEBHOOK_OPTION, url, Date.now());
        process.stdout.write(`Events of account ${flags.accountId} now go to ${url}.\n`);
      } else {
        const current = await getAccountOption(store.db, flags.accountId, WEBHOOK_OPTION);
        process.stdout.write(current ? `${current}\n` : `Account ${flags.accountId} has no webhook.\n`);
      }
    });
  });
  return events;
}

type EventRow = Awaited<ReturnType<typeof listEvents>>[number];

function print(rows: readonly EventRow[], json: boolean, header: boolean): { at: number; eventId: string } | undefined {
  if (rows.length === 0) return undefined;
  if (json) {
    for (const r of rows) process.stdout.write(JSON.stringify({ id: r.event_id, 'detail-type': r.detail_type, source: r.source, account: r.account_id, time: new Date(Number(r.created_at)).toISOString(), resources: JSON.parse(r.resources), detail: JSON.parse(r.detail) }) + '\n');
  } else {
    const table = formatTable(['TIME', 'ACCOUNT', 'SOURCE', 'TYPE', 'RESOURCE', 'DETAIL', 'DELIVERED'], rows.map((r) => {
      const detail = JSON.parse(r.detail) as Record<string, unknown>;
      return [
        new Date(Number(r.created_at)).toISOString(), r.account_id, r.source, r.detail_type, (JSON.parse(r.resources) as string[])[0] ?? '',
        String(detail['policy-type'] ?? ''), r.delivered_at !== null ? 'yes' : r.attempts > 0 ? `retrying (${r.attempts})` : '-',
      ];
    }));
    process.stdout.write((header ? table : table.split('\n').slice(2).join('\n')) + '\n');
  }
  const last = rows[rows.length - 1];
  return { at: Number(last.created_at), eventId: last.event_id };
}
