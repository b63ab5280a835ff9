/**
 * The real `bosun` binary (node packages/cli/bin/bosun.mjs): `bosun dev` from first start to
 * restart, the env file with the AWS CLI, `bosun admin`, `bosun audit verify` and `tail`,
 * `bosun server` on PostgreSQL, and the errors an operator meets first.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { GetServiceSettingCommand } from '@aws-sdk/client-ssm';
import { createPostgresSchema } from '../../packages/server/src/testing/stores.ts';
import {
  AWS_CLI, bosunEnv, killStrayProcesses, run, runBosun, SETTING_ID, settingArn, skipWithoutAwsCli, skipWithoutPostgres,
  spawnBosun, ssmClient, tempDir, type BosunProcess, type Credentials,
} from './support.ts';

const temps: string[] = [];
const newTemp = () => {
  const dir = tempDir('bosun-cli-e2e-');
  temps.push(dir);
  return dir;
};

after(() => {
  killStrayProcesses();
  for (const dir of temps) fs.rmSync(dir, { recursive: true, force: true });
});

/** Reads `export NAME=value` lines of the access key block `bosun admin` prints. */
function printedKey(stdout: string): Credentials & { accountId: string } {
  const accessKeyId = /export AWS_ACCESS_KEY_ID=(\S+)/.exec(stdout)?.[1];
  const secretAccessKey = /export AWS_SECRET_ACCESS_KEY=(\S+)/.exec(stdout)?.[1];
  const accountId = /in account (\d{12})/.exec(stdout)?.[1];
  assert.ok(accessKeyId && secretAccessKey && accountId, `an access key was printed:\n${stdout}`);
  return { accessKeyId, secretAccessKey, accountId };
}

async function settingFor(endpoint: string, credentials: Credentials) {
  const client = ssmClient({ url: endpoint }, credentials);
  try {
    return (await client.send(new GetServiceSettingCommand({ SettingId: SETTING_ID }))).ServiceSetting!;
  } finally {
    client.destroy();
  }
}

