/**
 * `bosun run` end to end: the real binary sends a command through the API, follows the
 * command's live stream, and real agent processes (the bundled bosun-agent.cjs) run it with
 * real shells. Three nodes: two tagged Role=web, one Role=db.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { GetCommandInvocationCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { createActivation, eventually, killAgents, spawnAgent, startNodesServer, stateDir, type NodesServer } from './nodes-support.ts';
import { bosunEnv, REGION, runBosun, ssmClient } from './support.ts';

let target: NodesServer;
let ssm: SSMClient;
const web: string[] = [];
let db: string;
const dirs: string[] = [];

async function startNodes(tags: { Key: string; Value: string }[], count: number): Promise<string[]> {
  const activation = await createActivation(ssm, { limit: count, tags });
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const dir = stateDir();
    dirs.push(dir);
    const agent = await spawnAgent(['--endpoint', target.url, '--code', activation.code, '--id', activation.id, '--state-dir', path.join(dir, 'state')]);
    const [, instanceId] = await agent.waitFor(/registered as (mi-[0-9a-f]{17})/);
    await agent.waitFor(/online as mi-/);
    ids.push(instanceId);
  }
  return ids;
}

function bosunRun(args: string[]) {
  return runBosun(['run', '--endpoint-url', target.url, ...args], {
    env: bosunEnv({ AWS_ACCESS_KEY_ID: target.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: target.admin.secretAccessKey, AWS_REGION: REGION }),
  });
}

/** The summary table's row for a node: [node, status, exit code, duration]. */
function summaryRow(stdout: string, node: string): string[] | undefined {
  const line = stdout.split('\n').find((l) => l.startsWith(`${node} `));
  return line?.split(/\s{2,}/);
}

before(async () => {
  target = await startNodesServer();
  ssm = ssmClient(target, target.admin, { keepClockOffset: true });
  web.push(...await startNodes([{ Key: 'Role', Value: 'web' }], 2));
  [db] = await startNodes([{ Key: 'Role', Value: 'db' }], 1);
});
after(async () => {
  killAgents();
  ssm.destroy();
  await target.destroy();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('bosun run', () => {
  test('runs shell commands on the nodes picked by tag, shows each node\'s output prefixed by its id, and a summary', async () => {
    const out = await bosunRun(['--targets', 'tag:Role=web', '--comment', 'cli e2e', '--', 'echo "hello from $(basename $0)"; echo warn >&2']);
    assert.equal(out.code, 0, out.stderr + out.stdout);
    for (const node of web) {
      assert.match(out.stdout, new RegExp(`^\\[${node}\\] hello from _script.sh$`, 'm'));
      assert.match(out.stderr, new RegExp(`^\\[${node}\\] warn$`, 'm'));
      const row = summaryRow(out.stdout, node);
      assert.deepEqual(row?.slice(1, 3), ['Success', '0']);
      assert.match(row![3], /\d+(\.\d)? (ms|s)$/);
    }
    assert.ok(!out.stdout.includes(db), 'the db node was not targeted');
    assert.match(out.stdout, /^NODE\s+STATUS\s+EXIT CODE\s+DURATION$/m);
  });

  test('exits non-zero when a node fails, and the summary shows its exit code', async () => {
    const out = await bosunRun(['--instance-ids', web[0], db, '--', 'echo failing; exit 3']);
    assert.equal(out.code, 1);
    for (const node of [web[0], db]) assert.deepEqual(summaryRow(out.stdout, node)?.slice(1, 3), ['Failed', '3']);
  });

  test('--no-follow prints only the CommandId, and the command still runs', async () => {
    const out = await bosunRun(['--instance-ids', db, '--no-follow', '--', 'echo later']);
    assert.equal(out.code, 0, out.stderr);
    const commandId = out.stdout.trim();
    assert.match(commandId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const invocation = await eventually('the invocation to succeed', async () => {
      const got = await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: db }));
      return got.Status === 'Success' ? got : undefined;
    });
    assert.equal(invocation.StandardOutputContent, 'later\n');
  });

  test('--document with --parameters-json runs that document; --timeout stops a node with TimedOut', async () => {
    const out = await bosunRun(['--instance-ids', db, '--document', 'AWS-RunShellScript', '--parameters-json', '{"commands": ["echo from json", "sleep 30"]}', '--timeout', '2']);
    assert.equal(out.code, 1);
    assert.match(out.stdout, new RegExp(`^\\[${db}\\] from json$`, 'm'));
    assert.deepEqual(summaryRow(out.stdout, db)?.slice(1, 3), ['TimedOut (ExecutionTimedOut)', '137']);
  });

  test('an {{ssm-secure:}} reference is resolved on the node and never shown: the output has *** in its place', async () => {
    const secret = 'e2e-canary-Zq81-secret';
    await ssm.send(new PutParameterCommand({ Name: '/e2e/run/secret', Type: 'SecureString', Value: secret }));
    const out = await bosunRun(['--instance-ids', db, '--', 'echo "token={{ssm-secure:/e2e/run/secret}}"; echo "length=$(printf %s "{{ssm-secure:/e2e/run/secret}}" | wc -c)"']);
    assert.equal(out.code, 0, out.stderr + out.stdout);
    assert.match(out.stdout, new RegExp(`^\\[${db}\\] token=\\*\\*\\*$`, 'm'));
    assert.match(out.stdout, new RegExp(`^\\[${db}\\] length=\\s*${secret.length}$`, 'm'), 'the node had the real value');
    assert.ok(!out.stdout.includes(secret) && !out.stderr.includes(secret));
  });

  test('refuses a run without targets, and a malformed target, with a usage error', async () => {
    const none = await bosunRun(['--', 'uptime']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /Which nodes\?/);
    const bad = await bosunRun(['--targets', 'Role=web', '--', 'uptime']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--targets takes tag:Key=Value/);
  });
});
