/**
 * AWS-UpdateSSMAgent on a real agent process against a real server, with two real bundle
 * versions: the bundle built from the sources (packages/agent's version) and a build of the same
 * sources reporting 0.2.0, put in the server's bundles directory. A broken 0.3.0 (it exits at
 * start) is rolled back: the previous bundle is restored and the node is Online again with it.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  DescribeInstanceInformationCommand, GetCommandInvocationCommand, SendCommandCommand, type GetCommandInvocationCommandOutput, type SSMClient,
} from '@aws-sdk/client-ssm';
import { AGENT_VERSIONS_PATH } from '@bosun/protocol';
import { buildAgentBundle, currentAgentVersion } from '../../packages/server/src/nodes/agent-bundle.ts';
import { signedGet } from './commands-support.ts';
import { agentBundle, createActivation, eventually, killAgents, spawnAgent, startNodesServer, stateDir, type AgentProcess, type NodesServer } from './nodes-support.ts';
import { ssmClient } from './support.ts';

const CURRENT = currentAgentVersion();
const NEXT = '0.2.0';
const BROKEN = '0.3.0';

let target: NodesServer;
let ssm: SSMClient;
let nextSha: string;
const dirs: string[] = [];

before(async () => {
  assert.equal(CURRENT, '0.1.0', 'these tests bump 0.1.0; change NEXT and BROKEN with the agent\'s version');
  target = await startNodesServer();
  ssm = ssmClient(target, target.admin, { keepClockOffset: true });
  nextSha = (await buildAgentBundle(path.join(target.dataDir, 'agent-bundles', NEXT, 'bosun-agent.cjs'), { version: NEXT })).sha256;
});
after(async () => {
  killAgents();
  ssm.destroy();
  await target.destroy();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** A registered, Online agent running from its own copy of the current bundle (an update replaces that file). */
async function startAgent(): Promise<{ agent: AgentProcess; instanceId: string; bundle: string }> {
  const dir = stateDir();
  dirs.push(dir);
  const bundle = path.join(dir, 'opt', 'bosun-agent.cjs');
  fs.mkdirSync(path.dirname(bundle));
  fs.copyFileSync(await agentBundle(), bundle);
  const activation = await createActivation(ssm);
  const agent = await spawnAgent(
    ['--endpoint', target.url, '--code', activation.code, '--id', activation.id, '--state-dir', path.join(dir, 'state')],
    { BOSUN_AGENT_UPDATE_TIMEOUT_SECONDS: '30' },
    { bundle },
  );
  const [, instanceId] = await agent.waitFor(/registered as (mi-[0-9a-f]{17})/);
  await agent.waitFor(/online as mi-/);
  return { agent, instanceId, bundle };
}

async function runToEnd(instanceId: string, documentName: string, parameters: Record<string, string[]> = {}): Promise<GetCommandInvocationCommandOutput> {
  const sent = await ssm.send(new SendCommandCommand({ DocumentName: documentName, InstanceIds: [instanceId], Parameters: parameters }));
  return eventually('the invocation to end', async () => {
    const got = await ssm.send(new GetCommandInvocationCommand({ CommandId: sent.Command!.CommandId!, InstanceId: instanceId }));
    return ['Success', 'Failed', 'TimedOut', 'Cancelled'].includes(got.Status ?? '') ? got : undefined;
  }, 60_000);
}

async function information(instanceId: string) {
  const out = await ssm.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: [instanceId] }] }));
  return out.InstanceInformationList?.[0];
}

