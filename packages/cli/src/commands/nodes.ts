import { Command } from 'commander';
import { DEFAULT_CONNECTION_LOST_AFTER_MS, listAllInstances, pingStatus, type InstanceRow } from '@bosun/server';
import type { StoreFlags } from '../config.ts';
import { UsageError } from '../config.ts';
import { formatTable } from '../table.ts';
import { addStoreFlags, withStore } from './common.ts';

interface NodeFlags extends StoreFlags {
  accountId?: string;
}

/** `bosun nodes ls` and `bosun nodes wait`: operator views of the managed nodes, read from the store. */
export function nodesCommand(): Command {
  const nodes = new Command('nodes').description('Managed nodes: list them, or wait until they are Online.');

  addStoreFlags(nodes.command('ls').description('List managed nodes with their ping status and, for refused nodes, why (e.g. clock skew).'))
    .option('--account-id <id>', 'only this account')
    .action(async (flags: NodeFlags) => {
      await withStore(flags, async (store) => {
        const now = Date.now();
        const rows = (await listAllInstances(store.db)).filter((r) => !flags.accountId || r.account_id === flags.accountId);
        process.stdout.write(formatTable(
          ['INSTANCE ID', 'NAME', 'PING STATUS', 'LAST PING', 'PLATFORM', 'IP', 'AGENT', 'TAGS', 'PROBLEM'],
          rows.map((r) => row(r, now)),
        ) + '\n');
      });
    });

  addStoreFlags(nodes.command('wait').description('Wait until nodes are Online (for scripts that create machines).'))
    .option('--account-id <id>', 'only this account')
    .option('--id <instanceId...>', 'these node ids')
    .option('--targets <tag:K=V>', 'nodes with this tag')
    .option('--count <n>', 'at least this many matching Online nodes (default: all named by --id, else 1)')
    .option('--timeout <duration>', 'give up after this long: 90s, 5m (default 5m)', '5m')
    .action(async (flags: NodeFlags & { id?: string[]; targets?: string; count?: string; timeout: string }) => {
      const timeoutMs = parseDuration(flags.timeout);
      const tag = flags.targets ? /^tag:([^=]+)=(.*)$/.exec(flags.targets) : undefined;
      if (flags.targets && !tag) throw new UsageError(`--targets must look like tag:Key=Value (got '${flags.targets}')`);
      const want = flags.count ? Number(flags.count) : flags.id ? flags.id.length : 1;
      if (!Number.isInteger(want) || want < 1) throw new UsageError('--count must be a positive integer');
      const deadline = Date.now() + timeoutMs;
      await withStore(flags, async (store) => {
        for (;;) {
          const now = Date.now();
          const matching = (await listAllInstances(store.db)).filter((r) =>
            (!flags.accountId || r.account_id === flags.accountId)
            && (!flags.id || flags.id.includes(r.instance_id))
            && (!tag || (JSON.parse(r.tags) as { Key: string; Value: string }[]).some((t) => t.Key === tag[1] && t.Value === tag[2])));
          const online = matching.filter((r) => pingStatus(r, now, DEFAULT_CONNECTION_LOST_AFTER_MS) === 'Online');
          if (online.length >= want) {
            process.stdout.write(`${online.length} node(s) Online: ${online.map((r) => r.instance_id).join(' ')}\n`);
            return;
          }
          if (now >= deadline) {
            const problems = matching.filter((r) => r.refused_reason).map((r) => `  ${r.instance_id}: ${r.refused_reason}`);
            throw new Error(`timed out after ${flags.timeout}: ${online.length} of ${want} node(s) Online${problems.length ? `\n${problems.join('\n')}` : ''}`);
          }
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      });
    });
  return nodes;
}

function row(r: InstanceRow, now: number): string[] {
  const tags = (JSON.parse(r.tags) as { Key: string; Value: string }[]).map((t) => `${t.Key}=${t.Value}`).join(',');
  const problem = r.refused_reason && r.deregistered_at === null
    ? `${r.refused_reason}${r.refused_skew_ms !== null ? ` (skew ${Math.round(r.refused_skew_ms / 1000)} s)` : ''}, last refused ${new Date(r.refused_at ?? now).toISOString()}`
    : '';
  return [
    r.instance_id,
    r.name ?? '',
    pingStatus(r, now, DEFAULT_CONNECTION_LOST_AFTER_MS),
    r.last_ping_at ? new Date(r.last_ping_at).toISOString() : '-',
    r.platform_name ? `${r.platform_name} ${r.platform_version ?? ''}`.trim() : '-',
    r.ip_address ?? '-',
    r.agent_version ?? '-',
    tags,
    problem,
  ];
}

export function parseDuration(text: string): number {
  const m = /^(\d+)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new UsageError(`not a duration: '${text}' (use 90s, 5m, 1h)`);
  const n = Number(m[1]);
  return n * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's'] as number);
}
