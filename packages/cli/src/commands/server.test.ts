import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../config.ts';
import { retentionDays } from './server.ts';

test('inventory retention is 365 days unless BOSUN_INVENTORY_RETENTION_DAYS names whole days', () => {
  assert.equal(retentionDays(undefined), 365);
  assert.equal(retentionDays(''), 365);
  assert.equal(retentionDays('30'), 30);
  for (const bad of ['0', '-5', '1.5', 'a year']) assert.throws(() => retentionDays(bad), (e: unknown) => e instanceof UsageError && /whole number of days/.test(e.message));
});
