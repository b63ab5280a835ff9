import { maskSecrets } from '@bosun/documents';
import type { InvocationOutputBody } from '@bosun/protocol/channel';
import type { OutputStream, PluginOutput } from '../plugins/plugin.ts';

export interface OutputCollectorOptions {
  /** Sends one live chunk (through the agent's outbox). */
  readonly emit: (chunk: Omit<InvocationOutputBody, 'commandId'>) => void;
  readonly pluginName: string;
  /** Secret values to mask; the list may grow while the step runs (nested documents). */
  readonly secrets: readonly string[];
  /** Longest wait before buffered output is sent. Default 200 ms. */
  readonly flushMs?: number;
  /** Largest chunk, in UTF-16 units. Default 16,384. */
  readonly chunkChars?: number;
  /** Output kept per stream; past it the rest is dropped and a note ends the stream. Default 8 MiB of characters. */
  readonly maxChars?: number;
  /** What the result may carry instead of a last chunk. Default 4,096 characters. */
  readonly maxTailChars?: number;
}

interface StreamState {
  /** Raw text not sent yet (unmasked: it may end with the start of a secret). */
  pending: string;
  /** Masked characters already sent in chunks. */
  sent: number;
  /** Raw characters received. */
  received: number;
  dropped: number;
}

export const MASK_NOTE = '***';

/**
 * One step's output on its way to the server: secrets masked before anything leaves the node,
 * cut into chunks of at most `chunkChars`, sent every `flushMs` or as soon as a chunk is full.
 * Text that could be the start of a secret is held back until the next write shows whether it
 * is, so a secret split across two writes is masked as well. `finish()` returns what was not
 * sent (the result's `tail`) and each stream's length.
 */
export class OutputCollector implements PluginOutput {
  private readonly streams: Record<OutputStream, StreamState> = {
    stdout: { pending: '', sent: 0, received: 0, dropped: 0 },
    stderr: { pending: '', sent: 0, received: 0, dropped: 0 },
  };
  private timer?: NodeJS.Timeout;
  private finished = false;
  private readonly flushMs: number;
  private readonly chunkChars: number;
  private readonly maxChars: number;
  private readonly maxTailChars: number;

  constructor(private readonly options: OutputCollectorOptions) {
    this.flushMs = options.flushMs ?? 200;
    this.chunkChars = options.chunkChars ?? 16_384;
    this.maxChars = options.maxChars ?? 8 * 1024 * 1024;
    this.maxTailChars = options.maxTailChars ?? 4096;
  }

  write(stream: OutputStream, text: string): void {
    if (this.finished || text === '') return;
    const s = this.streams[stream];
    const room = Math.max(0, this.maxChars - s.received);
    if (text.length > room) {
      s.dropped += text.length - room;
      text = text.slice(0, room);
    }
    s.received += text.length;
    s.pending += text;
    if (s.pending.length >= this.chunkChars) this.flush(stream);
    if (s.pending.length > 0 && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush('stdout');
        this.flush('stderr');
      }, this.flushMs);
    }
  }

  /** Sends what is buffered; returns the result fields: lengths and tails. */
  finish(): { length: { stdout: number; stderr: number }; tail: { stdout: string; stderr: string } } {
    this.finished = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    const tail = { stdout: '', stderr: '' };
    const length = { stdout: 0, stderr: 0 };
    for (const stream of ['stdout', 'stderr'] as const) {
      const s = this.streams[stream];
      if (s.dropped > 0) s.pending += `\n[bosun: ${s.dropped} more characters of ${stream} were dropped: output is kept up to ${this.maxChars} characters per stream]\n`;
      let rest = this.mask(s.pending);
      s.pending = '';
      if (rest.length > this.maxTailChars) {
        this.send(stream, rest);
        rest = '';
      }
      tail[stream] = rest;
      length[stream] = s.sent + rest.length;
    }
    return { length, tail };
  }

  private flush(stream: OutputStream): void {
    const s = this.streams[stream];
    if (s.pending === '') return;
    const cut = safeCut(s.pending, this.secrets());
    if (cut === 0) return;
    const ready = this.mask(s.pending.slice(0, cut));
    s.pending = s.pending.slice(cut);
    this.send(stream, ready);
  }

  private send(stream: OutputStream, text: string): void {
    const s = this.streams[stream];
    let i = 0;
    while (i < text.length) {
      let end = Math.min(text.length, i + this.chunkChars);
      // Never split a surrogate pair between two chunks.
      if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end--;
      const data = text.slice(i, end);
      this.options.emit({ pluginName: this.options.pluginName, stream, offset: s.sent, data });
      s.sent += data.length;
      i = end;
    }
  }

  private secrets(): string[] {
    return this.options.secrets.filter((v) => v.length > 0);
  }

  private mask(text: string): string {
    const secrets = this.secrets();
    return secrets.length === 0 ? text : maskSecrets(text, secrets);
  }
}

/**
 * Where buffered text can be cut so that no secret straddles the cut: before any suffix that
 * is the start of a secret, and before any whole occurrence the cut would split.
 */
export function safeCut(text: string, secrets: readonly string[]): number {
  let cut = text.length;
  for (const secret of secrets) {
    for (let k = Math.min(secret.length - 1, text.length); k >= 1; k--) {
      if (text.endsWith(secret.slice(0, k))) {
        cut = Math.min(cut, text.length - k);
        break;
      }
    }
  }
  for (let changed = true; changed;) {
    changed = false;
    for (const secret of secrets) {
      for (let i = text.indexOf(secret, Math.max(0, cut - secret.length + 1)); i !== -1 && i < cut; i = text.indexOf(secret, i + 1)) {
        if (i + secret.length > cut) {
          cut = i;
          changed = true;
          break;
        }
      }
    }
  }
  return cut;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
