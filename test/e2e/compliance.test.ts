/**
 * Compliance (issue 13) through @aws-sdk/client-ssm against a real server: Custom:* items put
 * COMPLETE then PARTIAL, listed with filters and pages, summarised per type and per resource
 * with their severities counted; AWS's errors for an unknown node, the custom-type limit and
 * bad input; a managed node putting its own items with its role session credentials; the
 * Association items the association engine writes; and items kept per region.
 * One server (SQLite) serves the whole file; its nodes are registered by the test itself.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ListComplianceItemsCommand, ListComplianceSummariesCommand, ListResourceComplianceSummariesCommand, PutComplianceItemsCommand, SSMClient,
  paginateListComplianceItems, type ComplianceItem, type ComplianceItemEntry, type PutComplianceItemsCommandInput,
} from '@aws-sdk/client-ssm';
import { recordAssociationCompliance } from '../../packages/server/src/compliance/association-compliance.ts';
import { createActivation, nodeCredentials, registerTestNode } from './nodes-support.ts';
import { auditRecordOf, failureOf, rejection, ssmClient, startTestServer, type TestServer } from './support.ts';

const WEST = 'eu-west-1';
const EXECUTED = new Date('2026-03-01T10:00:00Z');

let t: TestServer;
let ssm: SSMClient;
let ssmWest: SSMClient;
let web: string;
let db: string;
let westNode: Awaited<ReturnType<typeof registerTestNode>>;

const put = (input: Partial<PutComplianceItemsCommandInput> & { ResourceId: string; Items: ComplianceItemEntry[] }, client = ssm) =>
  client.send(new PutComplianceItemsCommand({
    ResourceType: 'ManagedInstance', ComplianceType: 'Custom:Packages', ExecutionSummary: { ExecutionTime: EXECUTED, ExecutionId: 'run-1', ExecutionType: 'Command' }, ...input,
  }));
const ids = (items: ComplianceItem[] | undefined) => (items ?? []).map((i) => i.Id);

before(async () => {
  t = await startTestServer();
  ssm = ssmClient(t, t.admin);
  ssmWest = ssmClient(t, t.admin, { region: WEST });
  web = (await registerTestNode(t.url, await createActivation(ssm, { tags: [{ Key: 'Role', Value: 'web' }] }))).instanceId;
  db = (await registerTestNode(t.url, await createActivation(ssm))).instanceId;
  westNode = await registerTestNode(t.url, await createActivation(ssmWest));
});
after(async () => {
  ssm?.destroy();
  ssmWest?.destroy();
  await t?.destroy();
});

describe('PutComplianceItems and ListComplianceItems', () => {
  test('a Custom type put COMPLETE, then PARTIAL: the PARTIAL replaces its items and keeps the others', async () => {
    await put({ ResourceId: web, Items: [
      { Id: 'nginx', Title: 'nginx is installed', Status: 'COMPLIANT', Severity: 'HIGH', Details: { Version: '1.24.0' } },
      { Id: 'curl', Status: 'COMPLIANT', Severity: 'LOW' },
      { Id: 'telnet', Title: 'telnet is absent', Status: 'NON_COMPLIANT', Severity: 'CRITICAL' },
    ] });
    await put({ ResourceId: web, UploadType: 'PARTIAL', ExecutionSummary: { ExecutionTime: new Date(EXECUTED.getTime() + 60_000), ExecutionId: 'run-2' }, Items: [
      { Id: 'curl', Status: 'NON_COMPLIANT', Severity: 'MEDIUM' },
      { Id: 'jq', Status: 'COMPLIANT', Severity: 'INFORMATIONAL' },
    ] });
    const out = await ssm.send(new ListComplianceItemsCommand({ ResourceIds: [web], ResourceTypes: ['ManagedInstance'] }));
    assert.deepEqual(out.ComplianceItems!.map((i) => [i.Id, i.Status, i.Severity, i.ExecutionSummary?.ExecutionId]), [
      ['curl', 'NON_COMPLIANT', 'MEDIUM', 'run-2'],
      ['jq', 'COMPLIANT', 'INFORMATIONAL', 'run-2'],
      ['nginx', 'COMPLIANT', 'HIGH', 'run-1'],
      ['telnet', 'NON_COMPLIANT', 'CRITICAL', 'run-1'],
    ]);
    const nginx = out.ComplianceItems!.find((i) => i.Id === 'nginx')!;
    assert.deepEqual(nginx, {
      ComplianceType: 'Custom:Packages', ResourceType: 'ManagedInstance', ResourceId: web, Id: 'nginx', Title: 'nginx is installed', Status: 'COMPLIANT', Severity: 'HIGH',
      ExecutionSummary: { ExecutionTime: EXECUTED, ExecutionId: 'run-1', ExecutionType: 'Command' }, Details: { Version: '1.24.0' },
    });
    // A COMPLETE put replaces them all.
    await put({ ResourceId: db, Items: [{ Id: 'old', Status: 'COMPLIANT', Severity: 'LOW' }] });
    await put({ ResourceId: db, Items: [{ Id: 'postgres', Status: 'COMPLIANT', Severity: 'HIGH' }] });
    assert.deepEqual(ids((await ssm.send(new ListComplianceItemsCommand({ ResourceIds: [db] }))).ComplianceItems), ['postgres']);
  });

  test('filters select items by status, severity, type, id prefix and execution time', async () => {
    const list = async (Filters: { Key: string; Values: string[]; Type?: 'EQUAL' | 'NOT_EQUAL' | 'BEGIN_WITH' | 'LESS_THAN' | 'GREATER_THAN' }[]) =>
      ids((await ssm.send(new ListComplianceItemsCommand({ ResourceIds: [web], Filters }))).ComplianceItems);
    assert.deepEqual(await list([{ Key: 'Status', Values: ['NON_COMPLIANT'], Type: 'EQUAL' }]), ['curl', 'telnet']);
    assert.deepEqual(await list([{ Key: 'Severity', Values: ['CRITICAL', 'HIGH'] }]), ['nginx', 'telnet']);
    assert.deepEqual(await list([{ Key: 'Severity', Values: ['MEDIUM'], Type: 'LESS_THAN' }]), ['jq']);
    assert.deepEqual(await list([{ Key: 'Id', Values: ['t', 'j'], Type: 'BEGIN_WITH' }]), ['jq', 'telnet']);
    assert.deepEqual(await list([{ Key: 'ExecutionTime', Values: ['2026-03-01T10:00:30Z'], Type: 'GREATER_THAN' }]), ['curl', 'jq']);
    assert.deepEqual(await list([{ Key: 'ComplianceType', Values: ['Custom:Packages'], Type: 'NOT_EQUAL' }]), []);
    const bad = await failureOf(ssm.send(new ListComplianceItemsCommand({ Filters: [{ Key: 'Colour', Values: ['blue'] }] })));
    assert.equal(bad.name, 'InvalidFilter');
    assert.match(bad.message, /Colour.*Valid keys/);
  });

  test("the SDK's paginator walks every item, MaxResults at a time", async () => {
    const pages: string[][] = [];
    for await (const page of paginateListComplianceItems({ client: ssm, pageSize: 3 }, { ResourceIds: [web] })) pages.push(ids(page.ComplianceItems) as string[]);
    assert.deepEqual(pages, [['curl', 'jq', 'nginx'], ['telnet']]);
    assert.equal((await failureOf(ssm.send(new ListComplianceItemsCommand({ NextToken: 'not-a-token' })))).name, 'InvalidNextToken');
    const tooMany = await failureOf(ssm.send(new ListComplianceItemsCommand({ MaxResults: 51 })));
    assert.equal(tooMany.name, 'ValidationException');
  });

  test('a put to a node that is not registered is InvalidResourceId; another resource type is InvalidResourceType', async () => {
    const unknown = await rejection(put({ ResourceId: 'mi-0123456789abcdef0', Items: [] }));
    assert.equal(unknown.name, 'InvalidResourceId');
    assert.equal(unknown.$metadata?.httpStatusCode, 400);
    assert.match(unknown.message, /mi-0123456789abcdef0/);
    assert.equal((await failureOf(put({ ResourceId: web, ResourceType: 'Document', Items: [] }))).name, 'InvalidResourceType');
    assert.equal((await failureOf(ssm.send(new ListComplianceItemsCommand({ ResourceIds: ['mi-0123456789abcdef0'] })))).name, 'InvalidResourceId');
  });

  test('bad input gets AWS errors: a type outside the pattern, a duplicated Id', async () => {
    const pattern = await failureOf(put({ ResourceId: web, ComplianceType: 'Custom:has space', Items: [] }));
    assert.equal(pattern.name, 'ValidationException');
    assert.match(pattern.message, /complianceType/i);
    const twice = await failureOf(put({ ResourceId: web, Items: [{ Id: 'a', Status: 'COMPLIANT', Severity: 'LOW' }, { Id: 'a', Status: 'COMPLIANT', Severity: 'LOW' }] }));
    assert.equal(twice.name, 'InvalidItemContentException');
  });

  test('a node takes at most ten Custom types: the eleventh is ComplianceTypeCountLimitExceededException', async () => {
    for (let i = 0; i < 9; i++) await put({ ResourceId: db, ComplianceType: `Custom:Check${i}`, Items: [{ Id: 'x', Status: 'COMPLIANT', Severity: 'LOW' }] });
    // With Custom:Packages, db now has ten.
    const refused = await failureOf(put({ ResourceId: db, ComplianceType: 'Custom:Check9', Items: [{ Id: 'x', Status: 'COMPLIANT', Severity: 'LOW' }] }));
    assert.equal(refused.name, 'ComplianceTypeCountLimitExceededException');
    assert.match(refused.message, /maximum of 10 different types/);
    // A type the node has can still be put, and Patch is not a custom type.
    await put({ ResourceId: db, ComplianceType: 'Custom:Check0', Items: [{ Id: 'y', Status: 'COMPLIANT', Severity: 'LOW' }] });
    await put({ ResourceId: db, ComplianceType: 'Patch', Items: [{ Id: 'KB1', Status: 'COMPLIANT', Severity: 'UNSPECIFIED' }] });
  });

  test("a put is audited naming the node's managed-instance ARN", async () => {
    const out = await put({ ResourceId: web, ComplianceType: 'Custom:Audit', Items: [{ Id: 'a', Status: 'COMPLIANT', Severity: 'LOW' }] });
    const record = await auditRecordOf(t, out.$metadata.requestId);
    assert.equal(record.eventName, 'PutComplianceItems');
    assert.deepEqual(record.resources?.map((r) => r.ARN), [`arn:aws:ssm:us-east-1:${t.admin.accountId}:managed-instance/${web}`]);
  });

  test('a user without a policy allowing ssm:PutComplianceItems on the node is denied', async () => {
    const user = await t.newUser(t.admin.accountId, 'compliance-reader', undefined, { withoutPolicies: true });
    const client = ssmClient(t, user);
    try {
      const denied = await failureOf(put({ ResourceId: web, Items: [] }, client));
      assert.equal(denied.name, 'AccessDeniedException');
      assert.match(denied.message, new RegExp(`ssm:PutComplianceItems on resource: arn:aws:ssm:us-east-1:${t.admin.accountId}:managed-instance/${web}`));
    } finally {
      client.destroy();
    }
  });
});

describe('compliance summaries', () => {
  test('ListResourceComplianceSummaries: per node and type, its status, overall severity and items counted by severity', async () => {
    const out = await ssm.send(new ListResourceComplianceSummariesCommand({ Filters: [{ Key: 'ComplianceType', Values: ['Custom:Packages'] }] }));
    const byNode = new Map(out.ResourceComplianceSummaryItems!.map((s) => [s.ResourceId, s]));
    assert.deepEqual(byNode.get(web), {
      ComplianceType: 'Custom:Packages', ResourceType: 'ManagedInstance', ResourceId: web, Status: 'NON_COMPLIANT', OverallSeverity: 'CRITICAL',
      ExecutionSummary: { ExecutionTime: new Date(EXECUTED.getTime() + 60_000), ExecutionId: 'run-2' },
      CompliantSummary: { CompliantCount: 2, SeveritySummary: { CriticalCount: 0, HighCount: 1, MediumCount: 0, LowCount: 0, InformationalCount: 1, UnspecifiedCount: 0 } },
      NonCompliantSummary: { NonCompliantCount: 2, SeveritySummary: { CriticalCount: 1, HighCount: 0, MediumCount: 1, LowCount: 0, InformationalCount: 0, UnspecifiedCount: 0 } },
    });
    assert.deepEqual([byNode.get(db)?.Status, byNode.get(db)?.OverallSeverity], ['COMPLIANT', 'HIGH']);
    const failing = await ssm.send(new ListResourceComplianceSummariesCommand({ Filters: [{ Key: 'Status', Values: ['NON_COMPLIANT'] }] }));
    assert.deepEqual(failing.ResourceComplianceSummaryItems!.map((s) => [s.ResourceId, s.ComplianceType]), [[web, 'Custom:Packages']]);
  });

  test('ListComplianceSummaries: per type, compliant and non-compliant nodes counted under their severities', async () => {
    const out = await ssm.send(new ListComplianceSummariesCommand({ Filters: [{ Key: 'ComplianceType', Values: ['Custom:Packages', 'Patch'] }] }));
    assert.deepEqual(out.ComplianceSummaryItems, [
      {
        ComplianceType: 'Custom:Packages',
        CompliantSummary: { CompliantCount: 1, SeveritySummary: { CriticalCount: 0, HighCount: 1, MediumCount: 0, LowCount: 0, InformationalCount: 0, UnspecifiedCount: 0 } },
        NonCompliantSummary: { NonCompliantCount: 1, SeveritySummary: { CriticalCount: 1, HighCount: 0, MediumCount: 0, LowCount: 0, InformationalCount: 0, UnspecifiedCount: 0 } },
      },
      {
        ComplianceType: 'Patch',
        CompliantSummary: { CompliantCount: 1, SeveritySummary: { CriticalCount: 0, HighCount: 0, MediumCount: 0, LowCount: 0, InformationalCount: 0, UnspecifiedCount: 1 } },
        NonCompliantSummary: { NonCompliantCount: 0, SeveritySummary: { CriticalCount: 0, HighCount: 0, MediumCount: 0, LowCount: 0, InformationalCount: 0, UnspecifiedCount: 0 } },
      },
    ]);
  });

  test('Association items written by the association engine show in the summaries, one per association per node', async () => {
    const scope = { accountId: t.admin.accountId, region: 'us-east-1' };
    const base = { instanceId: db, documentName: 'AWS-RunShellScript', documentVersion: '1', severity: 'HIGH' };
    await recordAssociationCompliance(t.server.store.db, scope, { ...base, associationId: 'assoc-1', associationName: 'nginx', executionId: 'cmd-1', status: 'COMPLIANT', executionTime: EXECUTED.getTime() });
    await recordAssociationCompliance(t.server.store.db, scope, { ...base, associationId: 'assoc-2', executionId: 'cmd-2', status: 'COMPLIANT', severity: 'LOW', executionTime: EXECUTED.getTime() + 1000 });
    await recordAssociationCompliance(t.server.store.db, scope, { ...base, associationId: 'assoc-1', associationName: 'nginx', executionId: 'cmd-3', status: 'NON_COMPLIANT', executionTime: EXECUTED.getTime() + 2000 });
    const items = await ssm.send(new ListComplianceItemsCommand({ ResourceIds: [db], Filters: [{ Key: 'ComplianceType', Values: ['Association'] }] }));
    assert.deepEqual(items.ComplianceItems!.map((i) => [i.Id, i.Title, i.Status, i.ExecutionSummary?.ExecutionId, i.ExecutionSummary?.ExecutionType, i.Details?.DocumentName]), [
      ['assoc-1', 'nginx', 'NON_COMPLIANT', 'cmd-3', 'Command', 'AWS-RunShellScript'],
      ['assoc-2', 'AWS-RunShellScript', 'COMPLIANT', 'cmd-2', 'Command', 'AWS-RunShellScript'],
    ]);
    const summary = await ssm.send(new ListResourceComplianceSummariesCommand({ Filters: [{ Key: 'ComplianceType', Values: ['Association'] }, { Key: 'ResourceId', Values: [db] }] }));
    assert.deepEqual(summary.ResourceComplianceSummaryItems!.map((s) => [s.Status, s.OverallSeverity, s.CompliantSummary?.CompliantCount, s.NonCompliantSummary?.NonCompliantCount]), [['NON_COMPLIANT', 'HIGH', 1, 1]]);
  });
});

describe('a managed node and its role credentials', () => {
  test('a node puts its own items with its role session credentials, in its region', async () => {
    const res = await nodeCredentials(t.url, westNode);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const creds = res.body;
    const asNode = new SSMClient({ endpoint: t.url, region: WEST, maxAttempts: 1, credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, sessionToken: creds.sessionToken } });
    try {
      await put({ ResourceId: westNode.instanceId, ComplianceType: 'Custom:Agent', Items: [{ Id: 'disk', Title: 'disk below 80%', Status: 'COMPLIANT', Severity: 'MEDIUM' }] }, asNode);
      // AmazonSSMManagedInstanceCore does not let a node read compliance.
      assert.equal((await failureOf(asNode.send(new ListComplianceItemsCommand({ ResourceIds: [westNode.instanceId] })))).name, 'AccessDeniedException');
    } finally {
      asNode.destroy();
    }
    const listed = await ssmWest.send(new ListComplianceItemsCommand({ ResourceIds: [westNode.instanceId] }));
    assert.deepEqual(listed.ComplianceItems!.map((i) => [i.ComplianceType, i.Id, i.Title]), [['Custom:Agent', 'disk', 'disk below 80%']]);
  });

  test("canary: items are kept per region: eu-west-1's are not seen from us-east-1", async () => {
    await put({ ResourceId: westNode.instanceId, ComplianceType: 'Custom:Canary', Items: [{ Id: 'canary-west', Status: 'NON_COMPLIANT', Severity: 'CRITICAL' }] }, ssmWest);
    assert.deepEqual(ids((await ssmWest.send(new ListComplianceItemsCommand({ ResourceIds: [westNode.instanceId], Filters: [{ Key: 'ComplianceType', Values: ['Custom:Canary'] }] }))).ComplianceItems), ['canary-west']);
    // From us-east-1 the node is not one of the region's, and nothing of eu-west-1 is listed or counted.
    assert.equal((await failureOf(ssm.send(new ListComplianceItemsCommand({ ResourceIds: [westNode.instanceId] })))).name, 'InvalidResourceId');
    assert.equal((await failureOf(put({ ResourceId: westNode.instanceId, Items: [] }))).name, 'InvalidResourceId');
    const eastItems = await ssm.send(new ListComplianceItemsCommand({}));
    assert.equal(eastItems.ComplianceItems!.some((i) => i.ResourceId === westNode.instanceId || i.Id === 'canary-west'), false);
    const eastSummaries = await ssm.send(new ListComplianceSummariesCommand({}));
    assert.equal(eastSummaries.ComplianceSummaryItems!.some((s) => s.ComplianceType === 'Custom:Canary' || s.ComplianceType === 'Custom:Agent'), false);
    const eastResources = await ssm.send(new ListResourceComplianceSummariesCommand({}));
    assert.equal(eastResources.ResourceComplianceSummaryItems!.some((s) => s.ResourceId === westNode.instanceId), false);
    const westResources = await ssmWest.send(new ListResourceComplianceSummariesCommand({}));
    assert.deepEqual(westResources.ResourceComplianceSummaryItems!.map((s) => s.ComplianceType), ['Custom:Agent', 'Custom:Canary']);
  });
});
