import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findBuiltinDocument } from '@bosun/documents';
import type { InvocationOutputBody, InvocationResultBody, SendCommandBody } from '@bosun/protocol/channel';
import { defaultPlugins } from '../plugins/index.ts';
import { runShellScriptPlugin } from '../plugins/run-shell-script.ts';
import { ApiError, runInvocation, type InvocationDeps } from './invocation-runner.ts';

const SECRET = 'canary-Pa55-w0rd-7781';

/** An API with one SecureString, one String and one nested document. */
function api(documents: Record<string, object> = {}): InvocationDeps['callApi'] {
  const parameters: Record<string, { Type: string; Value: string }> = { '/db/password': { Type: 'SecureString', Value: SECRET }, '/app/plain': { Type: 'String', Value: 'plain' } };
  return async <T>(target: string, input: unknown): Promise<T> => {
    const body = input as { Names?: string[]; Name?: string; WithDecryption?: boolean };
    if (target === 'AmazonSSM.GetParameters') {
      assert.equal(body.WithDecryption, true);
      const found = body.Names!.filter((n) => parameters[n]);
      return { Parameters: found.map((n) => ({ Name: n, ...parameters[n] })), InvalidParameters: body.Names!.filter((n) => !parameters[n]) } as T;
    }
    if (target === 'AmazonSSM.GetDocument') {
      const doc = documents[body.Name!];
      if (!doc) throw new ApiError('InvalidDocument', 'The specified document does not exist.');
      return { Content: JSON.stringify(doc), DocumentType: 'Command' } as T;
    }
    throw new Error(`unexpected call ${target}`);
  };
}

interface Run {
  result: InvocationResultBody;
  chunks: InvocationOutputBody[];
  /** Each step's whole output, rebuilt from chunks and tails. */
  output(step: string, stream?: 'stdout' | 'stderr'): string;
}

async function run(document: object | string, parameters: Record<string, unknown>, options: { documents?: Record<string, object>; signal?: AbortSignal; deps?: Partial<InvocationDeps> } = {}): Promise<Run> {
  const chunks: InvocationOutputBody[] = [];
  const body: SendCommandBody = {
    commandId: `c-${Math.random().toString(36).slice(2)}`, documentName: 'Doc', documentVersion: '1',
    documentContent: typeof document === 'string' ? document : JSON.stringify(document), parameters, sentAt: Date.now(),
  };
  const workRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-invocations-'));
  const result = await runInvocation(body, {
    plugins: defaultPlugins(), callApi: api(options.documents), workRoot, platformType: 'Linux', now: Date.now, killGraceMs: 200, flushMs: 20,
    emitOutput: (c) => chunks.push(c), ...options.deps,
  }, options.signal ?? new AbortController().signal);
  assert.deepEqual(fs.readdirSync(workRoot), [], 'the invocation directory is removed when it ends');
  return {
    result, chunks,
    output(step, stream = 'stdout') {
      const plugin = result.plugins.find((p) => p.name === step)!;
      const text = chunks.filter((c) => c.pluginName === step && c.stream === stream).sort((a, b) => a.offset - b.offset).map((c) => c.data).join('') + plugin.tail[stream];
      assert.equal(text.length, plugin.length[stream]);
      return text;
    },
  };
}

const shellStep = (name: string, commands: string[] | string, extra: Record<string, unknown> = {}) => ({ action: 'aws:runShellScript', name, inputs: { runCommand: commands, ...extra } });
const doc22 = (steps: object[], parameters: object = {}) => ({ schemaVersion: '2.2', description: 'test', parameters, mainSteps: steps });

test('AWS-RunShellScript runs the commands on the node and reports Success with the output', async () => {
  const builtin = findBuiltinDocument('AWS-RunShellScript')!;
  const { result, output } = await run(builtin.content, { commands: ['echo hello from $(basename $0)', 'echo done'], workingDirectory: '', executionTimeout: '3600' });
  assert.equal(result.status, 'Success');
  assert.equal(result.responseCode, 0);
  assert.equal(result.plugins.length, 1);
  assert.equal(output(result.plugins[0].name), 'hello from _script.sh\ndone\n');
});

