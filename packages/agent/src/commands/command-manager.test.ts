import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChannelMessages, InvocationResultBody, SendCommandBody } from '@bosun/protocol/channel';
import { defaultPlugins } from '../plugins/index.ts';
import { CommandManager, RESTARTED_MESSAGE, type CommandRecord } from './command-manager.ts';

interface Harness {
  manager: CommandManager;
  dir: string;
  results: InvocationResultBody[];
  outputs: ChannelMessages['invocation-output'][];
}

function harness(dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-commands-')), options: { maxConcurrent?: number; resultsInOutbox?: string[] } = {}): Harness {
  const results: InvocationResultBody[] = [];
  const outputs: ChannelMessages['invocation-output'][] = [];
  const manager = new CommandManager({
    dir: path.join(dir, 'commands'),
    deps: { plugins: defaultPlugins(), callApi: () => Promise.reject(new Error('no API in this test')), workRoot: path.join(dir, 'invocations'), platformType: 'Linux', now: Date.now, killGraceMs: 200, flushMs: 20 },
    report: (type, body) => (type === 'invocation-result' ? results.push(body as InvocationResultBody) : outputs.push(body as ChannelMessages['invocation-output'])),
    resultsInOutbox: () => new Set(options.resultsInOutbox ?? []),
    maxConcurrent: options.maxConcurrent,
  });
  return { manager, dir, results, outputs };
}

function command(commandId: string, commands: string[]): SendCommandBody {
  return {
    commandId, documentName: 'Doc', documentVersion: '1', sentAt: Date.now(), parameters: {},
    documentContent: JSON.stringify({ schemaVersion: '2.2', description: 't', mainSteps: [{ action: 'aws:runShellScript', name: 'run', inputs: { runCommand: commands } }] }),
  };
}

async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('a command is run once: a re-sent send-command with the same commandId is only acknowledged', async () => {
  const h = harness();
  const counter = path.join(h.dir, 'runs');
  const body = command('11111111-aaaa-bbbb-cccc-000000000001', [`echo run >> ${counter}`]);
  assert.equal(h.manager.receive(body), true);
  assert.equal(h.manager.receive(body), false);
  await h.manager.idle();
  assert.equal(h.manager.receive(body), false, 'still recognised after it finished');
  await h.manager.idle();
  assert.equal(fs.readFileSync(counter, 'utf8'), 'run\n');
  assert.equal(h.results.length, 1);
  assert.equal(h.results[0].status, 'Success');
});

test('the record says running before the process starts', async () => {
  const h = harness();
  const id = '11111111-aaaa-bbbb-cccc-000000000002';
  const recordFile = path.join(h.dir, 'commands', `${id}.json`);
  h.manager.receive(command(id, [`cat ${recordFile}`]));
  await h.manager.idle();
  const seen = JSON.parse(h.outputs.map((o) => o.data).join('') + h.results[0].plugins[0].tail.stdout) as CommandRecord;
  assert.equal(seen.state, 'running');
  assert.equal((JSON.parse(fs.readFileSync(recordFile, 'utf8')) as CommandRecord).state, 'done');
});

test('after a restart, a command that was running is reported Failed with the restart message and is never run again', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-commands-'));
  const marker = path.join(dir, 'ran');
  const id = '11111111-aaaa-bbbb-cccc-000000000003';
  const body = command(id, [`touch ${marker}`]);
  // What an agent killed mid-run leaves behind: the record in state running, no result.
  fs.mkdirSync(path.join(dir, 'commands'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'commands', `${id}.json`), JSON.stringify({ commandId: id, state: 'running', receivedAt: Date.now() - 1000, startedAt: Date.now() - 900, body } satisfies CommandRecord));
  const h = harness(dir);
  h.manager.recover();
  assert.equal(h.results.length, 1);
  const [result] = h.results;
  assert.equal(result.commandId, id);
  assert.equal(result.status, 'Failed');
  assert.match(result.plugins[0].tail.stderr, new RegExp(RESTARTED_MESSAGE));
  assert.equal(h.manager.receive(body), false, 'a re-sent copy is only acknowledged');
  await h.manager.idle();
  assert.equal(fs.existsSync(marker), false);
});

test('after a restart, what is left of the dead run (its script process group) is stopped', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-commands-'));
  const id = '11111111-aaaa-bbbb-cccc-000000000009';
  const stepDir = path.join(dir, 'invocations', id, '0-run');
  fs.mkdirSync(stepDir, { recursive: true });
  fs.writeFileSync(path.join(stepDir, '_script.sh'), 'sleep 30\n');
  // The script an agent killed with SIGKILL leaves running, in its own process group.
  const orphan = spawn('sh', [path.join(stepDir, '_script.sh')], { detached: true, stdio: 'ignore' });
  const exited = new Promise((resolve) => orphan.once('exit', resolve));
  fs.mkdirSync(path.join(dir, 'commands'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'commands', `${id}.json`), JSON.stringify({ commandId: id, state: 'running', receivedAt: 1, startedAt: 2, pids: [orphan.pid!], body: command(id, ['sleep 30']) } satisfies CommandRecord));
  const h = harness(dir);
  h.manager.recover();
  await exited;
  assert.equal(h.results[0].status, 'Failed');
  assert.equal(fs.existsSync(path.join(dir, 'invocations', id)), false);
});

