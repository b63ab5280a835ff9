import http from 'node:http';
import https from 'node:https';
import { Command } from 'commander';
import { SendCommandCommand, type SendCommandCommandInput, type Target } from '@aws-sdk/client-ssm';
import { signRequest } from '@bosun/agent';
import { addApiFlags, resolveApiConfig, withSsmClient, type ApiConfig, type ApiFlags } from '../api-client.ts';
import { UsageError } from '../config.ts';
import { progressBar } from '../progress.ts';
import { formatTable } from '../table.ts';

export const SHELL_DOCUMENT = 'AWS-RunShellScript';

export interface RunFlags extends ApiFlags {
  targets?: string[];
  instanceIds?: string[];
  maxConcurrency?: string;
  maxErrors?: string;
  timeout?: string;
  deliveryTimeout?: string;
  comment?: string;
  document?: string;
  documentVersion?: string;
  parameters?: string;
  parametersJson?: string;
  follow: boolean;
}

/** `bosun run`: SendCommand, then live progress and output from the command's stream, then a summary. */
export function runCommand(): Command {
  return addApiFlags(new Command('run')
    .description('Run a command on managed nodes (Run Command) and follow it live: progress, output per node, a summary.')
    .argument('[command...]', `shell commands for ${SHELL_DOCUMENT} (after --)`)
    .option('--targets <target...>', 'nodes by tag: tag:Key=Value[,Value2] or tag-key=Key (repeatable)')
    .option('--instance-ids <id...>', 'nodes by id (mi-…)')
    .option('--max-concurrency <n|n%>', 'at most this many nodes at once (AWS default 50)')
    .option('--max-errors <n|n%>', 'stop starting nodes after this many errors (AWS default 0)')
    .option('--timeout <seconds>', `execution timeout of each node's run (${SHELL_DOCUMENT}'s executionTimeout, default 3600)`)
    .option('--delivery-timeout <seconds>', 'give up on nodes that have not received the command after this long (TimeoutSeconds)')
    .option('--comment <text>', 'a comment kept with the command')
    .option('--document <name>', `run this document instead of ${SHELL_DOCUMENT} (name or ARN)`)
    .option('--document-version <version>', 'document version ($DEFAULT, $LATEST or a number)')
    .option('--parameters <k=v,...>', 'document parameters')
    .option('--parameters-json <json>', 'document parameters as JSON: {"name": "value" | ["v1", "v2"]}')
    .option('--no-follow', 'print the CommandId and return at once'))
    .addHelpText('after', `
Examples:
  bosun run --targets tag:Role=web -- 'uptime'
  bosun run --instance-ids mi-0123456789abcdef0 --max-concurrency 1 --timeout 60 -- 'systemctl restart app'
  bosun run --targets tag:Env=dev --document MyDocument --parameters version=1.2,mode=fast

Exit status: 0 when every node succeeded, 1 when any failed, timed out or was cancelled.`)
    .action(async (commandWords: string[], flags: RunFlags) => {
      const input = sendCommandInput(commandWords, flags);
      const config = resolveApiConfig(flags);
      const commandId = await withSsmClient(config, async (ssm) => (await ssm.send(new SendCommandCommand(input))).Command!.CommandId!);
      if (!flags.follow) {
        process.stdout.write(`${commandId}\n`);
        return;
      }
      process.stderr.write(`CommandId ${commandId}\n`);
      const summary = await follow(config, commandId);
      process.stdout.write(`\n${formatTable(['NODE', 'STATUS', 'EXIT CODE', 'DURATION'], summary.rows)}\n`);
      if (summary.failed > 0) process.exitCode = 1;
    });
}

