import type { ChannelPeer } from '../nodes/channel-hub.ts';
import { BODY_BY_REFERENCE, ChannelRefusal, type ChannelHub } from '../nodes/channel-hub.ts';
import { PeriodicTask } from '../engine/periodic-task.ts';
import { commandStatus, decideDispatch, type OutcomeCounts } from '../engine/rate-control.ts';
import { appendEvent } from '../events/event-store.ts';
import type { Logger } from '../logger.ts';
import type { ObjectStore } from '../object-store/object-store.ts';
import type { Db } from '../store/store.ts';
import { formatArn, type InvocationOutputBody, type InvocationResultBody } from '@bosun/protocol';
import type { CommandEvents } from './command-events.ts';
import {
  activeCommandIds, cancelInvocations, claimAndSend, commandsPastDelivery, deleteChunks, endInvocations, expireDelivery, findCommand, insertChunks,
  invocationChunks, overdueInvocations, parseInvocationMessageId, recordAcks, setCommandStatus, TERMINAL_STATUSES, terminateQueued,
  type CommandRow, type OutputChunk, type TerminalUpdate,
} from './command-store.ts';
import { storePluginOutput, type StoredPlugin } from './invocation-output.ts';

export interface DispatcherOptions {
  /** Pause between two passes over deadlines (delivery and execution). Default 1 s. */
  readonly tickMs?: number;
  /** Most inbound messages (acks, output, results) written in one transaction. Default 2,000. */
  readonly maxBatch?: number;
}

type Inbound =
  | { kind: 'ack'; commandId: string; instanceId: string }
  | { kind: 'output'; chunk: OutputChunk }
  | { kind: 'result'; instanceId: string; body: InvocationResultBody; done: () => void; failed: (error: unknown) => void };

const RESULT_STATUSES = new Set(['Success', 'Failed', 'TimedOut', 'Cancelled']);

/** Longest that `holding` delays passes, however long its work takes. */
const MAX_HOLD_MS = 2000;

/**
 * The thin loop of Run Command (DESIGN decision 5): it reads a command's counters, asks the
 * pure rate control what to do (engine/rate-control.ts), and applies the answer to the store;
 * every state is a row, so a restarted server picks up where the rows say. It also takes
 * what nodes send (acks, output, results) and writes it in batched transactions (group
 * commit), and ends invocations whose delivery or execution deadline passed.
 *
 * Passes over one command are serial in this process (a queue of "dirty" commands); the
 * store's conditional claim keeps two replicas from sending the same invocation.
 */
export class CommandDispatcher {
  private readonly dirty = new Set<string>();
  private draining?: Promise<void>;
  private inbound: Inbound[] = [];
  private writing?: Promise<void>;
  private readonly ticker: PeriodicTask;
  private stopped = false;
  private holds = 0;
  private heldSince = 0;

  constructor(private readonly deps: { db: Db; hub: ChannelHub; objects: ObjectStore; events: CommandEvents; logger: Logger; now: () => number; options?: DispatcherOptions }) {
    this.ticker = new PeriodicTask({ name: 'Run Command deadlines', intervalMs: deps.options?.tickMs ?? 1000, logger: deps.logger, run: () => this.deadlines() });
    deps.hub.onAck((instanceId, messageId) => {
      const ids = parseInvocationMessageId(messageId);
      if (ids && ids.instanceId === instanceId) this.enqueue({ kind: 'ack', ...ids });
    });
    deps.hub.handle('invocation-output', async (peer, body) => this.receiveOutput(peer, body));
    deps.hub.handle('invocation-result', async (peer, body) => this.receiveResult(peer, body));
    // A queued send-command stores no body of its own: its command's row is the body, the
    // same for every node (10,000 copies of a document are not written for a fan-out).
    deps.hub.storedBodies('send-command', async (row) => {
      const ids = parseInvocationMessageId(row.message_id);
      const command = ids && await findCommand(this.deps.db, ids.commandId);
      return command ? sendCommandBody(command, Number(row.created_at)) : undefined;
    });
  }

