import http from 'node:http';
import https from 'node:https';
import { Command } from 'commander';
import { ListInventoryEntriesCommand } from '@aws-sdk/client-ssm';
import { signRequest } from '@bosun/agent';
import { addApiFlags, resolveApiConfig, withSsmClient, type ApiConfig, type ApiFlags } from '../api-client.ts';
import { UsageError } from '../config.ts';
import { formatTable } from '../table.ts';

interface InventoryFlags extends ApiFlags {
  json?: boolean;
  type?: string;
  node?: string;
  from?: string;
  to?: string;
  at?: string;
  below?: string;
}

type Entry = Record<string, string>;

interface NodeAt {
  instanceId: string;
  at: string;
  historyStartsAt?: string;
  types: { typeName: string; schemaVersion: string; captureTime?: string; entries: Entry[] }[];
}

/** `bosun inventory`: what is on every node, now and at any time in the past (docs/inventory.md). */
export function inventoryCommand(): Command {
  const inventory = new Command('inventory').description('Inventory: what is on every node, now and at any time in the past.');

  addApiFlags(inventory.command('ls').description('List the nodes with inventory: types, entries, last update.')
    .option('--json', 'the nodes as JSON'))
    .action(async (flags: InventoryFlags) => {
      const config = resolveApiConfig(flags);
      const { nodes } = await getJson<{ nodes: { instanceId: string; types: number; entries: number; updatedAt: string }[] }>(config, '/nodes');
      if (flags.json) return print(nodes);
      if (nodes.length === 0) {
        process.stdout.write('No inventory yet. Gather it: aws ssm create-association --name AWS-GatherSoftwareInventory --targets Key=InstanceIds,Values=* --schedule-expression "rate(30 minutes)"\n');
        return;
      }
      process.stdout.write(formatTable(['NODE', 'TYPES', 'ENTRIES', 'UPDATED'], nodes.map((n) => [n.instanceId, String(n.types), String(n.entries), n.updatedAt])) + '\n');
    });

  addApiFlags(inventory.command('show').argument('<node>').description('Show a node\'s inventory now: its types, or the entries of one (--type).')
    .option('--type <type>', 'one inventory type, e.g. AWS:Application (ListInventoryEntries)')
    .option('--json', 'as JSON'))
    .action(async (node: string, flags: InventoryFlags) => {
      const config = resolveApiConfig(flags);
      if (flags.type) {
        const typeName = flags.type;
        await withSsmClient(config, async (ssm) => {
          const entries: Entry[] = [];
          let schemaVersion: string | undefined;
          let captureTime: string | undefined;
          // The SDK has no paginator for ListInventoryEntries: follow NextToken by hand.
          let token: string | undefined;
          do {
            const page = await ssm.send(new ListInventoryEntriesCommand({ InstanceId: node, TypeName: typeName, MaxResults: 50, NextToken: token }));
            entries.push(...(page.Entries ?? []));
            schemaVersion ??= page.SchemaVersion;
            captureTime ??= page.CaptureTime;
            token = page.NextToken;
          } while (token);
          if (flags.json) return print({ instanceId: node, typeName, schemaVersion, captureTime, entries });
          process.stdout.write(`${typeName} on ${node}${captureTime ? `, captured ${captureTime}` : ''}: ${entries.length} ${entries.length === 1 ? 'entry' : 'entries'}\n`);
          if (entries.length > 0) process.stdout.write(entryTable(typeName, entries) + '\n');
        });
        return;
      }
      showState(await getJson<NodeAt>(config, `/nodes/${encodeURIComponent(node)}`), flags.json);
    });

  addApiFlags(inventory.command('at').argument('<time>', 'ISO 8601 (2026-03-01T10:00:00Z) or epoch milliseconds')
    .description('Show a node\'s inventory as it was at a time.')
    .requiredOption('--node <node>', 'the managed node (mi-…)')
    .option('--type <type>', 'only this type (a comma-separated list takes several)')
    .option('--json', 'as JSON'))
    .action(async (time: string, flags: InventoryFlags) => {
      const config = resolveApiConfig(flags);
      const query = new URLSearchParams({ at: time, ...(flags.type ? { type: flags.type } : {}) });
      showState(await getJson<NodeAt>(config, `/nodes/${encodeURIComponent(flags.node!)}?${query}`), flags.json, true);
    });

  addApiFlags(inventory.command('diff').description('What changed on a node between two times: entries added, removed and changed.')
    .requiredOption('--node <node>', 'the managed node (mi-…)')
    .requiredOption('--from <time>', 'ISO 8601 or epoch milliseconds')
    .option('--to <time>', 'ISO 8601 or epoch milliseconds (default now)')
    .option('--type <type>', 'only this type (a comma-separated list takes several)')
    .option('--json', 'as JSON'))
    .action(async (flags: InventoryFlags) => {
      const config = resolveApiConfig(flags);
      const query = new URLSearchParams({ from: flags.from!, ...(flags.to ? { to: flags.to } : {}), ...(flags.type ? { type: flags.type } : {}) });
      const diff = await getJson<{ instanceId: string; from: string; to: string; changes: { typeName: string; change: string; name?: string; before?: Entry; after?: Entry }[] }>(
        config, `/nodes/${encodeURIComponent(flags.node!)}/diff?${query}`);
      if (flags.json) return print(diff);
      process.stdout.write(`${diff.instanceId} from ${diff.from} to ${diff.to}: ${diff.changes.length} ${diff.changes.length === 1 ? 'change' : 'changes'}\n`);
      if (diff.changes.length === 0) return;
      process.stdout.write(formatTable(['TYPE', 'CHANGE', 'NAME', 'BEFORE', 'AFTER'], diff.changes.map((c) => [
        c.typeName, c.change, c.name ?? '', summary(c.before, c.after), summary(c.after, c.before),
      ])) + '\n');
    });

  addApiFlags(inventory.command('find').description('Which nodes had an entry (a package) at a time, optionally below a version.')
    .requiredOption('--name <name>', 'the entry\'s Name, e.g. openssl')
    .option('--below <version>', 'only nodes whose Version was lower (compared as versions)')
    .option('--at <time>', 'ISO 8601 or epoch milliseconds (default now)')
    .option('--type <type>', 'the inventory type (default AWS:Application)')
    .option('--json', 'as JSON'))
    .action(async (flags: InventoryFlags & { name?: string }) => {
      if (!flags.name) throw new UsageError('--name is required');
      const config = resolveApiConfig(flags);
      const query = new URLSearchParams({ name: flags.name, ...(flags.below ? { below: flags.below } : {}), ...(flags.at ? { at: flags.at } : {}), ...(flags.type ? { type: flags.type } : {}) });
      const found = await getJson<{ typeName: string; name: string; at: string; nodes: { instanceId: string; entry: Entry }[] }>(config, `/fleet/entries?${query}`);
      if (flags.json) return print(found);
      process.stdout.write(`${found.nodes.length} ${found.nodes.length === 1 ? 'node' : 'nodes'} had ${found.typeName} ${found.name}${flags.below ? ` below ${flags.below}` : ''} at ${found.at}\n`);
      if (found.nodes.length > 0) {
        process.stdout.write(formatTable(['NODE', 'VERSION', 'ARCHITECTURE'], found.nodes.map((n) => [n.instanceId, n.entry.Version ?? '', n.entry.Architecture ?? ''])) + '\n');
      }
    });

  return inventory;
}

