import { Command } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import { Agent, register } from '@bosun/agent';
import { adminBootstrap, checkDataDir, createLocalActivation, createLogger, ensureRootKeyFile, listAccounts, openStore, startServer, type NewAccessKey, type RunningServer } from '@bosun/server';
import { UsageError, resolveConfig, type ServerFlags } from '../config.ts';
import { addServerFlags, runUntilSignal } from './common.ts';

interface DevFlags extends ServerFlags {
  accountId?: string;
}

export function devCommand(): Command {
  const command = new Command('dev')
    .description('A first look: the server on 127.0.0.1 with an embedded store in .bosun/, an account, an admin user and an access key.')
    .option('--data-dir <dir>', 'data directory (default .bosun in the current directory)')
    .option('--account-id <id>', '12-digit account id for ARNs on first start (default: random)');
  addServerFlags(command);
  return command.action(async (flags: DevFlags) => {
    if (flags.accountId !== undefined && !/^\d{12}$/.test(flags.accountId)) throw new UsageError(`--account-id must be 12 digits (got '${flags.accountId}')`);
    const config = resolveConfig({ ...flags, rootKeyFile: undefined, database: undefined, config: undefined });
    // Before anything is written there: a directory that cannot serve is left as it was.
    checkDataDir(config.dataDir);
    const { rootKey } = ensureRootKeyFile(config.rootKeyFile);
    const envFile = path.join(config.dataDir, 'env');

    const store = await openStore({ dataDir: config.dataDir, region: config.region });
    let created: NewAccessKey | undefined;
    try {
      if ((await listAccounts(store.db)).length === 0) created = await adminBootstrap(store, rootKey, { accountId: flags.accountId, now: Date.now() });
    } finally {
      await store.close();
    }
    const server = await startServer({
      host: config.listen.host,
      port: config.listen.port,
      dataDir: config.dataDir,
      rootKey,
      region: config.region,
      bodyLimit: config.bodyLimit,
      logger: createLogger({ format: 'pretty', level: 'warn' }),
    });
    const credentials = created ?? readEnvCredentials(envFile);
    let agent: Agent | undefined;
    let node: string | undefined;
    try {
      ({ agent, node } = await startLocalAgent(server, path.join(config.dataDir, 'agent')));
    } catch (error) {
      process.stderr.write(`warn: the local agent could not start: ${(error as Error).message}\n`);
    }
    if (credentials) writeEnvFile(envFile, { ...credentials, region: config.region, endpoint: server.url, node });
    printBanner({ url: server.url, region: config.region, dataDir: config.dataDir, envFile, created, credentials, node });
    await runUntilSignal(async () => {
      agent?.stop();
      await server.close();
    });
  });
}

/**
 * The first look shows one Online node: a local agent, registered against this server
 * (an activation made in the store on first start) and run in this process. Its state is
 * in <data-dir>/agent, its log in <data-dir>/agent/agent.log.
 */
async function startLocalAgent(server: RunningServer, stateDir: string): Promise<{ agent: Agent; node: string }> {
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  if (!fs.existsSync(path.join(stateDir, 'identity.json'))) {
    const [account] = await listAccounts(server.store.db);
    if (!account) throw new Error('no account to register the local node in');
    const activation = await createLocalActivation(server.store.db, { accountId: account.account_id, region: server.region, iamRole: 'BosunDevNodeRole', defaultInstanceName: 'bosun-dev-local', now: Date.now() });
    await register({ stateDir, endpoint: server.url, activationId: activation.activationId, activationCode: activation.activationCode });
  }
  const log = fs.createWriteStream(path.join(stateDir, 'agent.log'), { flags: 'a', mode: 0o600 });
  const agent = new Agent({ stateDir, now: Date.now, log: (line) => log.write(`${new Date().toISOString()} ${line}\n`) });
  void agent.start();
  const identity = JSON.parse(fs.readFileSync(path.join(stateDir, 'identity.json'), 'utf8')) as { instanceId: string; endpoint: string };
  return { agent, node: identity.instanceId };
}

interface EnvCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  accountId?: string;
}

function writeEnvFile(file: string, values: EnvCredentials & { region: string; endpoint: string; node?: string }): void {
  const lines = [
    '# Written by bosun dev: source it to use the AWS CLI or SDKs against this server.',
    `export AWS_ACCESS_KEY_ID=${values.accessKeyId}`,
    `export AWS_SECRET_ACCESS_KEY=${values.secretAccessKey}`,
    `export AWS_DEFAULT_REGION=${values.region}`,
    `export AWS_REGION=${values.region}`,
    `export BOSUN_ENDPOINT=${values.endpoint}`,
    ...(values.accountId ? [`export BOSUN_ACCOUNT_ID=${values.accountId}`] : []),
    ...(values.node ? [`export BOSUN_LOCAL_NODE=${values.node}`] : []),
    'export AWS_PAGER=""',
    'export AWS_EC2_METADATA_DISABLED=true',
  ];
  fs.writeFileSync(file, lines.join('\n') + '\n', { mode: 0o600 });
}

function readEnvCredentials(file: string): EnvCredentials | undefined {
  if (!fs.existsSync(file)) return undefined;
  const text = fs.readFileSync(file, 'utf8');
  const get = (name: string) => new RegExp(`^export ${name}=(.*)$`, 'm').exec(text)?.[1];
  const accessKeyId = get('AWS_ACCESS_KEY_ID');
  const secretAccessKey = get('AWS_SECRET_ACCESS_KEY');
  return accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey, accountId: get('BOSUN_ACCOUNT_ID') } : undefined;
}

function printBanner(info: { url: string; region: string; dataDir: string; envFile: string; created?: NewAccessKey; credentials?: EnvCredentials; node?: string }): void {
  const out = process.stdout;
  out.write(`\nBosun dev server is running.\n\n`);
  out.write(`  Endpoint    ${info.url}\n`);
  out.write(`  Region      ${info.region}\n`);
  out.write(`  Data        ${path.resolve(info.dataDir)}${info.created ? ' (new)' : ' (existing state reused)'}\n`);
  if (info.created) {
    out.write(`  Account     ${info.created.accountId}\n`);
    out.write(`  User        ${info.created.userName}\n`);
    out.write(`  Access key  ${info.created.accessKeyId}\n`);
    out.write(`  Secret key  ${info.created.secretAccessKey}\n`);
  } else if (info.credentials) {
    if (info.credentials.accountId) out.write(`  Account     ${info.credentials.accountId}\n`);
    out.write(`  Access key  ${info.credentials.accessKeyId} (secret in ${info.envFile})\n`);
  } else {
    out.write(`  Credentials ${info.envFile} is missing; create a key with: bosun admin create-access-key --data-dir ${info.dataDir} --account-id ID --user-name admin\n`);
  }
  if (info.node) out.write(`  Local node  ${info.node} (agent in this process; bosun nodes ls --data-dir ${info.dataDir})\n`);
  out.write(`\nTry it:\n\n`);
  out.write(`  source ${info.envFile} && aws ssm get-service-setting --setting-id /ssm/parameter-store/high-throughput-enabled --endpoint-url $BOSUN_ENDPOINT\n\n`);
  out.write(`Press Ctrl-C to stop; the next start reuses this state.\n`);
}
