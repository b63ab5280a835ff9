import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { awsError, errorCatalogue, isAwsError, type Scope } from '@bosun/protocol';
import type { Principal } from '../accounts/principal.ts';
import type { Authorizer } from '../api/authorize.ts';
import type { SignedRequest, VerifiedRequest } from '../api/sigv4.ts';
import type { Logger } from '../logger.ts';
import type { ObjectStore } from '../object-store/object-store.ts';
import { inScope } from '../nodes/nodes-store.ts';
import type { Db } from '../store/store.ts';
import type { CommandChange } from './command-events.ts';
import type { CommandEvents } from './command-events.ts';
import { commandInvocations, findCommand, findInvocation, invocationChunks, TERMINAL_STATUSES, type CommandRow, type InvocationRow } from './command-store.ts';
import { assembleStream, parsePlugins, wholeStream, type Stream } from './invocation-output.ts';

export const COMMANDS_ROUTE_PREFIX = '/bosun/v1/commands';

export interface CommandRoutesOptions {
  readonly db: Db;
  readonly objects: ObjectStore;
  readonly events: CommandEvents;
  readonly verify: (req: SignedRequest) => Promise<VerifiedRequest<Principal>>;
  readonly authorize: Authorizer;
  readonly now: () => number;
  readonly logger: Logger;
  /** How often a stream re-reads the command (changes made by other replicas). Default 1 s. */
  readonly pollMs?: number;
}

/**
 * Bosun's own Run Command routes (not AWS shapes), SigV4-signed like the API:
 * - `GET /bosun/v1/commands/{CommandId}/stream`: ndjson, the current state then live
 *   changes, ending once the command is terminal (authorised as ssm:ListCommandInvocations);
 * - `GET /bosun/v1/commands/{CommandId}/invocations/{InstanceId}/output?plugin=&stream=`:
 *   the whole output of one stream as text (authorised as ssm:GetCommandInvocation).
 * A command is found in the region the request is signed for, as by the API.
 */
