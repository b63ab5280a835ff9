/**
 * Bootstrap on launch: a node registered with tags (`bosun agent --tags`, the install script's
 * --tags) has them from its registration, merged with its activation's, before its first
 * heartbeat: ListTagsForResource and DescribeInstanceInformation's tag filter see them.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DescribeInstanceInformationCommand, ListTagsForResourceCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { REGISTER_PATH } from '@bosun/protocol';
import { createActivation, eventually, killAgents, spawnAgent, startNodesServer, stateDir, type NodesServer } from './nodes-support.ts';
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

function newStateDir(): string {
  const dir = stateDir();
  dirs.push(dir);
  return path.join(dir, 'state');
}

async function tagsOf(instanceId: string): Promise<Record<string, string>> {
  const out = await ssm.send(new ListTagsForResourceCommand({ ResourceType: 'ManagedInstance', ResourceId: instanceId }));
  return Object.fromEntries((out.TagList ?? []).map((t) => [t.Key!, t.Value!]));
}

async function withTag(key: string, value: string): Promise<string[]> {
  const out = await ssm.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: `tag:${key}`, Values: [value] }] }));
  return (out.InstanceInformationList ?? []).map((i) => i.InstanceId!);
}

describe('bootstrap tags at registration', () => {
  test('bosun agent --tags registers the node with its tags, over the activation\'s, before its first heartbeat', async () => {
    const activation = await createActivation(ssm, { tags: [{ Key: 'team', Value: 'ops' }, { Key: 'env', Value: 'dev' }] });
    const state = newStateDir();
    const register = await spawnAgent(['register', '--endpoint', target.url, '--code', activation.code, '--id', activation.id, '--state-dir', state, '--tags', 'Role=web,env=prod']);
    const [, instanceId] = await register.waitFor(/registered as (mi-[0-9a-f]{17})/);
    assert.equal(await register.exited, 0);
    // Registered, never run: the tags are there already.
    assert.deepEqual(await tagsOf(instanceId), { team: 'ops', env: 'prod', Role: 'web' });
    assert.deepEqual(await withTag('Role', 'web'), [instanceId]);
    const [info] = (await ssm.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: [instanceId] }] }))).InstanceInformationList ?? [];
    assert.equal(info.LastPingDateTime, undefined, 'no heartbeat yet');

    const agent = await spawnAgent(['--state-dir', state]);
    await agent.waitFor(/online as mi-/);
    await eventually('the node Online with Role=web', async () => {
      // AWS does not mix a tag filter with others: the tag selects, PingStatus is read.
      const out = await ssm.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'tag:Role', Values: ['web'] }] }));
      return out.InstanceInformationList?.some((i) => i.InstanceId === instanceId && i.PingStatus === 'Online');
    });
  });

  test('bosun agent --tags refuses tags AWS would refuse, before registering', async () => {
    const activation = await createActivation(ssm);
    for (const [tags, message] of [['aws:cost=1', /reserved/], ['Role', /K=V pairs/], [`${'k'.repeat(129)}=v`, /1 to 128/], ['a=b,a=c', /given twice/]] as const) {
      const agent = await spawnAgent(['register', '--endpoint', target.url, '--code', activation.code, '--id', activation.id, '--state-dir', newStateDir(), '--tags', tags]);
      assert.equal(await agent.exited, 2, agent.output());
      assert.match(agent.output(), message);
    }
  });

  test('the server refuses registration tags that are not AWS Tags with InvalidTag, and registers nothing', async () => {
    const activation = await createActivation(ssm);
    const publicKey = crypto.generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' });
    for (const tags of [[{ Key: 'bad*key', Value: 'v' }], [{ Key: 'k', Value: 'x'.repeat(257) }], [{ Key: 'k' }], 'Role=web']) {
      const res = await fetch(target.url + REGISTER_PATH, { method: 'POST', body: JSON.stringify({ activationId: activation.id, activationCode: activation.code, publicKey, tags }) });
      assert.equal(res.status, 400);
      const body = (await res.json()) as { __type: string; message: string };
      assert.equal(body.__type, 'InvalidTag', body.message);
    }
    // The activation's one registration is still free.
    const res = await fetch(target.url + REGISTER_PATH, { method: 'POST', body: JSON.stringify({ activationId: activation.id, activationCode: activation.code, publicKey, tags: [{ Key: 'Role', Value: 'db' }] }) });
    assert.equal(res.status, 200);
    const { instanceId } = (await res.json()) as { instanceId: string };
    assert.deepEqual(await tagsOf(instanceId), { Role: 'db' });
  });

  test('install.sh --tags registers the node with them', async () => {
    const activation = await createActivation(ssm);
    const dir = stateDir();
    dirs.push(dir);
    const script = await (await fetch(`${target.url}/bosun/v1/agent/install.sh`)).text();
    const result = await new Promise<{ code: number; out: string }>((resolve) => {
      const child = spawn('sh', ['-s', '--', '--code', activation.code, '--id', activation.id, '--tags', 'Role=web,tier=front'], {
        env: { PATH: process.env.PATH, BOSUN_PREFIX: path.join(dir, 'opt'), BOSUN_STATE_DIR: path.join(dir, 'state') },
      });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      child.on('close', (code) => resolve({ code: code ?? -1, out }));
      child.stdin.end(script);
    });
    assert.equal(result.code, 0, result.out);
    const [, instanceId] = /registered as (mi-[0-9a-f]{17})/.exec(result.out) ?? [];
    assert.deepEqual(await tagsOf(instanceId), { Role: 'web', tier: 'front' });
  });
});