function print(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

function showState(state: NodeAt, json: boolean | undefined, past = false): void {
  if (json) return print(state);
  process.stdout.write(`${state.instanceId}${past ? ` at ${state.at}` : ''}: ${state.types.length} ${state.types.length === 1 ? 'type' : 'types'}\n`);
  if (past && state.historyStartsAt && Date.parse(state.at) < Date.parse(state.historyStartsAt)) {
    process.stdout.write(`(the history kept starts at ${state.historyStartsAt}: earlier changes were pruned)\n`);
  }
  if (state.types.length === 0) return;
  process.stdout.write(formatTable(['TYPE', 'SCHEMA', 'ENTRIES', 'CAPTURED'], state.types.map((t) => [t.typeName, t.schemaVersion, String(t.entries.length), t.captureTime ?? '']) ) + '\n');
  if (state.types.length === 1 && state.types[0].entries.length > 0) process.stdout.write('\n' + entryTable(state.types[0].typeName, state.types[0].entries) + '\n');
}

/** The columns a person wants first for the common types; every attribute for the others. */
const COLUMNS: Record<string, string[]> = {
  'AWS:Application': ['Name', 'Version', 'Architecture', 'Publisher'],
  'AWS:File': ['InstalledDir', 'Name', 'Size', 'ModificationTime'],
  'AWS:Network': ['Name', 'IPV4', 'MacAddress', 'Gateway'],
  'AWS:Service': ['Name', 'Status', 'StartType', 'DisplayName'],
};

function entryTable(typeName: string, entries: readonly Entry[]): string {
  const columns = COLUMNS[typeName] ?? [...new Set(entries.flatMap((e) => Object.keys(e)))];
  return formatTable(columns.map((c) => c.toUpperCase()), entries.map((e) => columns.map((c) => e[c] ?? '')));
}

/** The attributes of `entry` that differ from `other`, as k=v. */
function summary(entry: Entry | undefined, other: Entry | undefined): string {
  if (!entry) return '';
  const keys = Object.keys(entry).filter((k) => k !== 'Name' && (!other || other[k] !== entry[k]));
  return keys.map((k) => `${k}=${entry[k]}`).join(' ');
}

/** A SigV4-signed GET of one of the inventory routes (/bosun/v1/inventory/…), its JSON. */
function getJson<T>(config: ApiConfig, pathAndQuery: string): Promise<T> {
  const url = new URL(`${config.endpoint.replace(/\/+$/, '')}/bosun/v1/inventory${pathAndQuery}`);
  const headers = signRequest({ method: 'GET', url, credentials: config.credentials, region: config.region, service: 'ssm', now: Date.now() });
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(url, { method: 'GET', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        if ((res.statusCode ?? 0) === 200) {
          try {
            return resolve(JSON.parse(text) as T);
          } catch (error) {
            return reject(error as Error);
          }
        }
        let message = text;
        try {
          const body = JSON.parse(text) as { __type?: string; message?: string };
          message = `${body.__type ?? `HTTP ${res.statusCode}`}: ${body.message ?? ''}`;
        } catch { /* plain text */ }
        reject(new Error(message));
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
