/**
 * Durable runbooks: the server process (`bosun server`) is killed with SIGKILL while an
 * execution sleeps in its first step, then started again on the same store. The execution
 * resumes from its recorded history and ends Success, every step ran exactly once: the step
 * after the sleep writes a parameter without Overwrite, which a second run could not do. An
 * execution killed while it waits for an approval still waits after the restart, and the
 * approval given then ends it. One killed while an aws:runCommand step's command runs on a
 * real agent follows that command after the restart: the node runs it once.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  CreateActivationCommand, CreateDocumentCommand, GetAutomationExecutionCommand, GetParameterCommand, ListCommandsCommand, SendAutomationSignalCommand,
  StartAutomationExecutionCommand, type SSMClient,
} from '@aws-sdk/client-ssm';
import { eventually, killAgents, spawnAgent, stateDir } from './nodes-support.ts';
import { killStrayProcesses, serverStore, ssmClient, startServerOn, type BosunProcess } from './support.ts';

let dataDir: string;
let keyFile: string;
let port: number;
let server: BosunProcess | undefined;
let ssm: SSMClient;
const dirs: string[] = [];

function startServerProcess(): Promise<BosunProcess> {
  return startServerOn({ dataDir, keyFile, port });
}

before(async () => {
  const store = await serverStore(dirs);
  ({ dataDir, keyFile, port } = store);
  const admin = store.admin;
  server = await startServerProcess();
  ssm = ssmClient({ url: `http://127.0.0.1:${port}` }, admin);
});
after(async () => {
  killAgents();
  ssm?.destroy();
  await server?.stop();
  killStrayProcesses();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('a server killed while an execution sleeps', () => {
  test('resumes the execution after a restart: Success, each step run once', async () => {
    await ssm.send(new CreateDocumentCommand({
      Name: 'SleepThenWrite', DocumentType: 'Automation', DocumentFormat: 'JSON', Content: JSON.stringify({
        schemaVersion: '0.3',
        mainSteps: [
          { name: 'nap', action: 'aws:sleep', inputs: { Duration: 'PT3S' } },
          { name: 'write', action: 'aws:executeAwsApi', inputs: { Service: 'ssm', Api: 'PutParameter', Name: '/restart/once', Value: '{{ automation:EXECUTION_ID }}', Type: 'String' } },
          { name: 'rest', action: 'aws:sleep', inputs: { Duration: 'PT0S' } },
        ],
      }),
    }));
    const { AutomationExecutionId: id } = await ssm.send(new StartAutomationExecutionCommand({ DocumentName: 'SleepThenWrite' }));
    await eventually('the execution sleeping in its first step', async () => {
      const { AutomationExecution: e } = await ssm.send(new GetAutomationExecutionCommand({ AutomationExecutionId: id }));
      return e?.CurrentStepName === 'nap' && e.StepExecutions?.[0]?.StepStatus === 'InProgress';
    });
    server!.child.kill('SIGKILL');
    await server!.exited;
    server = await startServerProcess();
    // No lease is held while a step waits, so the new process takes the execution over on its first pass.
    const execution = await eventually('the execution ended', async () => {
      const { AutomationExecution: e } = await ssm.send(new GetAutomationExecutionCommand({ AutomationExecutionId: id }));
      return e && e.AutomationExecutionStatus !== 'InProgress' ? e : undefined;
    }, 60_000);
    assert.equal(execution.AutomationExecutionStatus, 'Success', execution.FailureMessage);
    assert.deepEqual(execution.StepExecutions!.map((s) => [s.StepName, s.StepStatus]), [['nap', 'Success'], ['write', 'Success'], ['rest', 'Success']]);
    const parameter = await ssm.send(new GetParameterCommand({ Name: '/restart/once' }));
    assert.equal(parameter.Parameter!.Value, id);
    assert.equal(parameter.Parameter!.Version, 1);
  });
});

describe('a server killed while an execution waits for approvals', () => {
  test('still waits after the restart, and the approval given then ends it Success', async () => {
    await ssm.send(new CreateDocumentCommand({
      Name: 'OneApproval', DocumentType: 'Automation', DocumentFormat: 'JSON', Content: JSON.stringify({
        schemaVersion: '0.3',
        mainSteps: [{ name: 'approve', action: 'aws:approve', inputs: { Approvers: ['admin', 'arn:aws:iam::000000000000:user/nobody'], MinRequiredApprovals: 1 } }],
      }),
    }));
    const { AutomationExecutionId: id } = await ssm.send(new StartAutomationExecutionCommand({ DocumentName: 'OneApproval' }));
    await eventually('the approval waiting', async () => (await ssm.send(new GetAutomationExecutionCommand({ AutomationExecutionId: id }))).AutomationExecution?.AutomationExecutionStatus === 'Waiting');
    server!.child.kill('SIGKILL');
    await server!.exited;
    server = await startServerProcess();
    const after = (await ssm.send(new GetAutomationExecutionCommand({ AutomationExecutionId: id }))).AutomationExecution!;
    assert.equal(after.AutomationExecutionStatus, 'Waiting');
    await ssm.send(new SendAutomationSignalCommand({ AutomationExecutionId: id, SignalType: 'Approve' }));
    const execution = await eventually('the execution ended', async () => {
      const { AutomationExecution: e } = await ssm.send(new GetAutomationExecutionCommand({ AutomationExecutionId: id }));
      return e && e.AutomationExecutionStatus !== 'Waiting' ? e : undefined;
    }, 30_000);
    assert.equal(execution.AutomationExecutionStatus, 'Success');
    assert.equal(execution.StepExecutions!.length, 1);
  });
});

describe('a server killed while an aws:runCommand step runs on a node', () => {
  test('follows the same command after the restart: the node runs it once and the execution ends Success', async () => {
    const marks = stateDir();
    const agentDir = stateDir();
    dirs.push(marks, agentDir);
    const activation = await ssm.send(new CreateActivationCommand({ IamRole: 'BosunNodeRole', RegistrationLimit: 1 }));
    const agent = await spawnAgent(['--endpoint', `http://127.0.0.1:${port}`, '--code', activation.ActivationCode!, '--id', activation.ActivationId!,
      '--state-dir', path.join(agentDir, 'state')], { NODE_NAME: 'n1' });
    const [, instanceId] = await agent.waitFor(/online as (mi-[0-9a-f]+)/);
    const release = path.join(marks, 'release');
    await ssm.send(new CreateDocumentCommand({
      Name: 'RunOnce', DocumentType: 'Automation', DocumentFormat: 'JSON', Content: JSON.stringify({
        schemaVersion: '0.3', parameters: { Node: { type: 'String' } },
        mainSteps: [{ name: 'run', action: 'aws:runCommand', inputs: { DocumentName: 'AWS-RunShellScript', InstanceIds: ['{{ Node }}'],
          Parameters: { commands: [`echo run >> ${marks}/runs-$NODE_NAME`, `while [ ! -e ${release} ]; do sleep 0.1; done`] } } }],
      }),
    }));
    const { AutomationExecutionId: id } = await ssm.send(new StartAutomationExecutionCommand({ DocumentName: 'RunOnce', Parameters: { Node: [instanceId] } }));
    const runs = () => (fs.existsSync(path.join(marks, 'runs-n1')) ? fs.readFileSync(path.join(marks, 'runs-n1'), 'utf8') : '');
    await eventually('the command running on the node', async () => runs() === 'run\n', 30_000);
    server!.child.kill('SIGKILL');
    await server!.exited;
    server = await startServerProcess();
    fs.writeFileSync(release, '');
    const execution = await eventually('the execution ended', async () => {
      const { AutomationExecution: e } = await ssm.send(new GetAutomationExecutionCommand({ AutomationExecutionId: id }));
      return e && !['InProgress', 'Pending'].includes(e.AutomationExecutionStatus!) ? e : undefined;
    }, 90_000);
    assert.equal(execution.AutomationExecutionStatus, 'Success', execution.FailureMessage);
    assert.equal(runs(), 'run\n', 'the node ran the command once');
    const commands = (await ssm.send(new ListCommandsCommand({}))).Commands!;
    assert.equal(commands.length, 1);
    assert.deepEqual(execution.StepExecutions![0].Outputs!.CommandId, [commands[0].CommandId]);
  });
});