test('steps run in order and a failing step does not stop the next ones by default (AWS 2.2); the invocation is Failed with its exit code', async () => {
  const { result, output } = await run(doc22([shellStep('first', 'echo one; exit 3'), shellStep('second', 'echo two')]), {});
  assert.deepEqual(result.plugins.map((p) => [p.name, p.status, p.responseCode]), [['first', 'Failed', 3], ['second', 'Success', 0]]);
  assert.equal(result.status, 'Failed');
  assert.equal(result.responseCode, 3);
  assert.ok(result.plugins[0].endedAt! <= result.plugins[1].startedAt!);
  assert.equal(output('second'), 'two\n');
});

test('onFailure: exit skips the later steps except a finallyStep', async () => {
  const { result, output } = await run(doc22([
    shellStep('first', 'exit 5', { onFailure: 'exit' }),
    shellStep('second', 'echo should not run'),
    shellStep('cleanup', 'echo cleanup', { finallyStep: true }),
  ]), {});
  assert.deepEqual(result.plugins.map((p) => p.status), ['Failed', 'Skipped', 'Success']);
  assert.equal(result.status, 'Failed');
  assert.match(output('second'), /skipped/);
  assert.equal(output('cleanup'), 'cleanup\n');
});

test('onFailure: successAndExit stops the later steps and leaves the invocation Success', async () => {
  const { result } = await run(doc22([shellStep('check', 'exit 1', { onFailure: 'successAndExit' }), shellStep('work', 'echo work')]), {});
  assert.deepEqual(result.plugins.map((p) => p.status), ['Failed', 'Skipped']);
  assert.equal(result.status, 'Success');
});

test('a step whose precondition does not match the platform is Skipped', async () => {
  const { result } = await run(doc22([
    { ...shellStep('windows-only', 'echo no'), precondition: { StringEquals: ['platformType', 'Windows'] } },
    shellStep('linux', 'echo yes'),
  ]), {});
  assert.deepEqual(result.plugins.map((p) => p.status), ['Skipped', 'Success']);
  assert.equal(result.status, 'Success');
});

test('a step timeout reports TimedOut / ExecutionTimedOut with exit code 137', async () => {
  const { result } = await run(doc22([shellStep('slow', 'sleep 20', { timeoutSeconds: '1' })]), {});
  assert.deepEqual([result.status, result.statusDetails, result.responseCode], ['TimedOut', 'ExecutionTimedOut', 137]);
  assert.equal(result.plugins[0].status, 'TimedOut');
});

test('cancelling stops the running step and reports Cancelled; later steps never start', async () => {
  const controller = new AbortController();
  const marker = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-cancel-')), 'second-ran');
  setTimeout(() => controller.abort('cancel'), 300);
  const { result } = await run(doc22([shellStep('long', 'sleep 20'), shellStep('after', `touch ${marker}`)]), {}, { signal: controller.signal });
  assert.equal(result.status, 'Cancelled');
  assert.deepEqual(result.plugins.map((p) => p.status), ['Cancelled', 'Cancelled']);
  assert.equal(fs.existsSync(marker), false);
});

test('{{ssm-secure:}} is resolved on the node and masked in all output; with ENV_VAR it reaches the script only as an environment variable', async () => {
  const { result, chunks, output } = await run(
    doc22([shellStep('env', ['echo "value: {{ password }}"', 'head -n 1 "$0"', 'grep -c -F "$SSM_password" "$0" || true'])], { password: { type: 'String', interpolationType: 'ENV_VAR' } }),
    { password: '{{ssm-secure:/db/password}}' },
  );
  assert.equal(result.status, 'Success');
  assert.equal(output('env'), 'value: ***\necho "value: ${SSM_password}"\n0\n', 'the value was used (masked); the script holds the variable reference, never the value');
  assert.ok(!JSON.stringify(chunks).includes(SECRET) && !JSON.stringify(result).includes(SECRET));
});

