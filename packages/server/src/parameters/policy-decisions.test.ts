import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decidePolicyActions, nextPolicyDueAt } from './policy-decisions.ts';
import { parsePolicies } from './policies.ts';
import type { VersionRow } from './parameter-store.ts';

const HOUR = 3_600_000;
const T0 = Date.parse('2030-01-01T00:00:00Z');

function row(policies: object[], overrides: Partial<VersionRow> = {}): VersionRow {
  return {
    account_id: '123456789012', region: 'us-east-1', name: '/p', version: 1, parent_path: '/', type: 'String', value: 'v', key_id: null, description: null,
    allowed_pattern: null, tier: 'Advanced', policies: JSON.stringify(policies.map((p) => JSON.stringify(p))), data_type: 'text', labels: '[]',
    last_modified_at: T0, last_modified_user: 'arn', is_current: 1, expires_at: null, policy_due_at: null, ...overrides,
  };
}

const expiration = (at: number) => ({ Type: 'Expiration', Version: '1.0', Attributes: { Timestamp: new Date(at).toISOString() } });

test('a parameter is expired once its Expiration time has come, not before', () => {
  const r = row([expiration(T0 + 10 * HOUR)]);
  assert.deepEqual(decidePolicyActions([r], T0 + 10 * HOUR - 1), []);
  assert.deepEqual(decidePolicyActions([r], T0 + 10 * HOUR).map((d) => d.kind), ['expire']);
});

test('ExpirationNotification is due Before the expiration; an expired parameter gets no notification', () => {
  const r = row([expiration(T0 + 48 * HOUR), { Type: 'ExpirationNotification', Version: '1.0', Attributes: { Before: '1', Unit: 'Days' } }]);
  assert.deepEqual(decidePolicyActions([r], T0 + 24 * HOUR - 1), []);
  const due = decidePolicyActions([r], T0 + 24 * HOUR);
  assert.equal(due.length, 1);
  assert.equal(due[0].kind === 'notify' && due[0].policy, 'ExpirationNotification');
  assert.deepEqual(decidePolicyActions([r], T0 + 48 * HOUR).map((d) => d.kind), ['expire']);
});

test('NoChangeNotification is due After the last change of the current version', () => {
  const r = row([{ Type: 'NoChangeNotification', Version: '1.0', Attributes: { After: '2', Unit: 'Hours' } }]);
  assert.deepEqual(decidePolicyActions([r], T0 + 2 * HOUR - 1), []);
  assert.equal(decidePolicyActions([r], T0 + 2 * HOUR).length, 1);
});

test('event ids are deterministic per policy, region, parameter and version, so a decision applied twice records one event', () => {
  const r = row([{ Type: 'NoChangeNotification', Version: '1.0', Attributes: { After: '1', Unit: 'Hours' } }]);
  const a = decidePolicyActions([r], T0 + 5 * HOUR)[0].eventId;
  assert.equal(decidePolicyActions([r], T0 + 9 * HOUR)[0].eventId, a);
  assert.notEqual(decidePolicyActions([{ ...r, version: 2 }], T0 + 5 * HOUR)[0].eventId, a);
  assert.notEqual(decidePolicyActions([{ ...r, region: 'eu-west-1' }], T0 + 5 * HOUR)[0].eventId, a, 'the same parameter in another region is another fact');
});

test('the next due time is the earliest policy time still ahead, or null when none is left', () => {
  const policies = parsePolicies(JSON.stringify([expiration(T0 + 48 * HOUR), { Type: 'ExpirationNotification', Version: '1.0', Attributes: { Before: '1', Unit: 'Days' } }]));
  assert.equal(nextPolicyDueAt(policies, T0, Number.NEGATIVE_INFINITY), T0 + 24 * HOUR);
  assert.equal(nextPolicyDueAt(policies, T0, T0 + 24 * HOUR), T0 + 48 * HOUR);
  assert.equal(nextPolicyDueAt(policies, T0, T0 + 48 * HOUR), null);
});