/** The SendCommand request the flags describe. */
export function sendCommandInput(commandWords: readonly string[], flags: Omit<RunFlags, 'follow'>): SendCommandCommandInput {
  const targets = (flags.targets ?? []).map(parseTarget);
  if (targets.length === 0 && !flags.instanceIds?.length) throw new UsageError('Which nodes? Pass --targets tag:Key=Value or --instance-ids mi-….');
  const document = flags.document ?? SHELL_DOCUMENT;
  const parameters: Record<string, string[]> = {};
  if (flags.parametersJson) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(flags.parametersJson);
    } catch {
      throw new UsageError('--parameters-json is not JSON');
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new UsageError('--parameters-json must be a JSON object');
    for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) parameters[k] = Array.isArray(v) ? v.map(String) : [String(v)];
  }
  if (flags.parameters) {
    for (const pair of flags.parameters.split(',')) {
      const at = pair.indexOf('=');
      if (at < 1) throw new UsageError(`--parameters takes name=value pairs separated by commas (got '${pair}')`);
      parameters[pair.slice(0, at).trim()] = [pair.slice(at + 1)];
    }
  }
  if (commandWords.length > 0) {
    if (flags.document && flags.document !== SHELL_DOCUMENT) throw new UsageError(`shell commands after -- go to ${SHELL_DOCUMENT}; with --document pass --parameters instead`);
    parameters.commands = [commandWords.join(' ')];
  }
  if (document === SHELL_DOCUMENT && !parameters.commands) throw new UsageError(`What to run? Put the shell commands after --, e.g. bosun run --targets tag:Role=web -- 'uptime'`);
  if (flags.timeout !== undefined) {
    if (!/^\d+$/.test(flags.timeout)) throw new UsageError('--timeout takes a number of seconds');
    parameters.executionTimeout ??= [flags.timeout];
  }
  const rate = /^\d+%?$/;
  if (flags.maxConcurrency !== undefined && !rate.test(flags.maxConcurrency)) throw new UsageError('--max-concurrency takes a number or a percentage (10, 10%)');
  if (flags.maxErrors !== undefined && !rate.test(flags.maxErrors)) throw new UsageError('--max-errors takes a number or a percentage (0, 5%)');
  if (flags.deliveryTimeout !== undefined && !/^\d+$/.test(flags.deliveryTimeout)) throw new UsageError('--delivery-timeout takes a number of seconds');
  return {
    DocumentName: document,
    ...(flags.documentVersion ? { DocumentVersion: flags.documentVersion } : {}),
    ...(flags.instanceIds?.length ? { InstanceIds: flags.instanceIds } : {}),
    ...(targets.length ? { Targets: targets } : {}),
    ...(Object.keys(parameters).length ? { Parameters: parameters } : {}),
    ...(flags.maxConcurrency ? { MaxConcurrency: flags.maxConcurrency } : {}),
    ...(flags.maxErrors ? { MaxErrors: flags.maxErrors } : {}),
    ...(flags.deliveryTimeout ? { TimeoutSeconds: Number(flags.deliveryTimeout) } : {}),
    ...(flags.comment ? { Comment: flags.comment } : {}),
  };
}

/** `tag:Key=V1,V2` → Key tag:Key; `tag-key=Key` → Key tag-key; `Key=…,Values=…` as the AWS CLI writes it. */
export function parseTarget(text: string): Target {
  const aws = /^Key=([^,]+),Values=(.+)$/.exec(text);
  if (aws) return { Key: aws[1], Values: aws[2].split(',') };
  const tag = /^tag:([^=]+)=(.+)$/.exec(text);
  if (tag) return { Key: `tag:${tag[1]}`, Values: tag[2].split(',') };
  const key = /^tag-key[=:](.+)$/.exec(text);
  if (key) return { Key: 'tag-key', Values: key[1].split(',') };
  throw new UsageError(`--targets takes tag:Key=Value, tag-key=Key or Key=...,Values=... (got '${text}')`);
}

// ---------------------------------------------------------------------------------------------
// Following the stream (GET /bosun/v1/commands/{id}/stream, application/x-ndjson)

export type StreamEvent =
  | { type: 'invocation'; instanceId: string; status: string; statusDetails?: string; responseCode?: number; startedAt?: number | string; endedAt?: number | string }
  | { type: 'output'; instanceId: string; pluginName: string; stream: 'stdout' | 'stderr'; data: string }
  | { type: 'command'; status: string; targetCount: number; completedCount: number; errorCount: number; deliveryTimedOutCount: number };

const TERMINAL_INVOCATION = new Set(['Success', 'Failed', 'TimedOut', 'Cancelled', 'Undeliverable', 'Terminated', 'DeliveryTimedOut', 'ExecutionTimedOut']);
const TERMINAL_COMMAND = new Set(['Success', 'Failed', 'TimedOut', 'Cancelled']);

interface NodeState {
  status: string;
  statusDetails?: string;
  responseCode?: number;
  startedAt?: number;
  endedAt?: number;
}

/** What the stream has said so far: node states, the command's counts, and output split into whole lines. */
export class RunView {
  readonly nodes = new Map<string, NodeState>();
  command?: Extract<StreamEvent, { type: 'command' }>;
  private readonly partial = new Map<string, string>();
  /** Characters of output received per node, plugin and stream; what a new connection repeats is skipped. */
  private readonly received = new Map<string, number>();
  private readonly skip = new Map<string, number>();

  constructor(private readonly print: (stream: 'stdout' | 'stderr', line: string) => void) {}

