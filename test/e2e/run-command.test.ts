/**
 * Run Command end to end with the AWS CLI and real agent processes (the bundled
 * bosun-agent.cjs) running real shells: three nodes tagged differently; send by tag, rate
 * control read from the recorded times, MaxErrors, cancel, delivery and execution timeouts,
 * a document shared by another account run by ARN, and a {{ssm-secure:}} canary that never
 * reaches history, audit, the store or the output.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { AgentProcess } from './nodes-support.ts';
import { createActivation, eventually, killAgents, spawnAgent, startNodesServer, stateDir, type NodesServer } from './nodes-support.ts';
import { fixtures } from '../../packages/server/src/testing/fixtures.ts';
import type { NewAccessKey } from '../../packages/server/src/accounts/admin.ts';
import { awsCli, awsCliEnv, canarySecret, skipWithoutAwsCli, ssmClient, type Credentials } from './support.ts';
import { readStream } from './commands-support.ts';

let target: NodesServer;
const dirs: string[] = [];
const agents = new Map<string, AgentProcess>();
const ids: Record<string, string> = {};
const stateDirs: Record<string, string> = {};
let marks: string;

/** `aws ssm ...` against the test server, as `who`; returns the parsed JSON output. */
async function ssmCli(args: string[], who: Credentials = target.admin): Promise<any> {
  const res = await awsCli(['ssm', '--endpoint-url', target.url, '--output', 'json', ...args], awsCliEnv(who));
  if (res.code !== 0) throw new Error(`aws ssm ${args.join(' ')} failed (${res.code}): ${res.stderr}`);
  return res.stdout.trim() ? JSON.parse(res.stdout) : {};
}

async function cliError(args: string[], who: Credentials = target.admin): Promise<string> {
  const res = await awsCli(['ssm', '--endpoint-url', target.url, '--output', 'json', ...args], awsCliEnv(who));
  assert.notEqual(res.code, 0, `expected aws ssm ${args[0]} to fail`);
  return res.stderr;
}

async function startNode(name: string, tags: Record<string, string>, who: NewAccessKey = target.admin): Promise<string> {
  const ssm = ssmClient(target, who);
  const activation = await createActivation(ssm, { tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) });
  ssm.destroy();
  const dir = stateDir();
  dirs.push(dir);
  // NODE_NAME lets a script say which node it runs on.
  const agent = await spawnAgent(['--endpoint', target.url, '--code', activation.code, '--id', activation.id, '--state-dir', path.join(dir, 'state')], { NODE_NAME: name });
  const [, instanceId] = await agent.waitFor(/registered as (mi-[0-9a-f]{17})/);
  await agent.waitFor(/online as mi-/);
  agents.set(name, agent);
  ids[name] = instanceId;
  stateDirs[name] = path.join(dir, 'state');
  return instanceId;
}

async function finished(commandId: string, who: Credentials = target.admin): Promise<any> {
  return eventually(`command ${commandId} terminal`, async () => {
    const c = (await ssmCli(['list-commands', '--command-id', commandId], who)).Commands[0];
    return ['Success', 'Failed', 'TimedOut', 'Cancelled'].includes(c.Status) ? c : undefined;
  }, 60_000);
}

async function invocations(commandId: string, who: Credentials = target.admin): Promise<any[]> {
  return (await ssmCli(['list-command-invocations', '--command-id', commandId, '--details'], who)).CommandInvocations;
}

