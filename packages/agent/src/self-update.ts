/**
 * The agent's self-update (aws:updateSsmAgent), the mechanics under the plugin's decisions.
 *
 * The agent runs from one stable path (`/opt/bosun/bosun-agent.cjs`, the path the systemd unit
 * names), so an update never changes the unit:
 *
 *   stage     download <dir>/bosun-agent-<version>.cjs.download, check its SHA-256, rename it
 *             to <dir>/bosun-agent-<version>.cjs
 *   swap      copy the running bundle to <stable>.previous (kept), rename the staged file over
 *             <stable> (atomic)
 *   hand over this process closes its channel and starts `node <stable> <same arguments>` as its
 *             child (stdio inherited, an IPC channel), then waits for it to say it is Online
 *   Online    the child's channel is open and its first heartbeat sent: this process stays as
 *             its thin parent (signals forwarded, its exit status passed on: the same for
 *             systemd and for an agent started directly), the invocation is Success
 *   not Online within the timeout (default 120 s), or the child exited first: the child is
 *             stopped, <stable>.previous is copied back over <stable>, and this process, still
 *             the previous version, takes up its channel again; the invocation is Failed with
 *             the reason, and a node-event `agent-update-failed` says so in the server's log
 *
 * `update.json` in the state directory names the commands this process still runs during the
 * hand-over: the child leaves them alone when it recovers its command records.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { AgentBundleInfo } from '@bosun/protocol/channel';
import { writePrivate } from './state.ts';

/** Set in the environment of the agent started by an update: it reports Online to its parent. */
export const SUCCESSOR_ENV = 'BOSUN_AGENT_SUCCESSOR';
/** Default time the new agent has to come Online before the previous bundle is restored. */
export const DEFAULT_UPDATE_ONLINE_TIMEOUT_MS = 120_000;

/** IPC messages between an agent and the one it handed over to. */
export type HandoverMessage =
  | { readonly type: 'bosun-agent-online'; readonly version: string }
  | { readonly type: 'bosun-agent-outbox' };

export interface UpdateRecord {
  readonly from: string;
  readonly to: string;
  readonly startedAt: number;
  /** Commands the previous process still runs: its own to finish and report. */
  readonly ownedCommands: readonly string[];
}

export function readUpdateRecord(stateDir: string): UpdateRecord | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(stateDir, 'update.json'), 'utf8')) as UpdateRecord;
  } catch {
    return undefined;
  }
}

export function writeUpdateRecord(stateDir: string, record: UpdateRecord): void {
  writePrivate(path.join(stateDir, 'update.json'), JSON.stringify(record));
}

export function previousBundleFile(stable: string): string {
  return `${stable}.previous`;
}

/** Writes downloaded bytes next to the running bundle once their SHA-256 is the one the server announced. */
export function stageBundle(stable: string, bundle: AgentBundleInfo, bytes: Buffer): string {
  const got = crypto.createHash('sha256').update(bytes).digest('hex');
  if (got !== bundle.sha256) throw new Error(`checksum mismatch (expected ${bundle.sha256}, got ${got}): not installed`);
  const staged = path.join(path.dirname(stable), `bosun-agent-${bundle.version}.cjs`);
  const download = `${staged}.download`;
  fs.writeFileSync(download, bytes, { mode: 0o755 });
  fs.renameSync(download, staged);
  return staged;
}

/** The staged bundle becomes the stable path; the running one is kept as `.previous`. */
export function swapIn(stable: string, staged: string): void {
  fs.copyFileSync(stable, previousBundleFile(stable));
  fs.renameSync(staged, stable);
}

/** The kept previous bundle goes back to the stable path (atomically). */
export function restorePrevious(stable: string): void {
  const tmp = `${stable}.restore`;
  fs.copyFileSync(previousBundleFile(stable), tmp);
  fs.renameSync(tmp, stable);
}

export type Handover = { readonly ok: true; readonly child: ChildProcess } | { readonly ok: false; readonly reason: string };

/**
 * Starts the agent at `file` as this process's child with `args`, and waits until it says it
 * is Online. Not Online within `timeoutMs`, or exited before: it is stopped (SIGTERM, then
 * SIGKILL after 5 s) and the reason returned.
 */
export function startSuccessor(input: { file: string; args: readonly string[]; timeoutMs: number; env?: NodeJS.ProcessEnv }): Promise<Handover> {
  const child = spawn(process.execPath, [input.file, ...input.args], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...(input.env ?? process.env), [SUCCESSOR_ENV]: '1' },
  });
  return new Promise((resolve) => {
    let settled = false;
    let timedOut = false;
    let kill: NodeJS.Timeout | undefined;
    const settle = (result: Handover) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(result);
    };
    const onMessage = (message: HandoverMessage) => {
      if (message?.type === 'bosun-agent-online') settle({ ok: true, child });
    };
    child.on('message', onMessage);
    child.once('error', (error) => settle({ ok: false, reason: `the new agent could not be started: ${error.message}` }));
    child.once('exit', (code, signal) => {
      clearTimeout(kill);
      settle({ ok: false, reason: timedOut ? `the new agent was not Online within ${Math.round(input.timeoutMs / 1000)} s` : `the new agent exited (${signal ?? `status ${code}`}) before it was Online` });
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    }, input.timeoutMs);
  });
}