test('{{ssm-secure:}} pasted into a script (no ENV_VAR) is masked in its output', async () => {
  const { result, output } = await run(doc22([shellStep('paste', ['echo "pw={{ token }}"', 'echo "$0"'])], { token: { type: 'String' } }), { token: '{{ssm-secure:/db/password}}' });
  assert.equal(result.status, 'Success');
  const [first, scriptPath] = output('paste').trim().split('\n');
  assert.equal(first, 'pw=***');
  assert.equal(fs.existsSync(scriptPath), false, 'the script file holding the pasted value is gone');
  assert.ok(!JSON.stringify(result).includes(SECRET));
});

test('an {{ssm-secure:}} reference that cannot be resolved fails the invocation before anything runs, saying which', async () => {
  const { result } = await run(doc22([shellStep('s', 'echo {{ token }}')], { token: { type: 'String' } }), { token: '{{ssm-secure:/missing}}' });
  assert.equal(result.status, 'Failed');
  assert.match(result.plugins[0].tail.stderr, /\{\{ssm-secure:\/missing\}\} could not be resolved/);
  const plain = await run(doc22([shellStep('s', 'echo {{ token }}')], { token: { type: 'String' } }), { token: '{{ssm-secure:/app/plain}}' });
  assert.match(plain.result.plugins[0].tail.stderr, /SecureString parameters only/);
});

test('aws:runDocument fetches the nested document through the API and runs its steps with the given parameters', async () => {
  const nested = doc22([shellStep('inner', 'echo "nested says {{ word }}"')], { word: { type: 'String', default: 'nothing' } });
  const { result, output } = await run(doc22([
    { action: 'aws:runDocument', name: 'callNested', inputs: { documentType: 'SSMDocument', documentPath: 'Nested', documentParameters: '{"word": "hello"}' } },
  ]), {}, { documents: { Nested: nested } });
  assert.equal(result.status, 'Success');
  assert.equal(output('callNested'), 'nested says hello\n');
  const missing = await run(doc22([{ action: 'aws:runDocument', name: 'callMissing', inputs: { documentPath: 'Missing' } }]), {});
  assert.equal(missing.result.status, 'Failed');
  assert.match(missing.output('callMissing', 'stderr'), /InvalidDocument: The specified document does not exist/);
});

test('a step whose action this agent has no plugin for fails with a message naming it', async () => {
  const { result, output } = await run(doc22([{ action: 'aws:configurePackage', name: 'pkg', inputs: {} }]), {});
  assert.equal(result.status, 'Failed');
  assert.match(output('pkg', 'stderr'), /Plugin with name aws:configurePackage is not supported/);
});

test('a long output streams as chunks while the step runs, before the result', async () => {
  const plugins = new Map(defaultPlugins());
  plugins.set('aws:runShellScript', runShellScriptPlugin());
  const { result, chunks, output } = await run(doc22([shellStep('big', 'i=0; while [ $i -lt 3000 ]; do echo "line $i of the output"; i=$((i+1)); done')]), {}, { deps: { plugins } });
  assert.equal(result.status, 'Success');
  assert.ok(chunks.length >= 3, `several chunks (${chunks.length})`);
  assert.ok(chunks.every((c) => c.data.length <= 16_384));
  const text = output('big');
  assert.equal(text.split('\n').length - 1, 3000);
});

test('a document with many steps keeps its result small: tails past the budget go as chunks, nothing is lost', async () => {
  const steps = Array.from({ length: 30 }, (_, i) => shellStep(`s${i}`, `printf '%03000d\\n' ${i}`));
  const { result, output } = await run(doc22(steps), {});
  assert.equal(result.status, 'Success');
  const tails = result.plugins.reduce((n, p) => n + p.tail.stdout.length + p.tail.stderr.length, 0);
  assert.ok(tails <= 64 * 1024, `tails ${tails}`);
  for (let i = 0; i < 30; i++) assert.equal(output(`s${i}`), `${String(i).padStart(3000, '0')}\n`);
});
