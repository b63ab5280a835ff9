/**
 * The node APIs and the channel's defences, with nodes driven by the test itself (so that
 * it holds their credentials): activations, DescribeInstanceInformation filters and
 * pagination, tags, UpdateManagedInstanceRole, what node credentials may do, deregistered
 * credentials, malformed and foreign frames, and the agent download and install script.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  AddTagsToResourceCommand, DeleteActivationCommand, DeregisterManagedInstanceCommand, DescribeActivationsCommand, DescribeInstanceInformationCommand,
  GetServiceSettingCommand, ListTagsForResourceCommand, type DescribeInstanceInformationCommandInput, RemoveTagsFromResourceCommand, UpdateManagedInstanceRoleCommand, SSMClient,
} from '@aws-sdk/client-ssm';
import WebSocket from 'ws';
import { CHANNEL_PATH } from '@bosun/protocol';
import { signRequest } from '../../packages/agent/src/sigv4-signer.ts';
import { createActivation, eventually, nodeCredentials, registerTestNode, startNodesServer, type NodesServer } from './nodes-support.ts';
import { AWS_CLI, awsCli, awsCliEnv, failureOf, rejection, REGION, skipWithoutAwsCli, ssmClient } from './support.ts';

let target: NodesServer;
let ssm: SSMClient;

before(async () => {
  target = await startNodesServer();
  ssm = ssmClient(target, target.admin);
});
after(async () => {
  ssm.destroy();
  await target.destroy();
});

type TestNode = Awaited<ReturnType<typeof registerTestNode>>;

async function credentialsOf(node: TestNode) {
  const res = await nodeCredentials(target.url, node);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

/** Frames each channel socket received, recorded from before it opened (the queue is flushed at once). */
const received = new WeakMap<WebSocket, { k: string; id: string; type?: string }[]>();

/** Opens a node's channel with its credentials; resolves with the socket once open. */
function openChannel(creds: { accessKeyId: string; secretAccessKey: string; sessionToken: string }): Promise<WebSocket> {
  const url = new URL(target.url + CHANNEL_PATH);
  const headers = signRequest({ method: 'GET', url, credentials: creds, region: REGION, service: 'ssm', now: Date.now() });
  url.protocol = 'ws:';
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const frames: { k: string; id: string; type?: string }[] = [];
    received.set(ws, frames);
    ws.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString()) as { k: string; id: string; type?: string }));
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

const heartbeat = (id = crypto.randomUUID()) => JSON.stringify({
  k: 'msg', id, type: 'heartbeat',
  body: { agentVersion: '9.9.9', platformName: 'Debian GNU/Linux', platformType: 'Linux', platformVersion: '13', computerName: 'test-node', ipAddresses: ['10.1.2.3'], clockOffsetMs: 12 },
});

