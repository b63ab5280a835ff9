/**
 * Agent plugins: what a document step's `action` (aws:runShellScript, …) does on a node.
 *
 * Lifecycle of one step, driven by the invocation runner (../commands/invocation-runner.ts):
 *
 *    planned step (action, inputs, env)          ← @bosun/documents planSteps, secure values in
 *        │
 *        ▼
 *    plugin.parseInput(inputs) ──throws PluginInputError──▶ Failed (code 1, the message on stderr)
 *        │
 *        ▼
 *    plugin.run(input, context) ─────────────────────────────────────────────┐
 *        │  context.output.write('stdout' | 'stderr', text)   (live, masked,   │ context.signal aborts:
 *        │                                                    batched chunks) │ reason 'cancel'  → Cancelled
 *        ▼                                                                    │ reason 'timeout' → TimedOut
 *    PluginOutcome { status, statusDetails, responseCode } ◀──────────────────┘
 *        │
 *        ▼
 *    the runner records it (PluginResult with the output's length and tail) and goes on to
 *    the next step, unless `onFailure: exit | successAndExit` says to stop (AWS schema 2.2).
 *
 * A plugin never touches the channel or the outbox: it writes output to `context.output`
 * and returns its outcome; it never throws for a failure of the work it runs (a thrown
 * error is reported as Failed with the error's message).
 */
import type { PluginStatus } from '@bosun/protocol/channel';

/** Exit code AWS's Linux agent reports for a step stopped before it finished (timeout or cancel): 128 + SIGKILL. */
export const STOPPED_EXIT_CODE = 137;

/** AWS's default `timeoutSeconds` of aws:runShellScript and aws:runPowerShellScript. */
export const DEFAULT_EXECUTION_TIMEOUT_SECONDS = 3600;
/** AWS's largest executionTimeout (48 hours). */
export const MAX_EXECUTION_TIMEOUT_SECONDS = 172_800;

export type OutputStream = 'stdout' | 'stderr';

/** Where a plugin's output goes: masked for secrets and batched into live chunks by the runner. */
export interface PluginOutput {
  write(stream: OutputStream, text: string): void;
}

/** Why a step is asked to stop. */
export type StopReason = 'cancel' | 'timeout';

/** A nested document run (aws:runDocument): runs its steps and writes their output to `output`. */
export type NestedRunner = (input: { documentName: string; documentVersion?: string; parameters: Record<string, readonly string[]>; output: PluginOutput; signal: AbortSignal; depth: number }) => Promise<PluginOutcome>;

/** Calls an AWS JSON operation through the API with the node's credentials (e.g. `AmazonSSM.GetDocument`). */
export type ApiCaller = <T>(target: string, input: unknown) => Promise<T>;

export interface PluginContext {
  readonly commandId: string;
  readonly stepName: string;
  /** A directory for this step's files (script files), inside the invocation's directory under the state dir. */
  readonly workDir: string;
  /** Environment variables to add for this step (ENV_VAR interpolation: SSM_<name>). */
  readonly env: Readonly<Record<string, string>>;
  readonly output: PluginOutput;
  /** Aborted with a StopReason when the invocation is cancelled. The plugin applies its own timeout. */
  readonly signal: AbortSignal;
  /** Milliseconds between SIGTERM and SIGKILL of a stopped process group. */
  readonly killGraceMs: number;
  readonly runNested: NestedRunner;
  /** How deep this step is nested in aws:runDocument calls (0 at the top). */
  readonly depth: number;
  /** Told the id of each process group a plugin starts (kept in the command's record, to stop leftovers after an agent crash). */
  readonly onProcess?: (pid: number) => void;
}

export interface PluginOutcome {
  readonly status: Exclude<PluginStatus, 'Skipped'>;
  /** AWS's StatusDetails word: Success, Failed, ExecutionTimedOut, Cancelled. */
  readonly statusDetails: string;
  readonly responseCode: number;
}

/** Thrown by parseInput for inputs the plugin cannot run; the message names the input. */
export class PluginInputError extends Error {}

/** One plugin: a name as documents write it, a typed input read from the step's inputs, and a run. */
export interface AgentPlugin<Input = unknown> {
  readonly name: string;
  parseInput(inputs: Readonly<Record<string, unknown>>): Input;
  run(input: Input, context: PluginContext): Promise<PluginOutcome>;
}

export const outcome = {
  success: (): PluginOutcome => ({ status: 'Success', statusDetails: 'Success', responseCode: 0 }),
  failed: (code: number): PluginOutcome => ({ status: 'Failed', statusDetails: 'Failed', responseCode: code }),
  timedOut: (): PluginOutcome => ({ status: 'TimedOut', statusDetails: 'ExecutionTimedOut', responseCode: STOPPED_EXIT_CODE }),
  cancelled: (): PluginOutcome => ({ status: 'Cancelled', statusDetails: 'Cancelled', responseCode: STOPPED_EXIT_CODE }),
};
