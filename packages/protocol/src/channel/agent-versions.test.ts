import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AGENT_VERSION_PATTERN, agentBundlePath, compareVersions } from './agent-versions.ts';

test('compareVersions orders versions part by part, numerically', () => {
  assert.equal(compareVersions('0.2.0', '0.1.0'), 1);
  assert.equal(compareVersions('0.1.0', '0.2.0'), -1);
  assert.equal(compareVersions('1.10.0', '1.9.9'), 1);
  assert.equal(compareVersions('1.0', '1.0.0'), 0);
  assert.equal(compareVersions('3.3.40.0', '3.3.40'), 0);
});

test('AGENT_VERSION_PATTERN takes dotted numbers only, so a version is safe in a path', () => {
  for (const ok of ['0.1.0', '3.3.40.0', '2']) assert.match(ok, AGENT_VERSION_PATTERN);
  for (const bad of ['', 'latest', '../x', '1.2.3-beta', '1..2', '1.2.3.4.5']) assert.doesNotMatch(bad, AGENT_VERSION_PATTERN);
  assert.equal(agentBundlePath('0.2.0'), '/bosun/v1/agent/versions/0.2.0/bosun-agent.cjs');
});
