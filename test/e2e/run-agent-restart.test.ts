/**
 * A real agent killed (SIGKILL) while it runs a command: when it starts again it reports the
 * invocation Failed with the restart message, stops what was left of the script, and never
 * runs the command again. Also: CancelCommand reaches a real agent and stops its script.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { CancelCommandCommand, GetCommandInvocationCommand, SendCommandCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { createActivation, eventually, killAgents, spawnAgent, startNodesServer, stateDir, type AgentProcess, type NodesServer } from './nodes-support.ts';
import { ssmClient } from './support.ts';

let target: NodesServer;
let ssm: SSMClient;
const dirs: string[] = [];

before(async () => {
  target = await startNodesServer();
  ssm = ssmClient(target, target.admin, { keepClockOffset: true });
});
after(async () => {
  killAgents();
  ssm.destroy();
  await target.destroy();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

async function node(): Promise<{ instanceId: string; state: string; work: string; agent: AgentProcess }> {
  const activation = await createActivation(ssm);
  const dir = stateDir();
  dirs.push(dir);
  const state = path.join(dir, 'state');
  const agent = await spawnAgent(['--endpoint', target.url, '--code', activation.code, '--id', activation.id, '--state-dir', state]);
  const [, instanceId] = await agent.waitFor(/registered as (mi-[0-9a-f]{17})/);
  await agent.waitFor(/online as mi-/);
  return { instanceId, state, work: dir, agent };
}

async function send(instanceId: string, commands: string[]): Promise<string> {
  const out = await ssm.send(new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: [instanceId], Parameters: { commands } }));
  return out.Command!.CommandId!;
}

/** A process's start time (field 22 of /proc/PID/stat): with its id, names it even if the id is reused. */
function startTime(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Whether the process that started at `started` still runs (a zombie nobody has reaped yet counts as gone; so does another process given its id). */
function alive(pid: number, started: string | undefined): boolean {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return fields[0] !== 'Z' && fields[19] === started;
  } catch {
    return false;
  }
}

describe('Run Command on a real agent', () => {
  test('an agent killed mid-run reports the invocation Failed after its restart and never runs it again', async () => {
    const { instanceId, state, work, agent } = await node();
    const started = path.join(work, 'started');
    const finished = path.join(work, 'finished');
    const runs = path.join(work, 'runs');
    const gate = path.join(work, 'gate');
    // The script waits for the gate, not for a time: however long the agent takes to come back,
    // the script cannot finish on its own before the test opens the gate.
    const commandId = await send(instanceId, [`echo run >> ${runs}`, `echo $$ > ${started}`, `while [ ! -e ${gate} ]; do sleep 0.1; done`, `touch ${finished}`]);
    await eventually('the script to start', async () => fs.existsSync(started) && fs.readFileSync(started, 'utf8').trim() !== '');
    const scriptPid = Number(fs.readFileSync(started, 'utf8'));
    const scriptStarted = startTime(scriptPid);
    agent.child.kill('SIGKILL');
    await agent.exited;

    const again = await spawnAgent(['--state-dir', state]);
    await again.waitFor(/online as mi-/);
    const invocation = await eventually('the invocation to be Failed', async () => {
      const got = await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }));
      return got.Status === 'Failed' ? got : undefined;
    });
    assert.match(invocation.StandardErrorContent ?? '', /the agent restarted while this command was running; it was not run again/);
    await eventually('what was left of the script to be stopped', async () => !alive(scriptPid, scriptStarted));
    // Open the gate: had the script been left running or run again, it would finish within
    // its 0.1 s poll; two seconds is twenty polls.
    fs.writeFileSync(gate, '');
    await new Promise((resolve) => setTimeout(resolve, 2000));
    assert.equal(fs.existsSync(finished), false);
    assert.equal(fs.readFileSync(runs, 'utf8'), 'run\n');
  });

  test('CancelCommand stops the running script on the node; the invocation is Cancelled', async () => {
    const { instanceId, work } = await node();
    const started = path.join(work, 'started');
    const commandId = await send(instanceId, [`echo $$ > ${started}`, 'sleep 60']);
    await eventually('the script to start', async () => fs.existsSync(started) && fs.readFileSync(started, 'utf8').trim() !== '');
    const scriptPid = Number(fs.readFileSync(started, 'utf8'));
    const scriptStarted = startTime(scriptPid);
    await ssm.send(new CancelCommandCommand({ CommandId: commandId }));
    const invocation = await eventually('the invocation to be Cancelled', async () => {
      const got = await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }));
      return got.Status === 'Cancelled' ? got : undefined;
    });
    assert.equal(invocation.StatusDetails, 'Cancelled');
    await eventually('the script process to be gone', async () => !alive(scriptPid, scriptStarted));
  });
});