describe('activations', () => {
  test('CreateActivation returns the code once; DescribeActivations shows the activation without it, filtered and paginated', async () => {
    const created = [];
    for (let i = 0; i < 3; i++) created.push(await createActivation(ssm, { name: `web-${i}`, role: i === 2 ? 'OtherRole' : 'BosunNodeRole', tags: [{ Key: 'env', Value: 'test' }] }));
    const stored = await target.server.store.db.selectFrom('activations').select(['code_hash']).execute();
    for (const a of created) {
      assert.match(a.code, /^\S{20,}$/);
      assert.ok(!stored.some((row) => row.code_hash.includes(a.code)), 'the code is stored only as a hash');
    }
    const byRole = await ssm.send(new DescribeActivationsCommand({ Filters: [{ FilterKey: 'IamRole', FilterValues: ['OtherRole'] }] }));
    assert.deepEqual(byRole.ActivationList?.map((a) => a.ActivationId), [created[2].id]);
    const one = (await ssm.send(new DescribeActivationsCommand({ Filters: [{ FilterKey: 'ActivationIds', FilterValues: [created[0].id] }] }))).ActivationList![0];
    assert.equal(one.DefaultInstanceName, 'web-0');
    assert.equal(one.RegistrationLimit, 1);
    assert.equal(one.RegistrationsCount, 0);
    assert.equal(one.Expired, false);
    assert.deepEqual(one.Tags, [{ Key: 'env', Value: 'test' }]);
    assert.equal(one.ExpirationDate!.getTime() - one.CreatedDate!.getTime(), 24 * 60 * 60 * 1000);
    assert.ok(!JSON.stringify(one).includes(created[0].code));

    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await ssm.send(new DescribeActivationsCommand({ MaxResults: 2, NextToken: token }));
      assert.ok(page.ActivationList!.length <= 2);
      seen.push(...page.ActivationList!.map((a) => a.ActivationId!));
      token = page.NextToken;
    } while (token);
    for (const a of created) assert.ok(seen.includes(a.id));
    assert.equal(new Set(seen).size, seen.length);
  });

  test('CreateActivation refuses an expiration date more than 30 days ahead or in the past', async () => {
    const far = await rejection(ssm.send(new (await import('@aws-sdk/client-ssm')).CreateActivationCommand({ IamRole: 'R', ExpirationDate: new Date(Date.now() + 31 * 86_400_000) })));
    assert.equal(far.name, 'InvalidParameters');
    const past = await rejection(ssm.send(new (await import('@aws-sdk/client-ssm')).CreateActivationCommand({ IamRole: 'R', ExpirationDate: new Date(Date.now() - 60_000) })));
    assert.equal(past.name, 'InvalidParameters');
  });

  test('a deleted activation refuses registration, and DeleteActivation of an unknown id is InvalidActivation', async () => {
    const activation = await createActivation(ssm);
    await ssm.send(new DeleteActivationCommand({ ActivationId: activation.id }));
    await assert.rejects(registerTestNode(target.url, activation), /400 .*InvalidActivation/);
    const again = await rejection(ssm.send(new DeleteActivationCommand({ ActivationId: activation.id })));
    assert.equal(again.name, 'InvalidActivation');
  });

  test('the AWS CLI creates an activation', { skip: skipWithoutAwsCli }, async () => {
    const out = await awsCli(['ssm', 'create-activation', '--iam-role', 'CliRole', '--registration-limit', '5', '--endpoint-url', target.url, '--output', 'json'], awsCliEnv(target.admin));
    assert.equal(out.code, 0, out.stderr);
    const parsed = JSON.parse(out.stdout) as { ActivationId: string; ActivationCode: string };
    assert.match(parsed.ActivationId, /^[0-9a-f-]{36}$/);
    assert.ok(AWS_CLI);
  });
});

