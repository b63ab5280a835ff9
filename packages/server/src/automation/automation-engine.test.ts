import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { awsError, isAwsError, type ssm } from '@bosun/protocol';
import { parseDocument } from '@bosun/documents';
import type { Principal, UserPrincipal } from '../accounts/principal.ts';
import type { Authorizer } from '../api/authorize.ts';
import { defineOperation, type Operation, type Permission } from '../api/operation.ts';
import { insertCommand, type CommandRow } from '../commands/command-store.ts';
import { commandDocument } from '../commands/document-adapter.ts';
import type { DocumentSource } from '../commands/document-source.ts';
import { createLogger } from '../logger.ts';
import type { Db } from '../store/store.ts';
import { fixtures } from '../testing/fixtures.ts';
import { storeTargets, type TestStore } from '../testing/stores.ts';
import { apiInvoker } from './api-invoker.ts';
import { AutomationEngine } from './automation-engine.ts';
import { findExecution, loadEvents } from './automation-store.ts';
import { automationOperations, startAutomationExecution } from './operations.ts';

const NOW = 1_800_000_000_000;
const ACCOUNT = '123456789012';
const SCOPE = { accountId: ACCOUNT, region: 'us-east-1' };
const logger = createLogger({ format: 'json', level: 'fatal' });
const user = (name: string): UserPrincipal => ({ type: 'IAMUser', accountId: ACCOUNT, userName: name, userId: `AIDA${name.toUpperCase()}`, arn: `arn:aws:iam::${ACCOUNT}:user/${name}`, accessKeyId: 'AKIA' });
const admin = fixtures.adminPrincipal(ACCOUNT);

const runbooks: Record<string, { type: string; content: unknown }> = {
  Sleepy: { type: 'Automation', content: { schemaVersion: '0.3', mainSteps: [
    { name: 'first', action: 'aws:sleep', inputs: { Duration: 'PT10S' } },
    { name: 'second', action: 'aws:sleep', inputs: { Duration: 'PT20S' } },
  ] } },
  Lookup: { type: 'Automation', content: { schemaVersion: '0.3', parameters: { Name: { type: 'String', allowedPattern: '^/[a-z/]+$' } }, outputs: ['get.Value'], mainSteps: [
    { name: 'get', action: 'aws:executeAwsApi', inputs: { Service: 'ssm', Api: 'GetParameter', Name: '{{ Name }}' }, outputs: [{ Name: 'Value', Selector: '$.Parameter.Value', Type: 'String' }] },
    { name: 'check', action: 'aws:branch', inputs: { Choices: [{ NextStep: 'done', Variable: '{{ get.Value }}', StringEquals: 'value of /app/x' }] } },
    { name: 'wrong', action: 'aws:pause', inputs: {}, isEnd: true },
    { name: 'done', action: 'aws:sleep', inputs: { Duration: 'PT0S' } },
  ] } },
  Approval: { type: 'Automation', content: { schemaVersion: '0.3', mainSteps: [
    { name: 'approve', action: 'aws:approve', inputs: { Approvers: [`arn:aws:iam::${ACCOUNT}:user/alice`, 'bob'], MinRequiredApprovals: 2, Message: 'ok?' } },
  ] } },
  Patch: { type: 'Automation', content: { schemaVersion: '0.3', mainSteps: [
    { name: 'run', action: 'aws:runCommand', inputs: { DocumentName: 'AWS-RunShellScript', InstanceIds: ['mi-00000000000000001'], Parameters: { commands: ['true'] } },
      outputs: [{ Name: 'Id', Selector: '$.CommandId', Type: 'String' }] },
  ] } },
  Parent: { type: 'Automation', content: { schemaVersion: '0.3', outputs: ['child.Status'], mainSteps: [
    { name: 'child', action: 'aws:executeAutomation', inputs: { DocumentName: 'Lookup', RuntimeParameters: { Name: '/app/x' } } },
    { name: 'after', action: 'aws:pause', inputs: { Message: '{{ child.ExecutionId }}' }, isEnd: true },
  ] } },
  WaitsOnChild: { type: 'Automation', content: { schemaVersion: '0.3', mainSteps: [{ name: 'child', action: 'aws:executeAutomation', inputs: { DocumentName: 'Approval' } }] } },
  Asserts: { type: 'Automation', content: { schemaVersion: '0.3', parameters: { Want: { type: 'String' } }, mainSteps: [
    { name: 'assert', action: 'aws:assertAwsResourceProperty', inputs: { Service: 'ssm', Api: 'GetParameter', Name: '/app/x', PropertySelector: '$.Parameter.Version', DesiredValues: ['{{ Want }}'] } },
  ] } },
  WaitsFor: { type: 'Automation', content: { schemaVersion: '0.3', mainSteps: [
    { name: 'wait', action: 'aws:waitForAwsResourceProperty', timeoutSeconds: 60, inputs: { Service: 'ssm', Api: 'GetParameter', Name: '/app/state', PropertySelector: '$.Parameter.Value', DesiredValues: ['ready'] } },
  ] } },
  WaitsOnWrite: { type: 'Automation', content: { schemaVersion: '0.3', mainSteps: [
    { name: 'wait', action: 'aws:waitForAwsResourceProperty', inputs: { Service: 'ssm', Api: 'SendCommand', DocumentName: 'x', PropertySelector: '$.Command.Status', DesiredValues: ['Success'] } },
  ] } },
  Recurse: { type: 'Automation', content: { schemaVersion: '0.3', mainSteps: [{ name: 'again', action: 'aws:executeAutomation', inputs: { DocumentName: 'Recurse' } }] } },
  Teleport: { type: 'Automation', content: { schemaVersion: '0.3', mainSteps: [{ name: 'go', action: 'aws:teleport', inputs: {} }] } },
  Shell: { type: 'Command', content: { schemaVersion: '2.2', mainSteps: [{ name: 'run', action: 'aws:runShellScript', inputs: { runCommand: ['true'] } }] } },
};