test('after a restart, a running command whose result is already in the outbox is not reported again', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-commands-'));
  const id = '11111111-aaaa-bbbb-cccc-000000000004';
  fs.mkdirSync(path.join(dir, 'commands'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'commands', `${id}.json`), JSON.stringify({ commandId: id, state: 'running', receivedAt: 1, startedAt: 2, body: command(id, ['true']) } satisfies CommandRecord));
  const h = harness(dir, { resultsInOutbox: [id] });
  h.manager.recover();
  assert.equal(h.results.length, 0);
});

test('after a restart, a command that was received but never started runs', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-commands-'));
  const marker = path.join(dir, 'ran');
  const id = '11111111-aaaa-bbbb-cccc-000000000005';
  fs.mkdirSync(path.join(dir, 'commands'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'commands', `${id}.json`), JSON.stringify({ commandId: id, state: 'queued', receivedAt: 1, body: command(id, [`touch ${marker}`]) } satisfies CommandRecord));
  const h = harness(dir);
  h.manager.recover();
  await h.manager.idle();
  assert.equal(fs.existsSync(marker), true);
  assert.equal(h.results[0].status, 'Success');
});

test('cancel stops a running command (Cancelled) and drops a queued one without running it', async () => {
  const h = harness(undefined, { maxConcurrent: 1 });
  const marker = path.join(h.dir, 'queued-ran');
  const running = '11111111-aaaa-bbbb-cccc-000000000006';
  const queued = '11111111-aaaa-bbbb-cccc-000000000007';
  h.manager.receive(command(running, ['echo started', 'sleep 30']));
  h.manager.receive(command(queued, [`touch ${marker}`]));
  await until('the first command started', () => h.outputs.some((o) => o.data.includes('started')));
  h.manager.cancel(queued);
  h.manager.cancel(running);
  await h.manager.idle();
  const byId = new Map(h.results.map((r) => [r.commandId, r]));
  assert.equal(byId.get(queued)?.status, 'Cancelled');
  assert.equal(byId.get(running)?.status, 'Cancelled');
  assert.equal(byId.get(running)?.responseCode, 137);
  assert.equal(fs.existsSync(marker), false);
});

test('at most maxConcurrent commands run at once; the others wait their turn', async () => {
  const h = harness(undefined, { maxConcurrent: 2 });
  const log = path.join(h.dir, 'log');
  for (let i = 0; i < 4; i++) h.manager.receive(command(`11111111-aaaa-bbbb-cccc-00000000010${i}`, [`echo start >> ${log}`, 'sleep 0.3', `echo end >> ${log}`]));
  await h.manager.idle();
  let live = 0;
  let peak = 0;
  for (const line of fs.readFileSync(log, 'utf8').trim().split('\n')) {
    live += line === 'start' ? 1 : -1;
    peak = Math.max(peak, live);
  }
  assert.equal(peak, 2);
  assert.equal(h.results.length, 4);
});

test('paused, a manager starts no queued command; on recovery another process leaves the commands it is told are not its own', async () => {
  const h = harness();
  h.manager.pause();
  assert.equal(h.manager.receive(command('11111111-aaaa-bbbb-cccc-0000000000a1', ['echo later'])), true);
  assert.equal(h.manager.read('11111111-aaaa-bbbb-cccc-0000000000a1')?.state, 'queued');
  assert.deepEqual(h.manager.runningIds(), []);

  // The agent an update hands over to: one running record is the previous process's, the queued one is its to run.
  const owned = '11111111-aaaa-bbbb-cccc-0000000000a2';
  fs.writeFileSync(path.join(h.dir, 'commands', `${owned}.json`), JSON.stringify({ commandId: owned, state: 'running', receivedAt: 0, startedAt: 0, body: command(owned, ['true']) } satisfies CommandRecord));
  const successor = harness(h.dir);
  successor.manager.recover(new Set([owned]));
  await successor.manager.idle();
  assert.equal(successor.manager.read(owned)?.state, 'running', 'left to the process that runs it');
  assert.deepEqual(successor.results.map((r) => [r.commandId, r.status]), [['11111111-aaaa-bbbb-cccc-0000000000a1', 'Success']]);
  h.manager.resume();
  await h.manager.idle();
  assert.deepEqual(h.results, [], 'resumed, the first finds the command already run');
});
