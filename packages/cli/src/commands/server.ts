import path from 'node:path';
import { Command } from 'commander';
import { checkDataDir, createLogger, startServer } from '@bosun/server';
import { loadRootKey, resolveConfig, UsageError, type ServerFlags } from '../config.ts';
import { addServerFlags, addStoreFlags, runUntilSignal } from './common.ts';

export function serverCommand(): Command {
  const command = new Command('server')
    .description('Run the Bosun control plane (AWS-compatible API) on SQLite (--data-dir) or PostgreSQL (--database).')
    .addHelpText('after', `
Settings come from flags, then environment (BOSUN_LISTEN, BOSUN_DATA_DIR, BOSUN_DATABASE_URL,
BOSUN_ROOT_KEY_FILE or BOSUN_ROOT_KEY, BOSUN_REGION, BOSUN_CONFIG), then the --config JSON file
({"listen": "...", "dataDir": "...", "database": "...", "rootKeyFile": "...", "region": "..."}).
Agent versions offered to AWS-UpdateSSMAgent: <data-dir>/agent-bundles/VERSION/bosun-agent.cjs,
or BOSUN_AGENT_BUNDLES_DIR. Inventory history is kept BOSUN_INVENTORY_RETENTION_DAYS days (default 365).

First time on a new store:
  bosun admin create-root-key /etc/bosun/root.key
  bosun admin create-account --admin-user admin --database postgres://... --root-key-file /etc/bosun/root.key
  bosun server --database postgres://... --root-key-file /etc/bosun/root.key --listen 0.0.0.0:4747`);
  addStoreFlags(addServerFlags(command));
  return command.action(async (flags: ServerFlags) => {
    const config = resolveConfig(flags);
    if (!config.databaseUrl) checkDataDir(config.dataDir);
    const server = await startServer({
      host: config.listen.host,
      port: config.listen.port,
      dataDir: config.dataDir,
      databaseUrl: config.databaseUrl,
      rootKey: loadRootKey(config),
      region: config.region,
      bodyLimit: config.bodyLimit,
      logger: createLogger({ format: 'json' }),
      ...(process.env.BOSUN_AGENT_BUNDLES_DIR ? { nodes: { agentBundlesDir: path.resolve(process.env.BOSUN_AGENT_BUNDLES_DIR) } } : {}),
      inventory: { retentionDays: retentionDays(process.env.BOSUN_INVENTORY_RETENTION_DAYS) },
    });
    await runUntilSignal(() => server.close());
  });
}

/** BOSUN_INVENTORY_RETENTION_DAYS: whole days, at least 1 (default 365). */
export function retentionDays(text: string | undefined): number {
  if (text === undefined || text === '') return 365;
  const days = Number(text);
  if (!Number.isInteger(days) || days < 1) throw new UsageError(`BOSUN_INVENTORY_RETENTION_DAYS is '${text}': give a whole number of days, 1 or more (default 365).`);
  return days;
}