describe('bosun dev', () => {
  const ACCOUNT = '123456789012';
  let base: string;
  let dataDir: string;
  let dev: BosunProcess | undefined;
  let first: { endpoint: string; accessKeyId: string; secretAccessKey: string };

  before(() => {
    base = newTemp();
    dataDir = path.join(base, 'state'); // does not exist yet: the first start creates it
  });
  after(async () => {
    await dev?.stop();
  });

  test('first start prints the endpoint, account, access key and an aws command, and writes env (0600) and root.key', async () => {
    dev = await spawnBosun(['dev', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--account-id', ACCOUNT], { waitFor: /^Press Ctrl-C to stop/ });
    const out = dev.stdout();
    const endpoint = /^\s+Endpoint\s+(http:\/\/127\.0\.0\.1:\d+)$/m.exec(out)?.[1];
    const accessKeyId = /^\s+Access key\s+(AKIA[A-Z2-7]{16})$/m.exec(out)?.[1];
    const secretAccessKey = /^\s+Secret key\s+(\S{40})$/m.exec(out)?.[1];
    assert.ok(endpoint && accessKeyId && secretAccessKey, `banner:\n${out}`);
    assert.match(out, new RegExp(`^\\s+Account\\s+${ACCOUNT}$`, 'm'));
    assert.match(out, /\(new\)$/m);
    assert.match(out, /^\s+source \S+env && aws ssm get-service-setting --setting-id \S+ --endpoint-url \$BOSUN_ENDPOINT$/m);
    first = { endpoint, accessKeyId, secretAccessKey };

    const envFile = path.join(dataDir, 'env');
    assert.equal(fs.statSync(envFile).mode & 0o777, 0o600);
    const env = fs.readFileSync(envFile, 'utf8');
    assert.match(env, new RegExp(`^export AWS_ACCESS_KEY_ID=${accessKeyId}$`, 'm'));
    assert.match(env, new RegExp(`^export BOSUN_ENDPOINT=${endpoint.replace(/\./g, '\\.')}$`, 'm'));
    assert.equal(fs.statSync(path.join(dataDir, 'root.key')).mode & 0o777, 0o600);

    // --account-id shows up in the ARNs the server answers with.
    const setting = await settingFor(endpoint, first);
    assert.equal(setting.ARN, settingArn(ACCOUNT, SETTING_ID));
  });

  test('sourcing the env file is enough for the AWS CLI', { skip: skipWithoutAwsCli }, async () => {
    const { PATH, HOME } = process.env;
    const res = await run('bash', ['-c', `source "${path.join(dataDir, 'env')}" && ${AWS_CLI} ssm get-service-setting --setting-id ${SETTING_ID} --endpoint-url "$BOSUN_ENDPOINT" --output json`], {
      env: { PATH, HOME, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
    });
    assert.equal(res.code, 0, res.stderr);
    assert.equal(JSON.parse(res.stdout).ServiceSetting.ARN, settingArn(ACCOUNT, SETTING_ID));
  });

  test('admin create-account prints an access key that works against the running server', async () => {
    const res = await runBosun(['admin', 'create-account', '--admin-user', 'ops', '--data-dir', dataDir]);
    assert.equal(res.code, 0, res.stderr);
    const key = printedKey(res.stdout);
    assert.notEqual(key.accountId, ACCOUNT);
    assert.match(res.stdout, new RegExp(`^Account ${key.accountId} created\\.$`, 'm'));
    const setting = await settingFor(first.endpoint, key);
    assert.equal(setting.ARN, settingArn(key.accountId, SETTING_ID));
  });

  test('audit tail -n 5 prints the latest five events as a table', async () => {
    for (let i = 0; i < 5; i++) await settingFor(first.endpoint, first);
    const res = await runBosun(['audit', 'tail', '--data-dir', dataDir, '-n', '5']);
    assert.equal(res.code, 0, res.stderr);
    const lines = res.stdout.trimEnd().split('\n');
    assert.match(lines[0], /^SEQ\s+TIME\s+ACCOUNT\s+USER\s+EVENT\s+RESULT\s+SOURCE IP$/);
    assert.match(lines[1], /^-+\s+-+/);
    assert.equal(lines.length, 2 + 5, res.stdout);
    for (const line of lines.slice(2)) assert.match(line, new RegExp(`^\\d+\\s+\\S+Z\\s+${ACCOUNT}\\s+admin\\s+ssm:GetServiceSetting\\s+OK\\s+127\\.0\\.0\\.1$`));
  });

  test('after SIGTERM, a second start reuses the state: same account, old credentials still work', async () => {
    assert.equal(await dev!.stop(), 0, `stderr:\n${dev!.stderr()}`);
    dev = await spawnBosun(['dev', '--data-dir', dataDir, '--listen', '127.0.0.1:0'], { waitFor: /^Press Ctrl-C to stop/ });
    const out = dev.stdout();
    assert.match(out, /\(existing state reused\)$/m);
    assert.match(out, new RegExp(`^\\s+Account\\s+${ACCOUNT}$`, 'm'));
    assert.match(out, new RegExp(`^\\s+Access key\\s+${first.accessKeyId} \\(secret in \\S+env\\)$`, 'm'));
    assert.ok(!out.includes(first.secretAccessKey), 'the secret is not printed again');
    const endpoint = /^\s+Endpoint\s+(http:\/\/\S+)$/m.exec(out)![1];
    assert.match(fs.readFileSync(path.join(dataDir, 'env'), 'utf8'), new RegExp(`^export BOSUN_ENDPOINT=${endpoint.replace(/\./g, '\\.')}$`, 'm'));
    const setting = await settingFor(endpoint, first);
    assert.equal(setting.ARN, settingArn(ACCOUNT, SETTING_ID));
    assert.equal(await dev.stop(), 0);
    dev = undefined;
  });

  test('audit verify says OK, and after one event is edited says TAMPERED naming it and exits 1', async () => {
    const ok = await runBosun(['audit', 'verify', '--data-dir', dataDir]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^OK: \d+ events verified\. Chain head: event \d+, hash [0-9a-f]{64}$/m);

    const db = new Database(path.join(dataDir, 'bosun-audit.db'));
    let eventId: string;
    try {
      const row = db.prepare('SELECT event_id, record FROM audit_events WHERE seq = 2').get() as { event_id: string; record: string };
      eventId = row.event_id;
      const edited = row.record.replace('"sourceIPAddress":"127.0.0.1"', '"sourceIPAddress":"10.9.8.7"');
      assert.notEqual(edited, row.record);
      db.prepare('UPDATE audit_events SET record = ? WHERE seq = 2').run(edited);
    } finally {
      db.close();
    }
    const bad = await runBosun(['audit', 'verify', '--data-dir', dataDir]);
    assert.equal(bad.code, 1, bad.stderr);
    assert.match(bad.stdout, new RegExp(`^TAMPERED: event 2 \\(${eventId}\\) was edited`, 'm'));
    assert.match(bad.stdout, /First bad event: 2 \(edited\)/);
  });
});

describe('bosun server on PostgreSQL', { skip: skipWithoutPostgres }, () => {
  let schema: Awaited<ReturnType<typeof createPostgresSchema>> | undefined;
  let server: BosunProcess | undefined;
  before(async () => {
    schema = await createPostgresSchema();
  });
  after(async () => {
    await server?.stop();
    await schema?.drop();
  });

  test('create-root-key, create-account and server --database answer a signed call', async () => {
    const keyFile = path.join(newTemp(), 'root.key');
    const created = await runBosun(['admin', 'create-root-key', keyFile]);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600);

    const account = await runBosun(['admin', 'create-account', '--admin-user', 'admin', '--database', schema!.url, '--root-key-file', keyFile]);
    assert.equal(account.code, 0, account.stderr);
    const key = printedKey(account.stdout);

    server = await spawnBosun(['server', '--database', schema!.url, '--root-key-file', keyFile, '--listen', '127.0.0.1:0'], {
      waitFor: /Bosun API listening on http:\/\/127\.0\.0\.1:\d+/, stream: 'stderr',
    });
    const endpoint = /Bosun API listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(server.stderr())![1];
    assert.match(server.stderr(), /"store":"postgres:\/\//, 'the server says it runs on PostgreSQL');
    const setting = await settingFor(endpoint, key);
    assert.equal(setting.ARN, settingArn(key.accountId, SETTING_ID));
    assert.equal(await server.stop(), 0);
    server = undefined;
  });
});

describe('bosun commands an operator meets first', () => {
  test('server without a root key exits non-zero and tells how to create one', async () => {
    const dataDir = newTemp();
    const res = await runBosun(['server', '--data-dir', dataDir, '--listen', '127.0.0.1:0']);
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /No root key at \S+root\.key\. Create one with 'bosun admin create-root-key \S+root\.key'/);
  });

  test('a busy port gives an error that says to choose another address with --listen', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const res = await runBosun(['server', '--data-dir', newTemp(), '--listen', `127.0.0.1:${port}`], {
        env: bosunEnv({ BOSUN_ROOT_KEY: crypto.randomBytes(32).toString('base64') }),
      });
      assert.notEqual(res.code, 0);
      assert.match(res.stderr, new RegExp(`127\\.0\\.0\\.1:${port} is already in use.*--listen HOST:PORT`));
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  test('--help and server --help describe the commands', async () => {
    const [top, server] = await Promise.all([runBosun(['--help']), runBosun(['server', '--help'])]);
    assert.equal(top.code, 0, top.stderr);
    assert.match(top.stdout, /^Usage: bosun \[options\] \[command\]/);
    for (const command of ['dev', 'server', 'audit', 'admin']) assert.match(top.stdout, new RegExp(`^  ${command} `, 'm'));
    assert.equal(server.code, 0, server.stderr);
    assert.match(server.stdout, /^Usage: bosun server \[options\]/);
    assert.match(server.stdout, /--listen <host:port>/);
    assert.match(server.stdout, /--database <url>/);
    assert.match(server.stdout, /bosun admin create-root-key/);
  });
});
