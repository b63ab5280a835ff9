/**
 * State Manager through the SDK against a real server with real agent processes: an
 * association applies at once to every matching node, to a node registered later with a
 * matching tag and to a node tagged later (with no other call), runs again on its rate,
 * with StartAssociationsOnce and after UpdateAssociation; statuses per association,
 * execution, target and node; list filters, delete, and bad input refused with AWS's errors.
 * Each application appends a line to a marker file of its node.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  AddTagsToResourceCommand, CreateAssociationBatchCommand, CreateAssociationCommand, DeleteAssociationCommand, DescribeAssociationCommand, DescribeAssociationExecutionTargetsCommand,
  DescribeAssociationExecutionsCommand, DescribeEffectiveInstanceAssociationsCommand, DescribeInstanceAssociationsStatusCommand, ListAssociationVersionsCommand, ListAssociationsCommand,
  ListCommandsCommand, ListComplianceItemsCommand, StartAssociationsOnceCommand, UpdateAssociationCommand, type AssociationDescription, type SSMClient,
} from '@aws-sdk/client-ssm';
import { createActivation, eventually, killAgents, spawnAgent, startNodesServer, stateDir, type NodesServer } from './nodes-support.ts';
import { bosunEnv, rejection, runBosun, ssmClient } from './support.ts';

let target: NodesServer;
let ssm: SSMClient;
let marks: string;
const dirs: string[] = [];

/** A real agent registered with an activation carrying `tags`, its runs counted in `marks/runs-NAME`. */
async function agent(name: string, tags: Record<string, string>): Promise<string> {
  const activation = await createActivation(ssm, { tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) });
  const dir = stateDir();
  dirs.push(dir);
  const a = await spawnAgent(['--endpoint', target.url, '--code', activation.code, '--id', activation.id, '--state-dir', path.join(dir, 'state')], { NODE_NAME: name });
  return (await a.waitFor(/online as (mi-[0-9a-f]+)/))[1];
}

const runsOf = (name: string) => {
  const file = path.join(marks, `runs-${name}`);
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
};

const script = (line: string) => ({ commands: [`echo ${line} >> ${marks}/runs-$NODE_NAME`] });

async function described(id: string): Promise<AssociationDescription> {
  return (await ssm.send(new DescribeAssociationCommand({ AssociationId: id }))).AssociationDescription!;
}

async function settled(id: string, status = 'Success'): Promise<AssociationDescription> {
  return eventually(`association ${id} ${status}`, async () => {
    const d = await described(id);
    return d.Overview?.Status === status ? d : undefined;
  }, 30_000);
}