  apply(event: StreamEvent): void {
    if (event.type === 'invocation') {
      this.nodes.set(event.instanceId, {
        status: event.status, statusDetails: event.statusDetails, responseCode: event.responseCode,
        startedAt: toMs(event.startedAt), endedAt: toMs(event.endedAt),
      });
      if (TERMINAL_INVOCATION.has(event.status)) this.flushNode(event.instanceId);
    } else if (event.type === 'output') {
      const seenKey = `${event.instanceId}\u0000${event.pluginName}\u0000${event.stream}`;
      const skip = this.skip.get(seenKey) ?? 0;
      const data = skip > 0 ? event.data.slice(skip) : event.data;
      if (skip > 0) this.skip.set(seenKey, Math.max(0, skip - event.data.length));
      this.received.set(seenKey, (this.received.get(seenKey) ?? 0) + data.length);
      if (data === '') return;
      const key = `${event.instanceId}\u0000${event.stream}`;
      const text = (this.partial.get(key) ?? '') + data;
      const lines = text.split('\n');
      this.partial.set(key, lines.pop()!);
      for (const line of lines) this.print(event.stream, `[${event.instanceId}] ${line}`);
    } else if (event.type === 'command') {
      this.command = event;
    }
  }

  /** A new connection to the stream starts again with each stream's output from its beginning: skip what was shown. */
  reconnecting(): void {
    for (const [key, count] of this.received) this.skip.set(key, count);
  }

  get finished(): boolean {
    return this.command !== undefined && TERMINAL_COMMAND.has(this.command.status);
  }

  counts(): { total: number; done: number; running: number; failed: number } {
    const states = [...this.nodes.values()];
    const done = states.filter((s) => TERMINAL_INVOCATION.has(s.status)).length;
    return {
      total: Math.max(this.command?.targetCount ?? 0, states.length),
      done,
      running: states.filter((s) => s.status === 'InProgress').length,
      failed: states.filter((s) => TERMINAL_INVOCATION.has(s.status) && s.status !== 'Success').length,
    };
  }

  /** The summary table's rows, sorted by node id, and how many did not succeed. */
  summary(): { rows: string[][]; failed: number } {
    for (const id of this.nodes.keys()) this.flushNode(id);
    const rows = [...this.nodes.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, s]) => [
      id,
      s.statusDetails && s.statusDetails !== s.status ? `${s.status} (${s.statusDetails})` : s.status,
      s.responseCode === undefined || s.responseCode === -1 ? '-' : String(s.responseCode),
      s.startedAt !== undefined && s.endedAt !== undefined ? formatDuration(s.endedAt - s.startedAt) : '-',
    ]);
    return { rows, failed: [...this.nodes.values()].filter((s) => s.status !== 'Success').length };
  }

  private flushNode(instanceId: string): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      const key = `${instanceId}\u0000${stream}`;
      const rest = this.partial.get(key);
      if (rest) this.print(stream, `[${instanceId}] ${rest}`);
      this.partial.delete(key);
    }
  }
}

async function follow(config: ApiConfig, commandId: string): Promise<{ rows: string[][]; failed: number }> {
  const bar = progressBar('nodes');
  const view = new RunView((stream, line) => (stream === 'stdout' ? process.stdout : process.stderr).write(`${line}\n`));
  const refresh = () => {
    const c = view.counts();
    bar.update(c.done, c.total, `${c.running} running, ${c.failed} failed`);
  };
  try {
    for (let attempt = 1; !view.finished; attempt++) {
      try {
        await readStream(config, commandId, (event) => {
          view.apply(event);
          refresh();
        });
      } catch (error) {
        if (attempt >= 5) throw error;
      }
      if (!view.finished) {
        if (attempt >= 5) throw new Error(`the stream of command ${commandId} ended before the command did`);
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
        view.reconnecting();
      }
    }
  } finally {
    bar.stop();
  }
  return view.summary();
}

/** Reads the ndjson stream until the server ends it. */
function readStream(config: ApiConfig, commandId: string, onEvent: (event: StreamEvent) => void): Promise<void> {
  const url = new URL(`${config.endpoint.replace(/\/+$/, '')}/bosun/v1/commands/${encodeURIComponent(commandId)}/stream`);
  const headers = signRequest({ method: 'GET', url, credentials: config.credentials, region: config.region, service: 'ssm', now: Date.now() });
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(url, { method: 'GET', headers }, (res) => {
      res.setEncoding('utf8');
      if ((res.statusCode ?? 0) !== 200) {
        let text = '';
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          let message = text;
          try {
            const body = JSON.parse(text) as { __type?: string; message?: string; Message?: string };
            message = `${body.__type ?? `HTTP ${res.statusCode}`}: ${body.message ?? body.Message ?? ''}`;
          } catch { /* plain text */ }
          reject(new Error(`cannot follow command ${commandId}: ${message}`));
        });
        return;
      }
      let buffered = '';
      res.on('data', (chunk: string) => {
        buffered += chunk;
        let at: number;
        while ((at = buffered.indexOf('\n')) !== -1) {
          const line = buffered.slice(0, at).trim();
          buffered = buffered.slice(at + 1);
          if (line) onEvent(JSON.parse(line) as StreamEvent);
        }
      });
      res.on('end', () => {
        if (buffered.trim()) onEvent(JSON.parse(buffered) as StreamEvent);
        resolve();
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function toMs(value: number | string | undefined): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return value;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? undefined : parsed;
}

function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}
