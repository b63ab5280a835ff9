import fs from 'node:fs';
import path from 'node:path';
import { readRootKeyFile, rootKeyFromBase64, type RootKey } from '@bosun/server';

/**
 * Where settings come from, strongest first: command-line flags, environment variables
 * (BOSUN_*), the config file (--config FILE, JSON), then defaults.
 */
export interface StoreFlags {
  dataDir?: string;
  database?: string;
  rootKeyFile?: string;
  config?: string;
}

export interface ServerFlags extends StoreFlags {
  listen?: string;
  region?: string;
  bodyLimit?: string;
}

export interface ResolvedConfig {
  readonly listen: { host: string; port: number };
  readonly dataDir: string;
  readonly databaseUrl?: string;
  readonly rootKeyFile: string;
  readonly region: string;
  readonly bodyLimit?: number;
}

interface ConfigFile {
  listen?: string;
  dataDir?: string;
  database?: string;
  rootKeyFile?: string;
  region?: string;
  bodyLimit?: number;
}

export const DEFAULT_DATA_DIR = '.bosun';
export const DEFAULT_LISTEN = '127.0.0.1:4747';

/**
 * Every path comes out absolute: a path from a flag or the environment is taken from the
 * current directory, one from the config file from the file's own directory. Nothing below
 * this layer (the store, the agent, the scripts it runs in their own working directories)
 * ever sees a relative path.
 */
export function resolveConfig(flags: ServerFlags, env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): ResolvedConfig {
  const configText = flags.config ?? env.BOSUN_CONFIG;
  const configFile = configText === undefined ? undefined : path.resolve(cwd, configText);
  const file = readConfigFile(configFile);
  const fileDir = configFile === undefined ? cwd : path.dirname(configFile);
  const fromFlagsOrEnv = (value: string | undefined) => (value === undefined ? undefined : path.resolve(cwd, value));
  const fromFile = (value: string | undefined) => (value === undefined ? undefined : path.resolve(fileDir, value));
  const dataDir = fromFlagsOrEnv(flags.dataDir ?? env.BOSUN_DATA_DIR) ?? fromFile(file.dataDir) ?? path.resolve(cwd, DEFAULT_DATA_DIR);
  const listen = parseListen(flags.listen ?? env.BOSUN_LISTEN ?? file.listen ?? DEFAULT_LISTEN);
  const bodyLimitText = flags.bodyLimit ?? env.BOSUN_BODY_LIMIT ?? (file.bodyLimit === undefined ? undefined : String(file.bodyLimit));
  const bodyLimit = bodyLimitText === undefined ? undefined : Number(bodyLimitText);
  if (bodyLimit !== undefined && (!Number.isInteger(bodyLimit) || bodyLimit < 1024)) {
    throw new UsageError(`--body-limit must be a whole number of bytes, at least 1024 (got '${bodyLimitText}')`);
  }
  return {
    listen,
    dataDir,
    databaseUrl: absoluteSqliteUrl(flags.database ?? env.BOSUN_DATABASE_URL, cwd) ?? absoluteSqliteUrl(file.database, fileDir),
    rootKeyFile: fromFlagsOrEnv(flags.rootKeyFile ?? env.BOSUN_ROOT_KEY_FILE) ?? fromFile(file.rootKeyFile) ?? path.join(dataDir, 'root.key'),
    region: flags.region ?? env.BOSUN_REGION ?? file.region ?? 'us-east-1',
    bodyLimit,
  };
}

/** A `sqlite:FILE` URL with FILE made absolute from `base`; other URLs as they are. */
function absoluteSqliteUrl(url: string | undefined, base: string): string | undefined {
  return url?.startsWith('sqlite:') ? `sqlite:${path.resolve(base, url.slice('sqlite:'.length))}` : url;
}

/** The root key: BOSUN_ROOT_KEY (base64) when set, else the key file. */
export function loadRootKey(config: ResolvedConfig, env: NodeJS.ProcessEnv = process.env): RootKey {
  if (env.BOSUN_ROOT_KEY) return rootKeyFromBase64(env.BOSUN_ROOT_KEY, 'BOSUN_ROOT_KEY');
  if (!fs.existsSync(config.rootKeyFile)) {
    throw new UsageError(`No root key at ${config.rootKeyFile}. Create one with 'bosun admin create-root-key ${config.rootKeyFile}' (keep it safe: it unlocks every secret in the store), or pass --root-key-file FILE / set BOSUN_ROOT_KEY.`);
  }
  return readRootKeyFile(config.rootKeyFile);
}

export function parseListen(text: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(text) ?? /^()()(\d+)$/.exec(text);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) throw new UsageError(`--listen must be HOST:PORT, e.g. 127.0.0.1:4747 (got '${text}')`);
  return { host: match[1] || match[2] || '127.0.0.1', port };
}

function readConfigFile(file: string | undefined): ConfigFile {
  if (!file) return {};
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`Cannot read the config file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    return JSON.parse(text) as ConfigFile;
  } catch (error) {
    throw new UsageError(`The config file ${file} is not valid JSON: ${(error as Error).message}`);
  }
}

/** An error in how the command was called: printed without a stack, exit code 2. */
export class UsageError extends Error {}
