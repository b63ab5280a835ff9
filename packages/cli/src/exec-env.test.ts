import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpec, parseValueFrom, variableName } from './exec-env.ts';

test('a parameter under --path becomes its relative name, upper-cased, with underscores', () => {
  assert.equal(variableName('/app/prod', '/app/prod/db/host'), 'DB_HOST');
  assert.equal(variableName('/app/prod/', '/app/prod/api-key.v2'), 'API_KEY_V2');
  assert.equal(variableName('/app', '/app/1st'), '_1ST');
  assert.equal(variableName('/', '/top'), 'TOP');
});

test('valueFrom names a parameter by name or ARN, or a secret by ARN with an optional JSON key', () => {
  assert.deepEqual(parseValueFrom('/x/y'), { kind: 'parameter', name: '/x/y' });
  assert.deepEqual(parseValueFrom('arn:aws:ssm:us-east-1:123456789012:parameter/x/y'), { kind: 'parameter', name: '/x/y' });
  assert.deepEqual(parseValueFrom('arn:aws:ssm:us-east-1:123456789012:parameter/plain'), { kind: 'parameter', name: 'plain' });
  assert.deepEqual(parseValueFrom('arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbC123'), { kind: 'secret', secretId: 'prod/db' });
  assert.deepEqual(parseValueFrom('arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbC123:password::'), { kind: 'secret', secretId: 'prod/db', jsonKey: 'password' });
});

test('a spec is an ECS secrets list; malformed entries are refused', () => {
  assert.deepEqual(parseSpec('[{"name":"A","valueFrom":"/a"}]', 'f'), [{ name: 'A', valueFrom: '/a' }]);
  assert.throws(() => parseSpec('[{"name":"1A","valueFrom":"/a"}]', 'f'), /entry 1/);
  assert.throws(() => parseSpec('{}', 'f'), /JSON list/);
});
