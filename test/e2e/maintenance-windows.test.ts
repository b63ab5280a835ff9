/**
 * Maintenance windows through the SDK against a real server with real agent processes: a real
 * window due within seconds runs its tasks on its registered nodes by priority through Run
 * Command, with the pseudo-parameters filled in, and records its execution, tasks and
 * invocations; a running execution is cancelled; the definitions' operations; the schedule
 * across a DST change; bad input refused with AWS's errors and nothing created.
 * Each run appends a line to a marker file of its node.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  CancelMaintenanceWindowExecutionCommand, CreateMaintenanceWindowCommand, DeleteMaintenanceWindowCommand, DeregisterTargetFromMaintenanceWindowCommand,
  DeregisterTaskFromMaintenanceWindowCommand, DescribeMaintenanceWindowExecutionTaskInvocationsCommand, DescribeMaintenanceWindowExecutionTasksCommand,
  DescribeMaintenanceWindowExecutionsCommand, DescribeMaintenanceWindowScheduleCommand, DescribeMaintenanceWindowsCommand, DescribeMaintenanceWindowsForTargetCommand,
  DescribeMaintenanceWindowTargetsCommand, DescribeMaintenanceWindowTasksCommand, GetMaintenanceWindowCommand, GetMaintenanceWindowExecutionCommand,
  GetMaintenanceWindowExecutionTaskCommand, GetMaintenanceWindowExecutionTaskInvocationCommand, GetMaintenanceWindowTaskCommand, ListCommandsCommand,
  RegisterTargetWithMaintenanceWindowCommand, RegisterTaskWithMaintenanceWindowCommand, UpdateMaintenanceWindowCommand, UpdateMaintenanceWindowTargetCommand,
  UpdateMaintenanceWindowTaskCommand, AddTagsToResourceCommand, ListTagsForResourceCommand, RemoveTagsFromResourceCommand, type MaintenanceWindowExecution, type SSMClient,
} from '@aws-sdk/client-ssm';
import { createActivation, eventually, killAgents, spawnAgent, startNodesServer, stateDir, type NodesServer } from './nodes-support.ts';
import { bosunEnv, rejection, runBosun, ssmClient } from './support.ts';

let target: NodesServer;
let ssm: SSMClient;
let marks: string;
const dirs: string[] = [];
const nodeIds: Record<string, string> = {};

async function agent(name: string, tags: Record<string, string>): Promise<string> {
  const activation = await createActivation(ssm, { tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) });
  const dir = stateDir();
  dirs.push(dir);
  const a = await spawnAgent(['--endpoint', target.url, '--code', activation.code, '--id', activation.id, '--state-dir', path.join(dir, 'state')], { NODE_NAME: name });
  return (await a.waitFor(/online as (mi-[0-9a-f]+)/))[1];
}

const runsOf = (name: string) => {
  const file = path.join(marks, `runs-${name}`);
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
};

/** at(...) a few seconds from now (UTC, whole seconds): a window due almost at once. */
function soon(seconds = 2): string {
  return `at(${new Date(Math.ceil((Date.now() + seconds * 1000) / 1000) * 1000).toISOString().slice(0, 19)})`;
}

async function ended(windowId: string): Promise<MaintenanceWindowExecution> {
  return eventually(`an ended execution of ${windowId}`, async () => {
    const executions = (await ssm.send(new DescribeMaintenanceWindowExecutionsCommand({ WindowId: windowId }))).WindowExecutions!;
    return executions.length > 0 && !['PENDING', 'IN_PROGRESS', 'CANCELLING'].includes(executions[0].Status!) ? executions[0] : undefined;
  }, 60_000);
}

