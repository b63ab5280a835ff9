import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AgentBundleInfo } from '@bosun/protocol/channel';
import { PluginInputError, type PluginContext } from './plugin.ts';
import { updateAgentPlugin, type AgentUpdater } from './update-agent.ts';

function context(): PluginContext & { text: { stdout: string; stderr: string } } {
  const text = { stdout: '', stderr: '' };
  return {
    commandId: 'c1', stepName: 'aws:updateSsmAgent', workDir: '/nonexistent', env: {}, signal: new AbortController().signal, killGraceMs: 300, depth: 0,
    runNested: () => Promise.reject(new Error('no nesting here')),
    output: { write: (stream, t) => (text[stream] += t) },
    text,
  };
}

const bundle = (version: string): AgentBundleInfo => ({ version, sha256: 'ab'.repeat(32), bytes: 10 });

/** An updater at `current` offering `versions`; records what the plugin asked of it. */
function fakeUpdater(current: string, versions: string[], install: { ok: true } | { ok: false; reason: string } = { ok: true }) {
  const calls: string[] = [];
  const updater: AgentUpdater = {
    currentVersion: current,
    versions: () => Promise.resolve({ current, latest: versions[0], versions: versions.map(bundle) }),
    stage: (b) => {
      calls.push(`stage ${b.version}`);
      return Promise.resolve(`/tmp/bosun-agent-${b.version}.cjs`);
    },
    install: (b) => {
      calls.push(`install ${b.version}`);
      return Promise.resolve(install);
    },
  };
  return { updater, calls };
}

const input = (inputs: Record<string, unknown>) => updateAgentPlugin(() => undefined).parseInput(inputs);

test('aws:updateSsmAgent reads AWS\'s inputs: agentName, targetVersion (empty: latest), allowDowngrade', () => {
  assert.deepEqual(input({ agentName: 'amazon-ssm-agent', source: 'https://s3.{Region}.amazonaws.com/x.json', targetVersion: '', allowDowngrade: 'false' }), { targetVersion: '', allowDowngrade: false });
  assert.deepEqual(input({ agentName: 'bosun-agent', targetVersion: '0.2.0', allowDowngrade: 'true' }), { targetVersion: '0.2.0', allowDowngrade: true });
  assert.throws(() => input({ agentName: 'other-agent' }), PluginInputError);
  assert.throws(() => input({ targetVersion: 'latest' }), /targetVersion/);
  assert.throws(() => input({ allowDowngrade: 'maybe' }), /allowDowngrade/);
});

test('aws:updateSsmAgent updates to the latest version offered when none is asked', async () => {
  const { updater, calls } = fakeUpdater('0.1.0', ['0.2.0', '0.1.0']);
  const ctx = context();
  const result = await updateAgentPlugin(() => updater).run({ targetVersion: '', allowDowngrade: false }, ctx);
  assert.equal(result.status, 'Success', ctx.text.stderr);
  assert.deepEqual(calls, ['stage 0.2.0', 'install 0.2.0']);
  assert.match(ctx.text.stdout, /^Updating bosun-agent from 0\.1\.0 to latest\n/);
  assert.match(ctx.text.stdout, /bosun-agent updated successfully to 0\.2\.0\n$/);
});

test('aws:updateSsmAgent at the version asked is Success, already installed, and installs nothing', async () => {
  const { updater, calls } = fakeUpdater('0.2.0', ['0.2.0', '0.1.0']);
  const ctx = context();
  const result = await updateAgentPlugin(() => updater).run({ targetVersion: '', allowDowngrade: false }, ctx);
  assert.equal(result.status, 'Success');
  assert.match(ctx.text.stdout, /bosun-agent 0\.2\.0 has already been installed, update skipped/);
  assert.deepEqual(calls, []);
});

test('aws:updateSsmAgent refuses an older version unless allowDowngrade is true', async () => {
  const refused = fakeUpdater('0.2.0', ['0.2.0', '0.1.0']);
  const ctx = context();
  const result = await updateAgentPlugin(() => refused.updater).run({ targetVersion: '0.1.0', allowDowngrade: false }, ctx);
  assert.deepEqual([result.status, result.responseCode], ['Failed', 1]);
  assert.match(ctx.text.stderr, /older version \(0\.1\.0, installed 0\.2\.0\) is refused: set allowDowngrade to true/);
  assert.deepEqual(refused.calls, []);
  const allowed = fakeUpdater('0.2.0', ['0.2.0', '0.1.0']);
  assert.equal((await updateAgentPlugin(() => allowed.updater).run({ targetVersion: '0.1.0', allowDowngrade: true }, context())).status, 'Success');
  assert.deepEqual(allowed.calls, ['stage 0.1.0', 'install 0.1.0']);
});

test('aws:updateSsmAgent fails for a version the server does not offer, and when the new version was rolled back', async () => {
  const missing = context();
  assert.equal((await updateAgentPlugin(() => fakeUpdater('0.1.0', ['0.1.0']).updater).run({ targetVersion: '0.9.0', allowDowngrade: false }, missing)).status, 'Failed');
  assert.match(missing.text.stderr, /0\.9\.0 is not offered by the server \(offered: 0\.1\.0\)/);
  const rolledBack = context();
  const { updater } = fakeUpdater('0.1.0', ['0.2.0', '0.1.0'], { ok: false, reason: 'the new agent was not Online within 120 s' });
  assert.equal((await updateAgentPlugin(() => updater).run({ targetVersion: '', allowDowngrade: false }, rolledBack)).status, 'Failed');
  assert.match(rolledBack.text.stderr, /update to 0\.2\.0 failed: the new agent was not Online within 120 s; rolled back to 0\.1\.0/);
});

test('aws:updateSsmAgent on an agent that does not run from a bundle file fails and says why', async () => {
  const ctx = context();
  assert.equal((await updateAgentPlugin(() => undefined).run({ targetVersion: '', allowDowngrade: false }, ctx)).status, 'Failed');
  assert.match(ctx.text.stderr, /does not run from a bundle file/);
});
