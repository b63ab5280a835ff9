import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { awsError, type ssm } from '@bosun/protocol';
import type { Operation } from '../api/operation.ts';
import { insertCommand, type CommandRow, type InvocationRow as CommandInvocationRow } from '../commands/command-store.ts';
import type { DocumentSource } from '../commands/document-source.ts';
import { createLogger } from '../logger.ts';
import { insertActivation, registerInstance } from '../nodes/nodes-store.ts';
import type { Db } from '../store/store.ts';
import { fixtures } from '../testing/fixtures.ts';
import { storeTargets } from '../testing/stores.ts';
import { maintenanceWindowOperations } from './operations.ts';
import { commandComment, WindowEngine } from './window-engine.ts';
import { findWindow, listExecutions, listInvocations, listTaskExecutions } from './window-store.ts';

const HOUR = 3_600_000;
/** Tuesday 2027-01-05 16:00 UTC: the due time of cron(0 16 ? * TUE *). */
const DUE = Date.parse('2027-01-05T16:00:00Z');
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const SCOPE = { accountId: ACCOUNT, region: REGION };
const node = (i: number) => `mi-${String(i).padStart(17, '0')}`;
const logger = createLogger({ format: 'json', level: 'fatal' });

const documents: DocumentSource = async (_db, input) => {
  if (input.nameOrArn !== 'AWS-RunShellScript') throw awsError('InvalidDocument', `Document ${input.nameOrArn} does not exist.`);
  return {
    name: 'AWS-RunShellScript', arn: 'arn:aws:ssm:us-east-1::document/AWS-RunShellScript', ownerAccountId: '', documentVersion: '1', documentType: 'Command', hash: 'h',
    contentJson: '{}', platformTypes: ['Linux'], stepCount: 1, resolveParameters: (p) => ({ ...(p ?? {}) }),
  };
};

async function nodes(db: Db, count: number): Promise<void> {
  await insertActivation(db, {
    activation_id: 'a', account_id: ACCOUNT, region: REGION, code_hash: 'h', description: null, default_instance_name: null, iam_role: 'Role',
    registration_limit: 1000, registrations_count: 0, expires_at: DUE + HOUR * 1000, created_at: DUE - HOUR * 1000, tags: '[{"Key":"Patch","Value":"weekly"}]', registration_metadata: '[]',
  });
  for (let i = 1; i <= count; i++) {
    await registerInstance(db, { activationId: 'a', codeHash: 'h', now: DUE - HOUR * 1000, instance: {
      instance_id: node(i), public_key: 'pem', registered_at: DUE - HOUR * 1000, deregistered_at: null, last_ping_at: null, agent_version: null, platform_name: null,
      platform_type: null, platform_version: null, computer_name: null, ip_address: null, clock_offset_ms: null, refused_reason: null, refused_at: null, refused_skew_ms: null,
    } });
  }
}

