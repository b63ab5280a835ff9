import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ssm } from '@bosun/protocol';
import { findCommand, insertCommand, type CommandRow, type InvocationRow } from '../commands/command-store.ts';
import type { recordAssociationCompliance } from '../compliance/association-compliance.ts';
import { createLogger } from '../logger.ts';
import { insertActivation, registerInstance } from '../nodes/nodes-store.ts';
import type { Db } from '../store/store.ts';
import { storeTargets } from '../testing/stores.ts';
import { AssociationEngine } from './association-engine.ts';
import { findAssociation, insertAssociation, insertExecution, listExecutions, targetStates, type AssociationRow, type ExecutionRow } from './association-store.ts';

type RecordAssociationCompliance = typeof recordAssociationCompliance;

const NOW = 1_800_000_000_000;
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const SCOPE = { accountId: ACCOUNT, region: REGION };
const ASSOC = '11111111-2222-4333-8444-555555555555';
const node = (i: number) => `mi-${String(i).padStart(17, '0')}`;
const logger = createLogger({ format: 'json', level: 'fatal' });

async function nodes(db: Db, count: number, tags = '[{"Key":"Role","Value":"web"}]'): Promise<void> {
  await insertActivation(db, {
    activation_id: `a-${count}-${tags.length}`, account_id: ACCOUNT, region: REGION, code_hash: 'h', description: null, default_instance_name: null, iam_role: 'Role',
    registration_limit: 1000, registrations_count: 0, expires_at: NOW + 1000, created_at: NOW, tags, registration_metadata: '[]',
  });
  for (let i = 1; i <= count; i++) {
    await registerInstance(db, { activationId: `a-${count}-${tags.length}`, codeHash: 'h', now: NOW, instance: {
      instance_id: node(i), public_key: 'pem', registered_at: NOW, deregistered_at: null, last_ping_at: null, agent_version: null, platform_name: null, platform_type: null,
      platform_version: null, computer_name: null, ip_address: null, clock_offset_ms: null, refused_reason: null, refused_at: null, refused_skew_ms: null,
    } });
  }
}

function association(overrides: Partial<AssociationRow> = {}): AssociationRow {
  return {
    association_id: ASSOC, account_id: ACCOUNT, region: REGION, association_version: 1, name: 'AWS-RunShellScript', document_version: null, instance_id: null,
    association_name: 'web', parameters: '{"commands":["true"]}', targets: '[{"Key":"tag:Role","Values":["web"]}]', schedule_expression: null, schedule_offset: null,
    apply_only_at_cron_interval: 0, max_concurrency: null, max_errors: null, compliance_severity: 'HIGH', sync_compliance: 'AUTO', extras: '{}', status: 'Pending',
    detailed_status: 'Creating', status_counts: '{}', legacy_status: null, created_at: NOW, updated_at: NOW, last_execution_at: null, last_successful_execution_at: null,
    next_run_at: null, ...overrides,
  };
}

