import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveApiConfig } from './api-client.ts';

function envDir(lines: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-cli-env-'));
  fs.writeFileSync(path.join(dir, 'env'), lines.join('\n') + '\n');
  return dir;
}

test('without credentials in the environment, the env file bosun dev writes is used', () => {
  const dir = envDir(['export AWS_ACCESS_KEY_ID=AKIAFILE', 'export AWS_SECRET_ACCESS_KEY=secretfile', 'export AWS_REGION=eu-west-1', 'export BOSUN_ENDPOINT=http://127.0.0.1:4747', 'export BOSUN_ACCOUNT_ID=123456789012']);
  const config = resolveApiConfig({ dataDir: dir }, {});
  assert.deepEqual(config, { endpoint: 'http://127.0.0.1:4747', region: 'eu-west-1', credentials: { accessKeyId: 'AKIAFILE', secretAccessKey: 'secretfile' }, accountId: '123456789012' });
  fs.rmSync(dir, { recursive: true });
});

test('credentials in the environment win over the file, with their session token', () => {
  const dir = envDir(['export AWS_ACCESS_KEY_ID=AKIAFILE', 'export AWS_SECRET_ACCESS_KEY=secretfile', 'export BOSUN_ENDPOINT=http://file']);
  const config = resolveApiConfig({ dataDir: dir }, { AWS_ACCESS_KEY_ID: 'ASIAENV', AWS_SECRET_ACCESS_KEY: 'envsecret', AWS_SESSION_TOKEN: 'tok', BOSUN_ENDPOINT: 'http://env' });
  assert.deepEqual(config.credentials, { accessKeyId: 'ASIAENV', secretAccessKey: 'envsecret', sessionToken: 'tok' });
  assert.equal(config.endpoint, 'http://env');
  assert.equal(resolveApiConfig({ dataDir: dir, endpointUrl: 'http://flag' }, {}).endpoint, 'http://flag');
  fs.rmSync(dir, { recursive: true });
});

test('no endpoint or no credentials is a usage error that says where they come from', () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-cli-env-'));
  assert.throws(() => resolveApiConfig({ dataDir: empty }, {}), /BOSUN_ENDPOINT/);
  assert.throws(() => resolveApiConfig({ dataDir: empty, endpointUrl: 'http://x' }, {}), /AWS_ACCESS_KEY_ID/);
  fs.rmSync(empty, { recursive: true });
});
