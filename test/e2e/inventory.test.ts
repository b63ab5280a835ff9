/**
 * Inventory (issue 14) against a real server with real agent processes: an association of
 * AWS-GatherSoftwareInventory gathers this machine's real inventory (dpkg packages, network
 * interfaces, CPU, files of a temporary directory, Custom types from the agent's custom
 * inventory directory) and puts it with PutInventory; GetInventory, ListInventoryEntries and
 * GetInventorySchema answer it through @aws-sdk/client-ssm; a second run sends the unchanged
 * types by their content hash only; the history routes answer what was there at a time, what
 * changed, and which nodes had a package below a version; AWS's errors for bad input, with
 * nothing stored; DeleteInventory and DescribeInventoryDeletions.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CreateAssociationCommand, DeleteInventoryCommand, DescribeAssociationCommand, DescribeAssociationExecutionTargetsCommand, DescribeAssociationExecutionsCommand,
  DescribeInventoryDeletionsCommand, GetCommandInvocationCommand, GetInventoryCommand, GetInventorySchemaCommand, ListInventoryEntriesCommand, PutInventoryCommand,
  SSMClient, StartAssociationsOnceCommand, type AssociationDescription,
} from '@aws-sdk/client-ssm';
import { signedGet } from './commands-support.ts';
import { createActivation, eventually, killAgents, nodeCredentials, registerTestNode, spawnAgent, startNodesServer, stateDir, type NodesServer } from './nodes-support.ts';
import { bosunEnv, failureOf, runBosun, ssmClient } from './support.ts';

let target: NodesServer;
let ssm: SSMClient;
let node: string;
let associationId: string;
let customDir: string;
let filesDir: string;
const dirs: string[] = [];
const NOW_CAPTURE = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The packages dpkg says are installed here: what AWS:Application must hold. */
function installedPackages(): string[] {
  const out = execFileSync('dpkg-query', ['-W', '-f', '${Package}\t${db:Status-Abbrev}\n'], { encoding: 'utf8' });
  return [...new Set(out.split('\n').filter((l) => /\ti/.test(l)).map((l) => l.split('\t')[0]))].sort();
}

async function described(id: string): Promise<AssociationDescription> {
  return (await ssm.send(new DescribeAssociationCommand({ AssociationId: id }))).AssociationDescription!;
}

/** The output of the association's latest run on the node. */
async function latestRunOutput(): Promise<{ stdout: string; stderr: string; status: string }> {
  const executions = (await ssm.send(new DescribeAssociationExecutionsCommand({ AssociationId: associationId }))).AssociationExecutions!;
  const latest = executions[0];
  const targets = (await ssm.send(new DescribeAssociationExecutionTargetsCommand({ AssociationId: associationId, ExecutionId: latest.ExecutionId }))).AssociationExecutionTargets!;
  const inv = await ssm.send(new GetCommandInvocationCommand({ CommandId: targets[0].OutputSource!.OutputSourceId, InstanceId: node }));
  return { stdout: inv.StandardOutputContent ?? '', stderr: inv.StandardErrorContent ?? '', status: inv.Status ?? '' };
}

async function runs(): Promise<number> {
  return ((await ssm.send(new DescribeAssociationExecutionsCommand({ AssociationId: associationId }))).AssociationExecutions ?? []).filter((e) => e.Status === 'Success').length;
}

const history = async (pathAndQuery: string) => {
  const res = await signedGet(`${target.url}/bosun/v1/inventory${pathAndQuery}`, target.admin);
  assert.equal(res.status, 200, res.text);
  return JSON.parse(res.text);
};