before(async () => {
  target = await startNodesServer({ commands: { tickMs: 100 } });
  ssm = ssmClient(target, target.admin);
  marks = stateDir();
  dirs.push(marks);
  nodeIds.web1 = await agent('web1', { Patch: 'weekly' });
  nodeIds.web2 = await agent('web2', { Patch: 'weekly' });
  nodeIds.db1 = await agent('db1', { Patch: 'never' });
});
after(async () => {
  killAgents();
  ssm.destroy();
  await target.destroy();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('a window due within seconds', () => {
  let windowId: string;
  let targetId: string;

  test('runs its tasks on its registered nodes, priority 1 before priority 2, with the pseudo-parameters filled in', async () => {
    ({ WindowId: windowId } = await ssm.send(new CreateMaintenanceWindowCommand({ Name: 'patch-now', Schedule: soon(), Duration: 1, Cutoff: 0, AllowUnassociatedTargets: false })) as { WindowId: string });
    ({ WindowTargetId: targetId } = await ssm.send(new RegisterTargetWithMaintenanceWindowCommand({
      WindowId: windowId, ResourceType: 'INSTANCE', Targets: [{ Key: 'tag:Patch', Values: ['weekly'] }], OwnerInformation: 'ops', Name: 'weekly-nodes',
    })) as { WindowTargetId: string });
    const register = (priority: number, line: string) => ssm.send(new RegisterTaskWithMaintenanceWindowCommand({
      WindowId: windowId, TaskType: 'RUN_COMMAND', TaskArn: 'AWS-RunShellScript', Priority: priority, MaxConcurrency: '2', MaxErrors: '0',
      Targets: [{ Key: 'WindowTargetIds', Values: [targetId] }],
      TaskInvocationParameters: { RunCommand: { Parameters: { commands: [`echo ${line} >> ${marks}/runs-$NODE_NAME`] } } },
    }));
    // Registered in the reverse order: priority decides, not registration.
    await register(2, 'second {{WINDOW_ID}}');
    await register(1, 'first {{RESOURCE_ID}} {{TARGET_ID}} {{RESOURCE_TYPE}}');
    const execution = await ended(windowId);
    assert.equal(execution.Status, 'SUCCESS');
    assert.deepEqual(runsOf('web1'), [`first ${nodeIds.web1} ${targetId} INSTANCE`, `second ${windowId}`]);
    assert.deepEqual(runsOf('web2'), [`first ${nodeIds.web2} ${targetId} INSTANCE`, `second ${windowId}`]);
    assert.deepEqual(runsOf('db1'), [], 'a node the window does not target');
    const window = await ssm.send(new GetMaintenanceWindowCommand({ WindowId: windowId }));
    assert.equal(window.NextExecutionTime, undefined, 'an at() window runs once');
  });

  test('records the execution, its tasks (by priority) and one invocation per node with its Run Command command', async () => {
    const [execution] = (await ssm.send(new DescribeMaintenanceWindowExecutionsCommand({ WindowId: windowId }))).WindowExecutions!;
    const got = await ssm.send(new GetMaintenanceWindowExecutionCommand({ WindowExecutionId: execution.WindowExecutionId }));
    assert.equal(got.Status, 'SUCCESS');
    assert.equal(got.TaskIds!.length, 2);
    const tasks = (await ssm.send(new DescribeMaintenanceWindowExecutionTasksCommand({ WindowExecutionId: execution.WindowExecutionId }))).WindowExecutionTaskIdentities!;
    assert.deepEqual(tasks.map((t) => [t.Status, t.TaskArn, t.TaskType]), [['SUCCESS', 'AWS-RunShellScript', 'RUN_COMMAND'], ['SUCCESS', 'AWS-RunShellScript', 'RUN_COMMAND']]);
    const first = await ssm.send(new GetMaintenanceWindowExecutionTaskCommand({ WindowExecutionId: execution.WindowExecutionId, TaskId: tasks[0].TaskExecutionId }));
    const second = await ssm.send(new GetMaintenanceWindowExecutionTaskCommand({ WindowExecutionId: execution.WindowExecutionId, TaskId: tasks[1].TaskExecutionId }));
    assert.deepEqual([first.Priority, second.Priority], [1, 2]);
    assert.ok(second.StartTime!.getTime() >= first.EndTime!.getTime(), 'priority 2 starts after priority 1 ended');
    const invocations = (await ssm.send(new DescribeMaintenanceWindowExecutionTaskInvocationsCommand({ WindowExecutionId: execution.WindowExecutionId, TaskId: tasks[0].TaskExecutionId })))
      .WindowExecutionTaskInvocationIdentities!;
    assert.deepEqual(invocations.map((i) => [i.Status, i.WindowTargetId, i.OwnerInformation]), [['SUCCESS', targetId, 'ops'], ['SUCCESS', targetId, 'ops']]);
    const web1Invocation = invocations.find((i) => JSON.parse(i.Parameters!).InstanceIds[0] === nodeIds.web1)!;
    const one = await ssm.send(new GetMaintenanceWindowExecutionTaskInvocationCommand({
      WindowExecutionId: execution.WindowExecutionId, TaskId: tasks[0].TaskExecutionId, InvocationId: web1Invocation.InvocationId,
    }));
    assert.deepEqual(JSON.parse(one.Parameters!).InstanceIds, [nodeIds.web1]);
    const command = (await ssm.send(new ListCommandsCommand({ CommandId: one.ExecutionId }))).Commands![0];
    assert.deepEqual([command.Status, command.DocumentName], ['Success', 'AWS-RunShellScript']);
    const filtered = await ssm.send(new DescribeMaintenanceWindowExecutionTasksCommand({ WindowExecutionId: execution.WindowExecutionId, Filters: [{ Key: 'Status', Values: ['FAILED'] }] }));
    assert.deepEqual(filtered.WindowExecutionTaskIdentities, []);
  });
});

describe('bosun windows', () => {
  test('ls, show, next and history print aligned tables, and --json the API\'s shapes', async () => {
    const env = bosunEnv({ BOSUN_ENDPOINT: target.url, AWS_ACCESS_KEY_ID: target.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: target.admin.secretAccessKey, AWS_REGION: 'us-east-1' });
    const { WindowId } = await ssm.send(new CreateMaintenanceWindowCommand({
      Name: 'cli-weekly', Schedule: 'cron(0 2 ? * SUN *)', ScheduleTimezone: 'Europe/Berlin', Duration: 3, Cutoff: 1, AllowUnassociatedTargets: false,
    }));
    const { WindowTargetId } = await ssm.send(new RegisterTargetWithMaintenanceWindowCommand({ WindowId, ResourceType: 'INSTANCE', Targets: [{ Key: 'tag:Patch', Values: ['weekly'] }], Name: 'weekly' }));
    await ssm.send(new RegisterTaskWithMaintenanceWindowCommand({
      WindowId, TaskType: 'RUN_COMMAND', TaskArn: 'AWS-RunShellScript', Priority: 3, Targets: [{ Key: 'WindowTargetIds', Values: [WindowTargetId!] }],
      TaskInvocationParameters: { RunCommand: { Parameters: { commands: ['true'] } } },
    }));
    const ls = await runBosun(['windows', 'ls'], { env });
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /^WINDOW ID\s+NAME\s+SCHEDULE\s+TIME ZONE\s+DURATION\s+CUTOFF\s+ENABLED\s+NEXT RUN/m);
    assert.match(ls.stdout, new RegExp(`${WindowId}\\s+cli-weekly\\s+cron\\(0 2 \\? \\* SUN \\*\\)\\s+Europe/Berlin\\s+3h\\s+1h\\s+yes\\s+\\d{4}-\\d{2}-\\d{2}T02:00\\+0[12]:00`));
    const show = await runBosun(['windows', 'show', WindowId!], { env });
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /Duration\s+3 h, no new task in the last 1 h/);
    assert.match(show.stdout, new RegExp(`${WindowTargetId}\\s+weekly\\s+tag:Patch=weekly`));
    assert.match(show.stdout, /^3\s+\S+\s+RUN_COMMAND\s+AWS-RunShellScript/m);
    const next = await runBosun(['windows', 'next', WindowId!, '--count', '3', '--json'], { env });
    assert.equal(next.code, 0, next.stderr);
    const runs = JSON.parse(next.stdout) as { ExecutionTime: string }[];
    assert.equal(runs.length, 3);
    assert.ok(runs.every((r) => /T02:00\+0[12]:00$/.test(r.ExecutionTime)));
    const history = await runBosun(['windows', 'history', WindowId!], { env });
    assert.equal(history.code, 0, history.stderr);
    assert.match(history.stdout, /No executions yet/);
    const [done] = (await ssm.send(new DescribeMaintenanceWindowsCommand({ Filters: [{ Key: 'Name', Values: ['patch-now'] }] }))).WindowIdentities!;
    const [execution] = (await ssm.send(new DescribeMaintenanceWindowExecutionsCommand({ WindowId: done.WindowId }))).WindowExecutions!;
    const past = await runBosun(['windows', 'history', done.WindowId!], { env });
    assert.match(past.stdout, new RegExp(`${execution.WindowExecutionId}\\s+SUCCESS`));
    const detail = await runBosun(['windows', 'history', done.WindowId!, execution.WindowExecutionId!], { env });
    assert.match(detail.stdout, new RegExp(`${nodeIds.web1}\\s+SUCCESS`));
    const unknown = await runBosun(['windows', 'show', 'mw-0123456789abcdef0'], { env });
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /DoesNotExistException|does not exist/);
    await ssm.send(new DeleteMaintenanceWindowCommand({ WindowId }));
  });
});

