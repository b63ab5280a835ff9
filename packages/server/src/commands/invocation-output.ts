import type { PluginResult } from '@bosun/protocol';
import type { ObjectStore } from '../object-store/object-store.ts';
import type { OutputChunk } from './command-store.ts';

/**
 * Output of an invocation's plugins. While it runs, chunks are rows of the store; when it
 * ends, each stream is put together (chunks + the result's tail): its head is kept in the
 * invocation row (enough for every API response), and a stream longer than the head goes
 * whole to the object store. AWS's caps on API responses are applied when answering.
 */

/** GetCommandInvocation: StandardOutputContent is the first 24,000 characters, StandardErrorContent the first 8,000. */
export const STDOUT_CONTENT_MAX = 24_000;
export const STDERR_CONTENT_MAX = 8_000;
/** ListCommandInvocations (Details): a plugin's Output is at most 2,500 characters. */
export const PLUGIN_OUTPUT_MAX = 2_500;

export type Stream = 'stdout' | 'stderr';

/** A plugin's result as the invocation row keeps it. */
export interface StoredPlugin {
  readonly name: string;
  readonly status: string;
  readonly statusDetails: string;
  readonly responseCode: number;
  readonly startedAt?: number;
  readonly endedAt?: number;
  readonly length: { readonly stdout: number; readonly stderr: number };
  readonly head: { readonly stdout: string; readonly stderr: string };
  /** True when the whole stream is in the object store (longer than its head). */
  readonly stored: { readonly stdout: boolean; readonly stderr: boolean };
}

export function outputKey(commandId: string, instanceId: string, pluginName: string, stream: Stream): string {
  return `commands/${commandId}/${instanceId}/${encodeURIComponent(pluginName).replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}/${stream}`;
}

/**
 * One stream put together from the chunks received (by offset; a repeated or overlapping
 * chunk is read once) and the tail the result carries. A gap (a chunk never received) is
 * marked rather than hidden.
 */
export function assembleStream(chunks: readonly OutputChunk[], tail: string, length: number): string {
  let text = '';
  let lost = 0;
  for (const c of [...chunks].sort((a, b) => a.offset - b.offset)) {
    const at = c.offset - lost;
    if (at + c.data.length <= text.length) continue;
    if (at > text.length) {
      // A chunk never arrived: say so where it belongs and keep the rest in place.
      const note = `\n[bosun: ${at - text.length} characters of output were lost here]\n`;
      lost += at - text.length - note.length;
      text += note;
      text += c.data;
      continue;
    }
    text = text.slice(0, at) + c.data;
  }
  const tailStart = Math.max(0, length - lost - tail.length);
  if (text.length > tailStart) text = text.slice(0, tailStart);
  return text + tail;
}

export const HEAD_MAX: Record<Stream, number> = { stdout: STDOUT_CONTENT_MAX, stderr: STDERR_CONTENT_MAX };

/** Stores a finished plugin's streams; returns what the invocation row keeps. */
export async function storePluginOutput(
  objects: ObjectStore,
  input: { commandId: string; instanceId: string; plugin: PluginResult; chunks: readonly OutputChunk[] },
): Promise<StoredPlugin> {
  const { plugin } = input;
  const head = { stdout: '', stderr: '' };
  const stored = { stdout: false, stderr: false };
  for (const stream of ['stdout', 'stderr'] as const) {
    const tail = typeof plugin.tail?.[stream] === 'string' ? plugin.tail[stream] : '';
    const length = typeof plugin.length?.[stream] === 'number' ? plugin.length[stream] : tail.length;
    const mine = input.chunks.filter((c) => c.pluginName === plugin.name && c.stream === stream);
    const text = mine.length === 0 ? tail : assembleStream(mine, tail, length);
    head[stream] = text.slice(0, HEAD_MAX[stream]);
    if (text.length > HEAD_MAX[stream]) {
      await objects.put(outputKey(input.commandId, input.instanceId, plugin.name, stream), text);
      stored[stream] = true;
    }
  }
  return {
    name: String(plugin.name), status: String(plugin.status), statusDetails: String(plugin.statusDetails), responseCode: Number(plugin.responseCode),
    ...(typeof plugin.startedAt === 'number' ? { startedAt: plugin.startedAt } : {}),
    ...(typeof plugin.endedAt === 'number' ? { endedAt: plugin.endedAt } : {}),
    length: lengthsOf(plugin, head, stored),
    head, stored,
  };
}

function lengthsOf(plugin: PluginResult, head: { stdout: string; stderr: string }, stored: { stdout: boolean; stderr: boolean }): { stdout: number; stderr: number } {
  return {
    stdout: stored.stdout ? Math.max(plugin.length?.stdout ?? 0, head.stdout.length) : head.stdout.length,
    stderr: stored.stderr ? Math.max(plugin.length?.stderr ?? 0, head.stderr.length) : head.stderr.length,
  };
}

/** The whole of one stream of a finished plugin. */
export async function wholeStream(objects: ObjectStore, commandId: string, instanceId: string, plugin: StoredPlugin, stream: Stream): Promise<string> {
  if (!plugin.stored[stream]) return plugin.head[stream];
  return (await objects.get(outputKey(commandId, instanceId, plugin.name, stream))) ?? plugin.head[stream];
}

export function parsePlugins(text: string): StoredPlugin[] {
  return JSON.parse(text) as StoredPlugin[];
}
