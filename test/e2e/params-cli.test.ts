/**
 * The people's CLI (`bosun params`) and `bosun exec`, run as the real binary against a real
 * server with credentials from the environment, as the AWS SDK takes them.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { bosunEnv, killStrayProcesses, runBosun, signedFetch, spawnBosun, ssmClient, startTestServer, tempDir, type TestServer } from './support.ts';

describe('bosun params and bosun exec', () => {
  let t: TestServer;
  let ssm: SSMClient;
  let env: NodeJS.ProcessEnv;
  let secretArn: string;
  const secureValue = 'exec-secure-value-1234';
  const node = process.execPath;

  before(async () => {
    t = await startTestServer();
    ssm = ssmClient(t, t.admin);
    env = bosunEnv({ AWS_ACCESS_KEY_ID: t.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: t.admin.secretAccessKey, AWS_REGION: 'us-east-1', BOSUN_ENDPOINT: t.url });
    await ssm.send(new PutParameterCommand({ Name: '/app/prod/db/host', Value: 'db.internal', Type: 'String' }));
    await ssm.send(new PutParameterCommand({ Name: '/app/prod/db/password', Value: secureValue, Type: 'SecureString' }));
    await ssm.send(new PutParameterCommand({ Name: '/app/prod/api-key', Value: 'k-123', Type: 'SecureString' }));
    await ssm.send(new PutParameterCommand({ Name: '/shared/region', Value: 'eu-west-1', Type: 'String' }));
    const secret = await signedFetch(t.url, { target: 'secretsmanager.CreateSecret', body: JSON.stringify({ Name: 'prod/db', SecretString: '{"username":"app","password":"from-secrets-manager"}' }), credentials: t.admin, service: 'secretsmanager' });
    secretArn = secret.json.ARN;
  });
  after(async () => {
    killStrayProcesses();
    ssm?.destroy();
    await t?.destroy();
  });

  test('params ls shows a table of the parameters under a path', async () => {
    const res = await runBosun(['params', 'ls', '/app'], { env });
    assert.equal(res.code, 0, res.stderr);
    const lines = res.stdout.trim().split('\n');
    assert.match(lines[0], /^NAME\s+TYPE\s+VERSION\s+TIER/);
    assert.deepEqual(lines.slice(2).map((l) => l.split(/\s+/)[0]), ['/app/prod/api-key', '/app/prod/db/host', '/app/prod/db/password']);
  });

  test('CLI commands print no Node-version warning from the AWS SDK, and bosun exec does not pass its switch to the command', async () => {
    assert.equal(env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED, undefined);
    const ls = await runBosun(['params', 'ls', '/app'], { env });
    assert.equal(ls.code, 0, ls.stderr);
    assert.equal(ls.stderr, '');
    const exec = await runBosun(['exec', '--path', '/shared', '--', node, '-e', 'console.log(String(process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED))'], { env });
    assert.equal(exec.code, 0, exec.stderr);
    assert.equal(exec.stderr, '');
    assert.equal(exec.stdout, 'undefined\n');
  });

  test('params get hides a SecureString value unless --decrypt', async () => {
    const hidden = await runBosun(['params', 'get', '/app/prod/db/password'], { env });
    assert.equal(hidden.code, 0, hidden.stderr);
    assert.doesNotMatch(hidden.stdout, new RegExp(secureValue));
    assert.match(hidden.stdout, /--decrypt/);
    const shown = await runBosun(['params', 'get', '/app/prod/db/password', '--decrypt', '--value-only'], { env });
    assert.equal(shown.stdout, `${secureValue}\n`);
  });

  test('params put, history, rm, history --deleted and restore bring a parameter back with its versions', async () => {
    assert.equal((await runBosun(['params', 'put', '/cli/p', 'one'], { env })).code, 0);
    const second = await runBosun(['params', 'put', '/cli/p', 'two', '--overwrite'], { env });
    assert.match(second.stdout, /version 2/);
    const history = await runBosun(['params', 'history', '/cli/p'], { env });
    assert.match(history.stdout, /^1\s.*one$/m);
    assert.match(history.stdout, /^2\s.*two$/m);
    assert.equal((await runBosun(['params', 'rm', '/cli/p'], { env })).code, 0);
    const deleted = await runBosun(['params', 'history', '/cli/p', '--deleted', '--data-dir', t.dataDir!, '--account-id', t.admin.accountId], { env });
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stdout, /\s2\s+String\s.*two$/m);
    const restored = await runBosun(['params', 'restore', '/cli/p', '--data-dir', t.dataDir!, '--account-id', t.admin.accountId], { env });
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(restored.stdout, /Restored \/cli\/p with 2 versions/);
    const after = await runBosun(['params', 'history', '/cli/p'], { env });
    assert.match(after.stdout, /^1\s.*one$/m);
    const put = await runBosun(['params', 'put', '/cli/p', 'three', '--overwrite'], { env });
    assert.match(put.stdout, /version 3/);
  });

  test('exec puts --path, --env and --spec values in the command\'s environment and prints none of them', async () => {
    const dir = tempDir();
    const spec = path.join(dir, 'spec.json');
    fs.writeFileSync(spec, JSON.stringify([
      { name: 'DB_USER', valueFrom: `${secretArn}:username::` },
      { name: 'WHOLE_SECRET', valueFrom: secretArn },
      { name: 'REGION_BY_ARN', valueFrom: `arn:aws:ssm:us-east-1:${t.admin.accountId}:parameter/shared/region` },
    ]));
    const script = 'for (const k of ["DB_HOST","DB_PASSWORD","API_KEY","REGION","DB_USER","WHOLE_SECRET","REGION_BY_ARN"]) console.log(k + "=" + process.env[k])';
    const res = await runBosun(['exec', '--path', '/app/prod', '--env', 'REGION=/shared/region', '--spec', spec, '--', node, '-e', script], { env });
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(res.stdout.trim().split('\n'), [
      'DB_HOST=db.internal', `DB_PASSWORD=${secureValue}`, 'API_KEY=k-123', 'REGION=eu-west-1', 'DB_USER=app',
      'WHOLE_SECRET={"username":"app","password":"from-secrets-manager"}', 'REGION_BY_ARN=eu-west-1',
    ]);
    assert.doesNotMatch(res.stderr, new RegExp(secureValue));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('exec starts nothing when a value is missing, and names what is missing', async () => {
    const dir = tempDir();
    const marker = path.join(dir, 'started');
    const res = await runBosun(['exec', '--path', '/app/prod', '--env', 'MISSING=/no/such/param', '--', node, '-e', `require("fs").writeFileSync(${JSON.stringify(marker)}, "x")`], { env });
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /not starting the command/);
    assert.match(res.stderr, /MISSING \(\/no\/such\/param\): ParameterNotFound/);
    assert.doesNotMatch(res.stderr, new RegExp(secureValue));
    assert.equal(fs.existsSync(marker), false);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('exec passes the command\'s exit code through', async () => {
    const res = await runBosun(['exec', '--env', 'R=/shared/region', '--', node, '-e', 'process.exit(7)'], { env });
    assert.equal(res.code, 7);
  });

  test('exec passes SIGTERM to the command', async () => {
    const script = 'process.on("SIGTERM", () => { console.log("got SIGTERM"); process.exit(3); }); console.log("ready"); setInterval(() => {}, 1000);';
    const proc = await spawnBosun(['exec', '--env', 'R=/shared/region', '--', node, '-e', script], { env, waitFor: /^ready$/ });
    proc.child.kill('SIGTERM');
    assert.equal(await proc.exited, 3);
    assert.match(proc.stdout(), /got SIGTERM/);
  });
});
