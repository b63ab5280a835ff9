import fs from 'node:fs';
import path from 'node:path';
import type { ChannelMessages, InvocationResultBody, SendCommandBody } from '@bosun/protocol/channel';
import { writePrivate } from '../state.ts';
import { killLeftoverScript, leftoverScripts } from '../plugins/script-process.ts';
import { failedBeforeSteps, runInvocation, type InvocationDeps } from './invocation-runner.ts';

/** AWS's agent runs at most this many commands at once (CommandWorkersLimit); the rest wait in order. */
export const DEFAULT_MAX_CONCURRENT = 5;
/** Finished records kept to recognise a re-sent command. */
export const KEPT_RECORDS = 1000;

export const RESTARTED_MESSAGE = 'the agent restarted while this command was running; it was not run again';

/**
 * The durable record of one command on this node (`<state dir>/commands/<commandId>.json`),
 * written before anything runs: `queued` when received, `running` just before its first step
 * starts, `done` once its result is in the outbox. It never holds a `{{ssm-secure:}}` value:
 * the body keeps the references as the server sent them.
 */
export interface CommandRecord {
  readonly commandId: string;
  readonly state: 'queued' | 'running' | 'done';
  readonly receivedAt: number;
  readonly startedAt?: number;
  readonly endedAt?: number;
  readonly status?: InvocationResultBody['status'];
  /** Process groups started for it (stopped at the next start if the agent died meanwhile). */
  readonly pids?: readonly number[];
  readonly body: SendCommandBody;
}

export interface CommandManagerOptions {
  /** The records' directory. */
  readonly dir: string;
  readonly deps: Omit<InvocationDeps, 'emitOutput'>;
  /** Queues a message through the agent's outbox. */
  readonly report: <T extends 'invocation-output' | 'invocation-result'>(type: T, body: ChannelMessages[T]) => void;
  /** Command ids whose `invocation-result` is already in the outbox (not acked yet). */
  readonly resultsInOutbox: () => ReadonlySet<string>;
  readonly maxConcurrent?: number;
  readonly log?: (line: string) => void;
}

/**
 * Runs the commands the server sends, each at most once:
 *
 *   send-command ─▶ record exists? ── yes ─▶ (only acked)
 *                        │ no
 *                        ▼
 *                  record queued ─▶ wait for a worker ─▶ record running ─▶ steps ─▶ result to outbox ─▶ record done
 *                        │                                      │
 *        cancel-command: dropped, result Cancelled      cancel-command: process group stopped, Cancelled
 *
 * On start (`recover`), a `running` record without a result in the outbox means the agent died
 * mid-run: it is reported Failed and never run again; `queued` records never started and run now.
 */
export class CommandManager {
  private readonly queue: string[] = [];
  private readonly running = new Map<string, AbortController>();
  private readonly idleWaiters: (() => void)[] = [];
  private readonly maxConcurrent: number;
  private readonly log: (line: string) => void;

  constructor(private readonly options: CommandManagerOptions) {
    this.maxConcurrent = options.maxConcurrent ?? DEFAULT_MAX_CONCURRENT;
    this.log = options.log ?? (() => {});
    fs.mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  }

  private paused = false;

  /**
   * Settles what a previous run of the agent left behind; call once before receiving. `skip`:
   * commands another process of this agent still runs (the one that handed over to this one
   * in an update): left alone.
   */
  recover(skip: ReadonlySet<string> = new Set()): void {
    const records = this.list();
    const inOutbox = this.options.resultsInOutbox();
    for (const record of records) {
      if (skip.has(record.commandId)) continue;
      if (record.state === 'running') {
        // The recorded process ids, and any script of the command still running that the record missed (the agent died just after starting it).
        const scriptDir = path.join(this.options.deps.workRoot, record.commandId);
        for (const pid of new Set([...(record.pids ?? []), ...leftoverScripts(scriptDir)])) {
          if (killLeftoverScript(pid, scriptDir)) this.log(`stopped what was left of command ${record.commandId} (process group ${pid})`);
        }
        fs.rmSync(path.join(this.options.deps.workRoot, record.commandId), { recursive: true, force: true });
        if (!inOutbox.has(record.commandId)) {
          const now = this.options.deps.now();
          this.log(`command ${record.commandId} was running when the agent stopped: reporting it Failed, not running it again`);
          const result = failedBeforeSteps(record.body, record.startedAt ?? now, now, RESTARTED_MESSAGE);
          this.options.report('invocation-result', result);
          this.write({ ...record, state: 'done', endedAt: now, status: result.status });
        } else {
          this.write({ ...record, state: 'done', endedAt: this.options.deps.now() });
        }
      } else if (record.state === 'queued') {
        this.queue.push(record.commandId);
      }
    }
    this.prune(records);
    this.pump();
  }