describe('CancelMaintenanceWindowExecution', () => {
  test('cancels the running command on the node and ends the execution CANCELLED', async () => {
    const { WindowId } = await ssm.send(new CreateMaintenanceWindowCommand({ Name: 'cancel-me', Schedule: soon(), Duration: 1, Cutoff: 0, AllowUnassociatedTargets: true }));
    await ssm.send(new RegisterTaskWithMaintenanceWindowCommand({
      WindowId, TaskType: 'RUN_COMMAND', TaskArn: 'AWS-RunShellScript', Targets: [{ Key: 'InstanceIds', Values: [nodeIds.db1] }],
      TaskInvocationParameters: { RunCommand: { Parameters: { commands: [`echo started >> ${marks}/cancel-$NODE_NAME`, 'sleep 120', `echo finished >> ${marks}/cancel-$NODE_NAME`] } } },
    }));
    await eventually('the task running on db1', async () => fs.existsSync(path.join(marks, 'cancel-db1')), 30_000);
    const [running] = (await ssm.send(new DescribeMaintenanceWindowExecutionsCommand({ WindowId }))).WindowExecutions!;
    await ssm.send(new CancelMaintenanceWindowExecutionCommand({ WindowExecutionId: running.WindowExecutionId }));
    const execution = await ended(WindowId!);
    assert.equal(execution.Status, 'CANCELLED');
    const [t] = (await ssm.send(new DescribeMaintenanceWindowExecutionTasksCommand({ WindowExecutionId: running.WindowExecutionId }))).WindowExecutionTaskIdentities!;
    assert.equal(t.Status, 'CANCELLED');
    const [inv] = (await ssm.send(new DescribeMaintenanceWindowExecutionTaskInvocationsCommand({ WindowExecutionId: running.WindowExecutionId, TaskId: t.TaskExecutionId })))
      .WindowExecutionTaskInvocationIdentities!;
    const command = (await ssm.send(new ListCommandsCommand({ CommandId: inv.ExecutionId }))).Commands![0];
    assert.equal(command.Status, 'Cancelled');
    assert.deepEqual(fs.readFileSync(path.join(marks, 'cancel-db1'), 'utf8'), 'started\n');
  });
});

