/**
 * Agent plugins on a real agent against a real server: aws:runDocument fetches a document the
 * account created (GetDocument with the node's credentials) and runs it with the parameters
 * given; steps run in order with onFailure: exit and finallyStep; ENV_VAR parameters reach the
 * script as environment variables.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { CreateDocumentCommand, GetCommandInvocationCommand, SendCommandCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { createActivation, eventually, killAgents, spawnAgent, startNodesServer, stateDir, type NodesServer } from './nodes-support.ts';
import { ssmClient } from './support.ts';

let target: NodesServer;
let ssm: SSMClient;
let instanceId: string;
const dirs: string[] = [];

before(async () => {
  target = await startNodesServer();
  ssm = ssmClient(target, target.admin, { keepClockOffset: true });
  const activation = await createActivation(ssm);
  const dir = stateDir();
  dirs.push(dir);
  const agent = await spawnAgent(['--endpoint', target.url, '--code', activation.code, '--id', activation.id, '--state-dir', path.join(dir, 'state')]);
  [, instanceId] = await agent.waitFor(/registered as (mi-[0-9a-f]{17})/);
  await agent.waitFor(/online as mi-/);
});
after(async () => {
  killAgents();
  ssm.destroy();
  await target.destroy();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

async function createDocument(name: string, content: object): Promise<void> {
  await ssm.send(new CreateDocumentCommand({ Name: name, DocumentType: 'Command', DocumentFormat: 'JSON', Content: JSON.stringify(content) }));
}

async function runToEnd(documentName: string, parameters: Record<string, string[]> = {}) {
  const sent = await ssm.send(new SendCommandCommand({ DocumentName: documentName, InstanceIds: [instanceId], Parameters: parameters }));
  const commandId = sent.Command!.CommandId!;
  return eventually('the invocation to end', async () => {
    const got = await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }));
    return ['Success', 'Failed', 'TimedOut', 'Cancelled'].includes(got.Status ?? '') ? { commandId, got } : undefined;
  }, 30_000);
}

describe('agent plugins on a real agent', () => {
  test('aws:runDocument runs a document of the account, fetched through the API, with the parameters given', async () => {
    await createDocument('E2E-Inner', {
      schemaVersion: '2.2', description: 'inner', parameters: { word: { type: 'String', default: 'nothing' } },
      mainSteps: [{ action: 'aws:runShellScript', name: 'say', inputs: { runCommand: ['echo "inner says {{ word }}"'] } }],
    });
    await createDocument('E2E-Outer', {
      schemaVersion: '2.2', description: 'outer', parameters: { word: { type: 'String' } },
      mainSteps: [
        { action: 'aws:runShellScript', name: 'before', inputs: { runCommand: ['echo outer first'] } },
        { action: 'aws:runDocument', name: 'nested', inputs: { documentType: 'SSMDocument', documentPath: 'E2E-Inner', documentParameters: '{"word": "{{ word }}"}' } },
      ],
    });
    const { got } = await runToEnd('E2E-Outer', { word: ['hello'] });
    assert.equal(got.Status, 'Success', got.StandardErrorContent);
    const nested = await ssm.send(new GetCommandInvocationCommand({ CommandId: got.CommandId, InstanceId: instanceId, PluginName: 'nested' }));
    assert.equal(nested.StandardOutputContent, 'inner says hello\n');
  });

  test('onFailure: exit stops the later steps but a finallyStep still runs; the invocation is Failed with the exit code', async () => {
    await createDocument('E2E-Exit', {
      schemaVersion: '2.2', description: 'exit',
      mainSteps: [
        { action: 'aws:runShellScript', name: 'breaks', inputs: { runCommand: ['exit 4'], onFailure: 'exit' } },
        { action: 'aws:runShellScript', name: 'skipped', inputs: { runCommand: ['echo should not run'] } },
        { action: 'aws:runShellScript', name: 'cleanup', inputs: { runCommand: ['echo cleaned'], finallyStep: true } },
      ],
    });
    const { commandId, got } = await runToEnd('E2E-Exit');
    assert.equal(got.Status, 'Failed');
    assert.equal(got.ResponseCode, 4);
    const cleanup = await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId, PluginName: 'cleanup' }));
    assert.equal(cleanup.StandardOutputContent, 'cleaned\n');
    const skipped = await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId, PluginName: 'skipped' }));
    assert.doesNotMatch(skipped.StandardOutputContent ?? '', /should not run/);
  });

  test('an ENV_VAR parameter reaches the script as SSM_<name>, so shell syntax in its value is not run', async () => {
    await createDocument('E2E-EnvVar', {
      schemaVersion: '2.2', description: 'env var',
      parameters: { name: { type: 'String', interpolationType: 'ENV_VAR', allowedPattern: '^[^\\n]*$' } },
      mainSteps: [{ action: 'aws:runShellScript', name: 'greet', inputs: { runCommand: ['echo "hello {{ name }}"', 'echo "env: $SSM_name"'] } }],
    });
    const { got } = await runToEnd('E2E-EnvVar', { name: ['$(echo injected)'] });
    assert.equal(got.Status, 'Success', got.StandardErrorContent);
    assert.equal(got.StandardOutputContent, 'hello $(echo injected)\nenv: $(echo injected)\n');
  });
});
