/**
 * Exactly once across a crash: the server process (`bosun server`) is killed with SIGKILL in
 * the middle of a maintenance window whose task fans out one node at a time on three real
 * agents, then started again on the same store: the execution carries on and ends SUCCESS,
 * it is the window's only execution, and each node ran the task once. A window whose due time
 * passes while the server is down runs once when it comes back (its window still open).
 * Each run appends a line to a marker file of its node.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  CreateMaintenanceWindowCommand, DescribeMaintenanceWindowExecutionTasksCommand, DescribeMaintenanceWindowExecutionsCommand,
  RegisterTargetWithMaintenanceWindowCommand, RegisterTaskWithMaintenanceWindowCommand, type MaintenanceWindowExecution, type SSMClient,
} from '@aws-sdk/client-ssm';
import { eventually, killAgents, threeTaggedNodes } from './nodes-support.ts';
import { killStrayProcesses, serverStore, ssmClient, startServerOn, type BosunProcess, type Credentials } from './support.ts';

let dataDir: string;
let keyFile: string;
let url: string;
let port: number;
let server: BosunProcess | undefined;
let admin: Credentials;
let ssm: SSMClient;
const dirs: string[] = [];

function startServerProcess(): Promise<BosunProcess> {
  return startServerOn({ dataDir, keyFile, port });
}

async function killServer(): Promise<void> {
  server!.child.kill('SIGKILL');
  await server!.exited;
}

before(async () => {
  ({ dataDir, keyFile, port, url, admin } = await serverStore(dirs));
  server = await startServerProcess();
  ssm = ssmClient({ url }, admin);
});
after(async () => {
  killAgents();
  ssm?.destroy();
  await server?.stop();
  killStrayProcesses();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** Three real agents tagged Role=`role`; each run appends to marks/runs-NODE. */
const threeNodes = (role: string) => threeTaggedNodes(ssm, url, role, dirs);

/** A window due at `dueMs` (whole seconds) over the nodes tagged Role=`role`, with one task that runs on one node at a time. */
async function windowFor(role: string, marks: string, dueMs: number): Promise<string> {
  const { WindowId } = await ssm.send(new CreateMaintenanceWindowCommand({
    Name: `restart-${role}`, Schedule: `at(${new Date(dueMs).toISOString().slice(0, 19)})`, Duration: 1, Cutoff: 0, AllowUnassociatedTargets: false,
  }));
  const { WindowTargetId } = await ssm.send(new RegisterTargetWithMaintenanceWindowCommand({ WindowId, ResourceType: 'INSTANCE', Targets: [{ Key: 'tag:Role', Values: [role] }] }));
  await ssm.send(new RegisterTaskWithMaintenanceWindowCommand({
    WindowId, TaskType: 'RUN_COMMAND', TaskArn: 'AWS-RunShellScript', Targets: [{ Key: 'WindowTargetIds', Values: [WindowTargetId!] }], MaxConcurrency: '1', MaxErrors: '0',
    TaskInvocationParameters: { RunCommand: { Parameters: { commands: [`echo run >> ${marks}/runs-$NODE_NAME`, 'sleep 1.5'] } } },
  }));
  return WindowId!;
}

async function onlyExecution(windowId: string): Promise<MaintenanceWindowExecution> {
  const done = await eventually('the execution ended', async () => {
    const executions = (await ssm.send(new DescribeMaintenanceWindowExecutionsCommand({ WindowId: windowId }))).WindowExecutions!;
    return executions.some((e) => !['PENDING', 'IN_PROGRESS', 'CANCELLING'].includes(e.Status!)) ? executions : undefined;
  }, 90_000);
  assert.equal(done.length, 1, 'one execution for the one due time');
  return done[0];
}

function assertEachRanOnce(marks: string): void {
  const runs = fs.readdirSync(marks).sort();
  assert.deepEqual(runs, ['runs-n1', 'runs-n2', 'runs-n3']);
  for (const file of runs) assert.equal(fs.readFileSync(path.join(marks, file), 'utf8'), 'run\n', `${file} ran more than once`);
}

const wholeSecondsFromNow = (seconds: number) => Math.ceil((Date.now() + seconds * 1000) / 1000) * 1000;

describe('a server killed in the middle of a window', () => {
  test('carries on after a restart: one execution, SUCCESS, each node ran the task once', async () => {
    const marks = await threeNodes('mid-window');
    const windowId = await windowFor('mid-window', marks, wholeSecondsFromNow(2));
    await eventually('the first node running', async () => fs.readdirSync(marks).length === 1, 30_000);
    await killServer();
    server = await startServerProcess();
    const execution = await onlyExecution(windowId);
    assert.equal(execution.Status, 'SUCCESS');
    const tasks = (await ssm.send(new DescribeMaintenanceWindowExecutionTasksCommand({ WindowExecutionId: execution.WindowExecutionId }))).WindowExecutionTaskIdentities!;
    assert.deepEqual(tasks.map((t) => t.Status), ['SUCCESS']);
    assertEachRanOnce(marks);
  });
});

describe('a due time that passes while the server is down', () => {
  test('runs once when the server comes back while its window is open', async () => {
    const marks = await threeNodes('missed');
    const due = wholeSecondsFromNow(3);
    const windowId = await windowFor('missed', marks, due);
    await killServer();
    // The point of the test is the wall clock passing the due time with no server running.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - Date.now()) + 500));
    server = await startServerProcess();
    const execution = await onlyExecution(windowId);
    assert.equal(execution.Status, 'SUCCESS');
    assertEachRanOnce(marks);
  });
});