describe('definitions', () => {
  test('a weekly window in New York lists its next runs across the 2027 DST change, paged', async () => {
    const { WindowId } = await ssm.send(new CreateMaintenanceWindowCommand({
      Name: 'sunday-patch', Schedule: 'cron(0 9 ? * SUN *)', ScheduleTimezone: 'America/New_York', StartDate: '2027-03-01T00:00:00-05:00', Duration: 3, Cutoff: 1,
      AllowUnassociatedTargets: false, Description: 'Sunday patching',
    }));
    const window = await ssm.send(new GetMaintenanceWindowCommand({ WindowId }));
    assert.deepEqual([window.NextExecutionTime, window.ScheduleTimezone, window.Enabled, window.Duration, window.Cutoff], ['2027-03-07T09:00-05:00', 'America/New_York', true, 3, 1]);
    const page1 = await ssm.send(new DescribeMaintenanceWindowScheduleCommand({ WindowId, MaxResults: 2 }));
    const page2 = await ssm.send(new DescribeMaintenanceWindowScheduleCommand({ WindowId, MaxResults: 2, NextToken: page1.NextToken }));
    assert.deepEqual([...page1.ScheduledWindowExecutions!, ...page2.ScheduledWindowExecutions!].map((r) => r.ExecutionTime),
      ['2027-03-07T09:00-05:00', '2027-03-14T09:00-04:00', '2027-03-21T09:00-04:00', '2027-03-28T09:00-04:00']);
    assert.equal(page1.ScheduledWindowExecutions![0].Name, 'sunday-patch');

    const updated = await ssm.send(new UpdateMaintenanceWindowCommand({ WindowId, Enabled: false, Description: 'paused' }));
    assert.deepEqual([updated.Enabled, updated.Description, updated.Schedule], [false, 'paused', 'cron(0 9 ? * SUN *)']);
    const disabled = (await ssm.send(new DescribeMaintenanceWindowsCommand({ Filters: [{ Key: 'Enabled', Values: ['false'] }] }))).WindowIdentities!;
    assert.deepEqual(disabled.map((w) => w.WindowId), [WindowId]);
    const byName = (await ssm.send(new DescribeMaintenanceWindowsCommand({ Filters: [{ Key: 'Name', Values: ['sunday-patch'] }] }))).WindowIdentities!;
    assert.deepEqual(byName.map((w) => [w.WindowId, w.NextExecutionTime]), [[WindowId, undefined]]);
    await ssm.send(new DeleteMaintenanceWindowCommand({ WindowId }));
    assert.equal((await rejection(ssm.send(new GetMaintenanceWindowCommand({ WindowId })))).name, 'DoesNotExistException');
  });

  test('targets and tasks: register, describe, update, the windows of a node, and a target in use kept when deregistered safely', async () => {
    const { WindowId } = await ssm.send(new CreateMaintenanceWindowCommand({ Name: 'defs', Schedule: 'rate(7 days)', Duration: 2, Cutoff: 1, AllowUnassociatedTargets: false }));
    const { WindowTargetId } = await ssm.send(new RegisterTargetWithMaintenanceWindowCommand({ WindowId, ResourceType: 'INSTANCE', Targets: [{ Key: 'InstanceIds', Values: [nodeIds.web1] }] }));
    const { WindowTaskId } = await ssm.send(new RegisterTaskWithMaintenanceWindowCommand({
      WindowId, TaskType: 'RUN_COMMAND', TaskArn: 'AWS-RunShellScript', Targets: [{ Key: 'WindowTargetIds', Values: [WindowTargetId!] }], Name: 'uptime',
      TaskInvocationParameters: { RunCommand: { Parameters: { commands: ['uptime'] }, TimeoutSeconds: 600 } }, CutoffBehavior: 'CANCEL_TASK',
    }));
    const targets = (await ssm.send(new DescribeMaintenanceWindowTargetsCommand({ WindowId }))).Targets!;
    assert.deepEqual(targets.map((t) => [t.WindowTargetId, t.ResourceType]), [[WindowTargetId, 'INSTANCE']]);
    const updatedTarget = await ssm.send(new UpdateMaintenanceWindowTargetCommand({ WindowId, WindowTargetId, OwnerInformation: 'team-a' }));
    assert.deepEqual([updatedTarget.OwnerInformation, updatedTarget.Targets], ['team-a', [{ Key: 'InstanceIds', Values: [nodeIds.web1] }]]);
    const task = await ssm.send(new GetMaintenanceWindowTaskCommand({ WindowId, WindowTaskId }));
    assert.deepEqual([task.TaskType, task.Priority, task.CutoffBehavior, task.TaskInvocationParameters?.RunCommand?.TimeoutSeconds], ['RUN_COMMAND', 1, 'CANCEL_TASK', 600]);
    const updatedTask = await ssm.send(new UpdateMaintenanceWindowTaskCommand({ WindowId, WindowTaskId, Priority: 5 }));
    assert.deepEqual([updatedTask.Priority, updatedTask.Name], [5, 'uptime']);
    const tasks = (await ssm.send(new DescribeMaintenanceWindowTasksCommand({ WindowId, Filters: [{ Key: 'Priority', Values: ['5'] }] }))).Tasks!;
    assert.deepEqual(tasks.map((t) => t.WindowTaskId), [WindowTaskId]);
    const forNode = (await ssm.send(new DescribeMaintenanceWindowsForTargetCommand({ ResourceType: 'INSTANCE', Targets: [{ Key: 'InstanceIds', Values: [nodeIds.web1] }] }))).WindowIdentities!;
    assert.ok(forNode.some((w) => w.WindowId === WindowId));
    const forDb = (await ssm.send(new DescribeMaintenanceWindowsForTargetCommand({ ResourceType: 'INSTANCE', Targets: [{ Key: 'InstanceIds', Values: [nodeIds.db1] }] }))).WindowIdentities!;
    assert.ok(!forDb.some((w) => w.WindowId === WindowId));
    const nodeSchedule = (await ssm.send(new DescribeMaintenanceWindowScheduleCommand({ ResourceType: 'INSTANCE', Targets: [{ Key: 'InstanceIds', Values: [nodeIds.web1] }] }))).ScheduledWindowExecutions!;
    assert.ok(nodeSchedule.some((r) => r.WindowId === WindowId));

    assert.equal((await rejection(ssm.send(new DeregisterTargetFromMaintenanceWindowCommand({ WindowId, WindowTargetId, Safe: true })))).name, 'TargetInUseException');
    await ssm.send(new DeregisterTaskFromMaintenanceWindowCommand({ WindowId, WindowTaskId }));
    await ssm.send(new DeregisterTargetFromMaintenanceWindowCommand({ WindowId, WindowTargetId, Safe: true }));
    assert.deepEqual((await ssm.send(new DescribeMaintenanceWindowTargetsCommand({ WindowId }))).Targets, []);
    assert.equal((await rejection(ssm.send(new GetMaintenanceWindowTaskCommand({ WindowId, WindowTaskId })))).name, 'DoesNotExistException');
    await ssm.send(new DeleteMaintenanceWindowCommand({ WindowId }));
  });

  test('a window\'s Tags are read and changed with the SSM tag operations (ResourceType MaintenanceWindow)', async () => {
    const { WindowId } = await ssm.send(new CreateMaintenanceWindowCommand({ Name: 'tagged', Schedule: 'rate(7 days)', Duration: 2, Cutoff: 1, AllowUnassociatedTargets: true, Tags: [{ Key: 'team', Value: 'ops' }] }));
    const tags = async () => (await ssm.send(new ListTagsForResourceCommand({ ResourceType: 'MaintenanceWindow', ResourceId: WindowId }))).TagList;
    assert.deepEqual(await tags(), [{ Key: 'team', Value: 'ops' }]);
    await ssm.send(new AddTagsToResourceCommand({ ResourceType: 'MaintenanceWindow', ResourceId: WindowId, Tags: [{ Key: 'tier', Value: 'web' }] }));
    await ssm.send(new RemoveTagsFromResourceCommand({ ResourceType: 'MaintenanceWindow', ResourceId: WindowId, TagKeys: ['team'] }));
    assert.deepEqual(await tags(), [{ Key: 'tier', Value: 'web' }]);
    assert.equal((await rejection(ssm.send(new ListTagsForResourceCommand({ ResourceType: 'MaintenanceWindow', ResourceId: 'mw-0123456789abcdef0' })))).name, 'InvalidResourceId');
    await ssm.send(new DeleteMaintenanceWindowCommand({ WindowId: WindowId! }));
  });
});

