/**
 * `bosun iam ...` (the real binary, on the store directly): granting and inspecting a
 * user's permissions without credentials at hand, and `bosun admin` defaults.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runBosun, tempDir } from './support.ts';

describe('bosun iam', () => {
  let dataDir: string;
  const ACCOUNT = '111122223333';
  const store = () => ['--data-dir', dataDir];
  const user = ['--account-id', ACCOUNT, '--user-name', 'dev'];

  before(async () => {
    dataDir = tempDir('bosun-iam-cli-');
    assert.equal((await runBosun(['admin', 'create-root-key', path.join(dataDir, 'root.key')])).code, 0);
    const account = await runBosun(['admin', 'create-account', '--account-id', ACCOUNT, '--admin-user', 'ops', ...store()]);
    assert.equal(account.code, 0, account.stderr);
    assert.equal((await runBosun(['admin', 'create-user', ...user, ...store()])).code, 0);
  });
  after(() => {
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('the admin user of create-account holds AdministratorAccess; a user made by create-user holds nothing', async () => {
    const ops = await runBosun(['iam', 'list-user-policies', '--account-id', ACCOUNT, '--user-name', 'ops', ...store()]);
    assert.equal(ops.stdout, 'attached  arn:aws:iam::aws:policy/AdministratorAccess\n');
    const dev = await runBosun(['iam', 'list-user-policies', ...user, ...store()]);
    assert.equal(dev.stdout, 'dev has no policies: every call is denied.\n');
    const sim = await runBosun(['iam', 'simulate', ...user, '--action', 'ssm:GetParameter', '--resource', `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/app/dev/x`, ...store()]);
    assert.equal(sim.code, 1);
    assert.match(sim.stdout, /^implicitDeny: dev ssm:GetParameter on arn:aws:ssm:us-east-1:111122223333:parameter\/app\/dev\/x/);
  });

  test('put-user-policy grants what the policy says, and simulate shows it', async () => {
    const policyFile = path.join(dataDir, 'dev.json');
    fs.writeFileSync(policyFile, JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'ssm:GetParameter*', Resource: `arn:aws:ssm:*:${ACCOUNT}:parameter/app/dev/*` }],
    }));
    const put = await runBosun(['iam', 'put-user-policy', ...user, '--policy-name', 'DevParameters', '--policy-document', `file://${policyFile}`, ...store()]);
    assert.equal(put.code, 0, put.stderr);
    const dev = await runBosun(['iam', 'simulate', ...user, '--action', 'ssm:GetParameters', '--resource', `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/app/dev/db`, ...store()]);
    assert.equal(dev.code, 0);
    assert.match(dev.stdout, /^allowed:/);
    const prod = await runBosun(['iam', 'simulate', ...user, '--action', 'ssm:GetParameter', '--resource', `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/app/prod/x`, ...store()]);
    assert.match(prod.stdout, /^implicitDeny:/);
    const list = await runBosun(['iam', 'list-user-policies', ...user, ...store()]);
    assert.equal(list.stdout, 'inline    DevParameters\n');
  });

  test('a malformed policy and an unknown user are refused with a clear message', async () => {
    const bad = await runBosun(['iam', 'put-user-policy', ...user, '--policy-name', 'x', '--policy-document', '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ssm:*"}}', ...store()]);
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, 'bosun: MalformedPolicyDocument: Policy statement must contain resources.\n');
    const nobody = await runBosun(['iam', 'attach-user-policy', '--account-id', ACCOUNT, '--user-name', 'nobody', '--policy-arn', 'arn:aws:iam::aws:policy/AdministratorAccess', ...store()]);
    assert.equal(nobody.stderr, `bosun: User nobody does not exist in account ${ACCOUNT}\n`);
  });

  test('attach-user-policy makes a user an administrator', async () => {
    const res = await runBosun(['iam', 'attach-user-policy', ...user, '--policy-arn', 'arn:aws:iam::aws:policy/AdministratorAccess', ...store()]);
    assert.equal(res.code, 0, res.stderr);
    const sim = await runBosun(['iam', 'simulate', ...user, '--action', 'kms:Decrypt', ...store()]);
    assert.match(sim.stdout, /^allowed:/);
  });
});
