import crypto from 'node:crypto';
import type { WebSocket } from 'ws';
import { decodeFrame, encodeFrame, MAX_FRAME_BYTES, type ChannelMessages, type ChannelMessageType, type MessageFrame } from '@bosun/protocol';
import type { Logger } from '../logger.ts';
import type { Db } from '../store/store.ts';
import type { ChannelMessagesTable } from '../store/schema.ts';
import { ackMessages, enqueueMessage, findMessage, pendingMessages } from './nodes-store.ts';

/** Who is at the other end of a channel: fixed by the credentials that opened it. */
export interface ChannelPeer {
  readonly accountId: string;
  readonly instanceId: string;
}

/**
 * Handles one message type arriving from nodes. Throwing closes the connection without an
 * ack (the agent sends the message again after reconnecting); returning acks it.
 */
export type MessageHandler<T extends ChannelMessageType> = (peer: ChannelPeer, body: ChannelMessages[T], context: { messageId: string; now: number }) => Promise<void>;

/** Thrown by a handler for a well-formed frame whose body is not acceptable: closes the connection. */
export class ChannelRefusal extends Error {}

/** WebSocket close codes the agent understands. */
export const CLOSE = {
  /** A malformed, oversized or foreign frame. */
  policy: 1008,
  tooBig: 1009,
  /** Another connection of the same node replaced this one. */
  replaced: 4000,
  /** The node was deregistered: its credentials stopped working. */
  deregistered: 4001,
  shuttingDown: 1001,
} as const;

/**
 * The `body` of a queued message whose body is kept elsewhere by the capability that queued
 * it (e.g. a send-command's body is its command's row, the same for 10,000 nodes): the hub
 * asks that capability's `storedBodies` resolver for it when it sends the message again.
 */
export const BODY_BY_REFERENCE = '';

/**
 * Rebuilds the body (JSON text) of a queued message stored with BODY_BY_REFERENCE; undefined
 * when what it referred to is gone (the message is then not sent).
 */
export type BodyResolver = (row: ChannelMessagesTable) => Promise<string | undefined>;

/** How many recent message ids per node are remembered for de-duplication. */
const SEEN_IDS_PER_NODE = 64;

interface Connection {
  readonly socket: WebSocket;
  readonly peer: ChannelPeer;
}

/**
 * The server side of node channels: one live connection per node, a registry of handlers
 * per message type, acks both ways, de-duplication of what nodes send, and a durable
 * outbound queue (`channel_messages`) so that a node offline when work was queued gets it
 * when it reconnects. Later capabilities call `handle(type, …)` and `send(…)` only.
 *
 * Per connection the hub keeps the socket and a small ring of seen ids: 10,000 nodes fit.
 */
export class ChannelHub {
  private readonly connections = new Map<string, Connection>();
  private readonly handlers = new Map<string, MessageHandler<never>>();
  private readonly resolvers = new Map<string, BodyResolver>();
  /** Recent ids per node; survives reconnection (not a server restart: handlers are idempotent). */
  private readonly seen = new Map<string, Map<string, Promise<void>>>();
  private readonly ackListeners: ((instanceId: string, messageId: string, now: number) => void)[] = [];
  /** Acks waiting to be written together (group commit). */
  private ackQueue: { instanceId: string; messageId: string; now: number; resolve: (acked: boolean) => void; reject: (error: unknown) => void }[] = [];
  private ackWriting?: Promise<void>;

  constructor(private readonly options: { db: Db; logger: Logger; now: () => number }) {}

  handle<T extends ChannelMessageType>(type: T, handler: MessageHandler<T>): void {
    if (this.handlers.has(type)) throw new Error(`a handler for channel message type ${type} is already registered`);
    this.handlers.set(type, handler as MessageHandler<never>);
  }

  /** Where the bodies of queued messages of `type` stored as BODY_BY_REFERENCE come from. */
  storedBodies(type: ChannelMessageType, resolver: BodyResolver): void {
    if (this.resolvers.has(type)) throw new Error(`a body resolver for channel message type ${type} is already registered`);
    this.resolvers.set(type, resolver);
  }

  /**
   * Called after a node's ack of one of our queued messages is recorded (e.g. Run Command
   * moves the invocation to InProgress). Listeners must not throw.
   */
  onAck(listener: (instanceId: string, messageId: string, now: number) => void): void {
    this.ackListeners.push(listener);
  }

  /**
   * Pushes messages the caller already queued in `channel_messages` (in its own
   * transaction) to the nodes that are connected; the others get them when they reconnect.
   * `body` is the JSON text sent (messages sharing one body share one string).
   */
  push(messages: readonly { messageId: string; instanceId: string; type: ChannelMessageType; body: string }[]): void {
    for (const m of messages) {
      const connection = this.connections.get(m.instanceId);
      if (connection) connection.socket.send(messageFrame(m.messageId, m.type, m.body));
    }
  }

  isConnected(instanceId: string): boolean {
    return this.connections.has(instanceId);
  }

  get connectedCount(): number {
    return this.connections.size;
  }

  /** Queues a message for a node (durably) and pushes it now when the node is connected. */
  async send<T extends ChannelMessageType>(instanceId: string, type: T, body: ChannelMessages[T]): Promise<string> {
    const messageId = crypto.randomUUID();
    await enqueueMessage(this.options.db, { message_id: messageId, instance_id: instanceId, type, body: JSON.stringify(body), created_at: this.options.now() });
    const connection = this.connections.get(instanceId);
    if (connection) connection.socket.send(encodeFrame({ k: 'msg', id: messageId, type, body } as MessageFrame));
    return messageId;
  }

  /** Closes a node's channel at once (deregistration). */
  disconnect(instanceId: string, code: number, reason: string): void {
    const connection = this.connections.get(instanceId);
    if (!connection) return;
    this.connections.delete(instanceId);
    connection.socket.close(code, reason);
  }