const documents: DocumentSource = async (_db, input) => {
  const found = runbooks[input.nameOrArn];
  if (!found) throw awsError('InvalidDocument', 'The specified document does not exist.');
  if (input.documentVersion && input.documentVersion !== '1') throw awsError('InvalidDocumentVersion', 'The document version is not valid or does not exist.');
  const content = JSON.stringify(found.content);
  return commandDocument({ name: input.nameOrArn, arn: `arn:aws:ssm:us-east-1:${ACCOUNT}:document/${input.nameOrArn}`, ownerAccountId: ACCOUNT, documentVersion: '1',
    documentType: found.type, content, contentJson: content, hash: 'h', parsed: parseDocument(content, 'JSON', found.type) });
};

/** The API as steps see it: GetParameter answers; SendCommand and StartAutomationExecution are only authorised here (the engine sends and starts). */
function fakeApi(calls: { principal: Principal; name: string }[], values: Map<string, string> = new Map()): Operation[] {
  return [
    defineOperation<ssm.CancelCommandRequest, ssm.CancelCommandResult>({
      service: 'ssm', name: 'CancelCommand', readOnly: false,
      permissions: (ctx) => [{ action: 'ssm:CancelCommand', resource: `arn:aws:ssm:${ctx.region}:${ctx.scope.accountId}:*` }],
      async handle(ctx, input) {
        calls.push({ principal: ctx.principal, name: `cancel ${input.CommandId}` });
        return {};
      },
    }),
    defineOperation<ssm.GetParameterRequest, ssm.GetParameterResult>({
      service: 'ssm', name: 'GetParameter', readOnly: true,
      permissions: (ctx, input) => [{ action: 'ssm:GetParameter', resource: `arn:aws:ssm:${ctx.region}:${ctx.scope.accountId}:parameter${input.Name}` }],
      async handle(ctx, input) {
        calls.push({ principal: ctx.principal, name: input.Name });
        return { Parameter: { Name: input.Name, Type: 'String', Value: values.get(input.Name) ?? `value of ${input.Name}`, Version: 1 } };
      },
    }),
    defineOperation<ssm.StartAutomationExecutionRequest, ssm.StartAutomationExecutionResult>({
      service: 'ssm', name: 'StartAutomationExecution', readOnly: false,
      permissions: (ctx, input) => [{ action: 'ssm:StartAutomationExecution', resource: `arn:aws:ssm:${ctx.region}:${ctx.scope.accountId}:automation-definition/${input.DocumentName}:$DEFAULT` }],
      async handle() {
        throw new Error('the engine starts children through startAutomationExecution, not the operation');
      },
    }),
    defineOperation<ssm.SendCommandRequest, ssm.SendCommandResult>({
      service: 'ssm', name: 'SendCommand', readOnly: false,
      permissions: (ctx, input) => [{ action: 'ssm:SendCommand', resource: `arn:aws:ssm:${ctx.region}:${ctx.scope.accountId}:document/${input.DocumentName}` }],
      async handle() {
        throw new Error('the engine sends through Run Command, not the operation');
      },
    }),
  ];
}

