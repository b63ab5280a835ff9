/**
 * npm run bench -- authz
 *
 * 1. Policy evaluations per second for a principal with 10 policies of 20 statements each
 *    (wildcards, NotAction, conditions; the allowing statement last, so every statement is read).
 * 2. GetServiceSetting throughput through the whole pipeline (HTTP, SigV4, audit) with the
 *    policy authorizer and with authorization switched off: the difference is its overhead.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetServiceSettingCommand, SSMClient } from '@aws-sdk/client-ssm';
import { buildContext } from '../packages/server/src/iam/policy/context.ts';
import { parsePolicy } from '../packages/server/src/iam/policy/document.ts';
import { evaluate } from '../packages/server/src/iam/policy/evaluate.ts';
import { attachPolicy, insertPolicy } from '../packages/server/src/iam/iam-store.ts';
import { adminCreateAccessKey, adminCreateUser } from '../packages/server/src/accounts/admin.ts';
import { startServer } from '../packages/server/src/server.ts';
import { createLogger } from '../packages/server/src/logger.ts';
import { fixtures } from '../packages/server/src/testing/fixtures.ts';

const ACCOUNT = '111122223333';
const SETTING = '/ssm/parameter-store/high-throughput-enabled';

/** Ten policies of twenty statements; only the very last statement allows GetServiceSetting. */
export function policyTexts(): string[] {
  // Each document stays under IAM's 6,144-character quota for a managed policy.
  const texts: string[] = [];
  for (let p = 0; p < 10; p++) {
    const statements = [];
    for (let s = 0; s < 20; s++) {
      const last = p === 9 && s === 19;
      statements.push(last
        ? { Effect: 'Allow', Action: 'ssm:GetServiceSetting', Resource: `arn:aws:ssm:*:${ACCOUNT}:servicesetting/ssm/*`, Condition: { StringEquals: { 'aws:username': '${aws:username}' }, Bool: { 'aws:SecureTransport': 'false' } } }
        : s % 4 === 0
          ? { Effect: 'Deny', Action: `ssm:Delete${p}x${s}*`, Resource: '*', Condition: { StringNotEquals: { 'aws:PrincipalTag/team': 'ops' } } }
          : s % 4 === 1
            ? { Effect: 'Allow', NotAction: ['iam:*', 'kms:*', 'ssm:GetServiceSetting'], Resource: `arn:aws:ssm:*:${ACCOUNT}:parameter/team${p}/${s}/*` }
            : s % 4 === 2
              ? { Effect: 'Allow', Action: ['ssm:GetParameter*', 'ssm:PutParameter'], Resource: `arn:aws:ssm:*:${ACCOUNT}:parameter/home/\${aws:username}/${p}/${s}/*` }
              : { Effect: 'Allow', Action: 'ssm:SendCommand', Resource: '*', Condition: { StringEquals: { 'ssm:resourceTag/Env': `env${p}${s}` }, IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } });
    }
    texts.push(JSON.stringify({ Version: '2012-10-17', Statement: statements }));
  }
  return texts;
}

function evaluationsPerSecond(): number {
  const documents = policyTexts().map((t) => parsePolicy(t));
  const principal = { type: 'IAMUser' as const, arn: `arn:aws:iam::${ACCOUNT}:user/bench`, accountId: ACCOUNT, userId: 'AIDABENCH', userName: 'bench', tags: { team: 'dev' } };
  const resource = `arn:aws:ssm:us-east-1:${ACCOUNT}:servicesetting${SETTING}`;
  let n = 0;
  const started = process.hrtime.bigint();
  const budget = 2_000_000_000n;
  while (process.hrtime.bigint() - started < budget) {
    for (let i = 0; i < 1000; i++) {
      const context = buildContext(principal, { sourceIp: '127.0.0.1', secureTransport: false, now: Date.now(), region: 'us-east-1' });
      if (evaluate(documents, { action: 'ssm:GetServiceSetting', resource, context }).decision !== 'Allow') throw new Error('bench policy does not allow');
    }
    n += 1000;
  }
  return n / (Number(process.hrtime.bigint() - started) / 1e9);
}