before(async () => {
  target = await startNodesServer({ commands: { tickMs: 100 } });
  ssm = ssmClient(target, target.admin);
  const base = stateDir();
  dirs.push(base);
  customDir = path.join(base, 'custom');
  filesDir = path.join(base, 'files');
  fs.mkdirSync(customDir, { recursive: true });
  fs.mkdirSync(path.join(filesDir, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(filesDir, 'app.conf'), 'port=80\n');
  fs.writeFileSync(path.join(filesDir, 'notes.txt'), 'not matched\n');
  fs.writeFileSync(path.join(filesDir, 'sub', 'db.conf'), 'size=1\n');
  fs.writeFileSync(path.join(customDir, 'rack.json'), JSON.stringify({ SchemaVersion: '1.0', TypeName: 'Custom:RackInfo', Content: { Rack: 'R1', Row: '4' } }));
  const activation = await createActivation(ssm, { tags: [{ Key: 'Role', Value: 'inventory' }] });
  const agent = await spawnAgent(['--endpoint', target.url, '--code', activation.code, '--id', activation.id, '--state-dir', path.join(base, 'state')], { BOSUN_AGENT_CUSTOM_INVENTORY_DIR: customDir });
  node = (await agent.waitFor(/online as (mi-[0-9a-f]+)/))[1];
});
after(async () => {
  killAgents();
  ssm?.destroy();
  await target?.destroy();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

let firstRunDone: number;
const firstRunAt = () => firstRunDone;

describe('AWS-GatherSoftwareInventory through an association on a real agent', () => {

  test("gathers this machine's packages, network, CPU, files and Custom types and puts them", async () => {
    const created = await ssm.send(new CreateAssociationCommand({
      Name: 'AWS-GatherSoftwareInventory', AssociationName: 'inventory', Targets: [{ Key: 'tag:Role', Values: ['inventory'] }], ScheduleExpression: 'rate(30 minutes)',
      Parameters: { files: [JSON.stringify([{ Path: filesDir, Pattern: ['*.conf'], Recursive: true }])], services: ['Enabled'] },
    }));
    associationId = created.AssociationDescription!.AssociationId!;
    await eventually('the inventory association to succeed', async () => (await described(associationId)).Overview?.Status === 'Success', 60_000);
    firstRunDone = Date.now();

    const apps = await ssm.send(new ListInventoryEntriesCommand({ InstanceId: node, TypeName: 'AWS:Application', MaxResults: 50 }));
    assert.equal(apps.SchemaVersion, '1.1');
    assert.match(apps.CaptureTime!, /^20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await ssm.send(new ListInventoryEntriesCommand({ InstanceId: node, TypeName: 'AWS:Application', MaxResults: 50, NextToken: token }));
      names.push(...page.Entries!.map((e) => e.Name!));
      token = page.NextToken;
    } while (token);
    assert.deepEqual([...new Set(names)].sort(), installedPackages());
    const bash = (await ssm.send(new ListInventoryEntriesCommand({ InstanceId: node, TypeName: 'AWS:Application', Filters: [{ Key: 'Name', Values: ['bash'], Type: 'Equal' }] }))).Entries!;
    const dpkgVersion = execFileSync('dpkg-query', ['-W', '-f', '${Version}', 'bash'], { encoding: 'utf8' });
    assert.deepEqual(bash.map((e) => [e.Name, e.Version]), [['bash', dpkgVersion]]);

    const files = (await ssm.send(new ListInventoryEntriesCommand({ InstanceId: node, TypeName: 'AWS:File' }))).Entries!;
    assert.deepEqual(files.map((f) => [f.Name, f.InstalledDir, f.Size]).sort(), [['app.conf', filesDir, '8'], ['db.conf', path.join(filesDir, 'sub'), '7']]);

    const network = (await ssm.send(new ListInventoryEntriesCommand({ InstanceId: node, TypeName: 'AWS:Network' }))).Entries!;
    const ipv4 = Object.values(os.networkInterfaces()).flat().filter((a) => a && !a.internal && a.family === 'IPv4').map((a) => a!.address);
    for (const address of ipv4) assert.ok(network.some((n) => n.IPV4?.split(',').includes(address)), `${address} in AWS:Network`);

    const detailed = (await ssm.send(new ListInventoryEntriesCommand({ InstanceId: node, TypeName: 'AWS:InstanceDetailedInformation' }))).Entries!;
    assert.equal(detailed.length, 1);
    assert.equal(detailed[0].KernelVersion, os.release());
    assert.equal(detailed[0].CPUs, String(os.cpus().length));

    const info = (await ssm.send(new ListInventoryEntriesCommand({ InstanceId: node, TypeName: 'AWS:InstanceInformation' }))).Entries!;
    assert.deepEqual([info[0].InstanceId, info[0].ComputerName, info[0].PlatformType], [node, os.hostname(), 'Linux']);

    const rack = await ssm.send(new ListInventoryEntriesCommand({ InstanceId: node, TypeName: 'Custom:RackInfo' }));
    assert.deepEqual(rack.Entries, [{ Rack: 'R1', Row: '4' }]);
    // AWS:Tag: the tags the node was registered with, read by the node from the server.
    assert.deepEqual((await ssm.send(new ListInventoryEntriesCommand({ InstanceId: node, TypeName: 'AWS:Tag' }))).Entries, [{ Key: 'Role', Value: 'inventory' }]);
    // No systemd in this container, no Windows: empty types, not errors.
    for (const type of ['AWS:WindowsUpdate', 'AWS:WindowsRole']) {
      assert.deepEqual((await ssm.send(new ListInventoryEntriesCommand({ InstanceId: node, TypeName: type }))).Entries, []);
    }
  });

  test('GetInventory finds the node by an application name and returns only the matching entries', async () => {
    const out = await ssm.send(new GetInventoryCommand({
      Filters: [{ Key: 'AWS:Application.Name', Values: ['bash'], Type: 'Equal' }], ResultAttributes: [{ TypeName: 'AWS:Application' }],
    }));
    assert.deepEqual(out.Entities!.map((e) => e.Id), [node]);
    assert.deepEqual(out.Entities![0].Data!['AWS:Application'].Content!.map((c) => c.Name), ['bash']);
    const none = await ssm.send(new GetInventoryCommand({ Filters: [{ Key: 'AWS:Application.Name', Values: ['no-such-package-here'] }] }));
    assert.deepEqual(none.Entities, []);
    const byPrefix = await ssm.send(new GetInventoryCommand({ Filters: [{ Key: 'AWS:Application.Name', Values: ['ba'], Type: 'BeginWith' }, { Key: 'AWS:InstanceInformation.PlatformType', Values: ['Linux'] }] }));
    assert.deepEqual(byPrefix.Entities!.map((e) => [e.Id, e.Data!['AWS:InstanceInformation'].Content![0].InstanceId]), [[node, node]]);
    const schema = await ssm.send(new GetInventorySchemaCommand({ TypeName: 'Custom:RackInfo' }));
    assert.deepEqual(schema.Schemas, [{ TypeName: 'Custom:RackInfo', Version: '1.0', DisplayName: 'RackInfo', Attributes: [{ Name: 'Rack', DataType: 'string' }, { Name: 'Row', DataType: 'string' }] }]);
    const counted = await ssm.send(new GetInventoryCommand({ Aggregators: [{ Expression: 'AWS:InstanceInformation.PlatformType' }] }));
    assert.deepEqual(counted.Entities![0].Data!['AWS:InstanceInformation'].Content, [{ PlatformType: 'Linux', Count: '1' }]);
  });

  test('a second run sends the unchanged types by their content hash only, and the changed Custom type whole', async () => {
    const before = await runs();
    fs.writeFileSync(path.join(customDir, 'rack.json'), JSON.stringify({ SchemaVersion: '1.0', TypeName: 'Custom:RackInfo', Content: { Rack: 'R2', Row: '4' } }));
    await ssm.send(new StartAssociationsOnceCommand({ AssociationIds: [associationId] }));
    await eventually('the second run', async () => (await runs()) > before, 60_000);
    const output = await latestRunOutput();
    assert.equal(output.status, 'Success', output.stderr);
    assert.match(output.stdout, /AWS:Application: \d+ entries, unchanged \(content hash only\)/);
    assert.match(output.stdout, /Custom:RackInfo: 1 entry, sent/);
    assert.deepEqual((await ssm.send(new ListInventoryEntriesCommand({ InstanceId: node, TypeName: 'Custom:RackInfo' }))).Entries, [{ Rack: 'R2', Row: '4' }]);
  });

  test('the history answers the inventory at the first run, what changed since, and who had a package below a version', async () => {
    const at = await history(`/nodes/${node}?at=${firstRunDone}&type=Custom:RackInfo`);
    assert.deepEqual(at.types.map((t: any) => [t.typeName, t.entries]), [['Custom:RackInfo', [{ Rack: 'R1', Row: '4' }]]]);
    const diff = await history(`/nodes/${node}/diff?from=${firstRunDone}`);
    assert.deepEqual(diff.changes, [{ typeName: 'Custom:RackInfo', change: 'changed', before: { Rack: 'R1', Row: '4' }, after: { Rack: 'R2', Row: '4' } }]);
    const beforeAll = await history(`/nodes/${node}?at=${firstRunDone - 3_600_000}`);
    assert.deepEqual(beforeAll.types, []);
    const version = execFileSync('dpkg-query', ['-W', '-f', '${Version}', 'bash'], { encoding: 'utf8' });
    const below = await history(`/fleet/entries?name=bash&below=${encodeURIComponent(`${version}.1`)}&at=${Date.now()}`);
    assert.deepEqual(below.nodes.map((n: any) => [n.instanceId, n.entry.Version]), [[node, version]]);
    const notBelow = await history(`/fleet/entries?name=bash&below=${encodeURIComponent(version)}`);
    assert.deepEqual(notBelow.nodes, []);
  });
});

describe('bosun inventory', () => {
  const env = () => bosunEnv({ BOSUN_ENDPOINT: target.url, AWS_ACCESS_KEY_ID: target.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: target.admin.secretAccessKey, AWS_REGION: 'us-east-1' });

  test('ls, show, at, diff and find print aligned tables, and --json the routes\' JSON', async () => {
    const ls = await runBosun(['inventory', 'ls'], { env: env() });
    assert.equal(ls.code, 0, ls.stderr);
    const header = ls.stdout.split('\n')[0];
    assert.match(header, /^NODE +TYPES +ENTRIES +UPDATED$/);
    const line = ls.stdout.split('\n').find((l) => l.startsWith(node))!;
    assert.ok(line, ls.stdout);
    assert.equal(line.indexOf(line.split(/ +/)[1]), header.indexOf('TYPES'));

    const show = await runBosun(['inventory', 'show', node, '--type', 'AWS:Application'], { env: env() });
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /^NAME +VERSION +ARCHITECTURE +PUBLISHER$/m);
    assert.match(show.stdout, /^bash +\S+ +\S+ +/m);

    const at = await runBosun(['inventory', 'at', new Date(firstRunAt()).toISOString(), '--node', node, '--type', 'Custom:RackInfo', '--json'], { env: env() });
    assert.equal(at.code, 0, at.stderr);
    assert.deepEqual(JSON.parse(at.stdout).types[0].entries, [{ Rack: 'R1', Row: '4' }]);

    const diff = await runBosun(['inventory', 'diff', '--node', node, '--from', String(firstRunAt())], { env: env() });
    assert.equal(diff.code, 0, diff.stderr);
    assert.match(diff.stdout, /^TYPE +CHANGE +NAME +BEFORE +AFTER$/m);
    assert.match(diff.stdout, /^Custom:RackInfo +changed +Rack=R1 +Rack=R2$/m);

    const find = await runBosun(['inventory', 'find', '--name', 'bash'], { env: env() });
    assert.equal(find.code, 0, find.stderr);
    assert.match(find.stdout, new RegExp(`^${node} +\\S+`, 'm'));

    const unknown = await runBosun(['inventory', 'at', 'yesterday', '--node', node], { env: env() });
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /isn't a time/);
  });
});

describe('PutInventory from API callers and nodes', () => {
  let other: Awaited<ReturnType<typeof registerTestNode>>;
  before(async () => {
    other = await registerTestNode(target.url, await createActivation(ssm));
  });
  const put = (items: any[], instanceId = other.instanceId, client = ssm) => client.send(new PutInventoryCommand({ InstanceId: instanceId, Items: items }));
  const item = (TypeName: string, Content: Record<string, string>[], more: object = {}) => ({ TypeName, SchemaVersion: '1.0', CaptureTime: NOW_CAPTURE(), Content, ...more });
  const entries = async (TypeName: string) => (await ssm.send(new ListInventoryEntriesCommand({ InstanceId: other.instanceId, TypeName }))).Entries;

  test('an API caller puts a Custom type, and a later put replaces its content', async () => {
    await put([item('Custom:Owner', [{ Team: 'db', Pager: 'p1' }])]);
    await put([item('Custom:Owner', [{ Team: 'web' }])]);
    assert.deepEqual(await entries('Custom:Owner'), [{ Team: 'web' }]);
  });

  test("bad items are refused with AWS's errors and nothing of the request is stored", async () => {
    const good = item('Custom:Good', [{ A: '1' }]);
    const cases: [any[], string][] = [
      [[good, item('Custom:Big', [{ Blob: 'x'.repeat(4096) }].concat(Array.from({ length: 60 }, () => ({ Blob: 'y'.repeat(4000) }))))], 'ItemSizeLimitExceededException'],
      [[good, item('Custom:Wide', [Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`a${i}`, 'v'])), Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`b${i}`, 'v']))])], 'InvalidItemContentException'],
      [[good, item('AWS:NotAType', [])], 'InvalidTypeNameException'],
      [[good, { ...item('AWS:Application', [{ Name: 'x' }]), SchemaVersion: '9.0' }], 'UnsupportedInventorySchemaVersionException'],
      [[good, item('Custom:Owner', [{ Team: 'web', Building: '7' }])], 'InvalidItemContentException'],
      [[good, { ...item('Custom:Owner', [{ Team: 'x' }]), SchemaVersion: '0.9' }], 'UnsupportedInventorySchemaVersionException'],
      [[good, { TypeName: 'Custom:Owner', SchemaVersion: '1.0', CaptureTime: NOW_CAPTURE(), ContentHash: 'not-the-stored-one' }], 'ItemContentMismatchException'],
    ];
    for (const [items, code] of cases) assert.equal((await failureOf(put(items))).name, code, JSON.stringify(items).slice(0, 120));
    // Custom:Good never came to be: no schema, no entries.
    assert.equal((await failureOf(entries('Custom:Good'))).name, 'InvalidTypeNameException');
    assert.deepEqual(await entries('Custom:Owner'), [{ Team: 'web' }]);
    // A new schema version may change the attributes.
    await put([{ ...item('Custom:Owner', [{ Team: 'web', Building: '7' }]), SchemaVersion: '2.0' }]);
    assert.deepEqual(await entries('Custom:Owner'), [{ Building: '7', Team: 'web' }]);
  });

  test("a node's session puts its own inventory, and not another node's", async () => {
    const creds = (await nodeCredentials(target.url, other)).body;
    const asNode = new SSMClient({ endpoint: target.url, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, sessionToken: creds.sessionToken } });
    try {
      await put([item('Custom:Self', [{ K: 'v' }])], other.instanceId, asNode);
      assert.deepEqual(await entries('Custom:Self'), [{ K: 'v' }]);
      assert.equal((await failureOf(put([item('Custom:Self', [{ K: 'v' }])], node, asNode))).name, 'AccessDeniedException');
    } finally {
      asNode.destroy();
    }
  });

  test('a put to a node that is not registered is InvalidInstanceId', async () => {
    assert.equal((await failureOf(put([item('Custom:Owner', [{ Team: 'x' }])], 'mi-0123456789abcdef0'))).name, 'InvalidInstanceId');
  });

  test('DeleteInventory deletes a Custom type (a dry run first), and DescribeInventoryDeletions tells what it removed', async () => {
    const dry = await ssm.send(new DeleteInventoryCommand({ TypeName: 'Custom:Owner', DryRun: true }));
    assert.deepEqual(dry.DeletionSummary, { TotalCount: 1, RemainingCount: 1, SummaryItems: [{ Version: '2.0', Count: 1, RemainingCount: 1 }] });
    assert.deepEqual(await entries('Custom:Owner'), [{ Building: '7', Team: 'web' }]);
    const deleted = await ssm.send(new DeleteInventoryCommand({ TypeName: 'Custom:Owner', SchemaDeleteOption: 'DeleteSchema' }));
    assert.ok(deleted.DeletionId);
    // Data and schema gone: the type is unknown again.
    assert.equal((await failureOf(entries('Custom:Owner'))).name, 'InvalidTypeNameException');
    assert.equal((await failureOf(ssm.send(new GetInventorySchemaCommand({ TypeName: 'Custom:Owner' })))).name, 'InvalidTypeNameException');
    const listed = (await ssm.send(new DescribeInventoryDeletionsCommand({ DeletionId: deleted.DeletionId }))).InventoryDeletions!;
    assert.deepEqual(listed.map((d) => [d.TypeName, d.LastStatus, d.DeletionSummary?.TotalCount, d.DeletionSummary?.RemainingCount]), [['Custom:Owner', 'Complete', 1, 0]]);
    assert.equal((await failureOf(ssm.send(new DeleteInventoryCommand({ TypeName: 'AWS:Application' })))).name, 'InvalidTypeNameException');
    assert.equal((await failureOf(ssm.send(new DescribeInventoryDeletionsCommand({ DeletionId: '6b1f4f4e-0000-4000-8000-000000000000' })))).name, 'InvalidDeletionIdException');
  });
});