describe('managed nodes', () => {
  let online: TestNode;
  let silent: TestNode;
  let activationId: string;
  let socket: WebSocket;

  before(async () => {
    const activation = await createActivation(ssm, { limit: 5, tags: [{ Key: 'team', Value: 'web' }] });
    activationId = activation.id;
    online = await registerTestNode(target.url, activation);
    silent = await registerTestNode(target.url, activation);
    socket = await openChannel(await credentialsOf(online));
    socket.send(heartbeat());
    await eventually('the heartbeat to be recorded', async () => {
      const out = await ssm.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: [online.instanceId] }] }));
      return out.InstanceInformationList?.[0]?.AgentVersion === '9.9.9';
    });
  });
  after(() => socket.close());

  const ids = async (input: DescribeInstanceInformationCommandInput) =>
    ((await ssm.send(new DescribeInstanceInformationCommand(input))).InstanceInformationList ?? []).map((i) => i.InstanceId).sort();

  test('DescribeInstanceInformation filters by every documented key in both filter styles', async () => {
    const both = [online.instanceId, silent.instanceId].sort();
    assert.deepEqual(await ids({ Filters: [{ Key: 'PingStatus', Values: ['Online'] }, { Key: 'ActivationIds', Values: [activationId] }] }), [online.instanceId]);
    assert.deepEqual(await ids({ InstanceInformationFilterList: [{ key: 'PingStatus', valueSet: ['ConnectionLost'] }, { key: 'ActivationIds', valueSet: [activationId] }] }), [silent.instanceId]);
    assert.deepEqual(await ids({ Filters: [{ Key: 'AgentVersion', Values: ['9.9.9'] }] }), [online.instanceId]);
    assert.deepEqual(await ids({ Filters: [{ Key: 'PlatformTypes', Values: ['Linux'] }, { Key: 'ActivationIds', Values: [activationId] }] }), [online.instanceId]);
    assert.deepEqual(await ids({ Filters: [{ Key: 'IamRole', Values: ['BosunNodeRole'] }, { Key: 'ActivationIds', Values: [activationId] }] }), both);
    assert.deepEqual(await ids({ Filters: [{ Key: 'ResourceType', Values: ['ManagedInstance'] }, { Key: 'ActivationIds', Values: [activationId] }] }), both);
    // Only this activation's nodes are tagged team=web in this server. AWS refuses tag filters beside others.
    assert.deepEqual(await ids({ Filters: [{ Key: 'tag:team', Values: ['web'] }] }), both);
    assert.deepEqual(await ids({ Filters: [{ Key: 'tag-key', Values: ['team'] }, { Key: 'tag:team', Values: ['web', 'api'] }] }), both);
    assert.deepEqual(await failureOf(ssm.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'tag:team', Values: ['web'] }, { Key: 'ActivationIds', Values: [activationId] }] }))),
      { name: 'ValidationException', message: 'Cannot mix tag or inventory filter with any other filter.' });
    assert.deepEqual(await failureOf(ssm.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'ResourceType', Values: ['ManagedInstance', 'EC2Instance'] }] }))),
      { name: 'InvalidInstanceInformationFilterValue', message: 'ResourceType filter may contain only one value.' });
    assert.deepEqual(await failureOf(ssm.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'ResourceType', Values: ['Server'] }] }))),
      { name: 'InvalidInstanceInformationFilterValue', message: 'ResourceType filter is invalid, valid values are EC2Instance, ManagedInstance' });
    assert.deepEqual(await ids({ InstanceInformationFilterList: [{ key: 'InstanceIds', valueSet: [silent.instanceId] }] }), [silent.instanceId]);
    assert.equal((await rejection(ssm.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'Color', Values: ['x'] }] })))).name, 'InvalidFilterKey');
    assert.equal((await rejection(ssm.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'PingStatus', Values: ['Sleeping'] }] })))).name, 'InvalidInstanceInformationFilterValue');
    const node = (await ssm.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: [online.instanceId] }] }))).InstanceInformationList![0];
    assert.equal(node.IPAddress, '10.1.2.3');
    assert.equal(node.ComputerName, 'test-node');
    assert.equal(node.PlatformName, 'Debian GNU/Linux');
  });

  test('DescribeInstanceInformation paginates with MaxResults and NextToken', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await ssm.send(new DescribeInstanceInformationCommand({ MaxResults: 5, NextToken: token }));
      seen.push(...page.InstanceInformationList!.map((i) => i.InstanceId!));
      token = page.NextToken;
    } while (token);
    assert.ok(seen.includes(online.instanceId) && seen.includes(silent.instanceId));
    assert.equal(new Set(seen).size, seen.length);
    assert.equal((await rejection(ssm.send(new DescribeInstanceInformationCommand({ NextToken: 'garbage' })))).name, 'InvalidNextToken');
  });

  test('DescribeInstanceInformation without MaxResults answers 10 per page, as AWS documents', async () => {
    const activation = await createActivation(ssm, { limit: 11 });
    for (let i = 0; i < 11; i++) await registerTestNode(target.url, activation);
    const first = await ssm.send(new DescribeInstanceInformationCommand({}));
    assert.equal(first.InstanceInformationList!.length, 10);
    assert.ok(first.NextToken, 'more pages follow');
  });

  test('tags of a managed node are added, listed, used as filters and removed', async () => {
    await ssm.send(new AddTagsToResourceCommand({ ResourceType: 'ManagedInstance', ResourceId: silent.instanceId, Tags: [{ Key: 'role', Value: 'db' }] }));
    const list = await ssm.send(new ListTagsForResourceCommand({ ResourceType: 'ManagedInstance', ResourceId: silent.instanceId }));
    assert.deepEqual(list.TagList, [{ Key: 'team', Value: 'web' }, { Key: 'role', Value: 'db' }]);
    assert.deepEqual(await ids({ Filters: [{ Key: 'tag:role', Values: ['db'] }] }), [silent.instanceId]);
    await ssm.send(new RemoveTagsFromResourceCommand({ ResourceType: 'ManagedInstance', ResourceId: silent.instanceId, TagKeys: ['role'] }));
    assert.deepEqual((await ssm.send(new ListTagsForResourceCommand({ ResourceType: 'ManagedInstance', ResourceId: silent.instanceId }))).TagList, [{ Key: 'team', Value: 'web' }]);
    const unknown = await rejection(ssm.send(new ListTagsForResourceCommand({ ResourceType: 'ManagedInstance', ResourceId: 'mi-0123456789abcdef0' })));
    assert.equal(unknown.name, 'InvalidResourceId');
  });

  test('UpdateManagedInstanceRole changes the role nodes report and renew with', async () => {
    await ssm.send(new UpdateManagedInstanceRoleCommand({ InstanceId: silent.instanceId, IamRole: 'NewRole' }));
    assert.deepEqual(await ids({ Filters: [{ Key: 'IamRole', Values: ['NewRole'] }] }), [silent.instanceId]);
    const creds = await credentialsOf(silent);
    const row = await target.server.store.db.selectFrom('session_credentials').select('principal').where('access_key_id', '=', creds.accessKeyId).executeTakeFirstOrThrow();
    assert.match(row.principal, /assumed-role\/NewRole\/mi-/);
  });

  test('node credentials may call only what the node rule set allows', async () => {
    const creds = await credentialsOf(online);
    const asNode = new SSMClient({ endpoint: target.url, region: REGION, maxAttempts: 1, credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, sessionToken: creds.sessionToken } });
    try {
      const denied = await rejection(asNode.send(new DescribeInstanceInformationCommand({})));
      assert.equal(denied.name, 'AccessDeniedException');
      assert.match(denied.message, new RegExp(`assumed-role/BosunNodeRole/${online.instanceId}.*ssm:DescribeInstanceInformation`));
      const alsoDenied = await rejection(asNode.send(new GetServiceSettingCommand({ SettingId: '/ssm/parameter-store/high-throughput-enabled' })));
      assert.equal(alsoDenied.name, 'AccessDeniedException');
    } finally {
      asNode.destroy();
    }
  });

  test('a channel needs node credentials: none, or a user\'s, are refused', async () => {
    await assert.rejects(new Promise((resolve, reject) => {
      const ws = new WebSocket(target.url.replace('http', 'ws') + CHANNEL_PATH);
      ws.once('open', resolve);
      ws.once('unexpected-response', (_r, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    }), /HTTP 403/);
    await assert.rejects(openChannel({ ...target.admin, sessionToken: '' }), /HTTP 403/);
  });

  for (const [what, frame, reason] of [
    ['a frame that is not JSON', 'not json at all', /frame is not JSON/],
    ['a message of an unknown type', JSON.stringify({ k: 'msg', id: 'abcdefgh1', type: 'launch-missiles', body: {} }), /unknown message type launch-missiles/],
    ['a heartbeat with a malformed body', JSON.stringify({ k: 'msg', id: 'abcdefgh2', type: 'heartbeat', body: { agentVersion: 1 } }), /heartbeat agentVersion/],
    ['a frame over the size limit', JSON.stringify({ k: 'msg', id: 'abcdefgh3', type: 'heartbeat', body: { pad: 'x'.repeat(300 * 1024) } }), /./],
  ] as const) {
    test(`${what} closes that connection with a logged reason, and the server goes on`, async () => {
      const ws = await openChannel(await credentialsOf(silent));
      const done = closed(ws);
      ws.send(frame);
      const { code } = await done;
      assert.ok(code === 1008 || code === 1009, `close code ${code}`);
      if (reason.source !== '.') assert.match(target.log(), reason);
      // The other node's channel is untouched and the server still answers.
      socket.send(heartbeat());
      assert.equal(socket.readyState, WebSocket.OPEN);
      await ssm.send(new DescribeActivationsCommand({}));
    });
  }

  test('a node acks only its own messages: acking another node\'s message closes its channel', async () => {
    const messageId = await target.server.nodes.hub.send(online.instanceId, 'ping', { note: 'for online only' });
    const ws = await openChannel(await credentialsOf(silent));
    const done = closed(ws);
    ws.send(JSON.stringify({ k: 'ack', id: messageId }));
    assert.equal((await done).code, 1008);
    assert.match(target.log(), /ack of a message addressed to another node/);
  });

  test('a message queued for a node is delivered once it connects, and its ack marks it done', async () => {
    socket.close();
    await eventually('the old channel to close', async () => !target.server.nodes.hub.isConnected(online.instanceId));
    const messageId = await target.server.nodes.hub.send(online.instanceId, 'ping', { note: 'queued' });
    socket = await openChannel(await credentialsOf(online));
    const frame = await eventually('the queued message to arrive', async () => received.get(socket)!.find((f) => f.k === 'msg' && f.id === messageId));
    assert.equal(frame.type, 'ping');
    socket.send(JSON.stringify({ k: 'ack', id: messageId }));
    await eventually('the message to be acked', async () => {
      const row = await target.server.store.db.selectFrom('channel_messages').select('state').where('message_id', '=', messageId).executeTakeFirst();
      return row?.state === 'acked';
    });
  });

  test('DeregisterManagedInstance ends the node\'s credentials and channel at once', async () => {
    const creds = await credentialsOf(online);
    const done = closed(socket);
    await ssm.send(new DeregisterManagedInstanceCommand({ InstanceId: online.instanceId }));
    assert.equal((await done).code, 4001);
    await assert.rejects(openChannel(creds), /HTTP 403/);
    const renewed = await nodeCredentials(target.url, online);
    assert.equal(renewed.status, 400);
    assert.equal(renewed.body.__type, 'InvalidInstanceId');
    const again = await rejection(ssm.send(new DeregisterManagedInstanceCommand({ InstanceId: online.instanceId })));
    assert.equal(again.name, 'InvalidInstanceId');
  });

  test('a credentials request more than 5 minutes off the server\'s clock is refused with the server\'s time and the skew', async () => {
    const res = await nodeCredentials(target.url, silent, Date.now() + 7 * 60_000);
    assert.equal(res.status, 403);
    assert.ok(Math.abs((res.body.skewMs ?? 0) - 7 * 60_000) < 10_000);
    assert.match(res.body.message ?? '', /enable NTP or chrony/);
    const forged = await nodeCredentials(target.url, { instanceId: silent.instanceId, privateKey: crypto.generateKeyPairSync('ed25519').privateKey });
    assert.equal(forged.status, 403);
  });
});