async function throughput(authorize: boolean, seconds: number, concurrency: number): Promise<number> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-bench-authz-'));
  const rootKey = fixtures.rootKey();
  const server = await startServer({
    host: '127.0.0.1', port: 0, dataDir, rootKey, logger: createLogger({ level: 'error' }),
    ...(authorize ? {} : { authorize: () => undefined }),
  });
  try {
    await fixtures.account(server.store, rootKey, { accountId: ACCOUNT, now: Date.now() });
    await adminCreateUser(server.store, { accountId: ACCOUNT, userName: 'bench', now: Date.now() });
    // Ten customer managed policies attached to the user (IAM's default quota per user).
    const texts = policyTexts();
    for (let i = 0; i < texts.length; i++) {
      const arn = `arn:aws:iam::${ACCOUNT}:policy/bench${i}`;
      const now = Date.now();
      await insertPolicy(server.store.db, { policy_arn: arn, account_id: ACCOUNT, policy_name: `bench${i}`, policy_id: `ANPABENCH${i}`, path: '/', description: null, default_version: 'v1', next_version: 2, created_at: now, updated_at: now }, texts[i]);
      await attachPolicy(server.store.db, { accountId: ACCOUNT, entityType: 'user', entityName: 'bench', policyArn: arn, now });
    }
    const key = await adminCreateAccessKey(server.store, rootKey, { accountId: ACCOUNT, userName: 'bench', now: Date.now() });
    const client = new SSMClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey }, maxAttempts: 1 });
    try {
      await client.send(new GetServiceSettingCommand({ SettingId: SETTING })); // warm-up (and proves it is allowed)
      let calls = 0;
      const deadline = Date.now() + seconds * 1000;
      const started = Date.now();
      await Promise.all(Array.from({ length: concurrency }, async () => {
        while (Date.now() < deadline) {
          await client.send(new GetServiceSettingCommand({ SettingId: SETTING }));
          calls++;
        }
      }));
      return calls / ((Date.now() - started) / 1000);
    } finally {
      client.destroy();
    }
  } finally {
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function run(argv: string[]): Promise<void> {
  const seconds = Number(argv.find((a) => a.startsWith('--seconds='))?.slice('--seconds='.length) ?? 8);
  const concurrency = Number(argv.find((a) => a.startsWith('--concurrency='))?.slice('--concurrency='.length) ?? 16);
  const evals = evaluationsPerSecond();
  console.log(`policy evaluations: ${Math.round(evals).toLocaleString('en')}/s (10 policies × 20 statements, allowing statement last)`);
  // Alternating rounds, median of each: the machine's other load hits both sides alike.
  const rounds = Number(argv.find((a) => a.startsWith('--rounds='))?.slice('--rounds='.length) ?? 3);
  const withoutRuns: number[] = [];
  const withRuns: number[] = [];
  for (let i = 0; i < rounds; i++) {
    withoutRuns.push(await throughput(false, seconds, concurrency));
    withRuns.push(await throughput(true, seconds, concurrency));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const without = median(withoutRuns);
  const withAuthz = median(withRuns);
  const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(', ');
  console.log(`GetServiceSetting without authorization: ${without.toFixed(0)} calls/s median of [${fmt(withoutRuns)}] (concurrency ${concurrency}, ${seconds} s each, SQLite)`);
  console.log(`GetServiceSetting with authorization:    ${withAuthz.toFixed(0)} calls/s median of [${fmt(withRuns)}]`);
  console.log(`authorization overhead: ${(((without - withAuthz) / without) * 100).toFixed(1)}% (goal: under 10%)`);
  console.log(`cost of one authorization (cached policies): ${(1e6 / evals).toFixed(1)} µs of evaluation per call, i.e. ${((without / evals) * 100).toFixed(1)}% of one core at ${without.toFixed(0)} calls/s`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await run(process.argv.slice(2));
}