  /** Resumes every command that is not terminal (after a restart) and starts the deadline loop. */
  async start(): Promise<void> {
    for (const id of await activeCommandIds(this.deps.db)) this.kick(id);
    this.ticker.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.ticker.stop();
    while (this.writing || this.draining) await Promise.all([this.writing, this.draining]);
  }

  /** Asks for a pass over a command (after SendCommand, a result, a cancel...). */
  kick(commandId: string): void {
    if (this.stopped) return;
    this.dirty.add(commandId);
    if (!this.draining && !this.held()) this.draining = this.drain();
  }

  /**
   * Runs `work` with passes held until it ends (for at most MAX_HOLD_MS): the commands a due
   * time makes together (State Manager's applications, a maintenance window's tasks) are all
   * stored before the first is sent, rather than each one's sending and results slowing the
   * writing of the next. Results and acks are still taken meanwhile.
   */
  async holding<T>(work: () => Promise<T>): Promise<T> {
    if (this.holds++ === 0) this.heldSince = performance.now();
    try {
      return await work();
    } finally {
      this.holds--;
      if (!this.held() && this.dirty.size > 0 && !this.draining && !this.stopped) this.draining = this.drain();
    }
  }

  private held(): boolean {
    return this.holds > 0 && performance.now() - this.heldSince < MAX_HOLD_MS;
  }

  /** Resolves when every pass asked for so far has run (tests, SendCommand's first dispatch). */
  async settled(): Promise<void> {
    while (this.draining || this.writing) await Promise.all([this.draining, this.writing]);
  }

  async cancel(command: CommandRow, instanceIds: readonly string[] | undefined, now: number): Promise<void> {
    const { cancelled, cancelling } = await cancelInvocations(this.deps.db, { command, instanceIds, now });
    for (const instanceId of cancelled) this.publishInvocation(command, { instanceId, status: 'Cancelled', statusDetails: 'Cancelled' }, now);
    for (const instanceId of cancelling) {
      await this.deps.hub.send(instanceId, 'cancel-command', { commandId: command.command_id });
      this.publishInvocation(command, { instanceId, status: 'Cancelling', statusDetails: 'Cancelling' }, now);
    }
    this.kick(command.command_id);
  }

