/**
 * What a new user meets first, run as they would: the README's quick start as written
 * (`npm start` in a fresh copy of the repository layout, then the README's AWS CLI examples
 * against the local node), `bosun agent` with a relative state directory, and `bosun dev`
 * refusing a data directory it cannot use without touching it.
 *
 * The copy links the installed node_modules and packages instead of running `npm ci` again
 * (two minutes here): .ci/run has just run `npm ci` on the same tree.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { GetCommandInvocationCommand, SendCommandCommand, type SSMClient } from '@aws-sdk/client-ssm';
import {
  AWS_CLI, bosunEnv, killStrayProcesses, REPO_ROOT, run, runBosun, skipWithoutAwsCli, spawnBosun, ssmClient, startTestServer,
  tempDir, type TestServer,
} from './support.ts';
import { createActivation, eventually } from './nodes-support.ts';
import { openStore } from '../../packages/server/src/store/store.ts';
import { migrationNames } from '../../packages/server/src/store/migrations/index.ts';

const temps: string[] = [];
const newTemp = (prefix = 'bosun-first-run-') => {
  const dir = tempDir(prefix);
  temps.push(dir);
  return dir;
};

after(() => {
  killStrayProcesses();
  for (const dir of temps) fs.rmSync(dir, { recursive: true, force: true });
});

/** The ```sh blocks of a README section (from its `## ` heading to the next). */
function shellBlocks(readme: string, heading: string): string[] {
  const start = readme.indexOf(`\n## ${heading}\n`);
  assert.ok(start >= 0, `the README has a "## ${heading}" section`);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
}

describe('the README quick start, as written', { skip: skipWithoutAwsCli }, () => {
  let home: string;
  let npmStart: ReturnType<typeof spawn> | undefined;
  let startOutput = '';

  before(() => {
    home = newTemp('bosun-quick-start-');
    for (const entry of ['node_modules', 'packages', 'tsconfig.json', 'tsconfig.base.json']) {
      fs.symlinkSync(path.join(REPO_ROOT, entry), path.join(home, entry));
    }
    fs.copyFileSync(path.join(REPO_ROOT, 'package.json'), path.join(home, 'package.json'));
    // `aws` is the AWS CLI v2 the tests use (on some machines PATH's first `aws` is another one).
    fs.mkdirSync(path.join(home, 'bin'));
    fs.symlinkSync(AWS_CLI, path.join(home, 'bin', 'aws'));
  });
  after(() => {
    if (npmStart?.pid && npmStart.exitCode === null && npmStart.signalCode === null) process.kill(-npmStart.pid, 'SIGKILL');
  });

  test('npm start, then the README examples: a setting is read and uname -a runs on the local node with Success', async () => {
    const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const [install, tryIt] = shellBlocks(readme, 'Quick start');
    assert.deepEqual(install.trim().split('\n'), ['npm ci', 'npm start'], 'the quick start installs and starts');
    assert.ok(tryIt, 'the quick start has examples to run in another terminal');

    // npm start exactly, in its own process group; BOSUN_LISTEN picks a free port so that a
    // developer's own `npm start` on 4747 does not collide (the examples read $BOSUN_ENDPOINT).
    npmStart = spawn('npm', ['start'], { cwd: home, env: bosunEnv({ BOSUN_LISTEN: '127.0.0.1:0' }), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const started = new Promise<void>((resolve, reject) => {
      npmStart!.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        startOutput += chunk;
        if (/^Press Ctrl-C to stop/m.test(startOutput)) resolve();
      });
      npmStart!.stderr!.setEncoding('utf8').on('data', (chunk: string) => { startOutput += chunk; });
      npmStart!.on('close', (code) => reject(new Error(`npm start exited with ${code}:\n${startOutput}`)));
    });
    await started;
    assert.match(startOutput, /Local node\s+mi-[0-9a-f]{17}/, startOutput);
    assert.ok(fs.existsSync(path.join(home, '.bosun', 'env')), 'npm start wrote .bosun/env in the directory it ran from');

    const res = await run('bash', ['-e', '-c', tryIt], {
      cwd: home,
      env: { PATH: `${path.join(home, 'bin')}:${process.env.PATH}`, HOME: home, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
    });
    assert.equal(res.code, 0, `stdout:\n${res.stdout}\nstderr:\n${res.stderr}\nnpm start:\n${startOutput}`);
    assert.match(res.stdout, /"SettingId": "\/ssm\/parameter-store\/high-throughput-enabled"/);
    const uname = execFileSync('uname', ['-a'], { encoding: 'utf8' }).trim();
    assert.ok(res.stdout.includes(`Success\t${uname}`), `the command's output on the local node:\n${res.stdout}`);
    assert.equal(res.stderr, '');

    // Ctrl-C in the terminal: SIGINT to the whole foreground group (npm and bosun dev).
    process.kill(-npmStart.pid!, 'SIGINT');
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`npm start did not stop within 20 s of Ctrl-C:\n${startOutput}`)), 20_000);
      npmStart!.once('close', (c, s) => {
        clearTimeout(timer);
        resolve([c, s]);
      });
    });
    assert.ok(code === 0 || signal === 'SIGINT', `npm start ended with ${code ?? signal}:\n${startOutput}`);
    assert.match(startOutput, /Press Ctrl-C to stop/);
    assert.doesNotMatch(startOutput, /NodeVersionSupportWarning|ExperimentalWarning/);
  });
});

