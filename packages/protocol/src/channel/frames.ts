/**
 * Frames of the node channel (the WebSocket between an agent and the server).
 *
 * Every frame is one JSON text message. A `msg` carries a typed body and an id; the
 * receiver answers every `msg` it has handled, including a duplicate, with an `ack`
 * naming that id, and handles a given id at most once. The sender keeps the message
 * until its ack arrives and sends it again after a reconnection. Later capabilities
 * (Run Command, State Manager, Inventory) only add message types to `ChannelMessages`.
 */

/** Largest frame either side accepts, in bytes; a larger one closes the connection. */
export const MAX_FRAME_BYTES = 256 * 1024;

/** What a node reports about itself, as UpdateInstanceInformation carries it. */
export interface HeartbeatBody {
  readonly agentVersion: string;
  readonly platformName: string;
  readonly platformType: 'Linux' | 'Windows' | 'MacOS';
  readonly platformVersion: string;
  readonly computerName: string;
  readonly ipAddresses: readonly string[];
  /** The node's clock minus the server's, in ms, as last measured by the agent. */
  readonly clockOffsetMs: number;
}

/** A note the agent must deliver even across its own restart (kept in its outbox). */
export interface NodeEventBody {
  readonly event: string;
  readonly detail?: string;
}

/**
 * Server → agent: run one invocation of a command (Run Command). The agent acks it on
 * receipt (the server then shows the invocation InProgress), runs it at most once per
 * commandId (a re-sent copy after a lost ack is only acked), and answers with
 * `invocation-output` chunks and one `invocation-result`, both through its outbox.
 */
export interface SendCommandBody {
  readonly commandId: string;
  readonly documentName: string;
  readonly documentVersion: string;
  /** The document's content as JSON text (a YAML document is converted when sent). */
  readonly documentContent: string;
  /**
   * Parameter values after defaults, validation and `{{ssm:name}}` resolution, in the
   * shapes of their declared types. `{{ssm-secure:name}}` references are left as written:
   * the agent resolves them just before it runs, and masks the values in the output.
   */
  readonly parameters: Readonly<Record<string, unknown>>;
  /** The server's clock when the invocation was dispatched (epoch ms). */
  readonly sentAt: number;
}

/** Server → agent: stop an invocation that is queued or running (CancelCommand). */
export interface CancelCommandBody {
  readonly commandId: string;
}

/** Agent → server: a slice of a plugin's output, sent while it runs (live output). */
export interface InvocationOutputBody {
  readonly commandId: string;
  readonly pluginName: string;
  readonly stream: 'stdout' | 'stderr';
  /** Position of `data` in the stream, in UTF-16 units: chunks are idempotent by offset. */
  readonly offset: number;
  readonly data: string;
}

/** Terminal status of one plugin (step), as AWS reports it. */
export type PluginStatus = 'Success' | 'Failed' | 'TimedOut' | 'Cancelled' | 'Skipped';

export interface PluginResult {
  readonly name: string;
  readonly status: PluginStatus;
  /** AWS's StatusDetails word, e.g. `Success`, `Failed`, `ExecutionTimedOut`, `Cancelled`. */
  readonly statusDetails: string;
  /** The exit code; -1 when the step did not run to an exit. */
  readonly responseCode: number;
  readonly startedAt?: number;
  readonly endedAt?: number;
  /** Length of each stream in UTF-16 units; the part past what chunks carried is in `tail`. */
  readonly length: { readonly stdout: number; readonly stderr: number };
  readonly tail: { readonly stdout: string; readonly stderr: string };
}

/** Agent → server: the invocation ended on the node (sent once, through the outbox). */
export interface InvocationResultBody {
  readonly commandId: string;
  readonly status: 'Success' | 'Failed' | 'TimedOut' | 'Cancelled';
  readonly statusDetails: string;
  readonly responseCode: number;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly plugins: readonly PluginResult[];
}