  /** A `send-command` from the server; false when this command was seen before (then it is only acked). */
  receive(body: SendCommandBody): boolean {
    if (typeof body?.commandId !== 'string' || !/^[A-Za-z0-9-]{1,64}$/.test(body.commandId) || typeof body.documentContent !== 'string') {
      this.log('ignoring a send-command without a valid commandId and documentContent');
      return false;
    }
    if (fs.existsSync(this.file(body.commandId))) return false;
    this.write({ commandId: body.commandId, state: 'queued', receivedAt: this.options.deps.now(), body });
    this.queue.push(body.commandId);
    this.pump();
    return true;
  }

  /** A `cancel-command`: a queued command is dropped (reported Cancelled), a running one stopped. */
  cancel(commandId: string): void {
    const running = this.running.get(commandId);
    if (running) {
      running.abort('cancel');
      return;
    }
    const at = this.queue.indexOf(commandId);
    if (at === -1) return;
    this.queue.splice(at, 1);
    const record = this.read(commandId);
    if (!record) return;
    const now = this.options.deps.now();
    const names = stepNames(record.body);
    this.options.report('invocation-result', {
      commandId, status: 'Cancelled', statusDetails: 'Cancelled', responseCode: -1, startedAt: now, endedAt: now,
      plugins: names.map((name) => ({ name, status: 'Cancelled', statusDetails: 'Cancelled', responseCode: -1, length: { stdout: 0, stderr: 0 }, tail: { stdout: '', stderr: '' } })),
    });
    this.write({ ...record, state: 'done', endedAt: now, status: 'Cancelled' });
  }

  /** Resolves when nothing is queued or running (for tests and shutdown). */
  idle(): Promise<void> {
    if (this.queue.length === 0 && this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Starts no more queued commands (their records stay queued, for the agent taking over); running ones go on. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.pump();
  }

  /** The commands running now. */
  runningIds(): string[] {
    return [...this.running.keys()];
  }

  /** How many commands are queued or running. */
  get active(): number {
    return this.running.size + this.queue.length;
  }

  read(commandId: string): CommandRecord | undefined {
    try {
      return JSON.parse(fs.readFileSync(this.file(commandId), 'utf8')) as CommandRecord;
    } catch {
      return undefined;
    }
  }

  private pump(): void {
    while (!this.paused && this.running.size < this.maxConcurrent && this.queue.length > 0) {
      const commandId = this.queue.shift()!;
      const record = this.read(commandId);
      if (!record || record.state !== 'queued') continue;
      const controller = new AbortController();
      this.running.set(commandId, controller);
      void this.execute(record, controller);
    }
    if (this.queue.length === 0 && this.running.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private async execute(record: CommandRecord, controller: AbortController): Promise<void> {
    const startedAt = this.options.deps.now();
    // Written before the first process starts: a crash from here on is never run again.
    let running: CommandRecord = { ...record, state: 'running', startedAt };
    this.write(running);
    const onProcess = (pid: number) => {
      running = { ...running, pids: [...(running.pids ?? []), pid] };
      this.write(running);
    };
    let result: InvocationResultBody;
    try {
      result = await runInvocation(record.body, { ...this.options.deps, onProcess, emitOutput: (chunk) => this.options.report('invocation-output', chunk) }, controller.signal);
    } catch (error) {
      result = failedBeforeSteps(record.body, startedAt, this.options.deps.now(), `the agent failed to run the command: ${(error as Error).message}`);
    }
    this.options.report('invocation-result', result);
    this.write({ ...record, state: 'done', startedAt, endedAt: result.endedAt, status: result.status });
    this.running.delete(record.commandId);
    this.pump();
  }

  private list(): CommandRecord[] {
    const out: CommandRecord[] = [];
    for (const name of fs.readdirSync(this.options.dir)) {
      if (!name.endsWith('.json')) continue;
      try {
        out.push(JSON.parse(fs.readFileSync(path.join(this.options.dir, name), 'utf8')) as CommandRecord);
      } catch { /* a stray temporary file */ }
    }
    return out.sort((a, b) => a.receivedAt - b.receivedAt);
  }

  private prune(records: readonly CommandRecord[]): void {
    const done = records.filter((r) => r.state === 'done');
    for (const r of done.slice(0, Math.max(0, done.length - KEPT_RECORDS))) fs.rmSync(this.file(r.commandId), { force: true });
  }

  private write(record: CommandRecord): void {
    writePrivate(this.file(record.commandId), JSON.stringify(record));
  }

  private file(commandId: string): string {
    return path.join(this.options.dir, `${commandId}.json`);
  }
}

function stepNames(body: SendCommandBody): string[] {
  try {
    const content = JSON.parse(body.documentContent) as { mainSteps?: { name?: unknown }[]; runtimeConfig?: Record<string, unknown> };
    const names = content.mainSteps?.map((s) => String(s.name)) ?? Object.keys(content.runtimeConfig ?? {});
    return names.length > 0 ? names : ['document'];
  } catch {
    return ['document'];
  }
}
