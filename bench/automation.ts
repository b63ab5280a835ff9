/**
 * `npm run bench -- automation [--executions 100] [--store sqlite,postgres]`
 *
 * The Automation engine in-process (issue #16, first cut): `--executions` executions started at
 * once of one 10-step runbook (aws:sleep PT0S, aws:branch, aws:executeAwsApi against an
 * in-process GetParameter, in a loop the branch leaves after three rounds), advanced by one
 * engine on a real store until every one is Success:
 *
 * - executions/min: executions divided by the wall time from the first start to the last end;
 * - step-transition latency: from a step's end event to the next step's start event, p50/p99
 *   (goal p99 < 50 ms);
 * - CPU per step: this process's CPU time over the run, divided by the steps run.
 *
 * Not yet: aws:runCommand on simulated nodes and a server in its own process (bench/windows.ts
 * shows the shape); the figures here are the engine and the store alone.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ssm } from '@bosun/protocol';
import { defineOperation } from '../packages/server/src/api/operation.ts';
import { apiInvoker } from '../packages/server/src/automation/api-invoker.ts';
import { AutomationEngine } from '../packages/server/src/automation/automation-engine.ts';
import { insertExecution, loadEvents } from '../packages/server/src/automation/automation-store.ts';
import { createLogger } from '../packages/server/src/logger.ts';
import { openStore, type Store } from '../packages/server/src/store/store.ts';
import { Samples } from './lib/stats.ts';

const HERE = fileURLToPath(import.meta.url);
const ACCOUNT = '123456789012';

const RUNBOOK = JSON.stringify({
  schemaVersion: '0.3',
  mainSteps: [
    { name: 's1', action: 'aws:sleep', inputs: { Duration: 'PT0S' } },
    { name: 'get', action: 'aws:executeAwsApi', inputs: { Service: 'ssm', Api: 'GetParameter', Name: '/bench/x' }, outputs: [{ Name: 'V', Selector: '$.Parameter.Version', Type: 'Integer' }] },
    { name: 's2', action: 'aws:sleep', inputs: { Duration: 'PT0S' } },
    { name: 'b1', action: 'aws:branch', inputs: { Choices: [{ NextStep: 's3', Variable: '{{ get.V }}', NumericGreater: 0 }], Default: 'fail' } },
    { name: 's3', action: 'aws:sleep', inputs: { Duration: 'PT0S' } },
    { name: 'get2', action: 'aws:executeAwsApi', inputs: { Service: 'ssm', Api: 'GetParameter', Name: '/bench/y' } },
    { name: 's4', action: 'aws:sleep', inputs: { Duration: 'PT0S' } },
    { name: 'b2', action: 'aws:branch', inputs: { Choices: [{ NextStep: 's5', Variable: '{{ automation:EXECUTION_ID }}', StartsWith: 'bench-' }], Default: 'fail' } },
    { name: 's5', action: 'aws:sleep', inputs: { Duration: 'PT0S' } },
    { name: 'last', action: 'aws:sleep', inputs: { Duration: 'PT0S' }, isEnd: true },
    { name: 'fail', action: 'aws:pause', inputs: {} },
  ],
});

interface Figures {
  store: string;
  executions: number;
  steps: number;
  executionsPerMin: number;
  transitionMs: { p50: number; p99: number; max: number };
  cpuPerStepMs: number;
}

async function benchStore(name: 'sqlite' | 'postgres', executions: number): Promise<Figures | undefined> {
  let store: Store;
  let cleanup: () => Promise<void>;
  if (name === 'postgres') {
    if (!process.env.BOSUN_BENCH_DATABASE_URL && !process.env.BOSUN_TEST_DATABASE_URL) {
      console.log('postgres: skipped (set BOSUN_BENCH_DATABASE_URL or BOSUN_TEST_DATABASE_URL)');
      return undefined;
    }
    process.env.BOSUN_TEST_DATABASE_URL ??= process.env.BOSUN_BENCH_DATABASE_URL;
    const { createPostgresSchema } = await import('../packages/server/src/testing/stores.ts');
    const schema = await createPostgresSchema();
    store = await openStore({ databaseUrl: schema.url });
    cleanup = async () => { await store.close(); await schema.drop(); };
  } else {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-bench-automation-'));
    store = await openStore({ dataDir });
    cleanup = async () => { await store.close(); fs.rmSync(dataDir, { recursive: true, force: true }); };
  }
  try {
    const getParameter = defineOperation<ssm.GetParameterRequest, ssm.GetParameterResult>({
      service: 'ssm', name: 'GetParameter', readOnly: true, permissions: () => [{ action: 'ssm:GetParameter', resource: '*' }],
      handle: async (_ctx, input) => ({ Parameter: { Name: input.Name, Type: 'String', Value: 'v', Version: 1 } }),
    });
    const api = apiInvoker({ operations: () => [getParameter], authorize: () => {} });
    const engine = new AutomationEngine({
      db: store.db, now: Date.now, logger: createLogger({ format: 'json', level: 'fatal' }), api,
      sendCommand: () => Promise.reject(new Error('no Run Command in this bench')), options: { batchSize: executions },
    });
    const principal = { type: 'IAMUser', accountId: ACCOUNT, userName: 'bench', userId: 'AIDABENCH', arn: `arn:aws:iam::${ACCOUNT}:user/bench`, accessKeyId: 'AKIABENCH' };
    const ids = Array.from({ length: executions }, (_, i) => `bench-${String(i).padStart(6, '0')}`);
    const started = Date.now();
    const cpu = process.cpuUsage();
    for (const id of ids) {
      await insertExecution(store.db, {
        execution_id: id, account_id: ACCOUNT, region: 'us-east-1', document_name: 'Bench', document_version: '1', document_content: RUNBOOK, parameters: '{}', mode: 'Auto',
        principal: JSON.stringify(principal), executed_by: principal.arn, client_token: null, parent_execution_id: null, tags: '[]', status: 'Pending', current_step_name: null,
        current_action: null, failure_message: null, outputs: '{}', event_count: 0, due_at: started, claimed_by: null, claimed_until: null, started_at: started, ended_at: null,
      });
    }
    // As the operations do: wake each at once; the periodic pass is the backstop.
    await Promise.all(ids.map((id) => engine.advance(id)));
    const ended = Date.now();
    const used = process.cpuUsage(cpu);
    const transitions = new Samples();
    let steps = 0;
    for (const id of ids) {
      const events = await loadEvents(store.db, id);
      const end = events.at(-1);
      if (end?.type !== 'ExecutionEnded' || end.status !== 'Success') throw new Error(`${id} did not end Success: ${JSON.stringify(end)}`);
      let lastEnd: number | undefined;
      for (const e of events) {
        if (e.type === 'StepStarted') {
          steps++;
          if (lastEnd !== undefined) transitions.add(e.at - lastEnd);
        } else if (e.type === 'StepSucceeded' || e.type === 'StepFailed') lastEnd = e.at;
      }
    }
    const [p50, p99, max] = transitions.percentiles(50, 99, 100);
    const figures: Figures = {
      store: name, executions, steps, executionsPerMin: Math.round(executions / ((ended - started) / 60_000)), transitionMs: { p50, p99, max },
      cpuPerStepMs: Number(((used.user + used.system) / 1000 / steps).toFixed(3)),
    };
    console.log(`${name}: ${executions} executions, ${steps} steps in ${ended - started} ms: ${figures.executionsPerMin} executions/min; `
      + `step transition p50 ${p50} ms, p99 ${p99} ms (goal < 50), max ${max} ms; CPU ${figures.cpuPerStepMs} ms per step`);
    return figures;
  } finally {
    await cleanup();
  }
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { executions: { type: 'string' }, store: { type: 'string' } } });
  const executions = Number(values.executions ?? 100);
  if (!Number.isInteger(executions) || executions < 1) throw new Error('--executions takes a positive integer');
  console.log(`automation: ${executions} concurrent executions × 10 steps, in-process; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const figures: Figures[] = [];
  for (const store of (values.store ?? 'sqlite,postgres').split(',')) {
    if (store !== 'sqlite' && store !== 'postgres') throw new Error(`unknown store ${store}`);
    const f = await benchStore(store, executions);
    if (f) figures.push(f);
  }
  const dir = path.join(path.dirname(HERE), 'results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `automation-${Date.now()}.json`), JSON.stringify({ executions, figures, loadavg: os.loadavg() }, null, 2));
}
