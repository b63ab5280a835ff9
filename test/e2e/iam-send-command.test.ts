import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { ScriptedNode } from './commands-support.ts';
import { createActivation, eventually, startNodesServer, type NodesServer } from './nodes-support.ts';
import { awsCli, awsCliEnv, skipWithoutAwsCli, ssmClient, type Credentials } from './support.ts';

/**
 * The Run Command case for access control, through the AWS CLI: a user allowed
 * `ssm:SendCommand` only on nodes tagged Env=dev (condition on `ssm:resourceTag/Env`) runs
 * commands on them and is denied on a prod node, in AWS's words. The nodes speak the real
 * channel protocol (scripted by the test).
 */
describe('IAM policies decide SendCommand by the target node\'s tags (AWS CLI)', { skip: skipWithoutAwsCli }, () => {
  let t: NodesServer;
  let ssm: SSMClient;
  let dev: Credentials;
  let devNode: ScriptedNode;
  let prodNode: ScriptedNode;
  const cli = (creds: Credentials, ...args: string[]) => awsCli([...args, '--endpoint-url', t.url, '--output', 'json'], awsCliEnv(creds));

  before(async () => {
    t = await startNodesServer();
    ssm = ssmClient(t, t.admin);
    devNode = await ScriptedNode.register(t.url, await createActivation(ssm, { tags: [{ Key: 'Env', Value: 'dev' }] }));
    prodNode = await ScriptedNode.register(t.url, await createActivation(ssm, { tags: [{ Key: 'Env', Value: 'prod' }] }));
    await devNode.connect();
    await prodNode.connect();
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
    devNode?.disconnect();
    prodNode?.disconnect();
    ssm?.destroy();
    await t?.destroy();
  });

  test('the user runs a command on a node tagged Env=dev', async () => {
    const res = await cli(dev, 'ssm', 'send-command', '--document-name', 'AWS-RunShellScript', '--instance-ids', devNode.instanceId, '--parameters', 'commands=["uptime"]');
    assert.equal(res.code, 0, res.stderr);
    const commandId = JSON.parse(res.stdout).Command.CommandId as string;
    await eventually('command Success', async () => {
      const list = await cli(dev, 'ssm', 'list-commands', '--command-id', commandId);
      return JSON.parse(list.stdout).Commands[0].Status === 'Success';
    });
    assert.equal(devNode.received.length, 1);
  });

  test('the same user is denied on a prod node, in AWS\'s words, and nothing is sent to any node', async () => {
    const before = devNode.received.length;
    const res = await cli(dev, 'ssm', 'send-command', '--document-name', 'AWS-RunShellScript', '--instance-ids', prodNode.instanceId, '--parameters', 'commands=["uptime"]');
    assert.equal(res.code, 254, res.stderr);
    const resource = `arn:aws:ssm:us-east-1:${t.admin.accountId}:managed-instance/${prodNode.instanceId}`;
    assert.ok(res.stderr.includes(`An error occurred (AccessDeniedException) when calling the SendCommand operation: User: arn:aws:iam::${t.admin.accountId}:user/dev-operator is not authorized to perform: ssm:SendCommand on resource: ${resource} because no identity-based policy allows the ssm:SendCommand action`), res.stderr);
    // Targets that include the prod node are denied as a whole.
    const both = await cli(dev, 'ssm', 'send-command', '--document-name', 'AWS-RunShellScript', '--targets', 'Key=tag-key,Values=Env', '--parameters', 'commands=["uptime"]');
    assert.equal(both.code, 254);
    assert.match(both.stderr, /AccessDeniedException.*managed-instance\/mi-/);
    assert.equal(prodNode.received.length, 0);
    assert.equal(devNode.received.length, before);
    const listed = await cli(t.admin, 'ssm', 'list-commands');
    assert.equal(JSON.parse(listed.stdout).Commands.length, 1, 'no command was created by the denied calls');
  });
});
