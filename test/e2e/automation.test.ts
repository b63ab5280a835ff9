/**
 * Automation over the wire: a real server (HTTP + SigV4) driven by @aws-sdk/client-ssm.
 * Runbooks call Bosun's own API as the identity that started them (IAM-checked), branch on
 * what they read, wait for approvals given through SendAutomationSignal, and are stopped.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateDocumentCommand, PutParameterCommand, DescribeAutomationExecutionsCommand, DescribeAutomationStepExecutionsCommand, GetAutomationExecutionCommand, GetParameterCommand,
  SendAutomationSignalCommand, StartAutomationExecutionCommand, StartChangeRequestExecutionCommand, StopAutomationExecutionCommand, type AutomationExecution, type SSMClient,
} from '@aws-sdk/client-ssm';
import { adminPutUserPolicy } from '../../packages/server/src/iam/admin.ts';
import { eventually } from './nodes-support.ts';
import { bosunEnv, canarySecret, failureOf, runBosun, ssmClient, startTestServer, storeContents, type TestServer } from './support.ts';

let server: TestServer;
let admin: SSMClient;
const clients: SSMClient[] = [];

async function userClient(name: string, actions?: string[]): Promise<{ client: SSMClient; arn: string }> {
  const key = await server.newUser(server.admin.accountId, name, undefined, { withoutPolicies: actions !== undefined });
  if (actions) {
    await adminPutUserPolicy(server.server.store, {
      accountId: key.accountId, userName: name, policyName: 'automation-only',
      document: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] }),
    });
  }
  const client = ssmClient(server, key);
  clients.push(client);
  return { client, arn: `arn:aws:iam::${key.accountId}:user/${name}` };
}

async function runbook(name: string, content: unknown): Promise<void> {
  await admin.send(new CreateDocumentCommand({ Name: name, DocumentType: 'Automation', DocumentFormat: 'JSON', Content: JSON.stringify(content) }));
}

async function ended(client: SSMClient, id: string): Promise<AutomationExecution> {
  return eventually(`execution ${id} ended`, async () => {
    const { AutomationExecution: e } = await client.send(new GetAutomationExecutionCommand({ AutomationExecutionId: id }));
    return e && ['Success', 'Failed', 'Cancelled', 'TimedOut'].includes(e.AutomationExecutionStatus!) ? e : undefined;
  }, 30_000);
}

async function waiting(id: string): Promise<AutomationExecution> {
  return eventually(`execution ${id} waiting`, async () => {
    const { AutomationExecution: e } = await admin.send(new GetAutomationExecutionCommand({ AutomationExecutionId: id }));
    return e?.AutomationExecutionStatus === 'Waiting' ? e : undefined;
  });
}

before(async () => {
  server = await startTestServer();
  admin = ssmClient(server, server.admin);
  await runbook('PutAndCheck', {
    schemaVersion: '0.3', description: 'Writes a parameter, reads it back, branches on it.',
    parameters: { Name: { type: 'String' }, Value: { type: 'String', default: 'blue' } },
    outputs: ['read.Value'],
    mainSteps: [
      { name: 'write', action: 'aws:executeAwsApi', inputs: { Service: 'ssm', Api: 'PutParameter', Name: '{{ Name }}', Value: '{{ Value }} from {{ automation:EXECUTION_ID }}', Type: 'String' } },
      { name: 'read', action: 'aws:executeAwsApi', inputs: { Service: 'ssm', Api: 'GetParameter', Name: '{{ Name }}' },
        outputs: [{ Name: 'Value', Selector: '$.Parameter.Value', Type: 'String' }, { Name: 'Version', Selector: '$.Parameter.Version', Type: 'Integer' }] },
      { name: 'check', action: 'aws:branch', inputs: { Choices: [
        { NextStep: 'settle', And: [{ Variable: '{{ read.Value }}', StartsWith: 'blue' }, { Variable: '{{ read.Version }}', NumericEquals: 1 }] },
      ], Default: 'unexpected' } },
      { name: 'unexpected', action: 'aws:pause', inputs: {}, isEnd: true },
      { name: 'settle', action: 'aws:sleep', inputs: { Duration: 'PT1S' } },
    ],
  });
  await runbook('NeedsApproval', {
    schemaVersion: '0.3', parameters: { Approver: { type: 'String' } },
    mainSteps: [{ name: 'approve', action: 'aws:approve', inputs: { Approvers: ['{{ Approver }}'], Message: 'Patch the fleet?' } }],
  });
  await runbook('Nested', {
    schemaVersion: '0.3', outputs: ['inner.Status'],
    mainSteps: [{ name: 'inner', action: 'aws:executeAutomation', inputs: { DocumentName: 'PutAndCheck', RuntimeParameters: { Name: '/automation/e2e/nested' } } }],
  });
  await runbook('Paused', { schemaVersion: '0.3', mainSteps: [{ name: 'hold', action: 'aws:pause', inputs: {} }] });
});

after(async () => {
  for (const c of [admin, ...clients]) c?.destroy();
  await server?.destroy();
});

describe('Automation over the API', () => {
  test('a runbook writes and reads a parameter through the API, branches on what it read and ends Success', async () => {
    const start = await admin.send(new StartAutomationExecutionCommand({ DocumentName: 'PutAndCheck', Parameters: { Name: ['/automation/e2e/colour'] } }));
    const id = start.AutomationExecutionId!;
    const execution = await ended(admin, id);
    assert.equal(execution.AutomationExecutionStatus, 'Success', execution.FailureMessage);
    assert.deepEqual(execution.StepExecutions!.map((s) => [s.StepName, s.StepStatus]), [['write', 'Success'], ['read', 'Success'], ['check', 'Success'], ['settle', 'Success']]);
    assert.deepEqual(execution.Outputs, { 'read.Value': [`blue from ${id}`] });
    const parameter = await admin.send(new GetParameterCommand({ Name: '/automation/e2e/colour' }));
    assert.equal(parameter.Parameter!.Value, `blue from ${id}`);
    const listed = await admin.send(new DescribeAutomationExecutionsCommand({ Filters: [{ Key: 'ExecutionId', Values: [id] }] }));
    assert.equal(listed.AutomationExecutionMetadataList![0].DocumentName, 'PutAndCheck');
    const steps = await admin.send(new DescribeAutomationStepExecutionsCommand({ AutomationExecutionId: id, Filters: [{ Key: 'Action', Values: ['aws:branch'] }] }));
    assert.deepEqual(steps.StepExecutions!.map((s) => [s.StepName, s.NextStep]), [['check', 'settle']]);
  });

  test('a decrypted SecureString a step reads is HIDDEN in its outputs, and its value is nowhere in the store or the log', async () => {
    const canary = canarySecret('AUTOMATION');
    await admin.send(new PutParameterCommand({ Name: '/automation/e2e/secret', Type: 'SecureString', Value: canary }));
    await runbook('ReadSecret', {
      schemaVersion: '0.3', outputs: ['read.Value'],
      mainSteps: [{ name: 'read', action: 'aws:executeAwsApi', inputs: { Service: 'ssm', Api: 'GetParameter', Name: '/automation/e2e/secret', WithDecryption: true },
        outputs: [{ Name: 'Value', Selector: '$.Parameter.Value', Type: 'String' }] }],
    });
    const start = await admin.send(new StartAutomationExecutionCommand({ DocumentName: 'ReadSecret' }));
    const execution = await ended(admin, start.AutomationExecutionId!);
    assert.equal(execution.AutomationExecutionStatus, 'Success', execution.FailureMessage);
    assert.deepEqual(execution.Outputs, { 'read.Value': ['HIDDEN_DUE_TO_SECURITY_REASONS'] });
    assert.doesNotMatch(JSON.stringify(execution), new RegExp(canary));
    for (const part of await storeContents(server)) assert.equal(part.content.includes(canary), false, `the canary is in ${part.where}`);
    assert.equal(server.log().includes(canary), false, 'the canary is in the log');
  });

  test('a step calls the API with the starter\'s identity: without ssm:PutParameter it fails and writes nothing', async () => {
    const { client } = await userClient('automation-only', ['ssm:StartAutomationExecution', 'ssm:GetAutomationExecution']);
    const start = await client.send(new StartAutomationExecutionCommand({ DocumentName: 'PutAndCheck', Parameters: { Name: ['/automation/e2e/denied'] } }));
    const execution = await ended(client, start.AutomationExecutionId!);
    assert.equal(execution.AutomationExecutionStatus, 'Failed');
    assert.match(execution.StepExecutions![0].FailureMessage!, /^AccessDeniedException: .*ssm:PutParameter/);
    assert.equal((await failureOf(admin.send(new GetParameterCommand({ Name: '/automation/e2e/denied' })))).name, 'ParameterNotFound');
  });

  test('an approval waits for its approver: another principal is refused, the approver\'s signal ends it Success', async () => {
    const approver = await userClient('approver');
    const start = await admin.send(new StartAutomationExecutionCommand({ DocumentName: 'NeedsApproval', Parameters: { Approver: [approver.arn] } }));
    const id = start.AutomationExecutionId!;
    await waiting(id);
    const refused = await failureOf(admin.send(new SendAutomationSignalCommand({ AutomationExecutionId: id, SignalType: 'Approve' })));
    assert.equal(refused.name, 'AccessDeniedException');
    await approver.client.send(new SendAutomationSignalCommand({ AutomationExecutionId: id, SignalType: 'Approve', Payload: { Comment: ['go'] } }));
    const execution = await ended(admin, id);
    assert.equal(execution.AutomationExecutionStatus, 'Success');
    assert.deepEqual(execution.StepExecutions![0].Outputs!.ApprovalStatus, ['Approved']);
  });

  test('a stopped execution ends Cancelled and refuses later signals', async () => {
    const { AutomationExecutionId: id } = await admin.send(new StartAutomationExecutionCommand({ DocumentName: 'Paused' }));
    await waiting(id!);
    await admin.send(new StopAutomationExecutionCommand({ AutomationExecutionId: id, Type: 'Cancel' }));
    const execution = await ended(admin, id!);
    assert.equal(execution.AutomationExecutionStatus, 'Cancelled');
    assert.equal(execution.StepExecutions![0].StepStatus, 'Cancelled');
    const late = await failureOf(admin.send(new SendAutomationSignalCommand({ AutomationExecutionId: id, SignalType: 'Resume' })));
    assert.equal(late.name, 'InvalidAutomationSignalException');
    assert.equal((await failureOf(admin.send(new StopAutomationExecutionCommand({ AutomationExecutionId: id })))).name, 'InvalidAutomationStatusUpdateException');
  });

  test('aws:executeAutomation runs a child runbook and ends with its status', async () => {
    const { AutomationExecutionId: id } = await admin.send(new StartAutomationExecutionCommand({ DocumentName: 'Nested' }));
    const execution = await ended(admin, id!);
    assert.equal(execution.AutomationExecutionStatus, 'Success', execution.FailureMessage);
    assert.deepEqual(execution.Outputs, { 'inner.Status': ['Success'] });
    const childId = execution.StepExecutions![0].Outputs!.ExecutionId[0];
    const child = await admin.send(new DescribeAutomationExecutionsCommand({ Filters: [{ Key: 'ParentExecutionId', Values: [id!] }] }));
    assert.deepEqual(child.AutomationExecutionMetadataList!.map((m) => [m.AutomationExecutionId, m.DocumentName, m.AutomationExecutionStatus]), [[childId, 'PutAndCheck', 'Success']]);
  });

  test('bad input answers AWS\'s errors', async () => {
    assert.equal((await failureOf(admin.send(new StartAutomationExecutionCommand({ DocumentName: 'NoSuchRunbook' })))).name, 'AutomationDefinitionNotFoundException');
    assert.equal((await failureOf(admin.send(new StartAutomationExecutionCommand({ DocumentName: 'NeedsApproval' })))).name, 'InvalidAutomationExecutionParametersException');
    assert.equal((await failureOf(admin.send(new GetAutomationExecutionCommand({ AutomationExecutionId: '00000000-0000-4000-8000-000000000000' })))).name, 'AutomationExecutionNotFoundException');
    const change = await failureOf(admin.send(new StartChangeRequestExecutionCommand({ DocumentName: 'Paused', Runbooks: [{ DocumentName: 'Paused' }] })));
    assert.equal(change.name, 'ValidationException');
    assert.match(change.message, /Change Manager is not supported/);
  });

  test('bosun automation start --watch, ls, show and approve', async () => {
    const approver = await server.newUser(server.admin.accountId, 'cli-approver');
    const envOf = (key: { accessKeyId: string; secretAccessKey: string }) => bosunEnv({ BOSUN_ENDPOINT: server.url, AWS_ACCESS_KEY_ID: key.accessKeyId, AWS_SECRET_ACCESS_KEY: key.secretAccessKey, AWS_REGION: 'us-east-1' });
    const env = envOf(server.admin);
    const started = await runBosun(['automation', 'start', 'PutAndCheck', '-p', 'Name=/automation/e2e/cli', '--watch'], { env });
    assert.equal(started.code, 0, started.stderr);
    const id = started.stdout.split('\n')[0];
    assert.match(started.stdout, /^Status +Success/m);
    assert.match(started.stdout, /^settle +aws:sleep +Success/m);

    const ls = await runBosun(['automation', 'ls', '--status', 'Success'], { env });
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout.split('\n')[0], /^EXECUTION ID +RUNBOOK +VERSION +STATUS +STEP +STARTED +BY$/);
    assert.ok(ls.stdout.split('\n').some((l) => l.startsWith(id) && l.includes('PutAndCheck')), ls.stdout);

    const waitingOne = await runBosun(['automation', 'start', 'NeedsApproval', '-p', `Approver=cli-approver`], { env });
    const waitingId = waitingOne.stdout.trim();
    await waiting(waitingId);
    const show = await runBosun(['automation', 'show', waitingId], { env });
    assert.match(show.stdout, /^approve +aws:approve +Waiting/m);
    const refused = await runBosun(['automation', 'approve', waitingId], { env });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /AccessDenied|not an approver/);
    const approved = await runBosun(['automation', 'approve', waitingId, '--comment', 'ok'], { env: envOf(approver) });
    assert.equal(approved.code, 0, approved.stderr);
    assert.equal((await ended(admin, waitingId)).AutomationExecutionStatus, 'Success');
  });
});
