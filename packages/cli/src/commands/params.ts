import fs from 'node:fs';
import { Command } from 'commander';
import { isKnownRegion, type Scope } from '@bosun/protocol';
import {
  DeleteParameterCommand, GetParameterCommand, paginateDescribeParameters, paginateGetParameterHistory, PutParameterCommand,
  type ParameterMetadata, type ParameterType,
} from '@aws-sdk/client-ssm';
import { DEFAULT_RETENTION_DAYS, getAccountOption, listDeletedParameters, restoreDeletedParameter, RETENTION_OPTION, setAccountOption } from '@bosun/server';
import { addApiFlags, resolveApiConfig, withSsmClient, type ApiFlags } from '../api-client.ts';
import { UsageError } from '../config.ts';
import { formatTable } from '../table.ts';
import { withStore } from './common.ts';

const HIDDEN = '(SecureString: add --decrypt to show)';

/** `bosun params`: Parameter Store for people, through the API with the caller's credentials. */
export function paramsCommand(): Command {
  const params = new Command('params').description('Parameter Store for people: list, read, write, delete and restore parameters.');

  addApiFlags(params.command('ls').argument('[path]', 'only parameters under this path (at any depth)')
    .description('List parameters (name, type, version, tier, last change).'))
    .action(async (pathArg: string | undefined, flags: ApiFlags) => {
      await withSsmClient(resolveApiConfig(flags), async (ssm) => {
        const rows: ParameterMetadata[] = [];
        const filters = pathArg && pathArg !== '/' ? [{ Key: 'Path', Option: 'Recursive', Values: [pathArg] }] : undefined;
        for await (const page of paginateDescribeParameters({ client: ssm }, { ParameterFilters: filters })) rows.push(...(page.Parameters ?? []));
        if (rows.length === 0) {
          process.stdout.write(pathArg ? `No parameters under ${pathArg}.\n` : 'No parameters yet.\n');
          return;
        }
        rows.sort((a, b) => (a.Name! < b.Name! ? -1 : 1));
        process.stdout.write(formatTable(['NAME', 'TYPE', 'VERSION', 'TIER', 'LAST MODIFIED', 'BY'], rows.map((p) => [
          p.Name!, p.Type!, String(p.Version), p.Tier ?? '', p.LastModifiedDate?.toISOString() ?? '', shortUser(p.LastModifiedUser),
        ])) + '\n');
      });
    });

  addApiFlags(params.command('get').argument('<name>', 'parameter name, optionally with :version or :label')
    .description('Show a parameter; a SecureString value only with --decrypt.')
    .option('--decrypt', 'show the decrypted value of a SecureString')
    .option('--value-only', 'print only the value (for scripts)'))
    .action(async (name: string, flags: ApiFlags & { decrypt?: boolean; valueOnly?: boolean }) => {
      await withSsmClient(resolveApiConfig(flags), async (ssm) => {
        const out = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: Boolean(flags.decrypt) }));
        const p = out.Parameter!;
        const value = p.Type === 'SecureString' && !flags.decrypt ? HIDDEN : p.Value ?? '';
        if (flags.valueOnly) {
          if (p.Type === 'SecureString' && !flags.decrypt) throw new UsageError(`${p.Name} is a SecureString: add --decrypt to print its value`);
          process.stdout.write(`${value}\n`);
          return;
        }
        process.stdout.write(formatTable(['NAME', 'TYPE', 'VERSION', 'LAST MODIFIED', 'VALUE'], [[p.Name!, p.Type!, String(p.Version), p.LastModifiedDate?.toISOString() ?? '', value]]) + '\n');
      });
    });

  addApiFlags(params.command('put').argument('<name>').argument('<value>', "the value; '-' reads it from standard input (keeps secrets out of shell history)")
    .description('Create a parameter, or a new version of it with --overwrite.')
    .option('--type <type>', 'String, StringList or SecureString (default String for a new parameter)')
    .option('--overwrite', 'write a new version of an existing parameter')
    .option('--description <text>', 'description')
    .option('--key-id <key>', 'KMS key of a SecureString (default alias/aws/ssm)')
    .option('--tier <tier>', 'Standard, Advanced or Intelligent-Tiering'))
    .action(async (name: string, valueArg: string, flags: ApiFlags & { type?: string; overwrite?: boolean; description?: string; keyId?: string; tier?: string }) => {
      const value = valueArg === '-' ? fs.readFileSync(0, 'utf8').replace(/\r?\n$/, '') : valueArg;
      if (flags.type && !['String', 'StringList', 'SecureString'].includes(flags.type)) throw new UsageError(`--type must be String, StringList or SecureString (got '${flags.type}')`);
      await withSsmClient(resolveApiConfig(flags), async (ssm) => {
        const out = await ssm.send(new PutParameterCommand({
          Name: name, Value: value, Type: (flags.type ?? (flags.overwrite ? undefined : 'String')) as ParameterType | undefined,
          Overwrite: flags.overwrite, Description: flags.description, KeyId: flags.keyId, Tier: flags.tier as 'Standard' | undefined,
        }));
        process.stdout.write(`${name}: version ${out.Version} (${out.Tier})\n`);
      });
    });

  addApiFlags(params.command('history').argument('<name>')
    .description('Show every version of a parameter; --deleted shows versions of deleted parameters kept for restore.')
    .option('--decrypt', 'show decrypted SecureString values')
    .option('--deleted', 'show the kept versions of deleted parameters with this name (reads the store: --data-dir or --database)')
    .option('--database <url>', 'PostgreSQL URL of the store (with --deleted)')
    .option('--account-id <id>', 'account of the parameter (with --deleted; default BOSUN_ACCOUNT_ID or .bosun/env)'))
    .action(async (name: string, flags: ApiFlags & { decrypt?: boolean; deleted?: boolean; database?: string; accountId?: string }) => {
      if (flags.deleted) {
        if (flags.decrypt) throw new UsageError('--decrypt is not available with --deleted: restore the parameter first (bosun params restore), then read it');
        const scope = scopeOf(flags);
        await withStore({ dataDir: flags.dataDir, database: flags.database }, async (store) => {
          const deletions = await listDeletedParameters(store.db, scope, name);
          if (deletions.length === 0) {
            process.stdout.write(`No deleted versions of ${name} are kept.\n`);
            return;
          }
          const rows: string[][] = [];
          for (const d of deletions) {
            for (const v of d.versions) {
              rows.push([new Date(d.deletedAt).toISOString(), String(v.version), v.type, new Date(v.lastModifiedAt).toISOString(), shortUser(v.lastModifiedUser), v.labels.join(','), v.type === 'SecureString' ? '(encrypted)' : v.value]);
            }
          }
          process.stdout.write(formatTable(['DELETED', 'VERSION', 'TYPE', 'LAST MODIFIED', 'BY', 'LABELS', 'VALUE'], rows) + '\n');
        });
        return;
      }
      await withSsmClient(resolveApiConfig(flags), async (ssm) => {
        const rows: string[][] = [];
        for await (const page of paginateGetParameterHistory({ client: ssm }, { Name: name, WithDecryption: Boolean(flags.decrypt) })) {
          for (const p of page.Parameters ?? []) {
            rows.push([String(p.Version), p.Type!, p.LastModifiedDate?.toISOString() ?? '', shortUser(p.LastModifiedUser), (p.Labels ?? []).join(','), p.Type === 'SecureString' && !flags.decrypt ? HIDDEN : p.Value ?? '']);
          }
        }
        process.stdout.write(formatTable(['VERSION', 'TYPE', 'LAST MODIFIED', 'BY', 'LABELS', 'VALUE'], rows) + '\n');
      });
    });

  addApiFlags(params.command('rm').argument('<name>').description('Delete a parameter (its versions are kept for restore during the retention period).'))
    .action(async (name: string, flags: ApiFlags) => {
      await withSsmClient(resolveApiConfig(flags), async (ssm) => {
        await ssm.send(new DeleteParameterCommand({ Name: name }));
        process.stdout.write(`Deleted ${name}. Its history is kept: bosun params restore ${name}\n`);
      });
    });

  params.command('restore').argument('<name>')
    .description('Bring back the most recently deleted parameter with this name, with all its versions and labels (reads the store).')
    .option('--data-dir <dir>', 'data directory of the embedded SQLite store (default .bosun)')
    .option('--database <url>', 'PostgreSQL URL of the store')
    .option('--account-id <id>', 'account of the parameter (default BOSUN_ACCOUNT_ID or .bosun/env)')
    .option('--region <region>', 'region of the parameter (default AWS_REGION, .bosun/env, or us-east-1)')
    .action(async (name: string, flags: { dataDir?: string; database?: string; accountId?: string; region?: string }) => {
      const scope = scopeOf(flags);
      await withStore({ dataDir: flags.dataDir, database: flags.database }, async (store) => {
        const restored = await restoreDeletedParameter(store.db, scope, name, Date.now());
        process.stdout.write(`Restored ${name} with ${restored.versions} version${restored.versions === 1 ? '' : 's'} (deleted ${new Date(restored.deletedAt).toISOString()}).\n`);
      });
    });

  params.command('retention').argument('[days]', 'how long deleted parameters are kept for restore (default 30)')
    .description('Show or set how long an account\'s deleted parameters are kept (reads the store).')
    .option('--data-dir <dir>', 'data directory of the embedded SQLite store (default .bosun)')
    .option('--database <url>', 'PostgreSQL URL of the store')
    .option('--account-id <id>', 'the account (default BOSUN_ACCOUNT_ID or .bosun/env)')
    .action(async (daysArg: string | undefined, flags: { dataDir?: string; database?: string; accountId?: string }) => {
      const { accountId } = scopeOf(flags);
      if (daysArg !== undefined && (!/^\d+$/.test(daysArg) || Number(daysArg) < 1 || Number(daysArg) > 3650)) throw new UsageError(`days must be a whole number from 1 to 3650 (got '${daysArg}')`);
      await withStore({ dataDir: flags.dataDir, database: flags.database }, async (store) => {
        if (daysArg !== undefined) await setAccountOption(store.db, accountId, RETENTION_OPTION, daysArg, Date.now());
        const days = (await getAccountOption(store.db, accountId, RETENTION_OPTION)) ?? String(DEFAULT_RETENTION_DAYS);
        process.stdout.write(`Deleted parameters of account ${accountId} are kept ${days} days.\n`);
      });
    });

  return params;
}

/** The account and region whose deleted parameters the store commands read: regions as the API calls choose them. */
function scopeOf(flags: { accountId?: string; dataDir?: string; region?: string }): Scope {
  const accountId = flags.accountId ?? process.env.BOSUN_ACCOUNT_ID ?? tryConfig(flags)?.accountId;
  if (!accountId) throw new UsageError('Which account? Pass --account-id ID, or set BOSUN_ACCOUNT_ID.');
  const region = flags.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? tryConfig(flags)?.region ?? 'us-east-1';
  if (!isKnownRegion(region)) throw new UsageError(`--region ${region} is not an AWS region (e.g. us-east-1, eu-west-1, cn-north-1)`);
  return { accountId, region };
}

function tryConfig(flags: { dataDir?: string }) {
  try {
    return resolveApiConfig({ dataDir: flags.dataDir, endpointUrl: 'unused' });
  } catch {
    return undefined;
  }
}

/** arn:aws:iam::123456789012:user/alice → alice */
function shortUser(arn: string | undefined): string {
  return arn ? arn.slice(arn.lastIndexOf('/') + 1) : '';
}
