import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { outcome, PluginInputError, type PluginContext, type PluginOutcome, DEFAULT_EXECUTION_TIMEOUT_SECONDS, MAX_EXECUTION_TIMEOUT_SECONDS } from './plugin.ts';

/** The inputs aws:runShellScript and aws:runPowerShellScript share (AWS's names). */
export interface ScriptInput {
  readonly runCommand: readonly string[];
  readonly workingDirectory?: string;
  readonly timeoutSeconds: number;
}

/** Reads runCommand (a string or a list of lines), workingDirectory and timeoutSeconds (number or numeric string). */
export function parseScriptInput(inputs: Readonly<Record<string, unknown>>): ScriptInput {
  const raw = inputs.runCommand;
  let runCommand: string[];
  if (typeof raw === 'string') runCommand = [raw];
  else if (Array.isArray(raw) && raw.every((line) => typeof line === 'string')) runCommand = raw as string[];
  else throw new PluginInputError('runCommand must be a string or a list of strings');
  const dir = inputs.workingDirectory;
  if (dir !== undefined && typeof dir !== 'string') throw new PluginInputError('workingDirectory must be a string');
  const timeout = inputs.timeoutSeconds;
  let timeoutSeconds = DEFAULT_EXECUTION_TIMEOUT_SECONDS;
  if (timeout !== undefined && timeout !== '') {
    const n = typeof timeout === 'number' ? timeout : typeof timeout === 'string' && /^\d+$/.test(timeout.trim()) ? Number(timeout) : NaN;
    if (!Number.isInteger(n) || n < 1 || n > MAX_EXECUTION_TIMEOUT_SECONDS) throw new PluginInputError(`timeoutSeconds must be an integer from 1 to ${MAX_EXECUTION_TIMEOUT_SECONDS} (got ${JSON.stringify(timeout)})`);
    timeoutSeconds = n;
  }
  return { runCommand, ...(dir ? { workingDirectory: dir } : {}), timeoutSeconds };
}

export interface ScriptRun {
  /** The interpreter and its arguments before the script file. */
  readonly command: string;
  readonly args: readonly string[];
  readonly scriptName: string;
  /** Test hook: the timeout in ms instead of input.timeoutSeconds. */
  readonly timeoutMs?: number;
}

/**
 * Writes the commands to a script file in the step's directory and runs it in its own process
 * group: the timeout and a cancel stop the whole group (SIGTERM, then SIGKILL after the grace),
 * grandchildren included. The script file is deleted as soon as the process has exited: it may
 * hold `{{ssm-secure:…}}` values pasted into the commands.
 */
export async function runScript(input: ScriptInput, context: PluginContext, run: ScriptRun): Promise<PluginOutcome> {
  fs.mkdirSync(context.workDir, { recursive: true, mode: 0o700 });
  const cwd = input.workingDirectory ?? context.workDir;
  if (!fs.existsSync(cwd) || !fs.statSync(cwd).isDirectory()) {
    context.output.write('stderr', `failed to run commands: working directory ${cwd} does not exist\n`);
    return outcome.failed(1);
  }
  const script = path.join(context.workDir, run.scriptName);
  fs.writeFileSync(script, input.runCommand.join('\n') + '\n', { mode: 0o700 });
  try {
    return await new Promise<PluginOutcome>((resolve) => {
      let child;
      try {
        child = spawn(run.command, [...run.args, script], { cwd, env: { ...process.env, ...context.env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (error) {
        context.output.write('stderr', `failed to run commands: ${(error as Error).message}\n`);
        resolve(outcome.failed(1));
        return;
      }
      if (child.pid) {
        liveGroups.add(child.pid);
        context.onProcess?.(child.pid);
      }
      let stopped: 'cancel' | 'timeout' | undefined;
      let killTimer: NodeJS.Timeout | undefined;
      const stop = (reason: 'cancel' | 'timeout') => {
        if (stopped) return;
        stopped = reason;
        signalGroup(child.pid, 'SIGTERM');
        killTimer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), context.killGraceMs);
      };
      const timer = setTimeout(() => stop('timeout'), run.timeoutMs ?? input.timeoutSeconds * 1000);
      const onAbort = () => stop('cancel');
      if (context.signal.aborted) onAbort();
      else context.signal.addEventListener('abort', onAbort, { once: true });
      for (const stream of ['stdout', 'stderr'] as const) {
        const decoder = new StringDecoder('utf8');
        child[stream].on('data', (chunk: Buffer) => {
          const text = decoder.write(chunk);
          if (text) context.output.write(stream, text);
        });
        child[stream].on('end', () => {
          const rest = decoder.end();
          if (rest) context.output.write(stream, rest);
        });
      }
      let exitCode: number | undefined;
      let failedToStart = false;
      child.on('error', (error) => {
        failedToStart = true;
        // spawn failures (interpreter missing) arrive here, with no exit.
        clearTimeout(timer);
        context.signal.removeEventListener('abort', onAbort);
        context.output.write('stderr', `failed to run commands: ${error.message}\n`);
        resolve(outcome.failed(1));
      });
      child.on('exit', (code, signal) => {
        exitCode = code ?? 128 + (signal ? (os.constants.signals[signal] ?? 0) : 0);
        // The script is gone the moment its process is: nothing pasted into it stays on disk.
        fs.rmSync(script, { force: true });
      });
      // 'close' waits for stdout and stderr to end: a background job that keeps them open keeps
      // the step running (as with AWS's agent) until it ends or the timeout stops the group.
      child.on('close', () => {
        if (child.pid) liveGroups.delete(child.pid);
        if (failedToStart) return;
        clearTimeout(timer);
        context.signal.removeEventListener('abort', onAbort);
        if (stopped) {
          // Leave nothing of the group behind, even members that ignored SIGTERM.
          signalGroup(child.pid, 'SIGKILL');
          clearTimeout(killTimer);
          if (stopped === 'timeout') context.output.write('stderr', `failed to run commands: execution timed out after ${input.timeoutSeconds} seconds\n`);
          resolve(stopped === 'timeout' ? outcome.timedOut() : outcome.cancelled());
          return;
        }
        const code = exitCode ?? 1;
        if (code === 0) resolve(outcome.success());
        else {
          context.output.write('stderr', `failed to run commands: exit status ${code}\n`);
          resolve(outcome.failed(code));
        }
      });
    });
  } finally {
    fs.rmSync(script, { force: true });
  }
}

/** Process groups of the scripts running now, to stop them when the agent shuts down. */
const liveGroups = new Set<number>();

/** Kills every running script's process group at once (agent shutdown); their commands are reported Failed on the next start. */
export function killAllScripts(): void {
  for (const pid of liveGroups) signalGroup(pid, 'SIGKILL');
  liveGroups.clear();
}

/**
 * Kills what is left of a process group an earlier run of the agent started (it died with the
 * script running), if the group's leader is still that script: its command line names the
 * script under `scriptDir`, so a recycled process id is left alone.
 */
export function killLeftoverScript(pid: number, scriptDir: string): boolean {
  let cmdline: string;
  try {
    cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return false;
  }
  if (!cmdline.includes(scriptDir)) return false;
  signalGroup(pid, 'SIGKILL');
  return true;
}

/**
 * The processes whose command line names a script under `scriptDir` (Linux's /proc; none
 * elsewhere): what an earlier run of the agent left running, even when it died between
 * starting the script and recording its process id.
 */
export function leftoverScripts(scriptDir: string): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(scriptDir)) found.push(Number(entry));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

/** The path of an executable found on PATH, or undefined. */
export function findExecutable(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch { /* not here */ }
  }
  return undefined;
}