/** Message types and their bodies. Agent → server and server → agent share one id space. */
export interface ChannelMessages {
  heartbeat: HeartbeatBody;
  'node-event': NodeEventBody;
  /** Server → agent: proves delivery of queued work. */
  ping: { readonly note?: string };
  'send-command': SendCommandBody;
  'cancel-command': CancelCommandBody;
  'invocation-output': InvocationOutputBody;
  'invocation-result': InvocationResultBody;
}

export type ChannelMessageType = keyof ChannelMessages;

export interface MessageFrame<T extends ChannelMessageType = ChannelMessageType> {
  readonly k: 'msg';
  readonly id: string;
  readonly type: T;
  readonly body: ChannelMessages[T];
}

export interface AckFrame {
  readonly k: 'ack';
  readonly id: string;
}

export type ChannelFrame = MessageFrame | AckFrame;

const MESSAGE_ID = /^[A-Za-z0-9_-]{8,64}$/;
const TYPE_NAME = /^[a-z][a-z0-9-]{0,63}$/;

export type DecodedFrame = { readonly ok: true; readonly frame: ChannelFrame } | { readonly ok: false; readonly reason: string };

/** Parses and checks one frame's text; never throws. Unknown message types are the caller's decision. */
export function decodeFrame(data: string | Uint8Array): DecodedFrame {
  const size = typeof data === 'string' ? utf8Length(data) : data.byteLength;
  if (size > MAX_FRAME_BYTES) return { ok: false, reason: `frame of ${size} bytes is over the ${MAX_FRAME_BYTES}-byte limit` };
  const text = typeof data === 'string' ? data : new TextDecoder().decode(data);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'frame is not JSON' };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, reason: 'frame is not a JSON object' };
  const frame = value as Record<string, unknown>;
  if (typeof frame.id !== 'string' || !MESSAGE_ID.test(frame.id)) return { ok: false, reason: 'frame has no valid id' };
  if (frame.k === 'ack') return { ok: true, frame: { k: 'ack', id: frame.id } };
  if (frame.k !== 'msg') return { ok: false, reason: `unknown frame kind ${JSON.stringify(frame.k)}` };
  if (typeof frame.type !== 'string' || !TYPE_NAME.test(frame.type)) return { ok: false, reason: 'message has no valid type' };
  if (frame.body === null || typeof frame.body !== 'object' || Array.isArray(frame.body)) return { ok: false, reason: 'message body is not an object' };
  return { ok: true, frame: { k: 'msg', id: frame.id, type: frame.type as ChannelMessageType, body: frame.body as never } };
}

export function encodeFrame(frame: ChannelFrame): string {
  return JSON.stringify(frame);
}

/** Checks a heartbeat body's fields; returns the problem, or undefined when it is well formed. */
export function heartbeatProblem(body: unknown): string | undefined {
  const b = body as Partial<Record<keyof HeartbeatBody, unknown>>;
  for (const key of ['agentVersion', 'platformName', 'platformVersion', 'computerName'] as const) {
    if (typeof b[key] !== 'string' || (b[key] as string).length > 256) return `heartbeat ${key} must be a string of at most 256 characters`;
  }
  if (b.platformType !== 'Linux' && b.platformType !== 'Windows' && b.platformType !== 'MacOS') return 'heartbeat platformType must be Linux, Windows or MacOS';
  if (!Array.isArray(b.ipAddresses) || b.ipAddresses.length > 64 || b.ipAddresses.some((a) => typeof a !== 'string' || a.length > 64)) return 'heartbeat ipAddresses must be at most 64 strings';
  if (typeof b.clockOffsetMs !== 'number' || !Number.isFinite(b.clockOffsetMs)) return 'heartbeat clockOffsetMs must be a number';
  return undefined;
}

function utf8Length(text: string): number {
  // Upper bound without allocating: at most 3 bytes per UTF-16 unit.
  return text.length * 3 <= MAX_FRAME_BYTES ? text.length : new TextEncoder().encode(text).byteLength;
}
