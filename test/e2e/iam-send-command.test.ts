import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { createActivation, eventually, killAgents, spawnAgent, startNodesServer, stateDir, type NodesServer } from './nodes-support.ts';
import { awsCli, awsCliEnv, skipWithoutAwsCli, ssmClient, type Credentials } from './support.ts';

/**
 * The Run Command case for access control, through the AWS CLI: a user allowed
 * `ssm:SendCommand` only on nodes tagged Env=dev (condition on `ssm:resourceTag/Env`) runs
 * commands on them and is denied on a prod node, in AWS's words. The nodes are real agent
 * processes (the bundled bosun-agent.cjs) running real shells: each command leaves a marker
 * file, so "nothing ran on prod" is checked on the node's own disk.
 */
describe('IAM policies decide SendCommand by the target node\'s tags (AWS CLI)', { skip: skipWithoutAwsCli }, () => {
  let t: NodesServer;
  let ssm: SSMClient;
  let dev: Credentials;
  let devNode: string;
  let prodNode: string;
  const dirs: string[] = [];
  const markers = () => fs.readdirSync(markerDir).sort();
  let markerDir: string;
  const cli = (creds: Credentials, ...args: string[]) => awsCli([...args, '--endpoint-url', t.url, '--output', 'json'], awsCliEnv(creds));

  before(async () => {
    t = await startNodesServer();
    ssm = ssmClient(t, t.admin);
    markerDir = stateDir();
    dirs.push(markerDir);
    const startNode = async (env: string) => {
      const activation = await createActivation(ssm, { tags: [{ Key: 'Env', Value: env }] });
      const dir = stateDir();
      dirs.push(dir);
      const agent = await spawnAgent(['--endpoint', t.url, '--code', activation.code, '--id', activation.id, '--state-dir', path.join(dir, 'state')]);
      const [, instanceId] = await agent.waitFor(/registered as (mi-[0-9a-f]{17})/);
      await agent.waitFor(/online as mi-/);
      return instanceId;
    };
    devNode = await startNode('dev');
    prodNode = await startNode('prod');
    assert.equal((await cli(t.admin, 'iam', 'create-user', '--user-name', 'dev-operator')).code, 0);
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'ssm:SendCommand', Resource: 'arn:aws:ssm:*::document/AWS-RunShellScript' },
        {
          Effect: 'Allow', Action: 'ssm:SendCommand', Resource: `arn:aws:ssm:*:${t.admin.accountId}:managed-instance/*`,
          Condition: { StringEquals: { 'ssm:resourceTag/Env': 'dev' } },
        },
        { Effect: 'Allow', Action: ['ssm:ListCommands', 'ssm:GetCommandInvocation'], Resource: '*' },
      ],
    });
    const put = await cli(t.admin, 'iam', 'put-user-policy', '--user-name', 'dev-operator', '--policy-name', 'DevRunCommand', '--policy-document', policy);
    assert.equal(put.code, 0, put.stderr);
    const key = await cli(t.admin, 'iam', 'create-access-key', '--user-name', 'dev-operator');
    assert.equal(key.code, 0, key.stderr);
    const { AccessKeyId, SecretAccessKey } = JSON.parse(key.stdout).AccessKey;
    dev = { accessKeyId: AccessKeyId, secretAccessKey: SecretAccessKey };
  });
  after(async () => {
    killAgents();
    ssm?.destroy();
    await t?.destroy();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the user runs a command on a node tagged Env=dev', async () => {
    const res = await cli(dev, 'ssm', 'send-command', '--document-name', 'AWS-RunShellScript', '--instance-ids', devNode, '--parameters', JSON.stringify({ commands: [`touch ${markerDir}/${devNode}`] }));
    assert.equal(res.code, 0, res.stderr);
    const commandId = JSON.parse(res.stdout).Command.CommandId as string;
    await eventually('command Success', async () => {
      const list = await cli(dev, 'ssm', 'list-commands', '--command-id', commandId);
      return JSON.parse(list.stdout).Commands[0].Status === 'Success';
    });
    assert.deepEqual(markers(), [devNode]);
  });

  test('the same user is denied on a prod node, in AWS\'s words, and nothing is sent to any node', async () => {
    fs.rmSync(path.join(markerDir, devNode), { force: true });
    const run = JSON.stringify({ commands: [`touch ${markerDir}/$(cat /etc/hostname 2>/dev/null || echo node)-$$`] });
    const res = await cli(dev, 'ssm', 'send-command', '--document-name', 'AWS-RunShellScript', '--instance-ids', prodNode, '--parameters', run);
    assert.equal(res.code, 254, res.stderr);
    const resource = `arn:aws:ssm:us-east-1:${t.admin.accountId}:managed-instance/${prodNode}`;
    assert.ok(res.stderr.includes(`An error occurred (AccessDeniedException) when calling the SendCommand operation: User: arn:aws:iam::${t.admin.accountId}:user/dev-operator is not authorized to perform: ssm:SendCommand on resource: ${resource} because no identity-based policy allows the ssm:SendCommand action`), res.stderr);
    // Targets that include the prod node are denied as a whole.
    const both = await cli(dev, 'ssm', 'send-command', '--document-name', 'AWS-RunShellScript', '--targets', 'Key=tag-key,Values=Env', '--parameters', run);
    assert.equal(both.code, 254);
    assert.match(both.stderr, /AccessDeniedException.*managed-instance\/mi-/);
    const listed = await cli(t.admin, 'ssm', 'list-commands');
    assert.equal(JSON.parse(listed.stdout).Commands.length, 1, 'no command was created by the denied calls');
    // The admin's command to both nodes runs on both; nothing the denied calls asked for ran.
    const admin = await cli(t.admin, 'ssm', 'send-command', '--document-name', 'AWS-RunShellScript', '--targets', 'Key=tag-key,Values=Env', '--parameters', JSON.stringify({ commands: ['touch ' + markerDir + '/admin-$(cat /proc/sys/kernel/random/uuid)'] }));
    assert.equal(admin.code, 0, admin.stderr);
    const adminId = JSON.parse(admin.stdout).Command.CommandId as string;
    await eventually('admin command Success', async () => JSON.parse((await cli(t.admin, 'ssm', 'list-commands', '--command-id', adminId)).stdout).Commands[0].Status === 'Success');
    const left = markers();
    assert.equal(left.length, 2, `only the admin's two runs left markers: ${left.join(', ')}`);
    assert.ok(left.every((m) => m.startsWith('admin-')), left.join(', '));
  });
});
