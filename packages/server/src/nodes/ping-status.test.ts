import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pingStatus } from './ping-status.ts';

test('PingStatus is Online within the window, ConnectionLost after it or without a ping, Inactive once deregistered', () => {
  const window = 300_000;
  assert.equal(pingStatus({ deregistered_at: null, last_ping_at: 1_000 }, 1_000 + window, window), 'Online');
  assert.equal(pingStatus({ deregistered_at: null, last_ping_at: 1_000 }, 1_001 + window, window), 'ConnectionLost');
  assert.equal(pingStatus({ deregistered_at: null, last_ping_at: null }, 0, window), 'ConnectionLost');
  assert.equal(pingStatus({ deregistered_at: 5, last_ping_at: 1_000 }, 1_000, window), 'Inactive');
});