describe('bad input is refused with AWS\'s errors and nothing is created', () => {
  const window = { Name: 'bad', Schedule: 'cron(0 16 ? * TUE *)', Duration: 4, Cutoff: 1, AllowUnassociatedTargets: false };
  const windowCases: [string, Record<string, unknown>, RegExp][] = [
    ['a schedule that is not cron, rate or at', { Schedule: 'tuesdays' }, /cron\(\.\.\.\), rate\(\.\.\.\) or at\(\.\.\.\)/],
    ['a cron with both day fields', { Schedule: 'cron(0 16 * * TUE *)' }, /Day-of-month and Day-of-week/],
    ['a rate under an hour', { Schedule: 'rate(30 minutes)' }, /every hour/],
    ['an unknown time zone', { ScheduleTimezone: 'Atlantis/Capital' }, /ScheduleTimezone/],
    ['a Duration over 24 hours', { Duration: 25 }, /duration/i],
    ['a Cutoff over 23 hours', { Cutoff: 24, Duration: 24 }, /cutoff/i],
    ['a Cutoff not below the Duration', { Cutoff: 4 }, /Cutoff was 4 but must be smaller than 4/],
    ['an offset with a rate', { Schedule: 'rate(1 day)', ScheduleOffset: 2 }, /cron expressions only/],
  ];
  for (const [name, change, message] of windowCases) {
    test(`CreateMaintenanceWindow: ${name}`, async () => {
      const before = (await ssm.send(new DescribeMaintenanceWindowsCommand({}))).WindowIdentities!.length;
      const error = await rejection(ssm.send(new CreateMaintenanceWindowCommand({ ...window, ...change } as never)));
      assert.equal(error.name, 'ValidationException');
      assert.match(error.message, message);
      assert.equal((await ssm.send(new DescribeMaintenanceWindowsCommand({}))).WindowIdentities!.length, before);
    });
  }

  test('RegisterTaskWithMaintenanceWindow: unknown documents, targets of another window, unsupported task types and unregistered nodes', async () => {
    const { WindowId } = await ssm.send(new CreateMaintenanceWindowCommand(window));
    const { WindowId: otherId } = await ssm.send(new CreateMaintenanceWindowCommand({ ...window, Name: 'other' }));
    const { WindowTargetId: otherTarget } = await ssm.send(new RegisterTargetWithMaintenanceWindowCommand({ WindowId: otherId, ResourceType: 'INSTANCE', Targets: [{ Key: 'tag:Patch', Values: ['weekly'] }] }));
    const { WindowTargetId: ownTarget } = await ssm.send(new RegisterTargetWithMaintenanceWindowCommand({ WindowId, ResourceType: 'INSTANCE', Targets: [{ Key: 'tag:Patch', Values: ['weekly'] }] }));
    const base = { WindowId, TaskType: 'RUN_COMMAND' as const, TaskArn: 'AWS-RunShellScript', Targets: [{ Key: 'WindowTargetIds', Values: [ownTarget!] }] };
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ TaskArn: 'NoSuchDocument' }, 'DoesNotExistException', /NoSuchDocument/],
      [{ Targets: [{ Key: 'WindowTargetIds', Values: [otherTarget] }] }, 'DoesNotExistException', new RegExp(`${otherTarget} does not exist in maintenance window ${WindowId}`)],
      [{ TaskType: 'AUTOMATION', TaskArn: 'AWS-RestartEC2Instance' }, 'FeatureNotAvailableException', /AUTOMATION/],
      [{ TaskType: 'LAMBDA', TaskArn: 'arn:aws:lambda:us-east-1:123456789012:function:f' }, 'FeatureNotAvailableException', /LAMBDA/],
      [{ Targets: [{ Key: 'InstanceIds', Values: [nodeIds.web1] }] }, 'ValidationException', /AllowUnassociatedTargets/],
      [{ Targets: undefined }, 'ValidationException', /targets must be specified/],
      [{ WindowId: 'mw-0123456789abcdef0' }, 'DoesNotExistException', /mw-0123456789abcdef0 does not exist/],
    ];
    for (const [change, code, message] of cases) {
      const error = await rejection(ssm.send(new RegisterTaskWithMaintenanceWindowCommand({ ...base, ...change } as never)));
      assert.equal(error.name, code, JSON.stringify(change));
      assert.match(error.message, message);
    }
    assert.deepEqual((await ssm.send(new DescribeMaintenanceWindowTasksCommand({ WindowId }))).Tasks, []);

    const group = await rejection(ssm.send(new RegisterTargetWithMaintenanceWindowCommand({ WindowId, ResourceType: 'RESOURCE_GROUP', Targets: [{ Key: 'resource-groups:Name', Values: ['g'] }] })));
    assert.deepEqual([group.name, /Resource Groups/.test(group.message)], ['ValidationException', true]);
    const badKey = await rejection(ssm.send(new RegisterTargetWithMaintenanceWindowCommand({ WindowId, ResourceType: 'INSTANCE', Targets: [{ Key: 'Color', Values: ['blue'] }] })));
    assert.equal(badKey.name, 'ValidationException');
    assert.equal((await ssm.send(new DescribeMaintenanceWindowTargetsCommand({ WindowId }))).Targets!.length, 1);
    const missing = await rejection(ssm.send(new GetMaintenanceWindowExecutionCommand({ WindowExecutionId: '11111111-2222-4333-8444-555555555555' })));
    assert.equal(missing.name, 'DoesNotExistException');
    await ssm.send(new DeleteMaintenanceWindowCommand({ WindowId }));
    await ssm.send(new DeleteMaintenanceWindowCommand({ WindowId: otherId }));
  });

  test('CreateMaintenanceWindow with a ClientToken used before: the same window, or IdempotentParameterMismatch', async () => {
    const first = await ssm.send(new CreateMaintenanceWindowCommand({ ...window, Name: 'token', ClientToken: 'token-1' }));
    const again = await ssm.send(new CreateMaintenanceWindowCommand({ ...window, Name: 'token', ClientToken: 'token-1' }));
    assert.equal(again.WindowId, first.WindowId);
    const error = await rejection(ssm.send(new CreateMaintenanceWindowCommand({ ...window, Name: 'token-changed', ClientToken: 'token-1' })));
    assert.equal(error.name, 'IdempotentParameterMismatch');
    await ssm.send(new DeleteMaintenanceWindowCommand({ WindowId: first.WindowId }));
  });
});
