/**
 * The bosun binary and nodes: `bosun dev` starts a local agent registered against itself
 * (the first look shows one Online node), `bosun nodes ls` and `bosun nodes wait`.
 */
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { killStrayProcesses, runBosun, spawnBosun, tempDir, type BosunProcess } from './support.ts';

const temps: string[] = [];
let dev: BosunProcess | undefined;
after(async () => {
  await dev?.stop();
  killStrayProcesses();
  for (const dir of temps) fs.rmSync(dir, { recursive: true, force: true });
});

describe('bosun dev with its local node', () => {
  test('the first look shows one Online node, which bosun nodes wait and ls report', async () => {
    const base = tempDir('bosun-nodes-cli-');
    temps.push(base);
    const dataDir = path.join(base, 'state');
    dev = await spawnBosun(['dev', '--data-dir', dataDir, '--listen', '127.0.0.1:0'], { waitFor: /^Press Ctrl-C to stop/ });
    const node = /^\s+Local node\s+(mi-[0-9a-f]{17}) /m.exec(dev.stdout())?.[1];
    assert.ok(node, dev.stdout());
    const wait = await runBosun(['nodes', 'wait', '--data-dir', dataDir, '--id', node, '--timeout', '30s']);
    assert.equal(wait.code, 0, wait.stderr);
    assert.match(wait.stdout, new RegExp(`1 node\\(s\\) Online: ${node}`));
    const ls = await runBosun(['nodes', 'ls', '--data-dir', dataDir]);
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /^INSTANCE ID\s+NAME\s+PING STATUS/);
    assert.match(ls.stdout, new RegExp(`^${node}\\s+bosun-dev-local\\s+Online\\s`, 'm'));
  });

  test('bosun nodes wait gives up at its timeout and says how many nodes are Online', async () => {
    const base = tempDir('bosun-nodes-cli-');
    temps.push(base);
    const wait = await runBosun(['nodes', 'wait', '--data-dir', base, '--targets', 'tag:env=none', '--count', '2', '--timeout', '1s']);
    assert.equal(wait.code, 1);
    assert.match(wait.stderr, /timed out after 1s: 0 of 2 node\(s\) Online/);
  });
});