  private async drain(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      while (this.dirty.size > 0 && !this.stopped && !this.held()) {
        const commandId = this.dirty.values().next().value as string;
        this.dirty.delete(commandId);
        try {
          await this.pass(commandId);
        } catch (error) {
          this.deps.logger.error({ err: error, commandId }, `dispatching command ${commandId} failed; the next pass retries`);
        }
      }
    } finally {
      this.draining = undefined;
    }
  }

  /** One pass over one command: deadlines, rate control, status. */
  private async pass(commandId: string): Promise<void> {
    const { db, now } = this.deps;
    let command = await findCommand(db, commandId);
    if (!command || TERMINAL_STATUSES.includes(command.status)) return;
    const at = now();
    if (at >= command.expires_at) {
      const expired = await expireDelivery(db, command, at);
      for (const instanceId of expired) this.publishInvocation(command, { instanceId, status: 'TimedOut', statusDetails: 'DeliveryTimedOut', responseCode: -1 }, at);
      command = (await findCommand(db, commandId))!;
    }
    for (let guard = 0; guard < 4; guard++) {
      const decision = decideDispatch({
        targetCount: command.target_count, started: command.started_count, inFlight: command.in_flight_count, errorCount: command.error_count,
        maxConcurrency: command.max_concurrency_n, maxErrors: command.max_errors_n, cancelled: command.cancel_requested === 1,
      });
      if (decision.terminateQueued) {
        const terminated = await terminateQueued(db, command, at);
        for (const instanceId of terminated) this.publishInvocation(command, { instanceId, status: 'Cancelled', statusDetails: 'Terminated' }, at);
      } else if (decision.start > 0) {
        const body = sendCommandBody(command, at);
        const sent = await claimAndSend(db, { command, count: decision.start, now: at, body: () => BODY_BY_REFERENCE, offline: (id) => !this.deps.hub.isConnected(id) });
        this.deps.hub.push(sent.map((r) => ({ messageId: r.message_id!, instanceId: r.instance_id, type: 'send-command' as const, body })));
        for (const r of sent) this.publishInvocation(command, { instanceId: r.instance_id, status: r.status, statusDetails: r.status }, at);
      } else {
        break;
      }
      command = (await findCommand(db, commandId))!;
    }
    if (command.cancel_requested === 1 && command.started_count < command.target_count) {
      // Cancelled before these were sent: they end Cancelled without reaching a node.
      await terminateQueued(db, command, at, { status: 'Cancelled', statusDetails: 'Cancelled' });
      command = (await findCommand(db, commandId))!;
    }
    const status = commandStatus(countsOf(command), { maxErrors: command.max_errors_n, cancelRequested: command.cancel_requested === 1 });
    const terminal = TERMINAL_STATUSES.includes(status.status);
    if (await setCommandStatus(db, commandId, status, terminal ? at : null)) {
      await this.notify(command, 'Command', status.status, undefined, at);
    }
    this.deps.events.publish(commandId, {
      type: 'command', status: status.status, targetCount: command.target_count, completedCount: command.completed_count,
      errorCount: command.error_count, deliveryTimedOutCount: command.delivery_timed_out_count,
    });
  }

  /** Delivery deadlines of commands and execution deadlines of invocations whose node went silent. */
  private async deadlines(): Promise<void> {
    const { db } = this.deps;
    const at = this.deps.now();
    for (const command of await commandsPastDelivery(db, at)) this.kick(command.command_id);
    const overdue = await overdueInvocations(db, at, 1000);
    if (overdue.length === 0) return;
    // The node never reported within the document's execution timeout plus grace: AWS shows
    // such an invocation as Execution Timed Out (a Cancelling one ends Cancelled).
    const updates: TerminalUpdate[] = overdue.map((r) => r.status === 'Cancelling'
      ? { commandId: r.command_id, instanceId: r.instance_id, status: 'Cancelled', statusDetails: 'Cancelled', responseCode: -1, startedAt: r.started_at, endedAt: null }
      : { commandId: r.command_id, instanceId: r.instance_id, status: 'TimedOut', statusDetails: 'ExecutionTimedOut', responseCode: -1, startedAt: r.started_at, endedAt: null });
    const applied = await endInvocations(db, updates, at, { fromStatuses: ['InProgress', 'Cancelling'] });
    for (const u of applied) {
      this.deps.logger.warn({ commandId: u.commandId, instanceId: u.instanceId }, `invocation of ${u.commandId} on ${u.instanceId}: the node did not report within its execution timeout; ${u.statusDetails}`);
      const command = await findCommand(db, u.commandId);
      if (command) this.publishInvocation(command, { instanceId: u.instanceId, status: u.status, statusDetails: u.statusDetails, responseCode: -1 }, at);
      this.kick(u.commandId);
    }
  }

  // -------------------------------------------------------------------------------------------
  // What nodes send

  private receiveOutput(peer: ChannelPeer, body: InvocationOutputBody): Promise<void> {
    if (typeof body.commandId !== 'string' || typeof body.pluginName !== 'string' || (body.stream !== 'stdout' && body.stream !== 'stderr')
      || typeof body.offset !== 'number' || !Number.isInteger(body.offset) || body.offset < 0 || typeof body.data !== 'string') {
      throw new ChannelRefusal('invocation-output needs commandId, pluginName, stream stdout|stderr, offset and data');
    }
    this.enqueue({ kind: 'output', chunk: { commandId: body.commandId, instanceId: peer.instanceId, pluginName: body.pluginName.slice(0, 128), stream: body.stream, offset: body.offset, data: body.data } });
    return Promise.resolve();
  }

  private receiveResult(peer: ChannelPeer, body: InvocationResultBody): Promise<void> {
    if (typeof body.commandId !== 'string' || !RESULT_STATUSES.has(body.status) || typeof body.statusDetails !== 'string' || typeof body.responseCode !== 'number' || !Array.isArray(body.plugins)) {
      throw new ChannelRefusal('invocation-result needs commandId, status Success|Failed|TimedOut|Cancelled, statusDetails, responseCode and plugins');
    }
    // Answered (acked) only once the result is committed: until then the agent keeps it in its outbox.
    return new Promise((done, failed) => this.enqueue({ kind: 'result', instanceId: peer.instanceId, body, done, failed }));
  }

  private enqueue(item: Inbound): void {
    this.inbound.push(item);
    if (!this.writing) this.writing = this.write();
  }

  private async write(): Promise<void> {
    // Let messages already arriving join this batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      while (this.inbound.length > 0) {
        const batch = this.inbound.splice(0, this.deps.options?.maxBatch ?? 2000);
        try {
          await this.writeBatch(batch);
          for (const item of batch) if (item.kind === 'result') item.done();
        } catch (error) {
          this.deps.logger.error({ err: error }, 'recording Run Command messages from nodes failed');
          for (const item of batch) if (item.kind === 'result') item.failed(error);
        }
      }
    } finally {
      this.writing = undefined;
    }
  }

  private async writeBatch(batch: readonly Inbound[]): Promise<void> {
    const { db, objects, events } = this.deps;
    const at = this.deps.now();
    const chunks = batch.flatMap((i) => (i.kind === 'output' ? [i.chunk] : []));
    if (chunks.length > 0) {
      for (const c of await insertChunks(db, chunks)) {
        if (events.hasListeners(c.commandId)) events.publish(c.commandId, { type: 'output', instanceId: c.instanceId, pluginName: c.pluginName, stream: c.stream, offset: c.offset, data: c.data });
      }
    }
    const acks = batch.flatMap((i) => (i.kind === 'ack' ? [{ commandId: i.commandId, instanceId: i.instanceId }] : []));
    for (const moved of await recordAcks(db, acks, at)) {
      if (events.hasListeners(moved.commandId)) events.publish(moved.commandId, { type: 'invocation', instanceId: moved.instanceId, status: 'InProgress', statusDetails: 'InProgress' });
      const command = await this.notifying(moved.commandId);
      if (command) await this.notify(command, 'Invocation', 'InProgress', moved.instanceId, at);
    }
    const results = batch.flatMap((i) => (i.kind === 'result' ? [i] : []));
    if (results.length === 0) return;
    const updates: TerminalUpdate[] = [];
    const withChunks: { commandId: string; instanceId: string }[] = [];
    for (const { instanceId, body } of results) {
      const plugins: StoredPlugin[] = [];
      // Chunks are read only when the result says they carried part of the output.
      const chunked = body.plugins.some((p) => (p.length?.stdout ?? 0) > (p.tail?.stdout?.length ?? 0) || (p.length?.stderr ?? 0) > (p.tail?.stderr?.length ?? 0));
      const stored = chunked ? await invocationChunks(db, body.commandId, instanceId) : [];
      if (chunked) withChunks.push({ commandId: body.commandId, instanceId });
      for (const plugin of body.plugins) plugins.push(await storePluginOutput(objects, { commandId: body.commandId, instanceId, plugin, chunks: stored }));
      updates.push({
        commandId: body.commandId, instanceId, status: body.status, statusDetails: body.statusDetails, responseCode: Math.trunc(body.responseCode),
        startedAt: typeof body.startedAt === 'number' ? body.startedAt : null, endedAt: typeof body.endedAt === 'number' ? body.endedAt : null, plugins: JSON.stringify(plugins),
      });
    }
    const applied = await endInvocations(db, updates, at);
    await deleteChunks(db, withChunks);
    const commandIds = new Set<string>();
    const bodies = new Map(results.map((r) => [`${r.body.commandId}/${r.instanceId}`, r.body]));
    for (const u of applied) {
      commandIds.add(u.commandId);
      if (events.hasListeners(u.commandId)) {
        const body = bodies.get(`${u.commandId}/${u.instanceId}`)!;
        for (const p of body.plugins) {
          for (const stream of ['stdout', 'stderr'] as const) {
            const tail = p.tail?.[stream] ?? '';
            if (tail.length > 0) events.publish(u.commandId, { type: 'output', instanceId: u.instanceId, pluginName: p.name, stream, offset: (p.length?.[stream] ?? tail.length) - tail.length, data: tail });
          }
        }
        events.publish(u.commandId, { type: 'invocation', instanceId: u.instanceId, status: u.status, statusDetails: u.statusDetails, responseCode: u.responseCode, ...(u.startedAt !== null ? { startedAt: u.startedAt } : {}), ...(u.endedAt !== null ? { endedAt: u.endedAt } : {}) });
      }
      const command = await this.notifying(u.commandId);
      if (command) await this.notify(command, 'Invocation', u.status, u.instanceId, at);
    }
    for (const id of commandIds) this.kick(id);
  }

  // -------------------------------------------------------------------------------------------
  // Live changes and notifications

  private publishInvocation(command: CommandRow, change: { instanceId: string; status: string; statusDetails: string; responseCode?: number }, at: number): void {
    if (this.deps.events.hasListeners(command.command_id)) this.deps.events.publish(command.command_id, { type: 'invocation', ...change });
    if (command.notification_config) void this.notify(command, 'Invocation', change.status, change.instanceId, at).catch((error: unknown) => this.deps.logger.error({ err: error }, 'notification event failed'));
  }

  private readonly notificationCache = new Map<string, CommandRow | null>();

  /** The command when it has a NotificationConfig (cached: most commands have none). */
  private async notifying(commandId: string): Promise<CommandRow | undefined> {
    let cached = this.notificationCache.get(commandId);
    if (cached === undefined) {
      const row = await findCommand(this.deps.db, commandId);
      cached = row?.notification_config ? row : null;
      this.notificationCache.set(commandId, cached);
      if (this.notificationCache.size > 1000) this.notificationCache.delete(this.notificationCache.keys().next().value as string);
    }
    return cached ?? undefined;
  }

  /**
   * NotificationConfig: AWS publishes to an SNS topic; Bosun appends the same facts to its
   * event log (EventBridge-shaped, source aws.ssm), delivered to the account's webhook.
   */
  private async notify(command: CommandRow, type: 'Command' | 'Invocation', status: string, instanceId: string | undefined, at: number): Promise<void> {
    if (!command.notification_config) return;
    const config = JSON.parse(command.notification_config) as { NotificationArn?: string; NotificationEvents?: string[]; NotificationType?: string };
    if ((config.NotificationType ?? 'Command') !== type) return;
    const wanted = config.NotificationEvents ?? ['All'];
    if (!wanted.includes('All') && !wanted.includes(status)) return;
    // The command's own region: the server serves every region, each command lives in one.
    const arn = (resource: string) => formatArn({ service: 'ssm', region: command.region, accountId: command.account_id, resource });
    const commandArn = arn(`command/${command.command_id}`);
    await appendEvent(this.deps.db, {
      eventId: `${command.command_id}:${instanceId ?? 'command'}:${status}`,
      accountId: command.account_id,
      region: command.region,
      at,
      source: 'aws.ssm',
      detailType: type === 'Command' ? 'EC2 Command Status-change Notification' : 'EC2 Command Invocation Status-change Notification',
      resources: instanceId ? [commandArn, arn(`managed-instance/${instanceId}`)] : [commandArn],
      detail: {
        'command-id': command.command_id,
        'document-name': command.document_name,
        ...(instanceId ? { 'instance-id': instanceId } : {}),
        'requested-date-time': new Date(command.requested_at).toISOString(),
        status,
        ...(config.NotificationArn ? { 'notification-arn': config.NotificationArn } : {}),
      },
    });
  }
}

export function countsOf(c: CommandRow): OutcomeCounts {
  return {
    targetCount: c.target_count, started: c.started_count, success: c.success_count, failed: c.failed_count, executionTimedOut: c.execution_timed_out_count,
    deliveryTimedOut: c.delivery_timed_out_count, undeliverable: c.undeliverable_count, invalidPlatform: c.invalid_platform_count, cancelled: c.cancelled_count, terminated: c.terminated_count,
  };
}

/**
 * The send-command body of a command (the same for each of its nodes), as JSON text; `sentAt`
 * is when the invocations were claimed (the queued message's created_at).
 */
function sendCommandBody(command: CommandRow, sentAt: number): string {
  return JSON.stringify({
    commandId: command.command_id,
    documentName: command.document_name,
    documentVersion: command.document_version,
    documentContent: command.document_content,
    parameters: JSON.parse(command.resolved_parameters) as Record<string, unknown>,
    sentAt,
  });
}