describe('bosun agent with a relative --state-dir', () => {
  let t: TestServer;
  let ssm: SSMClient;
  before(async () => {
    t = await startTestServer();
    ssm = ssmClient(t, t.admin);
  });
  after(async () => {
    killStrayProcesses();
    ssm?.destroy();
    await t?.destroy();
  });

  test('registers, keeps its state under the directory it was started in, and runs a command to Success', async () => {
    const cwd = newTemp('bosun-agent-cwd-');
    const activation = await createActivation(ssm);
    const agent = await spawnBosun(['agent', '--state-dir', 'node-state', '--endpoint', t.url, '--code', activation.code, '--id', activation.id], {
      cwd, waitFor: /^registered as (mi-[0-9a-f]{17})/, env: bosunEnv({ BOSUN_AGENT_HEARTBEAT_MS: '500' }),
    });
    const instanceId = /^registered as (mi-[0-9a-f]{17})/m.exec(agent.stdout())![1];
    assert.ok(fs.existsSync(path.join(cwd, 'node-state', 'identity.json')), 'the identity is under the cwd');

    const sent = await ssm.send(new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: [instanceId], Parameters: { commands: ['echo relative-ok', 'pwd'] } }));
    const invocation = await eventually('the command to finish', async () => {
      const out = await ssm.send(new GetCommandInvocationCommand({ CommandId: sent.Command!.CommandId!, InstanceId: instanceId }));
      return ['Pending', 'InProgress', 'Delayed'].includes(out.Status!) ? undefined : out;
    });
    assert.equal(invocation.Status, 'Success', invocation.StandardErrorContent);
    const [line, pwd] = invocation.StandardOutputContent!.trim().split('\n');
    assert.equal(line, 'relative-ok');
    assert.ok(path.isAbsolute(pwd) && pwd.startsWith(path.join(fs.realpathSync(cwd), 'node-state')), `ran in the state dir's invocation folder: ${pwd}`);
    assert.equal(await agent.stop(), 0);
  });
});

/** Every file under `dir` with its mode, size, mtime and content hash: what "untouched" means. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (at: string) => {
    const stat = fs.lstatSync(at);
    const hash = stat.isFile() ? crypto.createHash('sha256').update(fs.readFileSync(at)).digest('hex') : '';
    out[path.relative(dir, at) || '.'] = `${stat.mode} ${stat.size} ${stat.mtimeMs} ${hash}`;
    if (stat.isDirectory()) for (const name of fs.readdirSync(at)) walk(path.join(at, name));
  };
  walk(dir);
  return out;
}

describe('bosun dev refuses a data directory it cannot use, with one line and without touching it', () => {
  const expectRefusal = async (args: string[], pattern: RegExp, options: { uid?: number; gid?: number } = {}) => {
    const res = await runBosun(['dev', ...args, '--listen', '127.0.0.1:0'], options);
    assert.notEqual(res.code, 0, res.stdout);
    assert.equal(res.stdout, '');
    const lines = res.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, `one line:\n${res.stderr}`);
    assert.match(lines[0], pattern);
  };

  test('a file', async () => {
    const dir = newTemp();
    const file = path.join(dir, 'not-a-dir');
    fs.writeFileSync(file, 'keep me\n');
    const before = snapshot(dir);
    await expectRefusal(['--data-dir', file], /^bosun: the data directory \S+not-a-dir is a file, not a directory\. Pass --data-dir a directory/);
    assert.deepEqual(snapshot(dir), before);
  });

  test('a directory it cannot write to', async () => {
    const dir = newTemp();
    const target = path.join(dir, 'read-only');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'notes.txt'), 'mine\n');
    fs.chmodSync(target, 0o555);
    fs.chmodSync(dir, 0o755);
    const before = snapshot(dir);
    // root may write anywhere: run as nobody then (the repository is world-readable).
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    await expectRefusal(['--data-dir', target], /^bosun: the data directory \S+read-only is not writable\. Pass --data-dir a directory you can write to/, asUser);
    await expectRefusal(['--data-dir', path.join(target, 'sub')], /^bosun: cannot create the data directory \S+sub: \S+read-only is not writable/, asUser);
    assert.deepEqual(snapshot(dir), before);
  });

  test('a directory of a newer Bosun', async () => {
    const dir = newTemp();
    // A real store of this version, then one migration it does not know, as a newer version leaves it.
    await (await openStore({ dataDir: dir })).close();
    const db = new Database(path.join(dir, 'bosun.db'));
    db.prepare('insert into bosun_migration (name, timestamp) values (?, ?)').run('9999-from-the-future', new Date().toISOString());
    db.pragma(`user_version = ${migrationNames.length + 1}`);
    db.close();
    const before = snapshot(dir);
    await expectRefusal(['--data-dir', dir], /^bosun: the data directory \S+ was written by a newer Bosun \(its store has migration 9999-from-the-future; this version knows up to \d{4}-[a-z-]+\)\. Run that version or a newer one/);
    assert.deepEqual(snapshot(dir), before);
  });

  test('a directory whose bosun.db is not a store', async () => {
    const dir = newTemp();
    fs.writeFileSync(path.join(dir, 'bosun.db'), 'not sqlite at all, and long enough to be read as a header by SQLite\n'.repeat(4));
    const before = snapshot(dir);
    await expectRefusal(['--data-dir', dir], /^bosun: \S+bosun\.db is not a Bosun store \(.+\)\. Pass --data-dir another directory/);
    assert.deepEqual(snapshot(dir), before);
  });
});
