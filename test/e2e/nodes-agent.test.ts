/**
 * Real agent processes (the bundled bosun-agent.cjs) against a real server: registration,
 * Online, deregistration, expired and exhausted activations, clock skew, a server restart
 * with messages in the agent's outbox, and an agent restart.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { DeregisterManagedInstanceCommand, DescribeInstanceInformationCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { createActivation, eventually, killAgents, spawnAgent, startNodesServer, stateDir, type NodesServer } from './nodes-support.ts';
import { runBosun, ssmClient } from './support.ts';

let target: NodesServer;
let ssm: SSMClient;
const dirs: string[] = [];
const newStateDir = () => {
  const dir = stateDir();
  dirs.push(dir);
  return path.join(dir, 'state');
};

before(async () => {
  target = await startNodesServer({ connectionLostAfterMs: 5_000 });
  ssm = ssmClient(target, target.admin, { keepClockOffset: true });
});
after(async () => {
  killAgents();
  ssm.destroy();
  await target.destroy();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

async function info(instanceId: string) {
  const out = await ssm.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: [instanceId] }] }));
  return out.InstanceInformationList?.[0];
}

async function onlineNode(): Promise<{ instanceId: string; agent: Awaited<ReturnType<typeof spawnAgent>>; state: string }> {
  const activation = await createActivation(ssm);
  const state = newStateDir();
  const agent = await spawnAgent(['--endpoint', target.url, '--code', activation.code, '--id', activation.id, '--state-dir', state]);
  const [, instanceId] = await agent.waitFor(/registered as (mi-[0-9a-f]{17})/);
  await agent.waitFor(/online as mi-/);
  await eventually('the node to be Online with its heartbeat', async () => (await info(instanceId))?.AgentVersion !== undefined);
  return { instanceId, agent, state };
}

describe('a real agent', () => {
  test('registers with an activation, keeps its identity private, and comes Online with what its heartbeat carries', async () => {
    const { instanceId, agent, state } = await onlineNode();
    assert.match(instanceId, /^mi-[0-9a-f]{17}$/);
    assert.equal(fs.statSync(state).mode & 0o777, 0o700);
    assert.equal(fs.statSync(path.join(state, 'identity.json')).mode & 0o777, 0o600);
    const node = (await info(instanceId))!;
    assert.equal(node.PingStatus, 'Online');
    assert.equal(node.ResourceType, 'ManagedInstance');
    assert.equal(node.IamRole, 'BosunNodeRole');
    assert.equal(node.PlatformType, 'Linux');
    assert.equal(node.AgentVersion, '0.1.0');
    assert.ok(node.ComputerName && node.IPAddress && node.PlatformName && node.PlatformVersion, JSON.stringify(node));
    assert.ok(node.LastPingDateTime instanceof Date);
    await agent.stop();
  });

  test('a restarted agent keeps its node id and is Online again without an activation', async () => {
    const { instanceId, agent, state } = await onlineNode();
    assert.equal(await agent.stop(), 0);
    const again = await spawnAgent(['--state-dir', state]);
    await again.waitFor(new RegExp(`online as ${instanceId}`));
    assert.doesNotMatch(again.output(), /registered as/);
    await again.stop();
  });

  test('deregistering a node closes its channel at once, stops the agent, and the node is Inactive', async () => {
    const { instanceId, agent } = await onlineNode();
    await ssm.send(new DeregisterManagedInstanceCommand({ InstanceId: instanceId }));
    assert.equal(await agent.exited, 4);
    assert.match(agent.output(), /no longer registered/);
    assert.equal((await info(instanceId))?.PingStatus, 'Inactive');
  });

  test('an expired activation refuses registration with a clear error', async () => {
    const activation = await createActivation(ssm);
    target.clock.offsetMs = 25 * 60 * 60 * 1000; // the default activation lifetime is 24 h
    try {
      const agent = await spawnAgent(['--endpoint', target.url, '--code', activation.code, '--id', activation.id, '--state-dir', newStateDir()]);
      assert.equal(await agent.exited, 1);
      assert.match(agent.output(), /registration failed: InvalidActivation: The activation \S+ expired at/);
    } finally {
      target.clock.offsetMs = 0;
    }
  });

  test('an activation refuses registrations beyond its limit', async () => {
    const activation = await createActivation(ssm, { limit: 1 });
    const first = await spawnAgent(['register', '--endpoint', target.url, '--code', activation.code, '--id', activation.id, '--state-dir', newStateDir()]);
    assert.equal(await first.exited, 0);
    const second = await spawnAgent(['register', '--endpoint', target.url, '--code', activation.code, '--id', activation.id, '--state-dir', newStateDir()]);
    assert.equal(await second.exited, 1);
    assert.match(second.output(), /reached its registration limit of 1/);
  });

  test('a node whose clock is 10 minutes off is refused with the skew, listed with the reason, and comes back by itself once the clocks agree', async () => {
    const activation = await createActivation(ssm);
    const state = newStateDir();
    const skewMs = -10 * 60 * 1000;
    const agent = await spawnAgent(['--endpoint', target.url, '--code', activation.code, '--id', activation.id, '--state-dir', state], { BOSUN_AGENT_CLOCK_OFFSET_MS: String(skewMs) });
    const [, instanceId] = await agent.waitFor(/registered as (mi-[0-9a-f]{17})/);
    await agent.waitFor(/ClockSkew: this node's clock is 600 s behind the server's \(measured offset -6\d{5} ms.*fix the node's time: enable NTP or chrony/);
    // One clear line, not one per retry.
    await eventually('a few refused attempts', async () => {
      const row = await target.server.store.db.selectFrom('managed_instances').selectAll().where('instance_id', '=', instanceId).executeTakeFirst();
      return row?.refused_reason?.startsWith('ClockSkew') ? row : undefined;
    });
    const ls = await runBosun(['nodes', 'ls', '--data-dir', target.dataDir]);
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, new RegExp(`${instanceId}.*ConnectionLost.*ClockSkew: the node's clock is 600 s behind.*\\(skew -600 s\\)`));
    assert.equal(agent.output().match(/ClockSkew: this node's clock/g)?.length, 1);

    // The server's clock moves to agree with the node's: the agent is Online within one backoff period.
    target.clock.offsetMs = skewMs;
    const shifted = ssmClient(target, target.admin, { clockOffsetMs: skewMs, keepClockOffset: true });
    try {
      await agent.waitFor(/clock is right again/, 30_000);
      await agent.waitFor(new RegExp(`online as ${instanceId}`));
      await eventually('the node to be Online', async () => {
        const out = await shifted.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: [instanceId] }] }));
        return out.InstanceInformationList?.[0]?.PingStatus === 'Online';
      });
      const after = await runBosun(['nodes', 'ls', '--data-dir', target.dataDir]);
      assert.doesNotMatch(after.stdout.split('\n').find((l) => l.includes(instanceId)) ?? '', /ClockSkew/);
    } finally {
      shifted.destroy();
      await agent.stop();
      target.clock.offsetMs = 0;
    }
  });

  test('after a server restart agents reconnect, and what they queued in their outbox meanwhile arrives exactly once', async () => {
    const { instanceId, agent, state } = await onlineNode();
    const outbox = () => fs.readdirSync(path.join(state, 'outbox')).filter((n) => n.endsWith('.json'));
    await eventually('the agent-started event to be acked', async () => outbox().length === 0);
    await target.stop();
    await agent.waitFor(/channel closed/);
    const report = await spawnAgent(['report', '--state-dir', state, '--event', 'queued-while-server-down', '--detail', 'outbox']);
    assert.equal(await report.exited, 0);
    assert.equal(outbox().length, 1);
    await target.restart();
    await agent.waitFor(/online as mi-[0-9a-f]+: channel open[\s\S]*online as/, 30_000);
    await eventually('the queued event to be delivered and acked', async () => outbox().length === 0);
    const delivered = target.log().split('\n').filter((l) => l.includes(`node ${instanceId}: queued-while-server-down`));
    assert.equal(delivered.length, 1);
    await eventually('the node to be Online again', async () => (await info(instanceId))?.PingStatus === 'Online');
    await agent.stop();
  });
});

describe('credentials renewal', () => {
  test('the agent renews its short-lived credentials before they expire and reconnects with the new ones', async () => {
    const short = await startNodesServer({ credentialsTtlMs: 8_000 });
    const client = ssmClient(short, short.admin);
    const state = newStateDir();
    try {
      const activation = await createActivation(client);
      const agent = await spawnAgent(['--endpoint', short.url, '--code', activation.code, '--id', activation.id, '--state-dir', state]);
      const [, instanceId] = await agent.waitFor(/registered as (mi-[0-9a-f]{17})/);
      await agent.waitFor(/online as mi-/);
      const sessions = () => short.server.store.db.selectFrom('session_credentials').select(['access_key_id', 'expires_at']).where('subject', '=', instanceId).execute();
      await eventually('a renewal before the first credentials expire', async () => {
        const rows = await sessions();
        return rows.length >= 2 ? rows : undefined;
      }, 15_000);
      const rows = (await sessions()).sort((a, b) => Number(a.expires_at) - Number(b.expires_at));
      assert.ok(Number(rows[1].expires_at) - Number(rows[0].expires_at) < 8_000, 'renewed before the first expired');
      // A reconnection (server restart) after the first credentials expired succeeds with the renewed ones.
      await eventually('the first credentials to expire', async () => Date.now() > Number(rows[0].expires_at) + 500, 15_000);
      await short.restart();
      await agent.waitFor(/online as mi-[0-9a-f]+: channel open[\s\S]*online as/, 20_000);
      await agent.stop();
    } finally {
      client.destroy();
      await short.destroy();
    }
  });
});