  closeAll(): void {
    for (const { socket } of this.connections.values()) socket.close(CLOSE.shuttingDown, 'server shutting down');
    this.connections.clear();
  }

  /**
   * Takes over a freshly opened, authenticated socket. Its listeners are attached at once,
   * before anything is awaited: a node sends as soon as the socket opens (its first heartbeat,
   * results it kept), and a frame arriving before a listener would be lost. What arrives is
   * handled, in order, once `ready` (e.g. the route's write that marks the node alive) resolves;
   * the queue is flushed after it too.
   */
  async accept(socket: WebSocket, peer: ChannelPeer, ready: Promise<void> = Promise.resolve()): Promise<void> {
    const previous = this.connections.get(peer.instanceId);
    const connection: Connection = { socket, peer };
    this.connections.set(peer.instanceId, connection);
    if (previous) previous.socket.close(CLOSE.replaced, 'replaced by a newer connection of this node');
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      // When `ready` fails the caller closes the socket: what arrived meanwhile is not handled.
      void ready.then(() => this.receive(connection, data, isBinary), () => undefined).catch((error: unknown) => {
        if (error instanceof ChannelRefusal) return this.refuse(connection, CLOSE.policy, error.message);
        this.options.logger.error({ err: error, instanceId: peer.instanceId }, 'channel message could not be handled; closing the connection');
        socket.close(1011, 'internal error');
      });
    });
    socket.on('close', () => {
      if (this.connections.get(peer.instanceId) === connection) this.connections.delete(peer.instanceId);
    });
    socket.on('error', (error) => this.options.logger.warn({ err: error, instanceId: peer.instanceId }, 'channel socket error'));
    await ready;
    await this.flushQueue(connection);
  }

  /** Records an ack; acks arriving together are written in one statement. True when it acked a queued message. */
  private recordAck(instanceId: string, messageId: string, now: number): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.ackQueue.push({ instanceId, messageId, now, resolve, reject });
      this.ackWriting ??= this.writeAcks();
    });
  }

  private async writeAcks(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      while (this.ackQueue.length > 0) {
        const batch = this.ackQueue.splice(0, 5000);
        try {
          const acked = await ackMessages(this.options.db, batch, batch[batch.length - 1].now);
          for (const a of batch) a.resolve(acked.has(a.messageId));
        } catch (error) {
          for (const a of batch) a.reject(error);
        }
      }
    } finally {
      this.ackWriting = undefined;
    }
  }

  private async flushQueue(connection: Connection): Promise<void> {
    for (const row of await pendingMessages(this.options.db, connection.peer.instanceId, 1000)) {
      const resolver = row.body === BODY_BY_REFERENCE ? this.resolvers.get(row.type) : undefined;
      const body = resolver ? await resolver(row) : row.body;
      if (body === undefined || body === BODY_BY_REFERENCE) {
        this.options.logger.warn({ instanceId: connection.peer.instanceId, messageId: row.message_id }, `queued ${row.type} message ${row.message_id} has no body any more; not sent`);
        continue;
      }
      connection.socket.send(messageFrame(row.message_id, row.type, body));
    }
  }

  private refuse(connection: Connection, code: number, reason: string): void {
    this.options.logger.warn({ instanceId: connection.peer.instanceId, reason }, `closing the channel of ${connection.peer.instanceId}: ${reason}`);
    connection.socket.close(code, reason.slice(0, 120));
  }

  private async receive(connection: Connection, data: Buffer, isBinary: boolean): Promise<void> {
    if (isBinary) return this.refuse(connection, CLOSE.policy, 'binary frames are not part of the channel protocol');
    if (data.byteLength > MAX_FRAME_BYTES) return this.refuse(connection, CLOSE.tooBig, `frame of ${data.byteLength} bytes is over the limit`);
    const decoded = decodeFrame(data.toString('utf8'));
    if (!decoded.ok) return this.refuse(connection, CLOSE.policy, decoded.reason);
    const { frame } = decoded;
    const { instanceId } = connection.peer;
    const now = this.options.now();
    if (frame.k === 'ack') {
      if (await this.recordAck(instanceId, frame.id, now)) {
        for (const listener of this.ackListeners) listener(instanceId, frame.id, now);
        return;
      }
      const message = await findMessage(this.options.db, frame.id);
      // A duplicate ack of our own message is harmless; an ack of another node's is foreign.
      if (message && message.instance_id !== instanceId) return this.refuse(connection, CLOSE.policy, 'ack of a message addressed to another node');
      return;
    }
    const handler = this.handlers.get(frame.type);
    if (!handler) return this.refuse(connection, CLOSE.policy, `unknown message type ${frame.type}`);
    // A duplicate waits for the first copy's handling (which may still run) and is acked
    // after it: handled once, acked every time.
    let seen = this.seen.get(instanceId);
    if (!seen) this.seen.set(instanceId, (seen = new Map()));
    let handled = seen.get(frame.id);
    if (!handled) {
      handled = handler(connection.peer, frame.body as never, { messageId: frame.id, now });
      seen.set(frame.id, handled);
      if (seen.size > SEEN_IDS_PER_NODE) seen.delete(seen.keys().next().value as string);
      handled.catch(() => seen.delete(frame.id));
    }
    await handled;
    if (connection.socket.readyState === connection.socket.OPEN) connection.socket.send(encodeFrame({ k: 'ack', id: frame.id }));
  }
}

/** A `msg` frame around a body that is already JSON text (encodeFrame's output for the same message). */
function messageFrame(messageId: string, type: string, body: string): string {
  return `{"k":"msg","id":${JSON.stringify(messageId)},"type":${JSON.stringify(type)},"body":${body}}`;
}