describe('agent download', () => {
  test('the server serves the agent bundle with its SHA-256 and an install script that checks it', async () => {
    const bundle = Buffer.from(await (await fetch(`${target.url}/bosun/v1/agent/bosun-agent.cjs`)).arrayBuffer());
    const sha = crypto.createHash('sha256').update(bundle).digest('hex');
    assert.equal((await (await fetch(`${target.url}/bosun/v1/agent/bosun-agent.cjs.sha256`)).text()).split(' ')[0], sha);
    const script = await (await fetch(`${target.url}/bosun/v1/agent/install.sh`)).text();
    assert.match(script, new RegExp(`SHA256='${sha}'`));
    assert.match(script, /sha256sum/);
    assert.match(script, /systemctl enable --now bosun-agent.service/);
    assert.doesNotMatch(bundle.toString('utf8'), /require\("(bufferutil|utf-8-validate)"\)/);
    const unit = await (await fetch(`${target.url}/bosun/v1/agent/bosun-agent.service`)).text();
    assert.match(unit, /RestartPreventExitStatus=4/);
  });
});

describe('secrets of nodes', () => {
  test('activation codes and node credentials appear in no log, audit event or database file', async () => {
    const activation = await createActivation(ssm, { limit: 2 });
    const node = await registerTestNode(target.url, activation);
    const creds = await credentialsOf(node);
    const audit = (await target.server.store.db.selectFrom('audit_events').select('record').execute()).map((r) => r.record).join('\n');
    assert.match(audit, /HIDDEN_DUE_TO_SECURITY_REASONS/);
    const files = fs.readdirSync(target.dataDir).filter((n) => n.startsWith('bosun.db')).map((n) => fs.readFileSync(path.join(target.dataDir, n)).toString('latin1')).join('');
    for (const secret of [activation.code, creds.secretAccessKey, creds.sessionToken]) {
      assert.ok(!target.log().includes(secret), 'not in the log');
      assert.ok(!audit.includes(secret), 'not in the audit trail');
      assert.ok(!files.includes(secret), 'not in the database files');
    }
  });
});

