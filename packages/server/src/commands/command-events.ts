import { EventEmitter } from 'node:events';

/** A change of one invocation, as the stream route sends it. */
export interface InvocationEvent {
  readonly type: 'invocation';
  readonly instanceId: string;
  readonly status: string;
  readonly statusDetails: string;
  readonly responseCode?: number;
  readonly startedAt?: number;
  readonly endedAt?: number;
}

export interface OutputEvent {
  readonly type: 'output';
  readonly instanceId: string;
  readonly pluginName: string;
  readonly stream: 'stdout' | 'stderr';
  /** Position of `data` in the stream (UTF-16 units): lets a reader skip what it already has. */
  readonly offset: number;
  readonly data: string;
}

export interface CommandEvent {
  readonly type: 'command';
  readonly status: string;
  readonly targetCount: number;
  readonly completedCount: number;
  readonly errorCount: number;
  readonly deliveryTimedOutCount: number;
}

export type CommandChange = InvocationEvent | OutputEvent | CommandEvent;

const SHUTDOWN = Symbol('shutdown');

/**
 * Changes of commands, published after they are committed, for the live stream route. In
 * process only: a replica sees the changes it made itself (the stream route also polls the
 * store, so a client of another replica still sees every state, later).
 */
export class CommandEvents {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  publish(commandId: string, change: CommandChange): void {
    this.emitter.emit(commandId, change);
  }

  hasListeners(commandId: string): boolean {
    return this.emitter.listenerCount(commandId) > 0;
  }

  subscribe(commandId: string, listener: (change: CommandChange) => void): () => void {
    this.emitter.on(commandId, listener);
    return () => this.emitter.off(commandId, listener);
  }

  /** Server shutdown: every open stream ends (a client reconnects and gets the state again). */
  onShutdown(listener: () => void): () => void {
    this.emitter.on(SHUTDOWN, listener);
    return () => this.emitter.off(SHUTDOWN, listener);
  }

  shutdown(): void {
    this.emitter.emit(SHUTDOWN);
  }
}
