/**
 * Run Command through the SDK with nodes scripted by the test (real channel protocol, real
 * server, real store): targets, rate control, delivery and execution deadlines, cancel,
 * results recorded once, output truncation and the live routes, errors in AWS's words.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CancelCommandCommand, CreateDocumentCommand, GetCommandInvocationCommand, ListCommandInvocationsCommand, ListCommandsCommand, PutParameterCommand, SendCommandCommand,
  type Command, type SSMClient,
} from '@aws-sdk/client-ssm';
import { ScriptedNode, readStream, signedGet } from './commands-support.ts';
import { createActivation, eventually, startNodesServer, type NodesServer } from './nodes-support.ts';
import { rejection, ssmClient } from './support.ts';

let target: NodesServer;
let ssm: SSMClient;
const nodes: ScriptedNode[] = [];

async function node(tags: Record<string, string>, script?: ConstructorParameters<typeof Object>[0]): Promise<ScriptedNode> {
  const activation = await createActivation(ssm, { tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) });
  const n = await ScriptedNode.register(target.url, activation, script as never);
  await n.connect();
  nodes.push(n);
  return n;
}

async function commandOf(commandId: string): Promise<Command> {
  return (await ssm.send(new ListCommandsCommand({ CommandId: commandId }))).Commands![0];
}

async function finished(commandId: string): Promise<Command> {
  return eventually(`command ${commandId} terminal`, async () => {
    const c = await commandOf(commandId);
    return ['Success', 'Failed', 'TimedOut', 'Cancelled'].includes(c.Status!) ? c : undefined;
  });
}

const run = (commands: string[], more: Record<string, unknown> = {}) => ({ DocumentName: 'AWS-RunShellScript', Parameters: { commands }, ...more });

before(async () => {
  target = await startNodesServer({ commands: { tickMs: 100, executionGraceMs: 300, streamPollMs: 200 } });
  ssm = ssmClient(target, target.admin);
});
after(async () => {
  for (const n of nodes) n.disconnect();
  ssm.destroy();
  await target.destroy();
});

describe('SendCommand', () => {
  test('a tag target runs on the tagged nodes only, and every invocation ends Success', async () => {
    const web1 = await node({ Role: 'web-a' });
    const web2 = await node({ Role: 'web-a' });
    const db = await node({ Role: 'db-a' });
    const sent = await ssm.send(new SendCommandCommand(run(['echo hi'], { Targets: [{ Key: 'tag:Role', Values: ['web-a'] }], Comment: 'by tag' })));
    assert.equal(sent.Command?.Status, 'Pending');
    assert.equal(sent.Command?.TargetCount, 2);
    assert.equal(sent.Command?.MaxConcurrency, '50');
    assert.equal(sent.Command?.MaxErrors, '0');
    const done = await finished(sent.Command!.CommandId!);
    assert.equal(done.Status, 'Success');
    assert.equal(done.CompletedCount, 2);
    assert.equal(done.ErrorCount, 0);
    assert.deepEqual([web1, web2].map((n) => n.received.length), [1, 1]);
    assert.equal(db.received.length, 0);
    assert.deepEqual(web1.received[0].body.parameters.commands, ['echo hi']);
    assert.equal(web1.received[0].body.documentName, 'AWS-RunShellScript');
    const invocations = await ssm.send(new ListCommandInvocationsCommand({ CommandId: done.CommandId, Details: true }));
    assert.deepEqual(invocations.CommandInvocations!.map((i) => i.InstanceId).sort(), [web1.instanceId, web2.instanceId].sort());
    assert.deepEqual(invocations.CommandInvocations!.map((i) => [i.Status, i.CommandPlugins?.[0]?.Output]), [['Success', 'ok\n'], ['Success', 'ok\n']]);
  });

  test('InstanceIds that are not nodes of the account are refused with InvalidInstanceId', async () => {
    const error = await rejection(ssm.send(new SendCommandCommand(run(['true'], { InstanceIds: ['mi-0123456789abcdef0'] }))));
    assert.equal(error.name, 'InvalidInstanceId');
  });

  test('InstanceIds and Targets together are refused', async () => {
    const n = await node({ Role: 'both' });
    const error = await rejection(ssm.send(new SendCommandCommand(run(['true'], { InstanceIds: [n.instanceId], Targets: [{ Key: 'tag:Role', Values: ['both'] }] }))));
    assert.equal(error.name, 'InvalidParameters');
  });

  test('a parameter the document does not define is refused with InvalidParameters', async () => {
    const n = await node({ Role: 'params' });
    const error = await rejection(ssm.send(new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: [n.instanceId], Parameters: { commands: ['true'], bogus: ['x'] } })));
    assert.equal(error.name, 'InvalidParameters');
    assert.match(error.message, /bogus/);
  });

  test('{{ssm:name}} is resolved at send time; {{ssm-secure:name}} reaches the node as written', async () => {
    await ssm.send(new PutParameterCommand({ Name: '/app/greeting', Value: 'hello-from-store', Type: 'String' }));
    const n = await node({ Role: 'refs' });
    const sent = await ssm.send(new SendCommandCommand(run(['echo {{ssm:/app/greeting}}', 'echo {{ssm-secure:/app/secret}}'], { InstanceIds: [n.instanceId] })));
    await finished(sent.Command!.CommandId!);
    assert.deepEqual(n.received[0].body.parameters.commands, ['echo hello-from-store', 'echo {{ssm-secure:/app/secret}}']);
    // ListCommands shows the parameters as sent.
    assert.deepEqual((await commandOf(sent.Command!.CommandId!)).Parameters?.commands, ['echo {{ssm:/app/greeting}}', 'echo {{ssm-secure:/app/secret}}']);
  });

  test('{{ssm:name}} naming a SecureString is refused with InvalidParameters', async () => {
    await ssm.send(new PutParameterCommand({ Name: '/app/secure-one', Value: 's3cr3t-value', Type: 'SecureString' }));
    const n = await node({ Role: 'secure-ref' });
    const error = await rejection(ssm.send(new SendCommandCommand(run(['echo {{ssm:/app/secure-one}}'], { InstanceIds: [n.instanceId] }))));
    assert.equal(error.name, 'InvalidParameters');
    assert.match(error.message, /ssm-secure/);
    assert.equal(n.received.length, 0);
  });

  test('a document for another platform is refused with UnsupportedPlatformType', async () => {
    const n = await node({ Role: 'platform' });
    await eventually('heartbeat recorded', async () => (await target.server.store.db.selectFrom('managed_instances').select('platform_type').where('instance_id', '=', n.instanceId).executeTakeFirst())?.platform_type === 'Linux');
    await ssm.send(new CreateDocumentCommand({
      Name: 'WindowsOnly', DocumentType: 'Command',
      Content: JSON.stringify({ schemaVersion: '2.2', mainSteps: [{ action: 'aws:runPowerShellScript', name: 'winStep', precondition: { StringEquals: ['platformType', 'Windows'] }, inputs: { runCommand: ['dir'] } }] }),
    }));
    const error = await rejection(ssm.send(new SendCommandCommand({ DocumentName: 'WindowsOnly', InstanceIds: [n.instanceId] })));
    assert.equal(error.name, 'UnsupportedPlatformType');
  });

  test('an unknown document is refused with InvalidDocument', async () => {
    const n = await node({ Role: 'nodoc' });
    assert.equal((await rejection(ssm.send(new SendCommandCommand({ DocumentName: 'NoSuchDocument', InstanceIds: [n.instanceId] })))).name, 'InvalidDocument');
  });
});

describe('rate control', () => {
  test('MaxConcurrency 1: invocations never overlap', async () => {
    const group = await Promise.all([1, 2, 3].map(() => node({ Role: 'serial' })));
    for (const n of group) n.script = () => ({ runMs: 150, stdout: 'x' });
    const sent = await ssm.send(new SendCommandCommand(run(['sleep'], { Targets: [{ Key: 'tag:Role', Values: ['serial'] }], MaxConcurrency: '1' })));
    const done = await finished(sent.Command!.CommandId!);
    assert.equal(done.Status, 'Success');
    const spans = [];
    for (const n of group) {
      const inv = await ssm.send(new GetCommandInvocationCommand({ CommandId: done.CommandId, InstanceId: n.instanceId }));
      spans.push([Date.parse(inv.ExecutionStartDateTime!), Date.parse(inv.ExecutionEndDateTime!)]);
    }
    spans.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) assert.ok(spans[i][0] >= spans[i - 1][1], `invocation ${i} started before the previous ended: ${JSON.stringify(spans)}`);
  });

  test('MaxErrors 0: after the first failure the remaining nodes are not started (Cancelled, Terminated)', async () => {
    const group = await Promise.all([1, 2, 3].map(() => node({ Role: 'fragile' })));
    for (const n of group) n.script = () => ({ exitCode: 3, stderr: 'boom' });
    const sent = await ssm.send(new SendCommandCommand(run(['false'], { Targets: [{ Key: 'tag:Role', Values: ['fragile'] }], MaxConcurrency: '1', MaxErrors: '0' })));
    const done = await finished(sent.Command!.CommandId!);
    assert.equal(done.Status, 'Failed');
    assert.equal(done.ErrorCount, 1);
    assert.equal(done.CompletedCount, 3);
    assert.equal(group.reduce((sum, n) => sum + n.received.length, 0), 1);
    const invocations = (await ssm.send(new ListCommandInvocationsCommand({ CommandId: done.CommandId }))).CommandInvocations!;
    assert.deepEqual(invocations.map((i) => `${i.Status}/${i.StatusDetails}`).sort(), ['Cancelled/Terminated', 'Cancelled/Terminated', 'Failed/Failed']);
    const failed = invocations.find((i) => i.Status === 'Failed')!;
    const got = await ssm.send(new GetCommandInvocationCommand({ CommandId: done.CommandId, InstanceId: failed.InstanceId }));
    assert.equal(got.ResponseCode, 3);
    assert.equal(got.StandardErrorContent, 'boom');
  });
});

describe('delivery', () => {
  test('a node offline at send time gets its invocation when it reconnects', async () => {
    const n = await node({ Role: 'late' });
    n.disconnect();
    await eventually('channel closed', async () => !target.server.nodes.hub.isConnected(n.instanceId));
    const sent = await ssm.send(new SendCommandCommand(run(['echo late'], { InstanceIds: [n.instanceId] })));
    await eventually('invocation Delayed', async () => (await ssm.send(new ListCommandInvocationsCommand({ CommandId: sent.Command!.CommandId }))).CommandInvocations?.[0]?.Status === 'Delayed');
    await n.connect();
    assert.equal((await finished(sent.Command!.CommandId!)).Status, 'Success');
    assert.equal(n.received.length, 1);
  });

  test('a node offline past TimeoutSeconds ends Delivery Timed Out and never gets the invocation', async () => {
    const n = await node({ Role: 'gone' });
    n.disconnect();
    await eventually('channel closed', async () => !target.server.nodes.hub.isConnected(n.instanceId));
    const sent = await ssm.send(new SendCommandCommand(run(['echo never'], { InstanceIds: [n.instanceId], TimeoutSeconds: 30 })));
    target.clock.offsetMs += 31_000;
    try {
      const done = await finished(sent.Command!.CommandId!);
      assert.equal(done.Status, 'TimedOut');
      assert.equal(done.StatusDetails, 'DeliveryTimedOut');
      assert.equal(done.DeliveryTimedOutCount, 1);
      assert.equal(done.ErrorCount, 0);
      const inv = (await ssm.send(new ListCommandInvocationsCommand({ CommandId: done.CommandId }))).CommandInvocations![0];
      assert.deepEqual([inv.Status, inv.StatusDetails], ['TimedOut', 'DeliveryTimedOut']);
    } finally {
      target.clock.offsetMs -= 31_000;
    }
    await n.connect();
    // A heartbeat round trip proves the queue was flushed.
    await eventually('node online', async () => n.online);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(n.received.length, 0);
  });

  test('a node that goes silent mid-run ends Execution Timed Out after executionTimeout plus grace', async () => {
    const n = await node({ Role: 'silent' });
    n.script = () => ({ silent: true });
    const sent = await ssm.send(new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: [n.instanceId], Parameters: { commands: ['sleep 100'], executionTimeout: ['1'] } }));
    const done = await finished(sent.Command!.CommandId!);
    assert.deepEqual([done.Status, done.StatusDetails, done.ErrorCount], ['TimedOut', 'ExecutionTimedOut', 1]);
  });
});

describe('cancel', () => {
  test('CancelCommand stops a running invocation and the command ends Cancelled', async () => {
    const n = await node({ Role: 'cancel' });
    n.script = () => ({ silent: true });
    const sent = await ssm.send(new SendCommandCommand(run(['sleep 100'], { InstanceIds: [n.instanceId] })));
    await eventually('InProgress', async () => (await ssm.send(new ListCommandInvocationsCommand({ CommandId: sent.Command!.CommandId }))).CommandInvocations?.[0]?.Status === 'InProgress');
    await ssm.send(new CancelCommandCommand({ CommandId: sent.Command!.CommandId }));
    const done = await finished(sent.Command!.CommandId!);
    assert.equal(done.Status, 'Cancelled');
    assert.deepEqual(n.cancels, [sent.Command!.CommandId]);
  });

  test('CancelCommand of an unknown command is InvalidCommandId', async () => {
    const error = await rejection(ssm.send(new CancelCommandCommand({ CommandId: '00000000-0000-4000-8000-000000000000' })));
    assert.equal(error.name, 'InvalidCommandId');
  });
});

describe('results and output', () => {
  test('GetCommandInvocation caps stdout at 24,000 characters; the output route returns all of it; the plugin Output is 2,500', async () => {
    const big = `${'a'.repeat(20_000)}${'b'.repeat(20_000)}`;
    const n = await node({ Role: 'big' });
    n.script = () => ({ chunks: [big.slice(0, 16_000), big.slice(16_000, 32_000)], stdout: big.slice(32_000) });
    const sent = await ssm.send(new SendCommandCommand(run(['cat big'], { InstanceIds: [n.instanceId] })));
    const commandId = sent.Command!.CommandId!;
    await finished(commandId);
    const got = await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: n.instanceId, PluginName: 'aws:runShellScript' }));
    assert.equal(got.StandardOutputContent, big.slice(0, 24_000));
    const listed = await ssm.send(new ListCommandInvocationsCommand({ CommandId: commandId, Details: true }));
    assert.equal(listed.CommandInvocations![0].CommandPlugins![0].Output, big.slice(0, 2_500));
    const whole = await signedGet(`${target.url}/bosun/v1/commands/${commandId}/invocations/${n.instanceId}/output?plugin=aws%3ArunShellScript&stream=stdout`, target.admin);
    assert.equal(whole.status, 200);
    assert.match(whole.contentType, /^text\/plain/);
    assert.equal(whole.text, big);
  });

  test('GetCommandInvocation names a missing plugin InvalidPluginName and a missing invocation InvocationDoesNotExist', async () => {
    const n = await node({ Role: 'plugin' });
    const sent = await ssm.send(new SendCommandCommand(run(['true'], { InstanceIds: [n.instanceId] })));
    await finished(sent.Command!.CommandId!);
    assert.equal((await rejection(ssm.send(new GetCommandInvocationCommand({ CommandId: sent.Command!.CommandId, InstanceId: n.instanceId, PluginName: 'nope' })))).name, 'InvalidPluginName');
    assert.equal((await rejection(ssm.send(new GetCommandInvocationCommand({ CommandId: sent.Command!.CommandId, InstanceId: 'mi-0123456789abcdef0' })))).name, 'InvocationDoesNotExist');
  });

  test('a duplicate invocation-result changes nothing', async () => {
    const n = await node({ Role: 'dup' });
    const sent = await ssm.send(new SendCommandCommand(run(['true'], { InstanceIds: [n.instanceId] })));
    const first = await finished(sent.Command!.CommandId!);
    // The same invocation's result again under a new message id, now saying Failed.
    const again = n.result(first.CommandId!, { exitCode: 9, stdout: 'again' }, Date.now());
    // The server acks a result once it is recorded (or found to be a repeat).
    await eventually('second result acknowledged', async () => n.acked.has(again));
    await target.server.commands.dispatcher.settled();
    const after = await commandOf(first.CommandId!);
    assert.deepEqual([after.Status, after.CompletedCount, after.ErrorCount], ['Success', 1, 0]);
    const inv = await ssm.send(new GetCommandInvocationCommand({ CommandId: first.CommandId, InstanceId: n.instanceId }));
    assert.deepEqual([inv.Status, inv.ResponseCode, inv.StandardOutputContent], ['Success', 0, 'ok\n']);
  });

  test('the stream route sends the state, then live changes, and ends when the command is terminal', async () => {
    const n = await node({ Role: 'stream' });
    n.script = () => ({ runMs: 300, chunks: ['line 1\n'], stdout: 'line 2\n' });
    const sent = await ssm.send(new SendCommandCommand(run(['echo'], { InstanceIds: [n.instanceId] })));
    const lines = await readStream(target.url, target.admin, sent.Command!.CommandId!);
    const out = lines.filter((l) => l.type === 'output').map((l) => l.data).join('');
    assert.equal(out, 'line 1\nline 2\n');
    const last = lines[lines.length - 1];
    assert.deepEqual([last.type, last.status, last.targetCount, last.completedCount], ['command', 'Success', 1, 1]);
    const ends = lines.filter((l) => l.type === 'invocation' && l.status === 'Success');
    assert.equal(ends.length, 1);
    assert.equal(ends[0].instanceId, n.instanceId);
    assert.equal(ends[0].responseCode, 0);
  });

  test('the stream of an unknown command is refused with InvalidCommandId', async () => {
    const res = await signedGet(`${target.url}/bosun/v1/commands/00000000-0000-4000-8000-000000000000/stream`, target.admin);
    assert.equal(res.status, 400);
    assert.equal(JSON.parse(res.text).__type, 'InvalidCommandId');
  });
});

describe('ListCommands', () => {
  test('filters by status and pages newest first', async () => {
    const all = (await ssm.send(new ListCommandsCommand({}))).Commands!;
    assert.ok(all.length >= 3);
    for (let i = 1; i < all.length; i++) assert.ok(all[i - 1].RequestedDateTime!.getTime() >= all[i].RequestedDateTime!.getTime());
    const failed = (await ssm.send(new ListCommandsCommand({ Filters: [{ key: 'Status', value: 'Failed' }] }))).Commands!;
    assert.ok(failed.length >= 1);
    assert.ok(failed.every((c) => c.Status === 'Failed'));
    const first = await ssm.send(new ListCommandsCommand({ MaxResults: 1 }));
    assert.equal(first.Commands!.length, 1);
    const second = await ssm.send(new ListCommandsCommand({ MaxResults: 1, NextToken: first.NextToken }));
    assert.notEqual(second.Commands![0].CommandId, first.Commands![0].CommandId);
    assert.equal((await rejection(ssm.send(new ListCommandsCommand({ CommandId: '00000000-0000-4000-8000-000000000000' })))).name, 'InvalidCommandId');
    assert.equal((await rejection(ssm.send(new ListCommandsCommand({ Filters: [{ key: 'Status', value: 'Bogus' }] })))).name, 'InvalidFilterKey');
  });
});