before(async () => {
  target = await startNodesServer({ commands: { tickMs: 200, executionGraceMs: 2000, streamPollMs: 200 } });
  marks = stateDir();
  dirs.push(marks);
  await startNode('web1', { Role: 'web', Env: 'dev' });
  await startNode('web2', { Role: 'web', Env: 'prod' });
  await startNode('db1', { Role: 'db', Env: 'dev' });
});
after(async () => {
  killAgents();
  await target.destroy();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('Run Command with real agents', { skip: skipWithoutAwsCli }, () => {
  test('send-command by tag runs on the matching nodes; outputs and exit codes come back', async () => {
    const sent = await ssmCli(['send-command', '--document-name', 'AWS-RunShellScript', '--targets', 'Key=tag:Role,Values=web',
      '--parameters', 'commands=["echo hello from $NODE_NAME"]', '--comment', 'by tag']);
    const done = await finished(sent.Command.CommandId);
    assert.equal(done.Status, 'Success');
    assert.equal(done.TargetCount, 2);
    const got = await ssmCli(['get-command-invocation', '--command-id', sent.Command.CommandId, '--instance-id', ids.web2]);
    assert.equal(got.Status, 'Success');
    assert.equal(got.ResponseCode, 0);
    assert.equal(got.StandardOutputContent, 'hello from web2\n');
    const list = await invocations(sent.Command.CommandId);
    assert.deepEqual(list.map((i) => i.InstanceId).sort(), [ids.web1, ids.web2].sort());
  });

  test('MaxConcurrency 1: the invocations never overlap (recorded start and end times)', async () => {
    const sent = await ssmCli(['send-command', '--document-name', 'AWS-RunShellScript', '--targets', 'Key=tag-key,Values=Role',
      '--max-concurrency', '1', '--parameters', 'commands=["sleep 0.4"]']);
    const done = await finished(sent.Command.CommandId);
    assert.equal(done.Status, 'Success');
    const spans = [];
    for (const id of Object.values(ids)) {
      const got = await ssmCli(['get-command-invocation', '--command-id', sent.Command.CommandId, '--instance-id', id]);
      spans.push([Date.parse(got.ExecutionStartDateTime), Date.parse(got.ExecutionEndDateTime)]);
    }
    spans.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) assert.ok(spans[i][0] >= spans[i - 1][1], `overlap: ${JSON.stringify(spans)}`);
  });

  test('MaxErrors 0 with a failing node: the nodes after it are not started', async () => {
    const sent = await ssmCli(['send-command', '--document-name', 'AWS-RunShellScript', '--targets', 'Key=tag-key,Values=Role',
      '--max-concurrency', '1', '--max-errors', '0', '--parameters', `commands=["echo ran >> ${marks}/maxerrors-$NODE_NAME","exit 7"]`]);
    const done = await finished(sent.Command.CommandId);
    assert.equal(done.Status, 'Failed');
    assert.equal(done.ErrorCount, 1);
    const list = await invocations(sent.Command.CommandId);
    assert.deepEqual(list.map((i) => `${i.Status}/${i.StatusDetails}`).sort(), ['Cancelled/Terminated', 'Cancelled/Terminated', 'Failed/Failed']);
    assert.equal(list.find((i) => i.Status === 'Failed').CommandPlugins[0].ResponseCode, 7);
    assert.equal(fs.readdirSync(marks).filter((f) => f.startsWith('maxerrors-')).length, 1, 'exactly one node ran the command');
  });

  test('cancel-command stops a running command on the node', async () => {
    const sent = await ssmCli(['send-command', '--document-name', 'AWS-RunShellScript', '--instance-ids', ids.db1,
      '--parameters', `commands=["echo started > ${marks}/cancel","sleep 30","echo finished >> ${marks}/cancel"]`]);
    await eventually('script started', async () => fs.existsSync(path.join(marks, 'cancel')));
    await ssmCli(['cancel-command', '--command-id', sent.Command.CommandId]);
    const done = await finished(sent.Command.CommandId);
    assert.equal(done.Status, 'Cancelled');
    const [inv] = await invocations(sent.Command.CommandId);
    assert.equal(inv.Status, 'Cancelled');
    assert.equal(fs.readFileSync(path.join(marks, 'cancel'), 'utf8'), 'started\n');
  });

  test('executionTimeout: the agent stops the script and reports Execution Timed Out', async () => {
    const sent = await ssmCli(['send-command', '--document-name', 'AWS-RunShellScript', '--instance-ids', ids.web1,
      '--parameters', 'commands=["sleep 30"],executionTimeout=["1"]']);
    const done = await finished(sent.Command.CommandId);
    assert.deepEqual([done.Status, done.StatusDetails], ['TimedOut', 'ExecutionTimedOut']);
    const [inv] = await invocations(sent.Command.CommandId);
    assert.deepEqual([inv.Status, inv.StatusDetails], ['TimedOut', 'ExecutionTimedOut']);
  });

  test('a node offline past the delivery timeout: Delivery Timed Out, and it never runs the command later', async () => {
    const agent = agents.get('db1')!;
    await agent.stop();
    await eventually('db1 offline', async () => !target.server.nodes.hub.isConnected(ids.db1));
    const sent = await ssmCli(['send-command', '--document-name', 'AWS-RunShellScript', '--instance-ids', ids.db1, '--timeout-seconds', '30',
      '--parameters', `commands=["echo late > ${marks}/late"]`]);
    target.clock.offsetMs += 31_000;
    let done;
    try {
      done = await finished(sent.Command.CommandId);
    } finally {
      target.clock.offsetMs -= 31_000;
    }
    assert.deepEqual([done.Status, done.StatusDetails, done.DeliveryTimedOutCount], ['TimedOut', 'DeliveryTimedOut', 1]);
    // The node comes back (same state directory): the dropped invocation is not delivered.
    const again = await spawnAgent(['--endpoint', target.url, '--state-dir', stateDirs.db1], { NODE_NAME: 'db1' });
    agents.set('db1', again);
    await again.waitFor(/online as mi-/);
    const probe = await ssmCli(['send-command', '--document-name', 'AWS-RunShellScript', '--instance-ids', ids.db1, '--parameters', 'commands=["true"]']);
    assert.equal((await finished(probe.Command.CommandId)).Status, 'Success');
    assert.equal(fs.existsSync(path.join(marks, 'late')), false);
  });

  test('the stream route follows a real command to its end, with the output of each node', async () => {
    const sent = await ssmCli(['send-command', '--document-name', 'AWS-RunShellScript', '--targets', 'Key=tag:Env,Values=dev',
      '--parameters', 'commands=["echo one","sleep 0.3","echo two"]']);
    const lines = await readStream(target.url, target.admin, sent.Command.CommandId);
    for (const id of [ids.web1, ids.db1]) {
      assert.equal(lines.filter((l) => l.type === 'output' && l.instanceId === id && l.stream === 'stdout').map((l) => l.data).join(''), 'one\ntwo\n');
    }
    assert.deepEqual(lines.at(-1), { type: 'command', status: 'Success', targetCount: 2, completedCount: 2, errorCount: 0, deliveryTimedOutCount: 0 });
  });

  test('a document shared by another account runs from this one by its ARN', async () => {
    const other = await fixtures.account(target.server.store, target.rootKey);
    const content = JSON.stringify({ schemaVersion: '2.2', description: 'shared', parameters: { word: { type: 'String', default: 'shared-doc' } },
      mainSteps: [{ action: 'aws:runShellScript', name: 'sayWord', inputs: { runCommand: ['echo {{ word }}'] } }] });
    const created = await ssmCli(['create-document', '--name', 'SharedSay', '--document-type', 'Command', '--content', content], other);
    await ssmCli(['modify-document-permission', '--name', 'SharedSay', '--permission-type', 'Share', '--account-ids-to-add', target.admin.accountId], other);
    const arn = `arn:aws:ssm:us-east-1:${other.accountId}:document/SharedSay`;
    assert.ok(created.DocumentDescription);
    const sent = await ssmCli(['send-command', '--document-name', arn, '--instance-ids', ids.web1]);
    const done = await finished(sent.Command.CommandId);
    assert.equal(done.Status, 'Success');
    assert.equal(done.DocumentName, 'SharedSay');
    const got = await ssmCli(['get-command-invocation', '--command-id', sent.Command.CommandId, '--instance-id', ids.web1, '--plugin-name', 'sayWord']);
    assert.equal(got.StandardOutputContent, 'shared-doc\n');
    // A third account it is not shared with may not use it.
    const third = await fixtures.account(target.server.store, target.rootKey);
    assert.match(await cliError(['send-command', '--document-name', arn, '--targets', 'Key=tag:Role,Values=none'], third), /AccessDeniedException.*ssm:SendCommand on resource: arn:aws:ssm:us-east-1:\d{12}:document\/SharedSay/);
  });

  test('a {{ssm-secure:}} canary is never in history, audit, the store or the output', async () => {
    const canary = canarySecret('RUNCMD');
    await ssmCli(['put-parameter', '--name', '/e2e/cmd/canary', '--type', 'SecureString', '--value', canary]);
    const sent = await ssmCli(['send-command', '--document-name', 'AWS-RunShellScript', '--instance-ids', ids.web2,
      '--parameters', 'commands=["echo secret={{ssm-secure:/e2e/cmd/canary}}","printf %s {{ssm-secure:/e2e/cmd/canary}} | wc -c"]']);
    const done = await finished(sent.Command.CommandId);
    assert.equal(done.Status, 'Success');
    const got = await ssmCli(['get-command-invocation', '--command-id', sent.Command.CommandId, '--instance-id', ids.web2]);
    assert.equal(got.StandardOutputContent, `secret=***\n${canary.length}\n`);
    const history = JSON.stringify(await ssmCli(['list-commands', '--command-id', sent.Command.CommandId])) + JSON.stringify(await invocations(sent.Command.CommandId));
    assert.ok(!history.includes(canary), 'the canary is in command history');
    const whole = await readStream(target.url, target.admin, sent.Command.CommandId);
    assert.ok(!JSON.stringify(whole).includes(canary), 'the canary is in the stream');
    await target.stop();
    for (const file of fs.readdirSync(target.dataDir, { recursive: true }) as string[]) {
      const full = path.join(target.dataDir, file);
      if (fs.statSync(full).isFile()) assert.ok(!fs.readFileSync(full).includes(canary), `the canary is in ${file}`);
    }
    assert.ok(!target.log().includes(canary), 'the canary is in the server log');
    for (const agent of agents.values()) assert.ok(!agent.output().includes(canary), 'the canary is in an agent log');
    await target.restart();
  });
});