/** Run Command as the engine sees it: each send is a real command row. */
function fakeRunCommand(db: Db) {
  const sent: ssm.SendCommandRequest[] = [];
  let crashAfterInsert = false;
  const send = async (_scope: unknown, now: number, input: ssm.SendCommandRequest): Promise<CommandRow> => {
    sent.push(input);
    const commandId = `00000000-0000-4000-8000-${String(sent.length).padStart(12, '0')}`;
    const row = {
      command_id: commandId, account_id: ACCOUNT, region: 'us-east-1', document_name: input.DocumentName, document_arn: '', document_version: '1', document_hash: 'h', document_content: '{}',
      parameters: JSON.stringify(input.Parameters ?? {}), resolved_parameters: '{}', comment: input.Comment ?? '', instance_ids: JSON.stringify(input.InstanceIds), targets: '[]',
      requested_at: now, expires_at: now + 1000, timeout_seconds: 3600, execution_limit_ms: 1000, max_concurrency: '50', max_errors: '0', max_concurrency_n: 50,
      max_errors_n: 0, status: 'Pending', status_details: 'Pending', target_count: 1, started_count: 0, in_flight_count: 0, completed_count: 0, error_count: 0,
      delivery_timed_out_count: 0, success_count: 0, failed_count: 0, execution_timed_out_count: 0, undeliverable_count: 0, invalid_platform_count: 0, cancelled_count: 0,
      terminated_count: 0, cancel_requested: 0, output_s3_region: null, output_s3_bucket_name: null, output_s3_key_prefix: null, service_role: null, notification_config: null,
      cloudwatch_output_config: null, completed_at: null,
    } satisfies CommandRow;
    await insertCommand(db, row, [{ command_id: commandId, instance_id: input.InstanceIds![0], account_id: ACCOUNT, region: 'us-east-1', seq: 0, instance_name: '', status: 'Pending',
      status_details: 'Pending', response_code: -1, message_id: null, sent_at: null, acked_at: null, started_at: null, ended_at: null, deadline_at: null, plugins: '[]', updated_at: now }]);
    if (crashAfterInsert) {
      crashAfterInsert = false;
      throw new Error('server killed after SendCommand');
    }
    return row;
  };
  return { sent, send, crashNextSend: () => { crashAfterInsert = true; } };
}

