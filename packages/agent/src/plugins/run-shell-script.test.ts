import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runShellScriptPlugin } from './run-shell-script.ts';
import { runPowerShellScriptPlugin } from './run-powershell-script.ts';
import { DEFAULT_EXECUTION_TIMEOUT_SECONDS, PluginInputError, STOPPED_EXIT_CODE, type PluginContext } from './plugin.ts';

function context(overrides: Partial<PluginContext> = {}): PluginContext & { text: { stdout: string; stderr: string } } {
  const text = { stdout: '', stderr: '' };
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-plugin-'));
  return {
    commandId: 'c1', stepName: 'step', workDir, env: {}, signal: new AbortController().signal, killGraceMs: 300, depth: 0,
    runNested: () => Promise.reject(new Error('no nesting here')),
    output: { write: (stream, t) => (text[stream] += t) },
    text,
    ...overrides,
  };
}

/** Whether a process still runs (a zombie nobody has reaped yet counts as gone). */
function alive(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

async function until(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const shell = runShellScriptPlugin();

test('runShellScript runs a list of commands as one script and reports Success with exit code 0', async () => {
  const ctx = context();
  const result = await shell.run(shell.parseInput({ runCommand: ['x=hello', 'echo "$x world"', 'echo oops >&2'] }), ctx);
  assert.deepEqual(result, { status: 'Success', statusDetails: 'Success', responseCode: 0 });
  assert.equal(ctx.text.stdout, 'hello world\n');
  assert.equal(ctx.text.stderr, 'oops\n');
});

test('runShellScript reports a non-zero exit as Failed with that exit code, as AWS does', async () => {
  const ctx = context();
  const result = await shell.run(shell.parseInput({ runCommand: 'echo before; exit 42' }), ctx);
  assert.deepEqual(result, { status: 'Failed', statusDetails: 'Failed', responseCode: 42 });
  assert.equal(ctx.text.stdout, 'before\n');
  assert.match(ctx.text.stderr, /failed to run commands: exit status 42/);
});

test('runShellScript runs in workingDirectory, and fails when it does not exist', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-wd-'));
  const ctx = context();
  const result = await shell.run(shell.parseInput({ runCommand: 'pwd', workingDirectory: dir }), ctx);
  assert.equal(result.status, 'Success');
  assert.equal(ctx.text.stdout.trim(), fs.realpathSync(dir));
  const missing = context();
  const failed = await shell.run(shell.parseInput({ runCommand: 'pwd', workingDirectory: path.join(dir, 'nope') }), missing);
  assert.equal(failed.status, 'Failed');
  assert.match(missing.text.stderr, /working directory .*nope does not exist/);
});

test('runShellScript passes the step environment (ENV_VAR values) to the script', async () => {
  const ctx = context({ env: { SSM_message: 'from env; $(not run)' } });
  const result = await shell.run(shell.parseInput({ runCommand: 'echo "$SSM_message"' }), ctx);
  assert.equal(result.status, 'Success');
  assert.equal(ctx.text.stdout, 'from env; $(not run)\n');
});

test('runShellScript deletes its script file as soon as the process has exited', async () => {
  const ctx = context();
  await shell.run(shell.parseInput({ runCommand: 'ls "$(dirname "$0")"; echo "$0"' }), ctx);
  const [listing, scriptPath] = ctx.text.stdout.trim().split('\n');
  assert.equal(listing, '_script.sh');
  assert.equal(fs.existsSync(scriptPath), false);
  assert.deepEqual(fs.readdirSync(ctx.workDir), []);
});

test('runShellScript timeout kills the whole process group, grandchildren included, and reports TimedOut / ExecutionTimedOut with 137', async () => {
  const plugin = runShellScriptPlugin({ timeoutMsForTests: 500 });
  const ctx = context();
  const pidFile = path.join(ctx.workDir, 'grandchild.pid');
  // The grandchild ignores SIGTERM: only the SIGKILL after the grace stops it.
  const started = Date.now();
  const result = await plugin.run(plugin.parseInput({ runCommand: [`(trap '' TERM; sleep 30 & echo $! > ${pidFile}; wait) &`, 'sleep 30'] }), ctx);
  assert.deepEqual(result, { status: 'TimedOut', statusDetails: 'ExecutionTimedOut', responseCode: STOPPED_EXIT_CODE });
  assert.ok(Date.now() - started < 5000, 'stopped soon after the timeout and the grace');
  const grandchild = Number(fs.readFileSync(pidFile, 'utf8'));
  await until('the grandchild is gone', () => !alive(grandchild));
  assert.match(ctx.text.stderr, /execution timed out/);
});

test('runShellScript stops the process group and reports Cancelled when the invocation is cancelled', async () => {
  const controller = new AbortController();
  const ctx = context({ signal: controller.signal });
  const running = shell.run(shell.parseInput({ runCommand: 'echo started; sleep 30' }), ctx);
  await until('the script started', () => ctx.text.stdout.includes('started'));
  controller.abort('cancel');
  const result = await running;
  assert.deepEqual(result, { status: 'Cancelled', statusDetails: 'Cancelled', responseCode: STOPPED_EXIT_CODE });
});

test('runShellScript reads timeoutSeconds as AWS documents pass it (a string), with AWS default 3600 and bounds', () => {
  assert.equal(shell.parseInput({ runCommand: 'true' }).timeoutSeconds, DEFAULT_EXECUTION_TIMEOUT_SECONDS);
  assert.equal(shell.parseInput({ runCommand: 'true', timeoutSeconds: '60' }).timeoutSeconds, 60);
  assert.equal(shell.parseInput({ runCommand: 'true', timeoutSeconds: '' }).timeoutSeconds, 3600);
  assert.throws(() => shell.parseInput({ runCommand: 'true', timeoutSeconds: '0' }), PluginInputError);
  assert.throws(() => shell.parseInput({ runCommand: 'true', timeoutSeconds: '172801' }), PluginInputError);
  assert.throws(() => shell.parseInput({ runCommand: 42 }), /runCommand must be a string or a list of strings/);
});

test('runPowerShellScript fails with a clear message where pwsh is not installed', async () => {
  const plugin = runPowerShellScriptPlugin({ env: { PATH: fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-empty-path-')) } });
  const ctx = context();
  const result = await plugin.run(plugin.parseInput({ runCommand: 'Write-Output hi' }), ctx);
  assert.deepEqual(result, { status: 'Failed', statusDetails: 'Failed', responseCode: 1 });
  assert.match(ctx.text.stderr, /pwsh is not installed on this node/);
});

test('a script an earlier agent left running is found by its directory and stopped, though no process id was recorded', async () => {
  const { spawn } = await import('node:child_process');
  const { killLeftoverScript, leftoverScripts } = await import('./script-process.ts');
  const commandDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-leftover-'));
  const stepDir = path.join(commandDir, 'step');
  fs.mkdirSync(stepDir);
  const script = path.join(stepDir, '_script.sh');
  fs.writeFileSync(script, 'sleep 30\n');
  const child = spawn('sh', [script], { detached: true, stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  try {
    // The script's shell, and any fork of it not yet exec'd (the same command line): all of its process group.
    const found = leftoverScripts(commandDir);
    assert.ok(found.includes(child.pid!), `${child.pid} in ${found.join(', ')}`);
    for (const pid of found) {
      let stat: string;
      try {
        stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue; // a fork that has exited since
      }
      assert.equal(stat.split(') ')[1]?.split(' ')[2], String(child.pid), `${pid} is in the script's process group`);
    }
    assert.deepEqual(leftoverScripts(path.join(os.tmpdir(), 'bosun-leftover-none')), []);
    assert.equal(killLeftoverScript(child.pid!, commandDir), true);
    assert.equal(await exited, 'SIGKILL');
  } finally {
    child.kill('SIGKILL');
    fs.rmSync(commandDir, { recursive: true, force: true });
  }
});
