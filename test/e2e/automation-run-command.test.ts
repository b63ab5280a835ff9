/**
 * The worked runbook of docs/automation.md against a real server and a real agent process:
 * take a node out of its group (a tag, through the API as the caller), patch it and verify it
 * (aws:runCommand through Run Command), wait for an approval, put it back. The server is
 * restarted while the patch command runs: the step follows the command it recorded and the
 * node runs the patch once. Each run of a command appends a line to a marker file of its node.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  CreateDocumentCommand, GetAutomationExecutionCommand, ListCommandsCommand, ListTagsForResourceCommand, SendAutomationSignalCommand, StartAutomationExecutionCommand,
  type AutomationExecution, type SSMClient,
} from '@aws-sdk/client-ssm';
import { adminCreateAccessKey, adminCreateUser, adminGrantAdministrator } from '../../packages/server/src/accounts/admin.ts';
import { createActivation, eventually, killAgents, spawnAgent, startNodesServer, stateDir, type NodesServer } from './nodes-support.ts';
import { ssmClient } from './support.ts';

let target: NodesServer;
let ssm: SSMClient;
let alice: SSMClient;
let marks: string;
const dirs: string[] = [];

const runsOf = (name: string) => {
  const file = path.join(marks, `runs-${name}`);
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
};

async function execution(id: string): Promise<AutomationExecution> {
  return (await ssm.send(new GetAutomationExecutionCommand({ AutomationExecutionId: id }))).AutomationExecution!;
}

before(async () => {
  target = await startNodesServer();
  ssm = ssmClient(target, target.admin);
  const now = Date.now();
  await adminCreateUser(target.server.store, { accountId: target.admin.accountId, userName: 'alice', now });
  await adminGrantAdministrator(target.server.store, { accountId: target.admin.accountId, userName: 'alice', now });
  alice = ssmClient(target, await adminCreateAccessKey(target.server.store, target.rootKey, { accountId: target.admin.accountId, userName: 'alice', now }));
  marks = stateDir();
  dirs.push(marks);
});
after(async () => {
  killAgents();
  ssm?.destroy();
  alice?.destroy();
  await target?.destroy();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the worked runbook: patch one node with an approval', () => {
  test('drains, patches once across a server restart, verifies, waits for approval and puts the node back', async () => {
    const activation = await createActivation(ssm, { tags: [{ Key: 'Role', Value: 'web' }] });
    const dir = stateDir();
    dirs.push(dir);
    const agent = await spawnAgent(['--endpoint', target.url, '--code', activation.code, '--id', activation.id, '--state-dir', path.join(dir, 'state')], { NODE_NAME: 'web1' });
    const [, instanceId] = await agent.waitFor(/online as (mi-[0-9a-f]+)/);
    const release = path.join(marks, 'release');
    await ssm.send(new CreateDocumentCommand({
      Name: 'PatchOneNode', DocumentType: 'Automation', DocumentFormat: 'YAML', Content: `
schemaVersion: '0.3'
description: Take a node out of the web group, patch it, verify, ask for approval, put it back.
parameters:
  InstanceId: { type: String }
  Approver: { type: String }
outputs: [verify.Status]
mainSteps:
  - name: drain
    action: aws:executeAwsApi
    inputs: { Service: ssm, Api: AddTagsToResource, ResourceType: ManagedInstance, ResourceId: '{{ InstanceId }}', Tags: [{ Key: Role, Value: draining }] }
  - name: patch
    action: aws:runCommand
    timeoutSeconds: 120
    inputs:
      DocumentName: AWS-RunShellScript
      InstanceIds: ['{{ InstanceId }}']
      Parameters: { commands: ['echo patch >> ${marks}/runs-$NODE_NAME', 'while [ ! -e ${release} ]; do sleep 0.1; done'] }
  - name: verify
    action: aws:runCommand
    maxAttempts: 3
    inputs: { DocumentName: AWS-RunShellScript, InstanceIds: ['{{ InstanceId }}'], Parameters: { commands: ['echo verify >> ${marks}/runs-$NODE_NAME'] } }
    outputs: [{ Name: Status, Selector: $.Status, Type: String }]
  - name: approve
    action: aws:approve
    inputs: { Approvers: ['{{ Approver }}'], Message: 'Node {{ InstanceId }} patched: put it back?' }
  - name: restore
    action: aws:executeAwsApi
    inputs: { Service: ssm, Api: AddTagsToResource, ResourceType: ManagedInstance, ResourceId: '{{ InstanceId }}', Tags: [{ Key: Role, Value: web }] }
`,
    }));
    const { AutomationExecutionId: id } = await ssm.send(new StartAutomationExecutionCommand({ DocumentName: 'PatchOneNode', Parameters: { InstanceId: [instanceId], Approver: ['alice'] } }));
    const tags = async () => (await ssm.send(new ListTagsForResourceCommand({ ResourceType: 'ManagedInstance', ResourceId: instanceId }))).TagList;

    // The patch is running on the node (it waits for the release file): restart the server under it.
    await eventually('the patch running on the node', async () => runsOf('web1').length === 1, 30_000);
    assert.deepEqual(await tags(), [{ Key: 'Role', Value: 'draining' }]);
    await target.restart();
    fs.writeFileSync(release, '');

    const waiting = await eventually('the approval waiting', async () => {
      const e = await execution(id!);
      return e.AutomationExecutionStatus === 'Waiting' || e.AutomationExecutionStatus === 'Failed' ? e : undefined;
    }, 60_000);
    assert.equal(waiting.AutomationExecutionStatus, 'Waiting', waiting.FailureMessage);
    await alice.send(new SendAutomationSignalCommand({ AutomationExecutionId: id, SignalType: 'Approve' }));
    const done = await eventually('the execution ended', async () => {
      const e = await execution(id!);
      return ['Success', 'Failed'].includes(e.AutomationExecutionStatus!) ? e : undefined;
    }, 30_000);
    assert.equal(done.AutomationExecutionStatus, 'Success', done.FailureMessage);
    assert.deepEqual(done.StepExecutions!.map((s) => s.StepName), ['drain', 'patch', 'verify', 'approve', 'restore']);
    assert.deepEqual(done.Outputs, { 'verify.Status': ['Success'] });
    assert.deepEqual(runsOf('web1'), ['patch', 'verify'], 'each command ran once');
    const commands = (await ssm.send(new ListCommandsCommand({}))).Commands!;
    assert.equal(commands.length, 2);
    assert.ok(commands.every((c) => c.Comment!.includes(`[automation ${id} `)), 'sent by the execution, tagged');
    assert.deepEqual(await tags(), [{ Key: 'Role', Value: 'web' }]);
  });
});