describe('AWS-UpdateSSMAgent on a real agent', () => {
  test('the server lists the versions it offers, each with its SHA-256, to signed requests only', async () => {
    const offered = JSON.parse((await signedGet(target.url + AGENT_VERSIONS_PATH, target.admin)).text) as { current: string; latest: string; versions: { version: string; sha256: string }[] };
    assert.equal(offered.current, CURRENT);
    assert.equal(offered.latest, NEXT);
    assert.deepEqual(offered.versions.map((v) => v.version), [NEXT, CURRENT]);
    assert.equal(offered.versions[0].sha256, nextSha);
    assert.equal((await fetch(target.url + AGENT_VERSIONS_PATH)).status, 403);
  });

  test('an agent updates to the version asked, restarts into it, and is Online reporting the new AgentVersion', async () => {
    const { agent, instanceId, bundle } = await startAgent();
    const original = sha256(bundle);
    const got = await runToEnd(instanceId, 'AWS-UpdateSSMAgent', { version: [NEXT] });
    assert.equal(got.Status, 'Success', `${got.StandardOutputContent}\n${got.StandardErrorContent}\n${agent.output()}`);
    assert.match(got.StandardOutputContent ?? '', new RegExp(`Updating bosun-agent from ${CURRENT} to ${NEXT}`));
    assert.match(got.StandardOutputContent ?? '', new RegExp(`bosun-agent updated successfully to ${NEXT}`));
    const info = await eventually('the node Online with the new AgentVersion', async () => {
      const i = await information(instanceId);
      return i?.PingStatus === 'Online' && i.AgentVersion === NEXT ? i : undefined;
    });
    assert.equal(info.AgentVersion, NEXT);
    assert.equal(sha256(bundle), nextSha, 'the stable path holds the new bundle');
    assert.equal(sha256(`${bundle}.previous`), original, 'the previous bundle is kept');

    // The new agent runs commands; the one that was updated refuses to go back without allowDowngrade.
    const again = await runToEnd(instanceId, 'AWS-RunShellScript', { commands: ['echo still here'] });
    assert.equal(again.StandardOutputContent, 'still here\n');
    const downgrade = await runToEnd(instanceId, 'AWS-UpdateSSMAgent', { version: [CURRENT] });
    assert.equal(downgrade.Status, 'Failed');
    assert.match(downgrade.StandardErrorContent ?? '', /older version .* set allowDowngrade to true/);

    // Stopping the process that was started stops the new agent it handed over to.
    assert.equal(await agent.stop(), 0);
  });

  test('an agent already at the version asked answers Success, already installed, without a restart', async () => {
    const { agent, instanceId } = await startAgent();
    const got = await runToEnd(instanceId, 'Bosun-UpdateAgent', { version: [CURRENT] });
    assert.equal(got.Status, 'Success', got.StandardErrorContent);
    assert.match(got.StandardOutputContent ?? '', new RegExp(`bosun-agent ${CURRENT} has already been installed, update skipped`));
    assert.doesNotMatch(agent.output(), /handing over/);
  });

  test('a new version that exits before it is Online is rolled back: the previous bundle is restored and the node Online again with it', async () => {
    const brokenFile = path.join(target.dataDir, 'agent-bundles', BROKEN, 'bosun-agent.cjs');
    fs.mkdirSync(path.dirname(brokenFile), { recursive: true });
    fs.writeFileSync(brokenFile, 'process.stderr.write("broken agent\\n");\nprocess.exit(3);\n');
    try {
      const { agent, instanceId, bundle } = await startAgent();
      const original = sha256(bundle);
      const got = await runToEnd(instanceId, 'AWS-UpdateSSMAgent', { version: [BROKEN] });
      assert.equal(got.Status, 'Failed', got.StandardOutputContent);
      assert.match(got.StandardErrorContent ?? '', /the new agent exited \(status 3\) before it was Online/);
      assert.match(got.StandardErrorContent ?? '', new RegExp(`rolled back to ${CURRENT}`));
      assert.equal(sha256(bundle), original, 'the previous bundle is back at the stable path');
      assert.match(agent.output(), new RegExp(`update to ${BROKEN} failed: .*rolled back to ${CURRENT}`));
      const ended = got.ExecutionEndDateTime ? Date.parse(got.ExecutionEndDateTime) : Date.now();
      await eventually('the node Online again, with its old AgentVersion', async () => {
        const i = await information(instanceId);
        return i?.PingStatus === 'Online' && i.AgentVersion === CURRENT && i.LastPingDateTime && i.LastPingDateTime.getTime() >= ended - 1000 ? i : undefined;
      });
      const after = await runToEnd(instanceId, 'AWS-RunShellScript', { commands: ['echo back'] });
      assert.equal(after.StandardOutputContent, 'back\n');
      await eventually('the failure in the server log', async () => /agent-update-failed/.test(target.log()));
    } finally {
      fs.rmSync(path.dirname(brokenFile), { recursive: true, force: true });
    }
  });
});
