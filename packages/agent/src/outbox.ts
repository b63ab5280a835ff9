import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ChannelMessages, ChannelMessageType } from '@bosun/protocol/channel';
import { writePrivate } from './state.ts';

export interface OutboxEntry<T extends ChannelMessageType = ChannelMessageType> {
  readonly id: string;
  readonly type: T;
  readonly body: ChannelMessages[T];
}

/**
 * Messages the agent must deliver even across its own restart: one file per message,
 * written before it is sent and removed when the server acks it. The server de-duplicates
 * by id, so a message sent twice (ack lost in a reconnection) is handled once.
 */
export class Outbox {
  private sequence = 0;

  constructor(private readonly dir: string) {}

  add<T extends ChannelMessageType>(type: T, body: ChannelMessages[T], id: string = crypto.randomUUID()): OutboxEntry<T> {
    const entry: OutboxEntry<T> = { id, type, body };
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    // The time and sequence prefix keeps the order of delivery the order of writing (output
    // chunks of one millisecond, then the result).
    this.sequence = (this.sequence + 1) % 1_000_000;
    writePrivate(path.join(this.dir, `${String(Date.now()).padStart(15, '0')}-${String(this.sequence).padStart(6, '0')}-${id}.json`), JSON.stringify(entry));
    return entry;
  }

  list(): OutboxEntry[] {
    if (!fs.existsSync(this.dir)) return [];
    const entries: OutboxEntry[] = [];
    for (const name of fs.readdirSync(this.dir).filter((n) => n.endsWith('.json')).sort()) {
      try {
        entries.push(JSON.parse(fs.readFileSync(path.join(this.dir, name), 'utf8')) as OutboxEntry);
      } catch {
        // A file cut short by a crash mid-write never got renamed into place; skip strays.
      }
    }
    return entries;
  }

  remove(id: string): void {
    if (!fs.existsSync(this.dir)) return;
    for (const name of fs.readdirSync(this.dir)) if (name.endsWith(`-${id}.json`)) fs.rmSync(path.join(this.dir, name), { force: true });
  }
}
