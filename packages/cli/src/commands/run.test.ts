import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTarget, RunView, sendCommandInput } from './run.ts';

test('bosun run turns the words after -- into AWS-RunShellScript commands, with rate control and timeouts', () => {
  assert.deepEqual(sendCommandInput(['uptime', '-p'], { targets: ['tag:Role=web'], maxConcurrency: '10%', maxErrors: '1', timeout: '60', deliveryTimeout: '600', comment: 'hi' }), {
    DocumentName: 'AWS-RunShellScript',
    Targets: [{ Key: 'tag:Role', Values: ['web'] }],
    Parameters: { commands: ['uptime -p'], executionTimeout: ['60'] },
    MaxConcurrency: '10%', MaxErrors: '1', TimeoutSeconds: 600, Comment: 'hi',
  });
});

test('bosun run --document takes --parameters pairs and --parameters-json lists', () => {
  const input = sendCommandInput([], { instanceIds: ['mi-0123456789abcdef0'], document: 'MyDoc', parameters: 'version=1.2,mode=a=b', parametersJson: '{"hosts": ["a", "b"], "count": 3}' });
  assert.deepEqual(input.Parameters, { hosts: ['a', 'b'], count: ['3'], version: ['1.2'], mode: ['a=b'] });
  assert.deepEqual(input.InstanceIds, ['mi-0123456789abcdef0']);
  assert.equal(input.DocumentName, 'MyDoc');
});

test('bosun run refuses what it cannot send, saying why', () => {
  assert.throws(() => sendCommandInput(['uptime'], {}), /Which nodes\?/);
  assert.throws(() => sendCommandInput([], { targets: ['tag:Role=web'] }), /What to run\?/);
  assert.throws(() => sendCommandInput(['uptime'], { targets: ['tag:Role=web'], maxConcurrency: 'many' }), /--max-concurrency takes a number or a percentage/);
  assert.throws(() => sendCommandInput(['uptime'], { targets: ['tag:Role=web'], document: 'Other' }), /go to AWS-RunShellScript/);
  assert.throws(() => parseTarget('Role=web'), /--targets takes tag:Key=Value/);
});

test('targets are read in the short forms and as the AWS CLI writes them', () => {
  assert.deepEqual(parseTarget('tag:Env=dev,test'), { Key: 'tag:Env', Values: ['dev', 'test'] });
  assert.deepEqual(parseTarget('tag-key=Env'), { Key: 'tag-key', Values: ['Env'] });
  assert.deepEqual(parseTarget('Key=InstanceIds,Values=mi-1,mi-2'), { Key: 'InstanceIds', Values: ['mi-1', 'mi-2'] });
});

test('the run view prints whole lines prefixed by the node, counts progress, and builds the summary', () => {
  const printed: string[] = [];
  const view = new RunView((stream, line) => printed.push(`${stream} ${line}`));
  view.apply({ type: 'command', status: 'InProgress', targetCount: 2, completedCount: 0, errorCount: 0, deliveryTimedOutCount: 0 });
  view.apply({ type: 'invocation', instanceId: 'mi-b', status: 'InProgress', statusDetails: 'InProgress', startedAt: 1000 });
  view.apply({ type: 'output', instanceId: 'mi-b', pluginName: 'p', stream: 'stdout', data: 'hel' });
  assert.deepEqual(printed, []);
  view.apply({ type: 'output', instanceId: 'mi-b', pluginName: 'p', stream: 'stdout', data: 'lo\nwor' });
  assert.deepEqual(printed, ['stdout [mi-b] hello']);
  assert.deepEqual(view.counts(), { total: 2, done: 0, running: 1, failed: 0 });
  view.apply({ type: 'invocation', instanceId: 'mi-b', status: 'Failed', statusDetails: 'Failed', responseCode: 2, startedAt: 1000, endedAt: 3500 });
  assert.deepEqual(printed, ['stdout [mi-b] hello', 'stdout [mi-b] wor'], 'the last partial line is printed when the node ends');
  view.apply({ type: 'invocation', instanceId: 'mi-a', status: 'Success', statusDetails: 'Success', responseCode: 0, startedAt: 1000, endedAt: 1200 });
  view.apply({ type: 'command', status: 'Failed', targetCount: 2, completedCount: 2, errorCount: 1, deliveryTimedOutCount: 0 });
  assert.equal(view.finished, true);
  assert.deepEqual(view.counts(), { total: 2, done: 2, running: 0, failed: 1 });
  assert.deepEqual(view.summary(), { rows: [['mi-a', 'Success', '0', '200 ms'], ['mi-b', 'Failed', '2', '2.5 s']], failed: 1 });
});

test('after a reconnection the output the stream repeats from its beginning is not printed twice', () => {
  const printed: string[] = [];
  const view = new RunView((_stream, line) => printed.push(line));
  view.apply({ type: 'output', instanceId: 'mi-a', pluginName: 'p', stream: 'stdout', data: 'one\ntw' });
  view.reconnecting();
  view.apply({ type: 'output', instanceId: 'mi-a', pluginName: 'p', stream: 'stdout', data: 'one\n' });
  view.apply({ type: 'output', instanceId: 'mi-a', pluginName: 'p', stream: 'stdout', data: 'two\nthree\n' });
  assert.deepEqual(printed, ['[mi-a] one', '[mi-a] two', '[mi-a] three']);
});