export function commandRoutes(options: CommandRoutesOptions) {
  const { db } = options;

  /** The caller's scope: its account and the region the request is signed for. */
  async function authorised(req: FastifyRequest, action: string): Promise<Scope> {
    const [path, query = ''] = (req.raw.url ?? '/').split('?');
    const verified = await options.verify({ method: req.method, path, query, headers: req.headers, body: Buffer.alloc(0) });
    await options.authorize(verified.principal, [{ action, resource: '*' }], {
      sourceIp: req.socket.remoteAddress ?? '', secureTransport: false, now: options.now(), region: verified.region, service: 'ssm',
    });
    return { accountId: verified.principal.accountId, region: verified.region };
  }

  async function ownCommand(scope: Scope, commandId: string): Promise<CommandRow> {
    const command = await findCommand(db, commandId);
    if (!command || !inScope(command, scope)) throw awsError('InvalidCommandId', `Command ${commandId} was not found.`);
    return command;
  }

  function fail(reply: FastifyReply, error: unknown): FastifyReply {
    if (isAwsError(error)) {
      return reply.code(errorCatalogue[error.code].status).header('content-type', 'application/json').send(JSON.stringify({ __type: error.code, message: error.message }));
    }
    options.logger.error({ err: error }, 'Run Command route failed');
    return reply.code(500).header('content-type', 'application/json').send(JSON.stringify({ __type: 'InternalServerError', message: 'internal error' }));
  }

  return async function plugin(app: FastifyInstance): Promise<void> {
    app.get<{ Params: { commandId: string; instanceId: string }; Querystring: { plugin?: string; stream?: string } }>(
      `${COMMANDS_ROUTE_PREFIX}/:commandId/invocations/:instanceId/output`,
      async (req, reply) => {
        try {
          const scope = await authorised(req, 'ssm:GetCommandInvocation');
          const command = await ownCommand(scope, req.params.commandId);
          const row = await findInvocation(db, command.command_id, req.params.instanceId);
          if (!row) throw awsError('InvocationDoesNotExist', `No invocation of command ${command.command_id} on instance ${req.params.instanceId}.`);
          const stream = (req.query.stream ?? 'stdout') as Stream;
          if (stream !== 'stdout' && stream !== 'stderr') throw awsError('ValidationException', 'stream must be stdout or stderr');
          const text = await wholeOutput(row, req.query.plugin, stream);
          return reply.code(200).header('content-type', 'text/plain; charset=utf-8').send(text);
        } catch (error) {
          return fail(reply, error);
        }
      },
    );

    app.get<{ Params: { commandId: string } }>(`${COMMANDS_ROUTE_PREFIX}/:commandId/stream`, async (req, reply) => {
      let command: CommandRow;
      try {
        const scope = await authorised(req, 'ssm:ListCommandInvocations');
        command = await ownCommand(scope, req.params.commandId);
      } catch (error) {
        return fail(reply, error);
      }
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
      await streamCommand(command, (line) => res.write(`${JSON.stringify(line)}\n`), () => res.end(), (onClose) => res.on('close', onClose));
    });
  };

  async function wholeOutput(row: InvocationRow, pluginName: string | undefined, stream: Stream): Promise<string> {
    const plugins = parsePlugins(row.plugins);
    if (TERMINAL_STATUSES.includes(row.status) && plugins.length > 0) {
      const chosen = pluginName === undefined ? plugins : plugins.filter((p) => p.name === pluginName);
      if (chosen.length === 0) throw awsError('InvalidPluginName', `The invocation has no plugin (step) named ${pluginName}; its steps: ${plugins.map((p) => p.name).join(', ')}.`);
      const parts: string[] = [];
      for (const p of chosen) parts.push(await wholeStream(options.objects, row.command_id, row.instance_id, p, stream));
      return parts.join('');
    }
    // Still running: what the node has sent so far.
    const chunks = (await invocationChunks(db, row.command_id, row.instance_id)).filter((c) => c.stream === stream && (pluginName === undefined || c.pluginName === pluginName));
    const names = [...new Set(chunks.map((c) => c.pluginName))];
    return names.map((name) => {
      const mine = chunks.filter((c) => c.pluginName === name);
      const end = Math.max(...mine.map((c) => c.offset + c.data.length));
      return assembleStream(mine, '', end);
    }).join('');
  }

  /**
   * The stream: subscribe first (so nothing is missed), send the state as the store has it,
   * then the changes, skipping output already sent (by offset). Ends after the command is terminal.
   */
  async function streamCommand(command: CommandRow, write: (line: object) => void, end: () => void, onClose: (f: () => void) => void): Promise<void> {
    const commandId = command.command_id;
    const sentUpTo = new Map<string, number>();
    const lastStatus = new Map<string, string>();
    let ended = false;
    let buffered: CommandChange[] | undefined = [];
    let timer: NodeJS.Timeout | undefined;
    const unsubscribe = options.events.subscribe(commandId, (change) => {
      if (buffered) buffered.push(change);
      else emit(change);
    });
    const stopOnShutdown = options.events.onShutdown(() => finish());
    const finish = () => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      unsubscribe();
      stopOnShutdown();
      end();
    };
    onClose(finish);

    function output(instanceId: string, pluginName: string, stream: Stream, offset: number, data: string): void {
      const key = `${instanceId}\u0000${pluginName}\u0000${stream}`;
      const done = sentUpTo.get(key) ?? 0;
      if (offset + data.length <= done) return;
      const fresh = offset >= done ? data : data.slice(done - offset);
      if (fresh.length === 0) return;
      sentUpTo.set(key, Math.max(done, offset + data.length));
      write({ type: 'output', instanceId, pluginName, stream, data: fresh });
    }

    function invocationLine(row: InvocationRow): object {
      return {
        type: 'invocation', instanceId: row.instance_id, status: row.status, statusDetails: row.status_details,
        ...(TERMINAL_STATUSES.includes(row.status) ? { responseCode: row.response_code } : {}),
        ...(row.started_at !== null ? { startedAt: row.started_at } : {}),
        ...(row.ended_at !== null ? { endedAt: row.ended_at } : {}),
      };
    }

    function commandLine(c: CommandRow): object {
      return { type: 'command', status: c.status, targetCount: c.target_count, completedCount: c.completed_count, errorCount: c.error_count, deliveryTimedOutCount: c.delivery_timed_out_count };
    }

    function emit(change: CommandChange): void {
      if (ended) return;
      if (change.type === 'output') return output(change.instanceId, change.pluginName, change.stream, change.offset, change.data);
      if (change.type === 'invocation') {
        lastStatus.set(change.instanceId, change.status);
        write(change);
        return;
      }
      write(change);
      if (TERMINAL_STATUSES.includes(change.status)) finish();
    }

    async function sendInvocations(rows: readonly InvocationRow[], onlyChanged: boolean): Promise<void> {
      for (const row of rows) {
        if (onlyChanged && lastStatus.get(row.instance_id) === row.status) continue;
        for (const plugin of parsePlugins(row.plugins)) {
          for (const stream of ['stdout', 'stderr'] as const) {
            if (plugin.length[stream] === 0) continue;
            output(row.instance_id, plugin.name, stream, 0, await wholeStream(options.objects, row.command_id, row.instance_id, plugin, stream));
          }
        }
        if (!TERMINAL_STATUSES.includes(row.status) && !onlyChanged) {
          for (const c of await invocationChunks(db, row.command_id, row.instance_id)) output(c.instanceId, c.pluginName, c.stream, c.offset, c.data);
        }
        lastStatus.set(row.instance_id, row.status);
        write(invocationLine(row));
      }
    }

    try {
      await sendInvocations(await commandInvocations(db, commandId), false);
      const current = (await findCommand(db, commandId)) ?? command;
      write(commandLine(current));
      if (TERMINAL_STATUSES.includes(current.status)) return finish();
      const pending = buffered;
      buffered = undefined;
      for (const change of pending) emit(change);
      // Changes made by another replica reach this one only through the store.
      const poll = async () => {
        if (ended) return;
        try {
          const latest = await findCommand(db, commandId);
          if (latest && TERMINAL_STATUSES.includes(latest.status) && !ended) {
            await sendInvocations(await commandInvocations(db, commandId), true);
            write(commandLine(latest));
            return finish();
          }
        } catch (error) {
          options.logger.warn({ err: error, commandId }, 'command stream poll failed');
        }
        if (!ended) timer = setTimeout(() => void poll(), options.pollMs ?? 1000);
      };
      timer = setTimeout(() => void poll(), options.pollMs ?? 1000);
    } catch (error) {
      options.logger.error({ err: error, commandId }, 'command stream failed');
      finish();
    }
  }
}
