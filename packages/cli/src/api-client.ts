import fs from 'node:fs';
import path from 'node:path';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DEFAULT_DATA_DIR, UsageError } from './config.ts';

/**
 * Where client commands (bosun params, bosun exec) find the API and credentials, the way the
 * AWS SDK does, strongest first: flags, the environment (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION, BOSUN_ENDPOINT), then the env file
 * `bosun dev` writes (<data-dir>/env, default .bosun/env).
 */
export interface ApiFlags {
  endpointUrl?: string;
  region?: string;
  dataDir?: string;
}

export interface ApiConfig {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  readonly accountId?: string;
}

export function resolveApiConfig(flags: ApiFlags, env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const file = readEnvFile(path.resolve(flags.dataDir ?? env.BOSUN_DATA_DIR ?? DEFAULT_DATA_DIR, 'env'));
  const pick = (name: string) => env[name] ?? file[name];
  const endpoint = flags.endpointUrl ?? env.BOSUN_ENDPOINT ?? env.AWS_ENDPOINT_URL ?? file.BOSUN_ENDPOINT;
  if (!endpoint) throw new UsageError('No API endpoint: pass --endpoint-url URL, set BOSUN_ENDPOINT, or run `bosun dev` (it writes .bosun/env).');
  const fromEnv = env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY;
  const accessKeyId = fromEnv ? env.AWS_ACCESS_KEY_ID : file.AWS_ACCESS_KEY_ID;
  const secretAccessKey = fromEnv ? env.AWS_SECRET_ACCESS_KEY : file.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new UsageError('No credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or source the env file `bosun dev` writes (.bosun/env).');
  }
  return {
    endpoint,
    region: flags.region ?? pick('AWS_REGION') ?? pick('AWS_DEFAULT_REGION') ?? 'us-east-1',
    credentials: { accessKeyId, secretAccessKey, ...(fromEnv && env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) },
    accountId: pick('BOSUN_ACCOUNT_ID'),
  };
}

/**
 * The SDK warns at a client's construction, on Node 20, that its releases after January 2027
 * will need Node 22. Bosun pins the SDK and supports Node 20 (docs/operations.md, "Node.js
 * version"), so the CLI turns that one warning off for its own clients, only while it makes
 * one: the variable is put back at once, and the processes `bosun exec` starts never see it.
 */
export function ssmClientFor(config: ApiConfig): SSMClient {
  const name = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';
  const before = process.env[name];
  process.env[name] = 'true';
  try {
    return new SSMClient({ endpoint: config.endpoint, region: config.region, credentials: config.credentials, maxAttempts: 3 });
  } finally {
    if (before === undefined) delete process.env[name];
    else process.env[name] = before;
  }
}

/**
 * Runs `work` with an SSM client for `config` and closes the client after. An AWS error
 * (one with `$metadata`) becomes a plain `Name: message` error, as the CLI prints them.
 */
export async function withSsmClient<T>(config: ApiConfig, work: (ssm: SSMClient) => Promise<T>): Promise<T> {
  const ssm = ssmClientFor(config);
  try {
    return await work(ssm);
  } catch (error) {
    const e = error as { name?: string; message?: string; $metadata?: unknown };
    if (e.$metadata) throw new Error(`${e.name}: ${e.message}`);
    throw error;
  } finally {
    ssm.destroy();
  }
}

/** The `export NAME=value` lines of an env file; empty when there is none. */
function readEnvFile(file: string): Record<string, string> {
  if (!fs.existsSync(file)) return {};
  const values: Record<string, string> = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const match = /^(?:export\s+)?([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) values[match[1]] = match[2].replace(/^"(.*)"$/, '$1');
  }
  return values;
}

export function addApiFlags<T extends { option: (flags: string, description: string) => T }>(command: T): T {
  return command
    .option('--endpoint-url <url>', 'Bosun API endpoint (default: BOSUN_ENDPOINT, or the one in .bosun/env)')
    .option('--region <region>', 'region to sign for (default: AWS_REGION, or us-east-1)')
    .option('--data-dir <dir>', 'where `bosun dev` wrote its env file (default .bosun)');
}