for (const target of storeTargets) {
  describe(`Automation on ${target.name}`, { skip: target.skip }, () => {
    let store: TestStore;
    // A store per test: an engine's pass advances every due execution in its store.
    beforeEach(async () => { store = await target.open(); });
    afterEach(async () => { await store?.destroy(); });

    function setup(options: { authorize?: Authorizer } = {}) {
      const clock = { now: NOW };
      const calls: { principal: Principal; name: string }[] = [];
      const checks: { principal: string; permissions: readonly Permission[] }[] = [];
      const authorize: Authorizer = options.authorize ?? ((principal, permissions) => {
        checks.push({ principal: principal.arn, permissions });
        if (principal.type === 'IAMUser' && principal.userName === 'intruder') throw awsError('AccessDeniedException', `User: ${principal.arn} is not authorized to perform: ${permissions[0].action}`);
      });
      const values = new Map<string, string>();
      const api = apiInvoker({ operations: () => fakeApi(calls, values), authorize });
      const runCommand = fakeRunCommand(store.db);
      const operationDeps = { db: store.db, documents, engine: { wake() {} }, maxRunningExecutions: 100 };
      const child = { crashAfterStart: false, started: 0 };
      const startChild = async (principal: Principal, scope: typeof SCOPE, now: number, input: ssm.StartAutomationExecutionRequest, parentId: string) => {
        const id = await startAutomationExecution(operationDeps, fixtures.callContext(scope, { now, principal }), input, parentId);
        child.started++;
        if (child.crashAfterStart) {
          child.crashAfterStart = false;
          throw new Error('server killed after starting the child');
        }
        return id;
      };
      const engineFor = () => new AutomationEngine({
        db: store.db, now: () => clock.now, logger, api, sendCommand: runCommand.send, startChild, options: { claimLeaseMs: 30_000, commandPollMs: 1000 },
      });
      const engine = engineFor();
      const ops = automationOperations(operationDeps);
      const op = <I, O>(name: string) => async (input: I, principal: Principal = admin): Promise<O> => {
        const found = ops.find((o) => o.name === name)!;
        return (await found.handle(fixtures.callContext(SCOPE, { now: clock.now, principal }), input)) as O;
      };
      const start = async (input: ssm.StartAutomationExecutionRequest, principal?: Principal) =>
        (await op<ssm.StartAutomationExecutionRequest, ssm.StartAutomationExecutionResult>('StartAutomationExecution')(input, principal)).AutomationExecutionId!;
      const get = async (id: string) => (await op<ssm.GetAutomationExecutionRequest, ssm.GetAutomationExecutionResult>('GetAutomationExecution')({ AutomationExecutionId: id })).AutomationExecution!;
      const signal = op<ssm.SendAutomationSignalRequest, ssm.SendAutomationSignalResult>('SendAutomationSignal');
      const stop = op<ssm.StopAutomationExecutionRequest, ssm.StopAutomationExecutionResult>('StopAutomationExecution');
      const describeExecutions = op<ssm.DescribeAutomationExecutionsRequest, ssm.DescribeAutomationExecutionsResult>('DescribeAutomationExecutions');
      const describeSteps = op<ssm.DescribeAutomationStepExecutionsRequest, ssm.DescribeAutomationStepExecutionsResult>('DescribeAutomationStepExecutions');
      return { clock, calls, values, checks, runCommand, child, engine, engineFor, ops, start, get, signal, stop, describeExecutions, describeSteps };
    }

    const rejects = async (promise: Promise<unknown>, code: string, message?: RegExp) =>
      assert.rejects(promise, (e) => isAwsError(e) && e.code === code && (!message || message.test(e.message)));
    const stepStarts = async (id: string) => (await loadEvents(store.db, id)).filter((e) => e.type === 'StepStarted').map((e) => (e as { step: string }).step);

    test('an execution of sleeps runs each step once and succeeds when the last one wakes', async () => {
      const t = setup();
      const id = await t.start({ DocumentName: 'Sleepy' });
      await t.engine.runPass();
      let execution = await t.get(id);
      assert.equal(execution.AutomationExecutionStatus, 'InProgress');
      assert.equal(execution.CurrentStepName, 'first');
      t.clock.now = NOW + 10_000;
      await t.engine.runPass();
      await t.engine.runPass();
      assert.equal((await t.get(id)).CurrentStepName, 'second');
      t.clock.now = NOW + 30_000;
      await t.engine.runPass();
      execution = await t.get(id);
      assert.equal(execution.AutomationExecutionStatus, 'Success');
      assert.deepEqual(execution.StepExecutions!.map((s) => [s.StepName, s.StepStatus, s.Inputs!.Duration]), [['first', 'Success', '"PT10S"'], ['second', 'Success', '"PT20S"']]);
      assert.equal(execution.ExecutionEndTime!.getTime(), NOW + 30_000);
      assert.deepEqual(await stepStarts(id), ['first', 'second']);
    });

    test('another engine resumes an execution from its log once the first one\'s lease lapses, with no step run twice', async () => {
      const t = setup();
      const id = await t.start({ DocumentName: 'Sleepy' });
      await t.engine.runPass();
      // The first engine "crashes" holding the lease: claim it again and never release.
      await store.db.updateTable('automation_executions').set({ claimed_by: 'dead-replica', claimed_until: NOW + 30_000 }).where('execution_id', '=', id).execute();
      const restarted = t.engineFor();
      t.clock.now = NOW + 29_999;
      await restarted.runPass();
      assert.equal((await t.get(id)).CurrentStepName, 'first', 'a leased execution is left to its replica');
      t.clock.now = NOW + 40_000;
      await restarted.runPass();
      t.clock.now = NOW + 70_000;
      await restarted.runPass();
      assert.equal((await t.get(id)).AutomationExecutionStatus, 'Success');
      assert.deepEqual(await stepStarts(id), ['first', 'second']);
    });

    test('aws:executeAwsApi calls the API as the caller, and its selected output feeds a branch and the execution outputs', async () => {
      const t = setup();
      const alice = user('alice');
      const id = await t.start({ DocumentName: 'Lookup', Parameters: { Name: ['/app/x'] } }, alice);
      await t.engine.runPass();
      const execution = await t.get(id);
      assert.equal(execution.AutomationExecutionStatus, 'Success');
      assert.deepEqual(execution.StepExecutions!.map((s) => s.StepName), ['get', 'check', 'done']);
      assert.deepEqual(execution.StepExecutions![0].Outputs, { Value: ['value of /app/x'] });
      assert.deepEqual(execution.Outputs, { 'get.Value': ['value of /app/x'] });
      assert.deepEqual(t.calls.map((c) => [c.principal.arn, c.name]), [[alice.arn, '/app/x']]);
      assert.deepEqual(t.checks.map((c) => [c.principal, c.permissions[0].resource]), [[alice.arn, `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/app/x`]]);
    });

    test('aws:executeAwsApi fails its step with AccessDeniedException when the caller may not make the call', async () => {
      const t = setup();
      const id = await t.start({ DocumentName: 'Lookup', Parameters: { Name: ['/app/x'] } }, user('intruder'));
      await t.engine.runPass();
      const execution = await t.get(id);
      assert.equal(execution.AutomationExecutionStatus, 'Failed');
      assert.match(execution.StepExecutions![0].FailureMessage!, /^AccessDeniedException: User: .*intruder is not authorized/);
      assert.equal(t.calls.length, 0);
    });

    test('StartAutomationExecution checks parameters against the runbook', async () => {
      const t = setup();
      await rejects(t.start({ DocumentName: 'Lookup', Parameters: { Name: ['NOT A PATH'] } }), 'InvalidAutomationExecutionParametersException', /Name/);
      await rejects(t.start({ DocumentName: 'Lookup' }), 'InvalidAutomationExecutionParametersException', /required/);
      await rejects(t.start({ DocumentName: 'Sleepy', Parameters: { Extra: ['x'] } }), 'InvalidAutomationExecutionParametersException', /not defined/);
    });

    test('StartAutomationExecution refuses missing runbooks, Command documents and unknown actions', async () => {
      const t = setup();
      await rejects(t.start({ DocumentName: 'Nowhere' }), 'AutomationDefinitionNotFoundException');
      await rejects(t.start({ DocumentName: 'Sleepy', DocumentVersion: '7' }), 'AutomationDefinitionVersionNotFoundException');
      await rejects(t.start({ DocumentName: 'Shell' }), 'InvalidAutomationExecutionParametersException', /Command document/);
      await rejects(t.start({ DocumentName: 'Teleport' }), 'InvalidDocumentContent', /aws:teleport/);
      await rejects(t.start({ DocumentName: 'Sleepy', Mode: 'Interactive' }), 'ValidationException', /Interactive/);
    });

    test('a ClientToken given again answers the same execution', async () => {
      const t = setup();
      const a = await t.start({ DocumentName: 'Sleepy', ClientToken: 'same-token' });
      const b = await t.start({ DocumentName: 'Sleepy', ClientToken: 'same-token' });
      assert.equal(a, b);
    });

    test('aws:approve succeeds once MinRequiredApprovals approvers approved, named by ARN or user name', async () => {
      const t = setup();
      const id = await t.start({ DocumentName: 'Approval' });
      await t.engine.runPass();
      assert.equal((await t.get(id)).AutomationExecutionStatus, 'Waiting');
      await t.signal({ AutomationExecutionId: id, SignalType: 'Approve', Payload: { Comment: ['fine'] } }, user('alice'));
      await t.engine.advance(id);
      assert.equal((await t.get(id)).AutomationExecutionStatus, 'Waiting');
      await t.signal({ AutomationExecutionId: id, SignalType: 'Approve' }, user('bob'));
      await t.engine.advance(id);
      const execution = await t.get(id);
      assert.equal(execution.AutomationExecutionStatus, 'Success');
      assert.deepEqual(execution.StepExecutions![0].Outputs!.ApprovalStatus, ['Approved']);
    });

    test('an approval by a principal who is not an approver is AccessDeniedException and leaves the history as it was', async () => {
      const t = setup();
      const id = await t.start({ DocumentName: 'Approval' });
      await t.engine.runPass();
      const before = await loadEvents(store.db, id);
      await rejects(t.signal({ AutomationExecutionId: id, SignalType: 'Approve' }, user('mallory')), 'AccessDeniedException', /mallory is not an approver/);
      assert.deepEqual(await loadEvents(store.db, id), before);
      assert.equal((await t.get(id)).AutomationExecutionStatus, 'Waiting');
    });

    test('a rejection fails the approval step and the execution', async () => {
      const t = setup();
      const id = await t.start({ DocumentName: 'Approval' });
      await t.engine.runPass();
      await t.signal({ AutomationExecutionId: id, SignalType: 'Reject' }, user('bob'));
      await t.engine.advance(id);
      const execution = await t.get(id);
      assert.equal(execution.AutomationExecutionStatus, 'Failed');
      assert.match(execution.StepExecutions![0].FailureMessage!, /rejected by arn:aws:iam::123456789012:user\/bob/);
    });

    test('signals to a finished execution are InvalidAutomationSignalException and a second stop InvalidAutomationStatusUpdateException, history intact', async () => {
      const t = setup();
      const id = await t.start({ DocumentName: 'Approval' });
      await t.engine.runPass();
      await t.stop({ AutomationExecutionId: id });
      assert.equal((await t.get(id)).AutomationExecutionStatus, 'Cancelling');
      await t.engine.advance(id);
      assert.equal((await t.get(id)).AutomationExecutionStatus, 'Cancelled');
      const before = await loadEvents(store.db, id);
      await rejects(t.signal({ AutomationExecutionId: id, SignalType: 'Approve' }, user('alice')), 'InvalidAutomationSignalException');
      await rejects(t.stop({ AutomationExecutionId: id }), 'InvalidAutomationStatusUpdateException');
      assert.deepEqual(await loadEvents(store.db, id), before);
    });

    test('Resume is InvalidAutomationSignalException when no aws:pause step is waiting', async () => {
      const t = setup();
      const id = await t.start({ DocumentName: 'Approval' });
      await t.engine.runPass();
      await rejects(t.signal({ AutomationExecutionId: id, SignalType: 'Resume' }), 'InvalidAutomationSignalException', /not paused/);
      await rejects(t.signal({ AutomationExecutionId: id, SignalType: 'StartStep', Payload: { StepName: ['approve'] } }), 'InvalidAutomationSignalException', /Interactive/);
    });

    test('an unknown execution is AutomationExecutionNotFoundException', async () => {
      const t = setup();
      const ghost = 'ffffffff-0000-4000-8000-000000000000';
      await rejects(t.get(ghost), 'AutomationExecutionNotFoundException');
      await rejects(t.signal({ AutomationExecutionId: ghost, SignalType: 'Approve' }), 'AutomationExecutionNotFoundException');
      await rejects(t.stop({ AutomationExecutionId: ghost }), 'AutomationExecutionNotFoundException');
      await rejects(t.describeSteps({ AutomationExecutionId: ghost }), 'AutomationExecutionNotFoundException');
    });

    test('aws:runCommand sends through Run Command as the caller and succeeds when the command does', async () => {
      const t = setup();
      const id = await t.start({ DocumentName: 'Patch' });
      await t.engine.runPass();
      assert.equal(t.runCommand.sent.length, 1);
      assert.match(t.runCommand.sent[0].Comment!, new RegExp(`\\[automation ${id} 0\\.1\\]$`));
      assert.deepEqual(t.runCommand.sent[0].Parameters, { commands: ['true'] });
      assert.equal(t.checks.at(-1)!.permissions[0].action, 'ssm:SendCommand');
      const row = await findExecution(store.db, SCOPE, id);
      assert.equal(row!.due_at, NOW + 1000, 'it looks at the command again after commandPollMs');
      t.clock.now = NOW + 1000;
      await t.engine.runPass();
      assert.equal((await t.get(id)).AutomationExecutionStatus, 'InProgress');
      const commandId = '00000000-0000-4000-8000-000000000001';
      await store.db.updateTable('commands').set({ status: 'Success', status_details: 'Success' }).where('command_id', '=', commandId).execute();
      await store.db.updateTable('command_invocations').set({ status: 'Success', response_code: 0 }).where('command_id', '=', commandId).execute();
      t.clock.now = NOW + 2000;
      await t.engine.runPass();
      const execution = await t.get(id);
      assert.equal(execution.AutomationExecutionStatus, 'Success');
      assert.deepEqual(execution.StepExecutions![0].Outputs, { CommandId: [commandId], Status: ['Success'], ResponseCode: ['0'], Id: [commandId] });
      assert.equal(t.runCommand.sent.length, 1);
    });

    test('stopping an execution during aws:runCommand cancels its command as the caller', async () => {
      const t = setup();
      const alice = user('alice');
      const id = await t.start({ DocumentName: 'Patch' }, alice);
      await t.engine.runPass();
      await t.stop({ AutomationExecutionId: id });
      await t.engine.advance(id);
      assert.equal((await t.get(id)).AutomationExecutionStatus, 'Cancelled');
      assert.deepEqual(t.calls.map((c) => [c.principal.arn, c.name]), [[alice.arn, 'cancel 00000000-0000-4000-8000-000000000001']]);
    });

    test('aws:runCommand does not send again after a crash between sending the command and recording it', async () => {
      const t = setup();
      const id = await t.start({ DocumentName: 'Patch' });
      t.runCommand.crashNextSend();
      await assert.rejects(t.engine.runPass(), /server killed/);
      await t.engineFor().runPass();
      assert.equal(t.runCommand.sent.length, 1);
      const sent = (await loadEvents(store.db, id)).filter((e) => e.type === 'CommandSent');
      assert.equal(sent.length, 1);
    });

    test('aws:runCommand fails its step when the caller may not send the command, and sends nothing', async () => {
      const t = setup();
      const id = await t.start({ DocumentName: 'Patch' }, user('intruder'));
      await t.engine.runPass();
      assert.equal((await t.get(id)).AutomationExecutionStatus, 'Failed');
      assert.equal(t.runCommand.sent.length, 0);
    });

    test('DescribeAutomationExecutions filters by status and document prefix and pages newest first', async () => {
      const t = setup();
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        t.clock.now = NOW + 1_000_000 + i;
        ids.push(await t.start({ DocumentName: 'Approval' }));
      }
      await t.engine.runPass();
      const all = (await t.describeExecutions({ Filters: [{ Key: 'DocumentNamePrefix', Values: ['Appr'] }, { Key: 'ExecutionStatus', Values: ['Waiting'] }], MaxResults: 2 }));
      const mine = (list: ssm.AutomationExecutionMetadata[] | undefined) => (list ?? []).map((m) => m.AutomationExecutionId).filter((x) => ids.includes(x!));
      assert.deepEqual(mine(all.AutomationExecutionMetadataList).slice(0, 2), [ids[2], ids[1]]);
      assert.ok(all.NextToken);
      const byId = await t.describeExecutions({ Filters: [{ Key: 'ExecutionId', Values: [ids[0]] }] });
      assert.deepEqual(byId.AutomationExecutionMetadataList!.map((m) => [m.AutomationExecutionId, m.CurrentAction, m.AutomationExecutionStatus]), [[ids[0], 'aws:approve', 'Waiting']]);
      const none = await t.describeExecutions({ Filters: [{ Key: 'StartTimeBefore', Values: [new Date(NOW).toISOString()] }, { Key: 'ExecutionId', Values: [ids[0]] }] });
      assert.deepEqual(none.AutomationExecutionMetadataList, []);
    });

    test('DescribeAutomationStepExecutions filters steps by name and status, in reverse on request', async () => {
      const t = setup();
      const id = await t.start({ DocumentName: 'Sleepy' });
      await t.engine.runPass();
      t.clock.now = NOW + 10_000;
      await t.engine.runPass();
      const all = await t.describeSteps({ AutomationExecutionId: id, ReverseOrder: true });
      assert.deepEqual(all.StepExecutions!.map((s) => [s.StepName, s.StepStatus]), [['second', 'InProgress'], ['first', 'Success']]);
      const done = await t.describeSteps({ AutomationExecutionId: id, Filters: [{ Key: 'StepExecutionStatus', Values: ['Success'] }] });
      assert.deepEqual(done.StepExecutions!.map((s) => s.StepName), ['first']);
      const paged = await t.describeSteps({ AutomationExecutionId: id, MaxResults: 1 });
      assert.equal(paged.StepExecutions!.length, 1);
      const rest = await t.describeSteps({ AutomationExecutionId: id, MaxResults: 1, NextToken: paged.NextToken });
      assert.deepEqual(rest.StepExecutions!.map((s) => s.StepName), ['second']);
    });

    /** Passes until nothing is due now (woken executions included). */
    async function runAll(t: ReturnType<typeof setup>): Promise<void> {
      for (let i = 0; i < 20; i++) {
        await t.engine.runPass();
        await t.engine.settle();
        const due = await store.db.selectFrom('automation_executions').select('execution_id').where('due_at', '<=', t.clock.now).execute();
        if (due.length === 0) return;
      }
      throw new Error('executions still due after 20 passes');
    }

    test('aws:executeAutomation runs a child execution as the caller and takes its status and outputs', async () => {
      const t = setup();
      const alice = user('alice');
      const id = await t.start({ DocumentName: 'Parent' }, alice);
      await runAll(t);
      const parent = await t.get(id);
      assert.equal(parent.AutomationExecutionStatus, 'Waiting', parent.FailureMessage);
      const step = parent.StepExecutions![0];
      assert.equal(step.StepStatus, 'Success');
      const childId = step.Outputs!.ExecutionId[0];
      const child = await t.get(childId);
      assert.equal(child.AutomationExecutionStatus, 'Success');
      assert.equal(child.ExecutedBy, alice.arn);
      assert.deepEqual(JSON.parse(step.Outputs!.Output[0]), { 'get.Value': ['value of /app/x'] });
      assert.equal(parent.StepExecutions![1].Inputs!.Message, JSON.stringify(childId));
      const listed = await t.describeExecutions({ Filters: [{ Key: 'ParentExecutionId', Values: [id] }] });
      assert.deepEqual(listed.AutomationExecutionMetadataList!.map((m) => m.AutomationExecutionId), [childId]);
    });

    test('aws:executeAutomation finds its child again after a crash between starting it and recording it', async () => {
      const t = setup();
      const id = await t.start({ DocumentName: 'Parent' });
      t.child.crashAfterStart = true;
      await assert.rejects(t.engine.runPass(), /server killed/);
      await runAll(t);
      assert.equal(t.child.started, 2, 'the second start answered the same child (its ClientToken)');
      const children = await t.describeExecutions({ Filters: [{ Key: 'ParentExecutionId', Values: [id] }] });
      assert.equal(children.AutomationExecutionMetadataList!.length, 1);
      assert.equal((await t.get(id)).StepExecutions![0].StepStatus, 'Success');
    });

    test('stopping a parent stops the child its aws:executeAutomation step follows', async () => {
      const t = setup();
      const id = await t.start({ DocumentName: 'WaitsOnChild' });
      await runAll(t);
      const [child] = (await t.describeExecutions({ Filters: [{ Key: 'ParentExecutionId', Values: [id] }] })).AutomationExecutionMetadataList!;
      assert.equal(child.AutomationExecutionStatus, 'Waiting');
      assert.equal(child.ParentAutomationExecutionId, id);
      await t.stop({ AutomationExecutionId: id });
      await t.engine.advance(id);
      await t.engine.settle();
      assert.equal((await t.get(id)).AutomationExecutionStatus, 'Cancelled');
      assert.equal((await t.get(child.AutomationExecutionId!)).AutomationExecutionStatus, 'Cancelled');
    });

    test('aws:executeAutomation nests at most 5 deep: the sixth start fails and the failure climbs back up', async () => {
      const t = setup();
      const id = await t.start({ DocumentName: 'Recurse' });
      await runAll(t);
      const all = await t.describeExecutions({ Filters: [{ Key: 'DocumentNamePrefix', Values: ['Recurse'] }] });
      assert.equal(all.AutomationExecutionMetadataList!.length, 5);
      assert.ok(all.AutomationExecutionMetadataList!.every((m) => m.AutomationExecutionStatus === 'Failed'));
      const deepest = all.AutomationExecutionMetadataList!.find((m) => /at most 5 deep/.test(m.FailureMessage ?? ''));
      assert.ok(deepest, JSON.stringify(all.AutomationExecutionMetadataList!.map((m) => m.FailureMessage)));
      assert.equal((await t.get(id)).AutomationExecutionStatus, 'Failed');
    });

    test('aws:assertAwsResourceProperty succeeds when the selected property is a desired value and fails naming it otherwise', async () => {
      const t = setup();
      const ok = await t.start({ DocumentName: 'Asserts', Parameters: { Want: ['1'] } });
      const bad = await t.start({ DocumentName: 'Asserts', Parameters: { Want: ['2'] } });
      await t.engine.runPass();
      assert.equal((await t.get(ok)).AutomationExecutionStatus, 'Success');
      const failed = await t.get(bad);
      assert.equal(failed.AutomationExecutionStatus, 'Failed');
      assert.match(failed.StepExecutions![0].FailureMessage!, /\$\.Parameter\.Version is "1", not one of \["2"\]/);
    });

    test('aws:waitForAwsResourceProperty looks again until the property holds, or times out', async () => {
      const t = setup();
      const id = await t.start({ DocumentName: 'WaitsFor' });
      await t.engine.runPass();
      assert.equal((await t.get(id)).AutomationExecutionStatus, 'InProgress');
      assert.equal((await findExecution(store.db, SCOPE, id))!.due_at, NOW + 1000);
      t.values.set('/app/state', 'ready');
      t.clock.now = NOW + 1000;
      await t.engine.runPass();
      assert.equal((await t.get(id)).AutomationExecutionStatus, 'Success');

      t.values.clear();
      const late = await t.start({ DocumentName: 'WaitsFor' });
      await t.engine.runPass();
      t.clock.now = NOW + 61_000;
      await t.engine.runPass();
      assert.equal((await t.get(late)).StepExecutions![0].StepStatus, 'TimedOut');
    });

    test('aws:waitForAwsResourceProperty refuses an API that changes something', async () => {
      const t = setup();
      const id = await t.start({ DocumentName: 'WaitsOnWrite' });
      await t.engine.runPass();
      assert.match((await t.get(id)).StepExecutions![0].FailureMessage!, /read-only APIs only/);
      assert.equal(t.runCommand.sent.length, 0);
    });

    test('StartChangeRequestExecution is refused as not supported', async () => {
      const t = setup();
      const op = t.ops.find((o) => o.name === 'StartChangeRequestExecution')!;
      await rejects(op.handle(fixtures.callContext(SCOPE, { now: NOW }), { DocumentName: 'Sleepy', Runbooks: [{ DocumentName: 'Sleepy' }] }), 'ValidationException', /Change Manager is not supported/);
    });
  });
}
