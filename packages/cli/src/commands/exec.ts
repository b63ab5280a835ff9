import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { Command } from 'commander';
import { GetParameterCommand, paginateGetParametersByPath, type SSMClient } from '@aws-sdk/client-ssm';
import { addApiFlags, resolveApiConfig, ssmClientFor, type ApiFlags } from '../api-client.ts';
import { UsageError } from '../config.ts';
import { isVariableName, parseSpec, parseValueFrom, variableName, type Source } from '../exec-env.ts';

interface ExecFlags extends ApiFlags {
  path: string[];
  env: string[];
  spec?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/**
 * `bosun exec`: what ECS does with a task definition's `secrets`. Resolves parameters and secret
 * references (decrypted), puts them in the environment of a command, and runs it with signals
 * and exit code passed through. Nothing is started when any value is missing or refused, and
 * no value is ever printed.
 */
export function execCommand(): Command {
  return addApiFlags(new Command('exec')
    .description('Run a command with parameters and secrets in its environment (see docs: naming rule).')
    .usage('[--path /app/prod ...] [--env NAME=/x/y ...] [--spec file.json] -- command [args...]')
    .option('--path <path>', 'every parameter under this path (any depth) becomes a variable: /app/prod/db/host → DB_HOST (repeatable)', collect, [])
    .option('--env <NAME=parameter>', 'set NAME from a parameter name or ARN, or a Secrets Manager secret ARN (repeatable)', collect, [])
    .option('--spec <file>', 'ECS-style JSON list [{"name": "VAR", "valueFrom": "<name or ARN>"}]')
    .argument('<command>', 'the command to run')
    // Options of the command itself follow `--`, so they are never taken for bosun's.
    .argument('[args...]', 'its arguments (after --)'))
    .action(async (command: string, args: string[], flags: ExecFlags) => {
      const wanted = planned(flags);
      const config = resolveApiConfig(flags);
      const ssm = ssmClientFor(config);
      let values: Map<string, string>;
      try {
        values = await resolveAll(ssm, flags.path, wanted);
      } finally {
        ssm.destroy();
      }
      process.exitCode = await runChild(command, args, { ...process.env, ...Object.fromEntries(values) });
    });
}

function planned(flags: ExecFlags): { name: string; source: Source; label: string }[] {
  const out: { name: string; source: Source; label: string }[] = [];
  if (flags.spec) {
    let text: string;
    try {
      text = fs.readFileSync(flags.spec, 'utf8');
    } catch (error) {
      throw new UsageError(`Cannot read --spec ${flags.spec}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    let entries;
    try {
      entries = parseSpec(text, flags.spec);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    for (const e of entries) out.push({ name: e.name, source: parseValueFrom(e.valueFrom), label: e.valueFrom });
  }
  for (const item of flags.env) {
    const eq = item.indexOf('=');
    const name = eq > 0 ? item.slice(0, eq) : '';
    if (!isVariableName(name) || eq === item.length - 1) throw new UsageError(`--env must be NAME=/parameter/name (got '${item}')`);
    out.push({ name, source: parseValueFrom(item.slice(eq + 1)), label: item.slice(eq + 1) });
  }
  for (const p of flags.path) if (!p.startsWith('/')) throw new UsageError(`--path must start with / (got '${p}')`);
  if (out.length === 0 && flags.path.length === 0) throw new UsageError('Nothing to resolve: give --path, --env or --spec.');
  return out;
}

async function resolveAll(ssm: SSMClient, paths: readonly string[], wanted: readonly { name: string; source: Source; label: string }[]): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  const failures: string[] = [];
  for (const path of paths) {
    let count = 0;
    try {
      for await (const page of paginateGetParametersByPath({ client: ssm }, { Path: path, Recursive: true, WithDecryption: true })) {
        for (const p of page.Parameters ?? []) {
          values.set(variableName(path, p.Name!), p.Value ?? '');
          count++;
        }
      }
      if (count === 0) failures.push(`--path ${path}: no parameters under this path`);
    } catch (error) {
      failures.push(`--path ${path}: ${describe(error)}`);
    }
  }
  await Promise.all(wanted.map(async (w) => {
    try {
      values.set(w.name, await resolveOne(ssm, w.source));
    } catch (error) {
      failures.push(`${w.name} (${w.label}): ${describe(error)}`);
    }
  }));
  if (failures.length > 0) {
    throw new Error(`not starting the command: ${failures.length} value${failures.length === 1 ? '' : 's'} could not be resolved:\n  ${failures.sort().join('\n  ')}`);
  }
  return values;
}

async function resolveOne(ssm: SSMClient, source: Source): Promise<string> {
  if (source.kind === 'parameter') {
    return (await ssm.send(new GetParameterCommand({ Name: source.name, WithDecryption: true }))).Parameter?.Value ?? '';
  }
  const selector = source.versionId ? `:${source.versionId}` : source.stage ? `:${source.stage}` : '';
  const value = (await ssm.send(new GetParameterCommand({ Name: `/aws/reference/secretsmanager/${source.secretId}${selector}`, WithDecryption: true }))).Parameter?.Value ?? '';
  if (!source.jsonKey) return value;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new Error(`the secret is not JSON, so it has no key ${source.jsonKey}`);
  }
  const field = (parsed as Record<string, unknown>)?.[source.jsonKey];
  if (field === undefined) throw new Error(`the secret has no JSON key ${source.jsonKey}`);
  return typeof field === 'string' ? field : JSON.stringify(field);
}

/** The error's name and message: they name parameters and keys, never values. */
function describe(error: unknown): string {
  const e = error as { name?: string; message?: string };
  return e.name && e.name !== 'Error' ? `${e.name}: ${e.message ?? ''}` : e.message ?? String(error);
}

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

/** Runs the command; resolves with its exit code (128 + signal number when a signal ended it, as shells do). */
function runChild(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'inherit', env });
    const forward = (signal: NodeJS.Signals) => () => {
      child.kill(signal);
    };
    const handlers = FORWARDED.map((signal) => [signal, forward(signal)] as const);
    for (const [signal, handler] of handlers) process.on(signal, handler);
    const cleanup = () => {
      for (const [signal, handler] of handlers) process.off(signal, handler);
    };
    child.on('error', (error) => {
      cleanup();
      reject(new Error(`cannot start ${command}: ${(error as NodeJS.ErrnoException).code ?? error.message}`));
    });
    child.on('exit', (code, signal) => {
      cleanup();
      if (signal) {
        resolve(128 + (signalNumber(signal) ?? 0));
        return;
      }
      resolve(code ?? 1);
    });
  });
}

function signalNumber(signal: NodeJS.Signals): number | undefined {
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGUSR1: 10, SIGUSR2: 12, SIGTERM: 15 };
  return numbers[signal];
}