/** Run Command as the engine sees it: each send a real command row with Pending invocations; `finish` ends one. */
function fakeRunCommand(db: Db) {
  const sent: ssm.SendCommandRequest[] = [];
  const cancelled: string[] = [];
  let n = 0;
  const send = async (_scope: unknown, now: number, input: ssm.SendCommandRequest): Promise<CommandRow> => {
    sent.push(input);
    const commandId = `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
    const row = {
      command_id: commandId, account_id: ACCOUNT, region: REGION, document_name: input.DocumentName, document_arn: '', document_version: '1', document_hash: 'h', document_content: '{}',
      parameters: JSON.stringify(input.Parameters ?? {}), resolved_parameters: '{}', comment: input.Comment ?? '', instance_ids: JSON.stringify(input.InstanceIds), targets: '[]',
      requested_at: now, expires_at: now + 1000, timeout_seconds: 3600, execution_limit_ms: 1000, max_concurrency: input.MaxConcurrency ?? '50', max_errors: input.MaxErrors ?? '0',
      max_concurrency_n: 50, max_errors_n: 0, status: 'InProgress', status_details: 'InProgress', target_count: input.InstanceIds!.length, started_count: 0, in_flight_count: 0,
      completed_count: 0, error_count: 0, delivery_timed_out_count: 0, success_count: 0, failed_count: 0, execution_timed_out_count: 0, undeliverable_count: 0,
      invalid_platform_count: 0, cancelled_count: 0, terminated_count: 0, cancel_requested: 0, output_s3_region: null, output_s3_bucket_name: null, output_s3_key_prefix: null,
      service_role: null, notification_config: null, cloudwatch_output_config: null, completed_at: null,
    } satisfies CommandRow;
    const invocations: CommandInvocationRow[] = input.InstanceIds!.map((instanceId, seq) => ({
      command_id: commandId, instance_id: instanceId, account_id: ACCOUNT, region: REGION, seq, instance_name: '', status: 'InProgress', status_details: 'InProgress', response_code: -1,
      message_id: null, sent_at: null, acked_at: null, started_at: now, ended_at: null, deadline_at: null, plugins: '[]', updated_at: now,
    }));
    await insertCommand(db, row, invocations);
    return row;
  };
  const finish = async (commandId: string, status: 'Success' | 'Failed' | 'Cancelled', instanceId?: string) => {
    let q = db.updateTable('command_invocations').set({ status, status_details: status, response_code: status === 'Success' ? 0 : 1, ended_at: DUE + 60_000 }).where('command_id', '=', commandId);
    if (instanceId) q = q.where('instance_id', '=', instanceId);
    await q.execute();
  };
  const cancel = async (commandId: string) => {
    cancelled.push(commandId);
  };
  const idOf = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
  return { sent, cancelled, send, finish, cancel, idOf };
}

type Ops = Record<string, (input: unknown) => Promise<Record<string, unknown>>>;

/** The operations, called as the admin at the clock's time. */
function operations(db: Db, clock: { now: number }): Ops {
  const ops = maintenanceWindowOperations({ db, documents });
  return Object.fromEntries(ops.map((op: Operation) => [op.name, (input: unknown) => op.handle(fixtures.callContext(SCOPE, { now: clock.now }), input) as Promise<Record<string, unknown>>]));
}

/** A weekly window (Tuesdays 16:00 UTC, 4 h, cutoff 1 h) made an hour before its due time, with one target: the `count` nodes. */
async function weeklyWindow(ops: Ops, count: number, extra: Partial<ssm.CreateMaintenanceWindowRequest> = {}): Promise<{ windowId: string; targetId: string }> {
  const { WindowId } = await ops.CreateMaintenanceWindow({ Name: 'weekly-patch', Schedule: 'cron(0 16 ? * TUE *)', Duration: 4, Cutoff: 1, AllowUnassociatedTargets: false, ...extra });
  const { WindowTargetId } = await ops.RegisterTargetWithMaintenanceWindow({
    WindowId, ResourceType: 'INSTANCE', Targets: [{ Key: 'InstanceIds', Values: Array.from({ length: count }, (_, i) => node(i + 1)) }], OwnerInformation: 'ops-team',
  });
  return { windowId: WindowId as string, targetId: WindowTargetId as string };
}

async function task(ops: Ops, windowId: string, targetId: string, options: { priority?: number; commands?: string[]; cutoffBehavior?: string; maxConcurrency?: string; maxErrors?: string } = {}): Promise<string> {
  const { WindowTaskId } = await ops.RegisterTaskWithMaintenanceWindow({
    WindowId: windowId, TaskArn: 'AWS-RunShellScript', TaskType: 'RUN_COMMAND', Targets: [{ Key: 'WindowTargetIds', Values: [targetId] }], Priority: options.priority ?? 1,
    MaxConcurrency: options.maxConcurrency ?? '10', MaxErrors: options.maxErrors ?? '0', CutoffBehavior: options.cutoffBehavior,
    TaskInvocationParameters: { RunCommand: { Parameters: { commands: options.commands ?? ['echo {{WINDOW_ID}} {{WINDOW_EXECUTION_ID}}'] } } },
  });
  return WindowTaskId as string;
}

function engineFor(db: Db, run: ReturnType<typeof fakeRunCommand>, clock: { now: number }) {
  return new WindowEngine({ db, send: run.send, cancel: run.cancel, now: () => clock.now, logger, options: { claimLeaseMs: 30_000 } });
}

for (const target of storeTargets) {
  describe(`maintenance window engine (${target.name})`, { skip: target.skip }, () => {
    test('a due window runs its tasks by priority: lower first, equal ones together, each one Run Command command with the pseudo-parameters filled in', async () => {
      const store = await target.open();
      try {
        await nodes(store.db, 3);
        const clock = { now: DUE - HOUR };
        const ops = operations(store.db, clock);
        const { windowId, targetId } = await weeklyWindow(ops, 3);
        await task(ops, windowId, targetId, { priority: 2, commands: ['echo second'] });
        await task(ops, windowId, targetId, { priority: 1, commands: ['echo first a'] });
        await task(ops, windowId, targetId, { priority: 1, commands: ['echo first b on {{RESOURCE_ID}}'] });
        const run = fakeRunCommand(store.db);
        const engine = engineFor(store.db, run, clock);
        await engine.tick();
        assert.equal(run.sent.length, 0, 'nothing before the due time');
        clock.now = DUE + 100;
        await engine.tick();
        // Priority 1: the task without per-node values is one command over the 3 nodes; the one with {{RESOURCE_ID}} one command per node.
        assert.deepEqual(run.sent.map((s) => [s.Parameters!.commands[0], s.InstanceIds]).sort(), [
          ['echo first a', [node(1), node(2), node(3)]], ['echo first b on ' + node(1), [node(1)]], ['echo first b on ' + node(2), [node(2)]], ['echo first b on ' + node(3), [node(3)]],
        ]);
        const [execution] = await listExecutions(store.db, SCOPE, windowId);
        assert.deepEqual([execution.status, execution.due_at, execution.start_time], ['IN_PROGRESS', DUE, DUE + 100]);
        for (let i = 1; i <= 4; i++) await run.finish(run.idOf(i), 'Success');
        await engine.tick();
        assert.equal(run.sent.length, 5, 'priority 2 starts once priority 1 has ended');
        assert.equal(run.sent[4].Parameters!.commands[0], 'echo second');
        assert.equal(run.sent[4].Comment, commandComment((await listTaskExecutions(store.db, execution.window_execution_id)).find((t) => t.priority === 2)!.task_execution_id));
        await run.finish(run.idOf(5), 'Success');
        await engine.tick();
        const ended = (await listExecutions(store.db, SCOPE, windowId))[0];
        assert.deepEqual([ended.status, ended.end_time], ['SUCCESS', DUE + 100]);
        const tasks = await listTaskExecutions(store.db, execution.window_execution_id);
        assert.deepEqual(tasks.map((t) => t.status), ['SUCCESS', 'SUCCESS', 'SUCCESS']);
        const invocations = await listInvocations(store.db, tasks[0].task_execution_id);
        assert.equal(invocations.length, 3);
        assert.ok(invocations.every((i) => i.status === 'SUCCESS' && i.window_target_id === targetId && i.owner_information === 'ops-team'));
        assert.equal((await findWindow(store.db, SCOPE, windowId))!.next_due_at, DUE + 7 * 24 * HOUR);
        const first = run.sent.find((s) => s.Parameters!.commands[0] === 'echo second')!;
        assert.equal(first.MaxConcurrency, '10');
      } finally {
        await store.destroy();
      }
    });

    test('two engines on one store (two replicas, or a restart racing the old process) start a due time once', async () => {
      const store = await target.open();
      try {
        await nodes(store.db, 2);
        const clock = { now: DUE - HOUR };
        const ops = operations(store.db, clock);
        const { windowId, targetId } = await weeklyWindow(ops, 2);
        await task(ops, windowId, targetId);
        const run = fakeRunCommand(store.db);
        const a = engineFor(store.db, run, clock);
        const b = engineFor(store.db, run, clock);
        clock.now = DUE + 10;
        await Promise.all([a.tick(), b.tick(), a.tick(), b.tick()]);
        assert.equal((await listExecutions(store.db, SCOPE, windowId)).length, 1);
        assert.equal(run.sent.length, 1);
      } finally {
        await store.destroy();
      }
    });

    test('missed due times are not replayed: the most recent runs while tasks may still start, the others are recorded as skipped', async () => {
      const store = await target.open();
      try {
        await nodes(store.db, 1);
        const clock = { now: DUE - HOUR };
        const ops = operations(store.db, clock);
        const { windowId, targetId } = await weeklyWindow(ops, 1, { Schedule: 'rate(1 hour)', Duration: 2, Cutoff: 1 });
        await task(ops, windowId, targetId);
        const first = (await findWindow(store.db, SCOPE, windowId))!.next_due_at!;
        assert.equal(first, DUE);
        // Down for 3 h 20 min: due times DUE, +1 h, +2 h, +3 h; the last can still start tasks (until +4 h... cutoff at +3 h + 1 h).
        clock.now = DUE + 3 * HOUR + 20 * 60_000;
        const run = fakeRunCommand(store.db);
        await engineFor(store.db, run, clock).tick();
        const executions = await listExecutions(store.db, SCOPE, windowId);
        const byDue = [...executions].sort((x, y) => x.due_at - y.due_at).map((e) => [e.due_at - DUE, e.status]);
        assert.deepEqual(byDue, [[0, 'SKIPPED_OVERLAPPING'], [HOUR, 'SKIPPED_OVERLAPPING'], [2 * HOUR, 'SKIPPED_OVERLAPPING'], [3 * HOUR, 'IN_PROGRESS']]);
        assert.match(executions.find((e) => e.due_at === DUE)!.status_details, /server was not running/);
        assert.equal(run.sent.length, 1);
        assert.equal((await findWindow(store.db, SCOPE, windowId))!.next_due_at, DUE + 4 * HOUR);
      } finally {
        await store.destroy();
      }
    });

    test('a missed due time past its cutoff is skipped, and a due time while the previous execution runs is SKIPPED_OVERLAPPING', async () => {
      const store = await target.open();
      try {
        await nodes(store.db, 1);
        const clock = { now: DUE - HOUR };
        const ops = operations(store.db, clock);
        const { windowId, targetId } = await weeklyWindow(ops, 1, { Schedule: 'rate(1 hour)', Duration: 3, Cutoff: 1 });
        await task(ops, windowId, targetId, { cutoffBehavior: 'CONTINUE_TASK' });
        const run = fakeRunCommand(store.db);
        const engine = engineFor(store.db, run, clock);
        clock.now = DUE + 5;
        await engine.tick();
        clock.now = DUE + HOUR + 5;
        await engine.tick();
        let executions = (await listExecutions(store.db, SCOPE, windowId)).sort((x, y) => x.due_at - y.due_at);
        assert.deepEqual(executions.map((e) => e.status), ['IN_PROGRESS', 'SKIPPED_OVERLAPPING']);
        assert.match(executions[1].status_details, /previous execution/);
        assert.equal(run.sent.length, 1);

        await run.finish(run.idOf(1), 'Success');
        await engine.tick();
        // The server is down from +1 h until +4 h 30: the +2 h run's cutoff (+4 h) is past, the +3 h one's (+5 h) is not; the +4 h one is the latest.
        clock.now = DUE + 4 * HOUR + 30 * 60_000;
        await engine.tick();
        executions = (await listExecutions(store.db, SCOPE, windowId)).sort((x, y) => x.due_at - y.due_at);
        assert.deepEqual(executions.map((e) => [(e.due_at - DUE) / HOUR, e.status]), [
          [0, 'SUCCESS'], [1, 'SKIPPED_OVERLAPPING'], [2, 'SKIPPED_OVERLAPPING'], [3, 'SKIPPED_OVERLAPPING'], [4, 'IN_PROGRESS'],
        ]);
      } finally {
        await store.destroy();
      }
    });

    test('no task starts after the cutoff: the execution ends TIMED_OUT with the pending task not started', async () => {
      const store = await target.open();
      try {
        await nodes(store.db, 1);
        const clock = { now: DUE - HOUR };
        const ops = operations(store.db, clock);
        const { windowId, targetId } = await weeklyWindow(ops, 1);
        await task(ops, windowId, targetId, { priority: 1 });
        await task(ops, windowId, targetId, { priority: 2 });
        const run = fakeRunCommand(store.db);
        const engine = engineFor(store.db, run, clock);
        clock.now = DUE;
        await engine.tick();
        // Duration 4, Cutoff 1: the first task ends after 3 h, when no new task may start.
        clock.now = DUE + 3 * HOUR;
        await run.finish(run.idOf(1), 'Success');
        await engine.tick();
        assert.equal(run.sent.length, 1);
        const [execution] = await listExecutions(store.db, SCOPE, windowId);
        assert.equal(execution.status, 'TIMED_OUT');
        const tasks = await listTaskExecutions(store.db, execution.window_execution_id);
        assert.deepEqual(tasks.map((t) => [t.status, t.status_details]), [['SUCCESS', 'Success'], ['CANCELLED', 'The task was not started: the maintenance window reached its cutoff.']]);
      } finally {
        await store.destroy();
      }
    });

    test('at the window\'s end a CANCEL_TASK task is cancelled and TIMED_OUT, a CONTINUE_TASK task runs on to its end', async () => {
      const store = await target.open();
      try {
        await nodes(store.db, 1);
        const clock = { now: DUE - HOUR };
        const ops = operations(store.db, clock);
        const { windowId, targetId } = await weeklyWindow(ops, 1);
        await task(ops, windowId, targetId, { cutoffBehavior: 'CANCEL_TASK', commands: ['sleep 99999'] });
        await task(ops, windowId, targetId, { cutoffBehavior: 'CONTINUE_TASK', commands: ['sleep 99998'] });
        const run = fakeRunCommand(store.db);
        const engine = engineFor(store.db, run, clock);
        clock.now = DUE;
        await engine.tick();
        assert.equal(run.sent.length, 2);
        clock.now = DUE + 4 * HOUR;
        await engine.tick();
        const cancelTask = run.sent.findIndex((s) => s.Parameters!.commands[0] === 'sleep 99999') + 1;
        assert.deepEqual(run.cancelled, [run.idOf(cancelTask)]);
        const [execution] = await listExecutions(store.db, SCOPE, windowId);
        let tasks = await listTaskExecutions(store.db, execution.window_execution_id);
        const byCommand = async (i: number) => {
          for (const t of tasks) if ((await listInvocations(store.db, t.task_execution_id))[0].execution_id === run.idOf(i)) return t;
          throw new Error('no task');
        };
        assert.equal((await byCommand(cancelTask)).status, 'TIMED_OUT');
        assert.equal((await byCommand(3 - cancelTask)).status, 'IN_PROGRESS');
        assert.equal(execution.status, 'IN_PROGRESS');
        await run.finish(run.idOf(3 - cancelTask), 'Success');
        await engine.tick();
        tasks = await listTaskExecutions(store.db, execution.window_execution_id);
        assert.equal((await byCommand(3 - cancelTask)).status, 'SUCCESS');
        assert.equal((await listExecutions(store.db, SCOPE, windowId))[0].status, 'TIMED_OUT');
      } finally {
        await store.destroy();
      }
    });

    test('CancelMaintenanceWindowExecution cancels the running task\'s command, drops the pending ones and ends CANCELLED', async () => {
      const store = await target.open();
      try {
        await nodes(store.db, 1);
        const clock = { now: DUE - HOUR };
        const ops = operations(store.db, clock);
        const { windowId, targetId } = await weeklyWindow(ops, 1);
        await task(ops, windowId, targetId, { priority: 1 });
        await task(ops, windowId, targetId, { priority: 2 });
        const run = fakeRunCommand(store.db);
        const engine = engineFor(store.db, run, clock);
        clock.now = DUE;
        await engine.tick();
        const [execution] = await listExecutions(store.db, SCOPE, windowId);
        await ops.CancelMaintenanceWindowExecution({ WindowExecutionId: execution.window_execution_id });
        assert.equal((await listExecutions(store.db, SCOPE, windowId))[0].status, 'CANCELLING');
        await engine.tick();
        assert.deepEqual(run.cancelled, [run.idOf(1)]);
        await run.finish(run.idOf(1), 'Cancelled');
        await engine.tick();
        await engine.tick();
        const tasks = await listTaskExecutions(store.db, execution.window_execution_id);
        assert.deepEqual(tasks.map((t) => t.status), ['CANCELLED', 'CANCELLED']);
        assert.equal((await listExecutions(store.db, SCOPE, windowId))[0].status, 'CANCELLED');
        assert.equal(run.sent.length, 1);
      } finally {
        await store.destroy();
      }
    });

    test('a task with {{RESOURCE_ID}} sends one command per node, at most MaxConcurrency at a time, and none more after MaxErrors', async () => {
      const store = await target.open();
      try {
        await nodes(store.db, 4);
        const clock = { now: DUE - HOUR };
        const ops = operations(store.db, clock);
        const { windowId, targetId } = await weeklyWindow(ops, 4);
        await task(ops, windowId, targetId, { commands: ['patch {{RESOURCE_ID}} of {{TARGET_ID}}'], maxConcurrency: '1', maxErrors: '1' });
        const run = fakeRunCommand(store.db);
        const engine = engineFor(store.db, run, clock);
        clock.now = DUE;
        await engine.tick();
        assert.deepEqual(run.sent.map((s) => s.Parameters!.commands[0]), [`patch ${node(1)} of ${targetId}`]);
        await engine.tick();
        assert.equal(run.sent.length, 1, 'one at a time');
        await run.finish(run.idOf(1), 'Failed');
        await engine.tick();
        assert.equal(run.sent.length, 2, 'one error is allowed');
        await run.finish(run.idOf(2), 'Failed');
        await engine.tick();
        await engine.tick();
        assert.equal(run.sent.length, 2, 'the second error stops it');
        const [execution] = await listExecutions(store.db, SCOPE, windowId);
        const [t] = await listTaskExecutions(store.db, execution.window_execution_id);
        assert.deepEqual((await listInvocations(store.db, t.task_execution_id)).map((i) => i.status), ['FAILED', 'FAILED', 'CANCELLED', 'CANCELLED']);
        assert.equal(t.status, 'FAILED');
        assert.equal(execution.status, 'FAILED');
      } finally {
        await store.destroy();
      }
    });

    test('a task whose starter crashed before recording its command is taken over after the lease and reuses the command it had made', async () => {
      const store = await target.open();
      try {
        await nodes(store.db, 2);
        const clock = { now: DUE - HOUR };
        const ops = operations(store.db, clock);
        const { windowId, targetId } = await weeklyWindow(ops, 2);
        await task(ops, windowId, targetId);
        // The first process claims the task and makes its command, then dies before recording it (its send never returns).
        const crashed = fakeRunCommand(store.db);
        const lost: string[] = [];
        let made!: () => void;
        const madeCommand = new Promise<void>((resolve) => { made = resolve; });
        const crashing = new WindowEngine({
          db: store.db, now: () => clock.now, logger, cancel: crashed.cancel,
          send: async (scope, now, input) => {
            lost.push((await crashed.send(scope, now, input)).command_id);
            made();
            return new Promise<never>(() => {});
          },
        });
        clock.now = DUE;
        void crashing.runDue();
        await madeCommand;
        const [execution] = await listExecutions(store.db, SCOPE, windowId);
        const [t] = await listTaskExecutions(store.db, execution.window_execution_id);
        assert.deepEqual((await listInvocations(store.db, t.task_execution_id)).map((i) => i.execution_id), [null, null]);
        const run = fakeRunCommand(store.db);
        const restarted = engineFor(store.db, run, clock);
        clock.now = DUE + 10_000;
        await restarted.tick();
        assert.equal(run.sent.length, 0, 'not taken over within the lease');
        clock.now = DUE + 31_000;
        await restarted.tick();
        assert.equal(run.sent.length, 0, 'the command made before the crash is found by its comment');
        assert.deepEqual((await listInvocations(store.db, t.task_execution_id)).map((i) => i.execution_id), [lost[0], lost[0]]);
      } finally {
        await store.destroy();
      }
    });

    test('a disabled window does not run, and enabling it again schedules from now', async () => {
      const store = await target.open();
      try {
        await nodes(store.db, 1);
        const clock = { now: DUE - HOUR };
        const ops = operations(store.db, clock);
        const { windowId, targetId } = await weeklyWindow(ops, 1);
        await task(ops, windowId, targetId);
        await ops.UpdateMaintenanceWindow({ WindowId: windowId, Enabled: false });
        const run = fakeRunCommand(store.db);
        clock.now = DUE + 10;
        await engineFor(store.db, run, clock).tick();
        assert.equal(run.sent.length, 0);
        await ops.UpdateMaintenanceWindow({ WindowId: windowId, Enabled: true });
        assert.equal((await findWindow(store.db, SCOPE, windowId))!.next_due_at, DUE + 7 * 24 * HOUR);
      } finally {
        await store.destroy();
      }
    });
  });
}