before(async () => {
  target = await startNodesServer({ commands: { tickMs: 100 } });
  ssm = ssmClient(target, target.admin);
  marks = stateDir();
  dirs.push(marks);
});
after(async () => {
  killAgents();
  ssm.destroy();
  await target.destroy();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('an association with tag targets', () => {
  let associationId: string;
  let web1: string;

  test('applies at once to every matching node, each Success, through Run Command', async () => {
    web1 = await agent('web1', { Role: 'web' });
    await agent('web2', { Role: 'web' });
    await agent('db1', { Role: 'db' });
    const created = await ssm.send(new CreateAssociationCommand({
      Name: 'AWS-RunShellScript', AssociationName: 'keep-web', Targets: [{ Key: 'tag:Role', Values: ['web'] }], Parameters: script('v1'),
    }));
    associationId = created.AssociationDescription!.AssociationId!;
    assert.equal(created.AssociationDescription!.AssociationVersion, '1');
    assert.equal(created.AssociationDescription!.DocumentVersion, '$DEFAULT');
    const done = await settled(associationId);
    assert.deepEqual(done.Overview!.AssociationStatusAggregatedCount, { Success: 2 });
    assert.ok(done.LastExecutionDate && done.LastSuccessfulExecutionDate);
    assert.deepEqual([runsOf('web1'), runsOf('web2'), runsOf('db1')], [['v1'], ['v1'], []]);

    const executions = (await ssm.send(new DescribeAssociationExecutionsCommand({ AssociationId: associationId }))).AssociationExecutions!;
    assert.equal(executions.length, 1);
    assert.equal(executions[0].Status, 'Success');
    assert.deepEqual(JSON.parse(executions[0].ResourceCountByStatus!), { Success: 2 });
    const targets = (await ssm.send(new DescribeAssociationExecutionTargetsCommand({ AssociationId: associationId, ExecutionId: executions[0].ExecutionId }))).AssociationExecutionTargets!;
    assert.deepEqual(targets.map((t) => [t.Status, t.ResourceType, t.OutputSource?.OutputSourceType]), [['Success', 'ManagedInstance', 'RunCommand'], ['Success', 'ManagedInstance', 'RunCommand']]);
    const commands = (await ssm.send(new ListCommandsCommand({ CommandId: targets[0].OutputSource!.OutputSourceId }))).Commands!;
    assert.equal(commands[0].Comment, `association:${associationId}:${executions[0].ExecutionId}`);

    const status = (await ssm.send(new DescribeInstanceAssociationsStatusCommand({ InstanceId: web1 }))).InstanceAssociationStatusInfos!;
    assert.deepEqual(status.map((s) => [s.AssociationId, s.Status, s.AssociationName, s.AssociationVersion]), [[associationId, 'Success', 'keep-web', '1']]);
    assert.match(status[0].ExecutionSummary!, /^1 out of 1 plugin processed, 1 success/);
    const effective = (await ssm.send(new DescribeEffectiveInstanceAssociationsCommand({ InstanceId: web1 }))).Associations!;
    assert.deepEqual(effective.map((e) => e.AssociationId), [associationId]);
    assert.match(effective[0].Content!, /runShellScript/);
    const compliance = await eventually('association compliance of web1', async () => {
      const items = (await ssm.send(new ListComplianceItemsCommand({ ResourceIds: [web1], ResourceTypes: ['ManagedInstance'], Filters: [{ Key: 'ComplianceType', Values: ['Association'] }] }))).ComplianceItems!;
      return items.length > 0 ? items : undefined;
    });
    assert.deepEqual(compliance.map((i) => [i.Id, i.Status]), [[associationId, 'COMPLIANT']]);
  });

  test('a node registered later with a matching tag gets it with no other call', async () => {
    await agent('web3', { Role: 'web' });
    await eventually('web3 applied', async () => runsOf('web3').length === 1, 30_000);
    assert.deepEqual(runsOf('web3'), ['v1']);
    assert.deepEqual(runsOf('web1'), ['v1'], 'the other nodes do not run it again');
  });

  test('a node given a matching tag later gets it', async () => {
    const other = await agent('late', { Role: 'none' });
    await ssm.send(new AddTagsToResourceCommand({ ResourceType: 'ManagedInstance', ResourceId: other, Tags: [{ Key: 'Role', Value: 'web' }] }));
    await eventually('late applied', async () => runsOf('late').length === 1, 30_000);
    const done = await settled(associationId);
    assert.deepEqual(done.Overview!.AssociationStatusAggregatedCount, { Success: 4 });
  });

  test('StartAssociationsOnce runs it again on every matching node', async () => {
    await ssm.send(new StartAssociationsOnceCommand({ AssociationIds: [associationId] }));
    await eventually('second runs', async () => ['web1', 'web2', 'web3', 'late'].every((n) => runsOf(n).length === 2), 30_000);
    await settled(associationId);
    const executions = (await ssm.send(new DescribeAssociationExecutionsCommand({ AssociationId: associationId }))).AssociationExecutions!;
    assert.equal(executions[0].Status === 'Success' || executions[0].Status === 'InProgress', true);
  });

  test('UpdateAssociation makes version 2 and applies it', async () => {
    const updated = await ssm.send(new UpdateAssociationCommand({ AssociationId: associationId, Parameters: script('v2') }));
    assert.equal(updated.AssociationDescription!.AssociationVersion, '2');
    assert.equal(updated.AssociationDescription!.AssociationName, 'keep-web', 'members not given keep their values');
    await eventually('v2 applied', async () => ['web1', 'web2', 'web3', 'late'].every((n) => runsOf(n).at(-1) === 'v2'), 30_000);
    const versions = (await ssm.send(new ListAssociationVersionsCommand({ AssociationId: associationId }))).AssociationVersions!;
    assert.deepEqual(versions.map((v) => [v.AssociationVersion, v.Parameters?.commands?.[0]]), [['1', script('v1').commands[0]], ['2', script('v2').commands[0]]]);
    const v1 = await ssm.send(new DescribeAssociationCommand({ AssociationId: associationId, AssociationVersion: '1' }));
    assert.deepEqual(v1.AssociationDescription!.Parameters, script('v1'));
    const error = await rejection(ssm.send(new UpdateAssociationCommand({ AssociationId: associationId, AssociationVersion: '1', Parameters: script('v3') })));
    assert.equal(error.name, 'InvalidAssociationVersion');
  });

  test('ListAssociations filters by name, association name, id, instance and status', async () => {
    const other = await ssm.send(new CreateAssociationCommand({ Name: 'AWS-RunShellScript', AssociationName: 'db-only', Targets: [{ Key: 'InstanceIds', Values: [web1] }], Parameters: script('db') }));
    const otherId = other.AssociationDescription!.AssociationId!;
    const list = async (key: string, value: string) => (await ssm.send(new ListAssociationsCommand({ AssociationFilterList: [{ key: key as never, value }] }))).Associations!.map((a) => a.AssociationId);
    assert.deepEqual(await list('AssociationName', 'keep-web'), [associationId]);
    assert.deepEqual(await list('AssociationId', otherId), [otherId]);
    assert.deepEqual(await list('InstanceId', web1), [otherId]);
    assert.deepEqual((await list('Name', 'AWS-RunShellScript')).sort(), [associationId, otherId].sort());
    await settled(otherId);
    assert.ok((await list('AssociationStatusName', 'Success')).includes(otherId));
    assert.deepEqual(await list('LastExecutedBefore', '2000-01-01T00:00:00Z'), []);
    const page1 = await ssm.send(new ListAssociationsCommand({ MaxResults: 1 }));
    assert.equal(page1.Associations!.length, 1);
    const page2 = await ssm.send(new ListAssociationsCommand({ MaxResults: 1, NextToken: page1.NextToken }));
    assert.notEqual(page2.Associations![0].AssociationId, page1.Associations![0].AssociationId);
    const error = await rejection(ssm.send(new ListAssociationsCommand({ AssociationFilterList: [{ key: 'ResourceGroupName', value: 'g' }] })));
    assert.equal(error.name, 'ValidationException');

    await ssm.send(new DeleteAssociationCommand({ AssociationId: otherId }));
    assert.equal((await rejection(ssm.send(new DescribeAssociationCommand({ AssociationId: otherId })))).name, 'AssociationDoesNotExist');
    assert.deepEqual(await list('AssociationId', otherId), []);
  });
});

describe('a rate schedule', () => {
  test('runs again once the rate has passed, once however late', async () => {
    await agent('rated', { Role: 'rated' });
    const created = await ssm.send(new CreateAssociationCommand({
      Name: 'AWS-RunShellScript', Targets: [{ Key: 'tag:Role', Values: ['rated'] }], ScheduleExpression: 'rate(30 minutes)', Parameters: script('tick'),
    }));
    await settled(created.AssociationDescription!.AssociationId!);
    assert.equal(runsOf('rated').length, 1);
    // Three intervals later (the server's clock): one run, not three.
    target.clock.offsetMs = 95 * 60_000;
    try {
      await eventually('the scheduled run', async () => runsOf('rated').length === 2, 30_000);
    } finally {
      target.clock.offsetMs = 0;
    }
    const done = await settled(created.AssociationDescription!.AssociationId!);
    const executions = (await ssm.send(new DescribeAssociationExecutionsCommand({ AssociationId: done.AssociationId }))).AssociationExecutions!;
    assert.equal(executions.length, 2);
    assert.equal(runsOf('rated').length, 2);
  });
});

describe('bad input is refused and nothing is created', () => {
  const base = { Name: 'AWS-RunShellScript', Targets: [{ Key: 'tag:Role', Values: ['x'] }], Parameters: { commands: ['true'] } };
  const cases: [string, Record<string, unknown>, string, RegExp?][] = [
    ['a rate under 30 minutes', { ScheduleExpression: 'rate(10 minutes)' }, 'InvalidSchedule', /at most every 30 minutes/],
    ['a cron with both day fields', { ScheduleExpression: 'cron(0 10 * * * *)' }, 'InvalidSchedule'],
    ['ApplyOnlyAtCronInterval with a rate', { ScheduleExpression: 'rate(1 day)', ApplyOnlyAtCronInterval: true }, 'InvalidSchedule'],
    ['an unknown document', { Name: 'NoSuchDocument' }, 'InvalidDocument'],
    ['an unknown document version', { DocumentVersion: '99' }, 'InvalidDocumentVersion'],
    ['parameters the document does not declare', { Parameters: { nope: ['1'] } }, 'InvalidParameters'],
    ['resource groups', { Targets: [{ Key: 'resource-groups:Name', Values: ['g'] }] }, 'ValidationException', /Resource Groups/],
    ['more than 5 targets', { Targets: Array.from({ length: 6 }, (_, i) => ({ Key: `tag:K${i}`, Values: ['v'] })) }, 'ValidationException'],
    ['an unknown target key', { Targets: [{ Key: 'name', Values: ['x'] }] }, 'InvalidTarget'],
    ['an InstanceId that is not a node', { Targets: undefined, InstanceId: 'mi-0123456789abcdef0' }, 'InvalidInstanceId'],
  ];
  for (const [what, change, code, message] of cases) {
    test(`${what}: ${code}`, async () => {
      const before = (await ssm.send(new ListAssociationsCommand({}))).Associations!.length;
      const error = await rejection(ssm.send(new CreateAssociationCommand({ ...base, ...change } as never)));
      assert.equal(error.name, code, error.message);
      if (message) assert.match(error.message, message);
      assert.equal((await ssm.send(new ListAssociationsCommand({}))).Associations!.length, before);
    });
  }

  test('CreateAssociationBatch reports each failed entry and creates the good ones', async () => {
    const out = await ssm.send(new CreateAssociationBatchCommand({ Entries: [{ ...base, AssociationName: 'batch-ok' }, { ...base, ScheduleExpression: 'rate(1 minutes)' }] }));
    assert.equal(out.Successful!.length, 1);
    assert.equal(out.Failed!.length, 1);
    assert.equal(out.Failed![0].Fault, 'Client');
    assert.match(out.Failed![0].Message!, /Schedule expression rate\(1 minutes\) is not valid/);
  });

  test('unknown associations and executions', async () => {
    const id = '11111111-2222-4333-8444-555555555555';
    assert.equal((await rejection(ssm.send(new StartAssociationsOnceCommand({ AssociationIds: [id] })))).name, 'AssociationDoesNotExist');
    assert.equal((await rejection(ssm.send(new DeleteAssociationCommand({ AssociationId: id })))).name, 'AssociationDoesNotExist');
    assert.equal((await rejection(ssm.send(new UpdateAssociationCommand({ AssociationId: id })))).name, 'AssociationDoesNotExist');
    const any = (await ssm.send(new ListAssociationsCommand({}))).Associations![0].AssociationId!;
    assert.equal((await rejection(ssm.send(new DescribeAssociationExecutionTargetsCommand({ AssociationId: any, ExecutionId: id })))).name, 'AssociationExecutionDoesNotExist');
  });
});

describe('bootstrap on launch, and the bosun CLI', () => {
  let bootId: string;

  test('a fresh agent started with --tags gets the association of its tag with no other call', async () => {
    const created = await ssm.send(new CreateAssociationCommand({
      Name: 'AWS-RunShellScript', AssociationName: 'boot-web', Targets: [{ Key: 'tag:Role', Values: ['boot'] }], Parameters: script('booted'),
    }));
    bootId = created.AssociationDescription!.AssociationId!;
    // The activation carries no tag: the node's tag comes from its own registration.
    const activation = await createActivation(ssm);
    const dir = stateDir();
    dirs.push(dir);
    const a = await spawnAgent(['--endpoint', target.url, '--code', activation.code, '--id', activation.id, '--state-dir', path.join(dir, 'state'), '--tags', 'Role=boot'], { NODE_NAME: 'boot1' });
    const [, instanceId] = await a.waitFor(/online as (mi-[0-9a-f]+)/);
    await eventually('the boot association applied on the new node', async () => runsOf('boot1').length === 1, 30_000);
    const status = await eventually('its node status Success', async () => {
      const list = (await ssm.send(new DescribeInstanceAssociationsStatusCommand({ InstanceId: instanceId }))).InstanceAssociationStatusInfos ?? [];
      return list.find((s) => s.AssociationId === bootId && s.Status === 'Success');
    });
    assert.equal(status.AssociationId, bootId);
  });

  test('bosun assoc ls, show and run', async () => {
    const env = bosunEnv({ BOSUN_ENDPOINT: target.url, AWS_ACCESS_KEY_ID: target.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: target.admin.secretAccessKey, AWS_REGION: 'us-east-1' });
    const ls = await runBosun(['assoc', 'ls'], { env });
    assert.equal(ls.code, 0, ls.stderr);
    const header = ls.stdout.split('\n')[0];
    assert.match(header, /^ASSOCIATION ID +NAME +DOCUMENT +VERSION +TARGETS +SCHEDULE +STATUS +LAST RUN$/);
    const line = ls.stdout.split('\n').find((l) => l.startsWith(bootId));
    assert.ok(line, ls.stdout);
    // Aligned: the NAME column starts where its header does.
    assert.equal(line!.indexOf('boot-web'), header.indexOf('NAME'));
    assert.match(line!, /tag:Role=boot/);

    const show = await runBosun(['assoc', 'show', bootId], { env });
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /^Association +.*boot-web/m);
    assert.match(show.stdout, /^Status +Success/m);
    assert.match(show.stdout, /^mi-[0-9a-f]+ +Success/m);

    const json = await runBosun(['assoc', 'show', bootId, '--json'], { env });
    assert.equal(JSON.parse(json.stdout).association.AssociationId, bootId);

    const runs = runsOf('boot1').length;
    const again = await runBosun(['assoc', 'run', bootId], { env });
    assert.equal(again.code, 0, again.stderr);
    await eventually('bosun assoc run applied it again', async () => runsOf('boot1').length === runs + 1, 30_000);

    const unknown = await runBosun(['assoc', 'show', '11111111-2222-4333-8444-555555555555'], { env });
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /AssociationDoesNotExist|does not exist/);
  });
});