/** Run Command as the engine sees it: each send is a real command row with Pending invocations. */
function fakeRunCommand(db: Db) {
  const sent: ssm.SendCommandRequest[] = [];
  let n = 0;
  const send = async (_scope: unknown, now: number, input: ssm.SendCommandRequest): Promise<CommandRow> => {
    sent.push(input);
    const commandId = `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
    const row = {
      command_id: commandId, account_id: ACCOUNT, region: REGION, document_name: input.DocumentName, document_arn: '', document_version: '1', document_hash: 'h', document_content: '{}',
      parameters: JSON.stringify(input.Parameters ?? {}), resolved_parameters: '{}', comment: input.Comment ?? '', instance_ids: JSON.stringify(input.InstanceIds), targets: '[]',
      requested_at: now, expires_at: now + 1000, timeout_seconds: input.TimeoutSeconds ?? 3600, execution_limit_ms: 1000, max_concurrency: '50', max_errors: '0', max_concurrency_n: 50,
      max_errors_n: 0, status: 'Pending', status_details: 'Pending', target_count: input.InstanceIds!.length, started_count: 0, in_flight_count: 0, completed_count: 0, error_count: 0,
      delivery_timed_out_count: 0, success_count: 0, failed_count: 0, execution_timed_out_count: 0, undeliverable_count: 0, invalid_platform_count: 0, cancelled_count: 0,
      terminated_count: 0, cancel_requested: 0, output_s3_region: null, output_s3_bucket_name: null, output_s3_key_prefix: null, service_role: null, notification_config: null,
      cloudwatch_output_config: null, completed_at: null,
    } satisfies CommandRow;
    const invocations: InvocationRow[] = input.InstanceIds!.map((instanceId, seq) => ({
      command_id: commandId, instance_id: instanceId, account_id: ACCOUNT, region: REGION, seq, instance_name: '', status: 'Pending', status_details: 'Pending', response_code: -1,
      message_id: null, sent_at: null, acked_at: null, started_at: null, ended_at: null, deadline_at: null, plugins: '[]', updated_at: now,
    }));
    await insertCommand(db, row, invocations);
    return row;
  };
  return { sent, send };
}

async function finish(db: Db, commandId: string, instanceId: string, status: 'Success' | 'Failed'): Promise<void> {
  await db.updateTable('command_invocations').set({ status, status_details: status, response_code: status === 'Success' ? 0 : 1, ended_at: NOW + 5000 })
    .where('command_id', '=', commandId).where('instance_id', '=', instanceId).execute();
}

function engineFor(db: Db, send: ReturnType<typeof fakeRunCommand>['send'], clock: { now: number }, compliance?: RecordAssociationCompliance) {
  const engine = new AssociationEngine({ db, send, now: () => clock.now, logger, recordCompliance: compliance, options: { claimLeaseMs: 30_000, nodesPerCommand: 50 } });
  (engine as unknown as { compliance: Promise<unknown> }).compliance = Promise.resolve(compliance);
  return engine;
}

for (const target of storeTargets) {
  describe(`association engine (${target.name})`, { skip: target.skip }, () => {
    test('an application makes one execution and one command per 50 nodes, named in the Comment; a second waits while one is pending', async () => {
      const store = await target.open();
      try {
        await nodes(store.db, 60);
        await insertAssociation(store.db, association(), { association_id: ASSOC, association_version: 1, account_id: ACCOUNT, region: REGION, created_at: NOW, definition: '{}' });
        const run = fakeRunCommand(store.db);
        const engine = engineFor(store.db, run.send, { now: NOW });
        const execution = await engine.apply((await findAssociation(store.db, SCOPE, ASSOC))!, 'create', 'all');
        assert.ok(execution);
        assert.deepEqual(run.sent.map((s) => s.InstanceIds!.length), [50, 10]);
        assert.deepEqual(new Set(run.sent.map((s) => s.Comment)), new Set([`association:${ASSOC}:${execution.execution_id}`]));
        assert.ok(run.sent.every((s) => s.TimeoutSeconds === 30 * 24 * 3600 && s.DocumentName === 'AWS-RunShellScript'));
        assert.equal(await engine.apply((await findAssociation(store.db, SCOPE, ASSOC))!, 'start-once', 'all'), undefined, 'every node still has one pending');
        assert.equal(run.sent.length, 2);
      } finally {
        await store.destroy();
      }
    });

    test('results are read once from the invocations: node states, compliance, the execution and the overview', async () => {
      const store = await target.open();
      try {
        await nodes(store.db, 2);
        await insertAssociation(store.db, association(), { association_id: ASSOC, association_version: 1, account_id: ACCOUNT, region: REGION, created_at: NOW, definition: '{}' });
        const run = fakeRunCommand(store.db);
        const recorded: Parameters<RecordAssociationCompliance>[2][] = [];
        const engine = engineFor(store.db, run.send, { now: NOW }, async (_db, _scope, input) => { recorded.push(input); });
        const execution = (await engine.apply((await findAssociation(store.db, SCOPE, ASSOC))!, 'create', 'all'))!;
        const commandId = (await listExecutions(store.db, ASSOC))[0].command_ids.slice(2, 38);
        assert.ok(await findCommand(store.db, commandId));
        await finish(store.db, commandId, node(1), 'Success');
        await engine.tick();
        await engine.tick();
        assert.deepEqual((await targetStates(store.db, ASSOC)).map((s) => s.status), ['Success', 'Pending']);
        assert.equal((await listExecutions(store.db, ASSOC))[0].status, 'InProgress');
        await finish(store.db, commandId, node(2), 'Failed');
        await engine.tick();
        await engine.tick();
        assert.deepEqual((await targetStates(store.db, ASSOC)).map((s) => [s.status, s.error_code]), [['Success', ''], ['Failed', '1']]);
        const ended = (await listExecutions(store.db, ASSOC))[0];
        assert.deepEqual([ended.status, JSON.parse(ended.resource_counts)], ['Failed', { Success: 1, Failed: 1 }]);
        const a = (await findAssociation(store.db, SCOPE, ASSOC))!;
        assert.deepEqual([a.status, JSON.parse(a.status_counts)], ['Failed', { Success: 1, Failed: 1 }]);
        assert.deepEqual(recorded.map((r) => [r.instanceId, r.status, r.severity, r.executionId]), [
          [node(1), 'COMPLIANT', 'HIGH', execution.execution_id], [node(2), 'NON_COMPLIANT', 'HIGH', execution.execution_id],
        ]);
      } finally {
        await store.destroy();
      }
    });

    test('an execution whose creator crashed before recording its commands is resumed once, reusing the command it had made', async () => {
      const store = await target.open();
      try {
        await nodes(store.db, 60);
        await insertAssociation(store.db, association(), { association_id: ASSOC, association_version: 1, account_id: ACCOUNT, region: REGION, created_at: NOW, definition: '{}' });
        const ids = Array.from({ length: 60 }, (_, i) => node(i + 1));
        const execution: ExecutionRow = {
          execution_id: '99999999-2222-4333-8444-555555555555', association_id: ASSOC, account_id: ACCOUNT, region: REGION, association_version: 1, trigger: 'create',
          status: 'Pending', detailed_status: 'Pending', instance_ids: JSON.stringify(ids), command_ids: '[]', resource_counts: '{}', created_at: NOW, claimed_at: NOW, ended_at: null,
        };
        await insertExecution(store.db, execution, ids.map((instanceId) => ({
          association_id: ASSOC, instance_id: instanceId, account_id: ACCOUNT, region: REGION, association_version: 1, execution_id: execution.execution_id,
          status: 'Pending', detailed_status: 'Pending', error_code: '', summary: '', execution_at: NOW, updated_at: NOW,
        })));
        // The crashed creator had made the first command (50 nodes) and not the second.
        const run = fakeRunCommand(store.db);
        const first = await run.send(SCOPE, NOW, { DocumentName: 'AWS-RunShellScript', InstanceIds: ids.slice(0, 50), Comment: `association:${ASSOC}:${execution.execution_id}` });
        run.sent.length = 0;
        const clock = { now: NOW + 10_000 };
        const engine = engineFor(store.db, run.send, clock);
        await engine.tick();
        assert.equal(run.sent.length, 0, 'not taken over within the claim lease');
        clock.now = NOW + 31_000;
        await engine.tick();
        await engine.tick();
        assert.deepEqual(run.sent.map((s) => s.InstanceIds), [ids.slice(50)]);
        const resumed = (await listExecutions(store.db, ASSOC))[0];
        assert.equal(resumed.status, 'InProgress');
        assert.deepEqual(JSON.parse(resumed.command_ids)[0], first.command_id);
        assert.equal(JSON.parse(resumed.command_ids).length, 2);
      } finally {
        await store.destroy();
      }
    });

    test('a node that had the current version gets nothing more from a node event; a new version it does', async () => {
      const store = await target.open();
      try {
        await nodes(store.db, 1);
        await insertAssociation(store.db, association(), { association_id: ASSOC, association_version: 1, account_id: ACCOUNT, region: REGION, created_at: NOW, definition: '{}' });
        const run = fakeRunCommand(store.db);
        const engine = engineFor(store.db, run.send, { now: NOW });
        await engine.apply((await findAssociation(store.db, SCOPE, ASSOC))!, 'create', 'all');
        await finish(store.db, JSON.parse((await listExecutions(store.db, ASSOC))[0].command_ids)[0], node(1), 'Success');
        await engine.tick();
        assert.equal(await engine.apply((await findAssociation(store.db, SCOPE, ASSOC))!, 'node', 'missing'), undefined);
        await store.db.updateTable('associations').set({ association_version: 2 }).execute();
        assert.ok(await engine.apply((await findAssociation(store.db, SCOPE, ASSOC))!, 'node', 'missing'));
        assert.equal(run.sent.length, 2);
      } finally {
        await store.destroy();
      }
    });

    test('a due schedule applies once however many runs were missed, and moves to the next run after now', async () => {
      const store = await target.open();
      try {
        await nodes(store.db, 1);
        await insertAssociation(store.db, association({ schedule_expression: 'rate(30 minutes)', next_run_at: NOW - 3 * 3_600_000 }),
          { association_id: ASSOC, association_version: 1, account_id: ACCOUNT, region: REGION, created_at: NOW, definition: '{}' });
        const run = fakeRunCommand(store.db);
        const engine = engineFor(store.db, run.send, { now: NOW });
        await engine.tick();
        await engine.tick();
        assert.equal(run.sent.length, 1);
        assert.equal((await findAssociation(store.db, SCOPE, ASSOC))!.next_run_at, NOW + 30 * 60_000);
        assert.equal((await listExecutions(store.db, ASSOC))[0].trigger, 'schedule');
      } finally {
        await store.destroy();
      }
    });

    test('the associations due at one time make all their commands inside one dispatch hold', async () => {
      const store = await target.open();
      try {
        await nodes(store.db, 2);
        const ids = ['11111111-2222-4333-8444-000000000001', '11111111-2222-4333-8444-000000000002', '11111111-2222-4333-8444-000000000003'];
        for (const id of ids) {
          await insertAssociation(store.db, association({ association_id: id, schedule_expression: 'rate(30 minutes)', next_run_at: NOW - 1000 }),
            { association_id: id, association_version: 1, account_id: ACCOUNT, region: REGION, created_at: NOW, definition: '{}' });
        }
        const run = fakeRunCommand(store.db);
        let holds = 0;
        let holding = false;
        const sentWhileHolding: boolean[] = [];
        const engine = new AssociationEngine({
          db: store.db, now: () => NOW, logger, options: { nodesPerCommand: 50 },
          send: async (scope, now, input) => {
            sentWhileHolding.push(holding);
            return run.send(scope, now, input);
          },
          holdDispatch: async (work) => {
            holds++;
            holding = true;
            try {
              return await work();
            } finally {
              holding = false;
            }
          },
        });
        await engine.tick();
        assert.equal(run.sent.length, 3, 'each due association applied');
        assert.deepEqual(sentWhileHolding, [true, true, true]);
        assert.equal(holds, 1, 'one hold for the whole due time');
        await engine.tick();
        assert.equal(holds, 1, 'no hold when nothing is due');
      } finally {
        await store.destroy();
      }
    });
  });
}
