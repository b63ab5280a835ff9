/**
 * Nothing lost, nothing twice: the server process (`bosun server`) is killed with SIGKILL
 * while work fans out one node at a time on three real agents, then started again on the same
 * store. A Run Command command: dispatch resumes from the rows, every invocation ends. A State
 * Manager association: its execution resumes, every node ends Success. Each node ran the work
 * exactly once (each run appends a line to a marker file of its own). One server serves both.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  CreateAssociationCommand, DescribeAssociationCommand, DescribeAssociationExecutionTargetsCommand, DescribeAssociationExecutionsCommand,
  ListCommandInvocationsCommand, ListCommandsCommand, SendCommandCommand, type SSMClient,
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

const script = (marks: string) => ({ commands: [`echo run >> ${marks}/runs-$NODE_NAME`, 'sleep 1.5'] });

/** SIGKILL while the first node runs, then the server again on the same store. */
async function killWhileFirstRuns(marks: string): Promise<void> {
  await eventually('first node running', async () => fs.readdirSync(marks).length === 1);
  server!.child.kill('SIGKILL');
  await server!.exited;
  server = await startServerProcess();
}

function assertEachRanOnce(marks: string): void {
  const runs = fs.readdirSync(marks).sort();
  assert.deepEqual(runs, ['runs-n1', 'runs-n2', 'runs-n3']);
  for (const file of runs) assert.equal(fs.readFileSync(path.join(marks, file), 'utf8'), 'run\n', `${file} ran more than once`);
}

describe('a server killed mid-run', () => {
  test('resumes after a restart: every invocation ends and none ran twice', async () => {
    const marks = await threeNodes('restart');
    const sent = await ssm.send(new SendCommandCommand({
      DocumentName: 'AWS-RunShellScript', Targets: [{ Key: 'tag:Role', Values: ['restart'] }], MaxConcurrency: '1', Parameters: script(marks),
    }));
    const commandId = sent.Command!.CommandId!;
    await killWhileFirstRuns(marks);
    const done = await eventually('command terminal after restart', async () => {
      const c = (await ssm.send(new ListCommandsCommand({ CommandId: commandId }))).Commands![0];
      return ['Success', 'Failed', 'TimedOut', 'Cancelled'].includes(c.Status!) ? c : undefined;
    }, 60_000);
    assert.equal(done.Status, 'Success');
    assert.equal(done.CompletedCount, 3);
    const invocations = (await ssm.send(new ListCommandInvocationsCommand({ CommandId: commandId }))).CommandInvocations!;
    assert.deepEqual(invocations.map((i) => i.Status), ['Success', 'Success', 'Success']);
    assertEachRanOnce(marks);
  });
});

describe('a server killed while an association fans out', () => {
  test('resumes after a restart: every node ends Success and none ran the execution twice', async () => {
    const marks = await threeNodes('assoc-restart');
    const created = await ssm.send(new CreateAssociationCommand({
      Name: 'AWS-RunShellScript', Targets: [{ Key: 'tag:Role', Values: ['assoc-restart'] }], MaxConcurrency: '1', Parameters: script(marks),
    }));
    const associationId = created.AssociationDescription!.AssociationId!;
    await killWhileFirstRuns(marks);
    const done = await eventually('association Success after restart', async () => {
      const d = (await ssm.send(new DescribeAssociationCommand({ AssociationId: associationId }))).AssociationDescription!;
      return d.Overview?.Status === 'Success' ? d : undefined;
    }, 60_000);
    assert.deepEqual(done.Overview!.AssociationStatusAggregatedCount, { Success: 3 });
    const executions = (await ssm.send(new DescribeAssociationExecutionsCommand({ AssociationId: associationId }))).AssociationExecutions!;
    assert.equal(executions.length, 1, 'the restart made no second execution');
    assert.equal(executions[0].Status, 'Success');
    const targets = (await ssm.send(new DescribeAssociationExecutionTargetsCommand({ AssociationId: associationId, ExecutionId: executions[0].ExecutionId }))).AssociationExecutionTargets!;
    assert.deepEqual(targets.map((t) => t.Status), ['Success', 'Success', 'Success']);
    assertEachRanOnce(marks);
  });
});