describe('install script', () => {
  const runScript = (script: string, args: string[], env: NodeJS.ProcessEnv) => new Promise<{ code: number; out: string }>((resolve) => {
    const child = spawn('sh', ['-s', '--', ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
    child.stdin.end(script);
  });

  test('install.sh downloads the agent, checks its SHA-256, and registers the node (no systemd here: it says how to run it)', async () => {
    const activation = await createActivation(ssm);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-install-'));
    try {
      const script = await (await fetch(`${target.url}/bosun/v1/agent/install.sh`)).text();
      const env = { BOSUN_PREFIX: path.join(dir, 'opt'), BOSUN_STATE_DIR: path.join(dir, 'state') };
      const result = await runScript(script, ['--code', activation.code, '--id', activation.id], env);
      assert.equal(result.code, 0, result.out);
      assert.match(result.out, /registered as mi-[0-9a-f]{17}/);
      assert.match(result.out, /agent installed; no systemd here/);
      assert.ok(fs.existsSync(path.join(dir, 'opt/bosun-agent.cjs')));
      assert.equal(fs.statSync(path.join(dir, 'state')).mode & 0o777, 0o700);

      const tampered = script.replace(/SHA256='[0-9a-f]{64}'/, `SHA256='${'0'.repeat(64)}'`);
      const refused = await runScript(tampered, ['--code', activation.code, '--id', activation.id], { BOSUN_PREFIX: path.join(dir, 'other'), BOSUN_STATE_DIR: path.join(dir, 'other-state') });
      assert.equal(refused.code, 1);
      assert.match(refused.out, /checksum mismatch/);
      assert.ok(!fs.existsSync(path.join(dir, 'other/bosun-agent.cjs')));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
