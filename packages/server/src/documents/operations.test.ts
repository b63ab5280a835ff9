import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isAwsError } from '@bosun/protocol';
import type { CallContext, Operation } from '../api/operation.ts';
import type { UserPrincipal } from '../accounts/principal.ts';
import { putSettingRow } from '../settings/settings-store.ts';
import { storeTargets, type TestStore } from '../testing/stores.ts';
import { DOCUMENT_LIMITS, documentOperations } from './operations.ts';

/**
 * The document operations' handlers and declared permissions, against a real store on each
 * engine. The wire (HTTP, SigV4, the AWS CLI) is covered by test/e2e/documents-cli.test.ts.
 */
const REGION = 'us-east-1';
const OTHER_REGION = 'eu-west-1';
const OWNER = '111111111111';
const READER = '222222222222';
const NOW = 1_800_000_000_000;

function principal(accountId: string): UserPrincipal {
  return { type: 'IAMUser', accountId, userName: 'admin', userId: `AIDA${accountId}`, arn: `arn:aws:iam::${accountId}:user/admin`, accessKeyId: `AKIA${accountId}` };
}

function context(accountId = OWNER, now = NOW, region = REGION): CallContext {
  return { principal: principal(accountId), now, region, scope: { accountId, region }, requestId: 'r', sourceIp: '127.0.0.1' };
}

const command = (echo = 'hi', extra: Record<string, unknown> = {}) => JSON.stringify({
  schemaVersion: '2.2',
  description: `say ${echo}`,
  parameters: { Message: { type: 'String', default: echo, description: 'what to say' } },
  mainSteps: [{ name: 'say', action: 'aws:runShellScript', inputs: { runCommand: ['echo {{ Message }}'] } }],
  ...extra,
});

function harness(store: TestStore) {
  const operations = new Map<string, Operation>(documentOperations({ db: store.db }).map((op) => [op.name, op]));
  const op = (name: string) => {
    const found = operations.get(name);
    if (!found) throw new Error(`no operation ${name}`);
    return found;
  };
  return {
    call: (name: string, input: Record<string, unknown>, ctx: CallContext = context()) => op(name).handle(ctx, input) as Promise<any>,
    permissions: (name: string, input: Record<string, unknown>, ctx: CallContext = context()) => Promise.resolve(op(name).permissions(ctx, input)),
  };
}

async function withOps(target: (typeof storeTargets)[number], work: (ops: ReturnType<typeof harness>, store: TestStore) => Promise<void>) {
  const store = await target.open();
  try {
    await work(harness(store), store);
  } finally {
    await store.destroy();
  }
}

function awsErrorWith(code: string, message?: RegExp) {
  return (error: unknown) => {
    assert.ok(isAwsError(error), `expected an AwsError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (message) assert.match(error.message, message);
    return true;
  };
}

for (const target of storeTargets) {
  describe(`document operations on ${target.name}`, { skip: target.skip }, () => {
    test('CreateDocument describes the document: Command by default, JSON by default, version 1 default and latest', () => withOps(target, async ({ call }) => {
      const { DocumentDescription: d } = await call('CreateDocument', { Name: 'Say', Content: command(), VersionName: 'v-one', DisplayName: 'Say it' });
      assert.equal(d.Name, 'Say');
      assert.equal(d.DisplayName, 'Say it');
      assert.equal(d.DocumentType, 'Command');
      assert.equal(d.DocumentFormat, 'JSON');
      assert.equal(d.Owner, OWNER);
      assert.deepEqual([d.DocumentVersion, d.LatestVersion, d.DefaultVersion], ['1', '1', '1']);
      assert.equal(d.Description, 'say hi');
      assert.deepEqual(d.Parameters, [{ Name: 'Message', Type: 'String', Description: 'what to say', DefaultValue: 'hi' }]);
      assert.deepEqual(d.PlatformTypes, ['Linux', 'MacOS']);
      assert.equal(d.CreatedDate.getTime(), NOW);
      assert.deepEqual(d.Tags, []);
    }));

    test('CreateDocument refuses reserved names, unsupported types, attachments, oversized and invalid content', () => withOps(target, async ({ call }) => {
      for (const name of ['AWS-Mine', 'aws-mine', 'Amazon-Thing', 'amzn.x']) {
        await assert.rejects(call('CreateDocument', { Name: name, Content: command() }), awsErrorWith('ValidationException', /can't begin with aws, amazon or amzn/));
      }
      await assert.rejects(call('CreateDocument', { Name: 'Pol', Content: command(), DocumentType: 'Policy' }), awsErrorWith('ValidationException', /DocumentType Policy is not supported/));
      await assert.rejects(call('CreateDocument', { Name: 'Att', Content: command(), Attachments: [{ Key: 'SourceUrl', Values: ['x'] }] }), awsErrorWith('ValidationException', /Attachments/));
      const huge = command('x'.repeat(DOCUMENT_LIMITS.maxContentBytes));
      await assert.rejects(call('CreateDocument', { Name: 'Huge', Content: huge }), awsErrorWith('MaxDocumentSizeExceeded', /64 KB/));
      await assert.rejects(call('CreateDocument', { Name: 'Bad', Content: command('hi', { mainSteps: [] }) }), awsErrorWith('InvalidDocumentContent', /mainSteps must be a non-empty list/));
      await assert.rejects(call('CreateDocument', { Name: 'Bad', Content: 'schemaVersion: "2.2"', DocumentFormat: 'JSON' }), awsErrorWith('InvalidDocumentContent', /JSON not well-formed/));
      await assert.rejects(call('CreateDocument', { Name: 'Bad', Content: command(), DocumentType: 'Automation' }), awsErrorWith('InvalidDocumentSchemaVersion', /2\.2/));
      await assert.rejects(call('CreateDocument', { Name: 'Bad', Content: command(), DocumentFormat: 'TEXT' }), awsErrorWith('InvalidDocumentContent', /not TEXT/));
    }));

    test('CreateDocument refuses a name already taken, and more than 500 documents per account', () => withOps(target, async ({ call }, store) => {
      await call('CreateDocument', { Name: 'Say', Content: command() });
      await assert.rejects(call('CreateDocument', { Name: 'Say', Content: command('other') }), awsErrorWith('DocumentAlreadyExists', /^The specified document already exists\.$/));
      // Fill the account to the limit directly in the store, then ask for one more.
      const rows = Array.from({ length: DOCUMENT_LIMITS.maxDocuments - 1 }, (_, i) => ({
        account_id: OWNER, region: REGION, name: `Filler${i}`, document_type: 'Command', default_version: 1, version_counter: 1, created_at: NOW, tags: '[]',
      }));
      await store.db.insertInto('documents').values(rows).execute();
      await assert.rejects(call('CreateDocument', { Name: 'OneTooMany', Content: command() }), awsErrorWith('DocumentLimitExceeded', /500/));
      await call('CreateDocument', { Name: 'OneTooMany', Content: command() }, context(OWNER, NOW, OTHER_REGION));
    }));

    test('CreateDocument declares ssm:CreateDocument on the document ARN with the request tags as conditions', () => withOps(target, async ({ permissions }) => {
      const declared = await permissions('CreateDocument', { Name: 'Say', Content: command(), Tags: [{ Key: 'team', Value: 'ops' }] });
      assert.deepEqual(declared, [{
        action: 'ssm:CreateDocument',
        resource: `arn:aws:ssm:${REGION}:${OWNER}:document/Say`,
        conditions: { 'aws:RequestTag/team': 'ops', 'aws:TagKeys': ['team'] },
      }]);
    }));

    test('reads declare the document ARN as IAM names it: own, built-in without account, shared with the grant', () => withOps(target, async ({ call, permissions }) => {
      assert.deepEqual(await permissions('GetDocument', { Name: 'Say' }), [{ action: 'ssm:GetDocument', resource: `arn:aws:ssm:${REGION}:${OWNER}:document/Say` }]);
      assert.deepEqual(await permissions('DescribeDocument', { Name: 'AWS-RunShellScript' }), [{ action: 'ssm:DescribeDocument', resource: `arn:aws:ssm:${REGION}::document/AWS-RunShellScript` }]);
      assert.deepEqual(await permissions('ListDocuments', {}), [{ action: 'ssm:ListDocuments', resource: '*' }]);
      await call('CreateDocument', { Name: 'Say', Content: command() });
      const arn = `arn:aws:ssm:${REGION}:${OWNER}:document/Say`;
      assert.deepEqual(await permissions('GetDocument', { Name: arn }, context(READER)), [{ action: 'ssm:GetDocument', resource: arn }], 'not shared: no grant');
      await call('ModifyDocumentPermission', { Name: 'Say', PermissionType: 'Share', AccountIdsToAdd: [READER] });
      assert.deepEqual(await permissions('GetDocument', { Name: arn }, context(READER)), [{ action: 'ssm:GetDocument', resource: arn, grantedToCaller: true }]);
    }));

    test('operations on an own document declare its tags as aws:ResourceTag and ssm:resourceTag conditions', () => withOps(target, async ({ call, permissions }) => {
      await call('CreateDocument', { Name: 'Tagged', Content: command(), Tags: [{ Key: 'Env', Value: 'dev' }] });
      const arn = `arn:aws:ssm:${REGION}:${OWNER}:document/Tagged`;
      for (const [name, action] of [['DescribeDocument', 'ssm:DescribeDocument'], ['UpdateDocument', 'ssm:UpdateDocument'], ['DeleteDocument', 'ssm:DeleteDocument']]) {
        assert.deepEqual(await permissions(name, { Name: 'Tagged' }), [{ action, resource: arn, conditions: { 'aws:ResourceTag/Env': 'dev', 'ssm:resourceTag/Env': 'dev' } }]);
      }
      assert.deepEqual(await permissions('GetDocument', { Name: arn }), [{ action: 'ssm:GetDocument', resource: arn, conditions: { 'aws:ResourceTag/Env': 'dev', 'ssm:resourceTag/Env': 'dev' } }]);
    }));

    test('UpdateDocument adds a version after the latest; the default stays until UpdateDocumentDefaultVersion', () => withOps(target, async ({ call }) => {
      await call('CreateDocument', { Name: 'Say', Content: command('one'), TargetType: '/AWS::EC2::Instance' });
      const { DocumentDescription: d } = await call('UpdateDocument', { Name: 'Say', Content: command('two'), VersionName: 'two' }, context(OWNER, NOW + 5));
      assert.deepEqual([d.DocumentVersion, d.LatestVersion, d.DefaultVersion], ['2', '2', '1']);
      assert.equal(d.TargetType, '/AWS::EC2::Instance', 'the target type carries over');
      assert.equal(d.CreatedDate.getTime(), NOW + 5);
      await call('UpdateDocument', { Name: 'Say', Content: command('three'), DocumentVersion: '2' });
      await assert.rejects(call('UpdateDocument', { Name: 'Say', Content: command('four'), DocumentVersion: '2' }), awsErrorWith('InvalidDocumentVersion', /not valid or does not exist/));
      await assert.rejects(call('UpdateDocument', { Name: 'Say', Content: command('one') }), awsErrorWith('DuplicateDocumentContent', /matches another document/));
      await assert.rejects(call('UpdateDocument', { Name: 'Say', Content: command('five'), VersionName: 'two' }), awsErrorWith('DuplicateDocumentVersionName', /^The specified version name is a duplicate\.$/));
      await assert.rejects(call('UpdateDocument', { Name: 'Say', Content: command('hi', { schemaVersion: '0.3' }) }), awsErrorWith('InvalidDocumentSchemaVersion'));
      await assert.rejects(call('UpdateDocument', { Name: 'Nope', Content: command('six') }), awsErrorWith('InvalidDocument', /does not exist/));
      await assert.rejects(call('UpdateDocument', { Name: 'AWS-RunShellScript', Content: command('six') }), awsErrorWith('InvalidDocumentOperation', /AWS owns/));

      assert.equal((await call('DescribeDocument', { Name: 'Say' })).Document.DocumentVersion, '1');
      const moved = await call('UpdateDocumentDefaultVersion', { Name: 'Say', DocumentVersion: '2' });
      assert.deepEqual(moved, { Description: { Name: 'Say', DefaultVersion: '2', DefaultVersionName: 'two' } });
      const described = (await call('DescribeDocument', { Name: 'Say' })).Document;
      assert.deepEqual([described.DocumentVersion, described.LatestVersion, described.DefaultVersion], ['2', '3', '2']);
      await assert.rejects(call('UpdateDocumentDefaultVersion', { Name: 'Say', DocumentVersion: '7' }), awsErrorWith('InvalidDocumentVersion'));
      await assert.rejects(call('UpdateDocumentDefaultVersion', { Name: 'AWS-RunShellScript', DocumentVersion: '1' }), awsErrorWith('InvalidDocument', /AWS owns/));
    }));

    test('UpdateDocument stops at 1000 versions', () => withOps(target, async ({ call }, store) => {
      await call('CreateDocument', { Name: 'Many', Content: command('0') });
      const versions = await store.db.selectFrom('document_versions').selectAll().where('name', '=', 'Many').executeTakeFirstOrThrow();
      const more = Array.from({ length: DOCUMENT_LIMITS.maxVersions - 1 }, (_, i) => ({ ...versions, document_version: i + 2, hash: `h${i}`, created_at: NOW }));
      for (let i = 0; i < more.length; i += 200) await store.db.insertInto('document_versions').values(more.slice(i, i + 200)).execute();
      await store.db.updateTable('documents').set({ version_counter: DOCUMENT_LIMITS.maxVersions }).where('name', '=', 'Many').execute();
      await assert.rejects(call('UpdateDocument', { Name: 'Many', Content: command('new') }), awsErrorWith('DocumentVersionLimitExceeded', /1000/));
    }));

    test('GetDocument converts between YAML and JSON; TEXT is refused for them', () => withOps(target, async ({ call }) => {
      const yaml = "schemaVersion: '2.2'\nmainSteps:\n  - name: a\n    action: aws:runShellScript\n    inputs:\n      runCommand: [ls]\n";
      await call('CreateDocument', { Name: 'Yaml', Content: yaml, DocumentFormat: 'YAML' });
      const asStored = await call('GetDocument', { Name: 'Yaml' });
      assert.equal(asStored.Content, yaml);
      assert.equal(asStored.DocumentFormat, 'YAML');
      const asJson = await call('GetDocument', { Name: 'Yaml', DocumentFormat: 'JSON' });
      assert.deepEqual(JSON.parse(asJson.Content), { schemaVersion: '2.2', mainSteps: [{ name: 'a', action: 'aws:runShellScript', inputs: { runCommand: ['ls'] } }] });
      await assert.rejects(call('GetDocument', { Name: 'Yaml', DocumentFormat: 'TEXT' }), awsErrorWith('ValidationException', /can't be converted/));
    }));

    test('DeleteDocument deletes one version or the whole document, never AWS\'s, never while shared', () => withOps(target, async ({ call }) => {
      await call('CreateDocument', { Name: 'Say', Content: command('one'), VersionName: 'one' });
      await call('UpdateDocument', { Name: 'Say', Content: command('two') });
      await call('UpdateDocument', { Name: 'Say', Content: command('three') });
      await assert.rejects(call('DeleteDocument', { Name: 'AWS-RunShellScript' }), awsErrorWith('InvalidDocumentOperation', /AWS owns/));
      await assert.rejects(call('DeleteDocument', { Name: 'Say', VersionName: 'one' }), awsErrorWith('InvalidDocumentOperation', /^Default version of the document can't be deleted\.$/));
      await call('DeleteDocument', { Name: 'Say', DocumentVersion: '$LATEST' });
      const versions = await call('ListDocumentVersions', { Name: 'Say' });
      assert.deepEqual(versions.DocumentVersions.map((v: any) => v.DocumentVersion), ['1', '2']);
      const next = await call('UpdateDocument', { Name: 'Say', Content: command('four') });
      assert.equal(next.DocumentDescription.DocumentVersion, '4', 'numbers of deleted versions are not reused');

      await call('ModifyDocumentPermission', { Name: 'Say', PermissionType: 'Share', AccountIdsToAdd: [READER] });
      await assert.rejects(call('DeleteDocument', { Name: 'Say' }), awsErrorWith('InvalidDocumentOperation', /still shared/));
      await call('ModifyDocumentPermission', { Name: 'Say', PermissionType: 'Share', AccountIdsToRemove: [READER] });
      assert.deepEqual(await call('DeleteDocument', { Name: 'Say' }), {});
      await assert.rejects(call('GetDocument', { Name: 'Say' }), awsErrorWith('InvalidDocument'));
    }));

    test('deleting the only version of a document deletes the document', () => withOps(target, async ({ call }) => {
      await call('CreateDocument', { Name: 'Once', Content: command() });
      await call('DeleteDocument', { Name: 'Once', DocumentVersion: '1' });
      await assert.rejects(call('DescribeDocument', { Name: 'Once' }), awsErrorWith('InvalidDocument'));
    }));

    test('ListDocuments filters by owner, name prefix, type, platform, target type and tag, and pages', () => withOps(target, async ({ call }) => {
      await call('CreateDocument', { Name: 'Alpha', Content: command(), Tags: [{ Key: 'team', Value: 'ops' }], TargetType: '/AWS::EC2::Instance' });
      await call('CreateDocument', { Name: 'Beta', Content: JSON.stringify({ schemaVersion: '2.2', mainSteps: [{ name: 'w', action: 'aws:runPowerShellScript', precondition: { StringEquals: ['platformType', 'Windows'] }, inputs: { runCommand: ['dir'] } }] }) });
      await call('CreateDocument', { Name: 'Gamma', DocumentType: 'Automation', Content: JSON.stringify({ schemaVersion: '0.3', mainSteps: [{ name: 's', action: 'aws:sleep', inputs: { Duration: 'PT1S' } }] }) });
      await call('CreateDocument', { Name: 'Theirs', Content: command('x') }, context(READER));
      const names = async (input: Record<string, unknown>) => (await call('ListDocuments', input)).DocumentIdentifiers.map((d: any) => d.Name);
      assert.deepEqual(await names({}), ['AWS-GatherSoftwareInventory', 'AWS-RunPowerShellScript', 'AWS-RunShellScript', 'AWS-UpdateSSMAgent', 'Alpha', 'Beta', 'Bosun-UpdateAgent', 'Gamma']);
      assert.deepEqual(await names({ Filters: [{ Key: 'Owner', Values: ['Self'] }] }), ['Alpha', 'Beta', 'Gamma']);
      assert.deepEqual(await names({ Filters: [{ Key: 'Owner', Values: ['Amazon'] }] }), ['AWS-GatherSoftwareInventory', 'AWS-RunPowerShellScript', 'AWS-RunShellScript', 'AWS-UpdateSSMAgent', 'Bosun-UpdateAgent']);
      assert.deepEqual(await names({ Filters: [{ Key: 'Owner', Values: ['ThirdParty'] }] }), []);
      assert.deepEqual(await names({ Filters: [{ Key: 'Name', Values: ['Al', 'Ga'] }] }), ['Alpha', 'Gamma']);
      assert.deepEqual(await names({ Filters: [{ Key: 'DocumentType', Values: ['Automation'] }] }), ['Gamma']);
      assert.deepEqual(await names({ Filters: [{ Key: 'PlatformTypes', Values: ['Windows'] }, { Key: 'Owner', Values: ['Self'] }] }), ['Beta', 'Gamma']);
      assert.deepEqual(await names({ Filters: [{ Key: 'TargetType', Values: ['/AWS::EC2::Instance'] }] }), ['Alpha']);
      assert.deepEqual(await names({ Filters: [{ Key: 'tag:team', Values: ['ops'] }] }), ['Alpha']);
      assert.deepEqual(await names({ DocumentFilterList: [{ key: 'Owner', value: 'Self' }, { key: 'Name', value: 'Beta' }] }), ['Beta']);
      await assert.rejects(call('ListDocuments', { Filters: [{ Key: 'Colour', Values: ['red'] }] }), awsErrorWith('InvalidFilterKey', /Colour/));
      await assert.rejects(call('ListDocuments', { Filters: [{ Key: 'Owner', Values: ['Somebody'] }] }), awsErrorWith('ValidationException', /Owner filter value Somebody/));
      await assert.rejects(call('ListDocuments', { Filters: [{ Key: 'Owner', Values: [] }] }), awsErrorWith('ValidationException', /at least one value/));
      await assert.rejects(call('ListDocuments', { Filters: [], DocumentFilterList: [{ key: 'Owner', value: 'Self' }] }), awsErrorWith('ValidationException', /either DocumentFilterList or Filters/));

      const first = await call('ListDocuments', { MaxResults: 2 });
      assert.deepEqual(first.DocumentIdentifiers.map((d: any) => d.Name), ['AWS-GatherSoftwareInventory', 'AWS-RunPowerShellScript']);
      const second = await call('ListDocuments', { MaxResults: 2, NextToken: first.NextToken });
      assert.deepEqual(second.DocumentIdentifiers.map((d: any) => d.Name), ['AWS-RunShellScript', 'AWS-UpdateSSMAgent']);
      const third = await call('ListDocuments', { MaxResults: 2, NextToken: second.NextToken });
      assert.deepEqual(third.DocumentIdentifiers.map((d: any) => d.Name), ['Alpha', 'Beta']);
      const fourth = await call('ListDocuments', { MaxResults: 2, NextToken: third.NextToken });
      assert.deepEqual(fourth.DocumentIdentifiers.map((d: any) => d.Name), ['Bosun-UpdateAgent', 'Gamma']);
      assert.equal(fourth.NextToken, undefined);
      await assert.rejects(call('ListDocuments', { NextToken: 'garbage' }), awsErrorWith('InvalidNextToken'));
    }));

    test('sharing: Private lists what is shared with the account by ARN; Public what is shared with All', () => withOps(target, async ({ call }) => {
      await call('CreateDocument', { Name: 'Shared', Content: command(), Tags: [{ Key: 'secret-team', Value: 'x' }] });
      await call('CreateDocument', { Name: 'Open', Content: command('open') });
      await call('ModifyDocumentPermission', { Name: 'Shared', PermissionType: 'Share', AccountIdsToAdd: [READER], SharedDocumentVersion: '$ALL' });
      await call('ModifyDocumentPermission', { Name: 'Open', PermissionType: 'Share', AccountIdsToAdd: ['ALL'] });
      const list = async (owner: string) => (await call('ListDocuments', { Filters: [{ Key: 'Owner', Values: [owner] }] }, context(READER))).DocumentIdentifiers;
      const privateDocs = await list('Private');
      assert.deepEqual(privateDocs.map((d: any) => [d.Name, d.Owner]), [[`arn:aws:ssm:${REGION}:${OWNER}:document/Shared`, OWNER]]);
      assert.deepEqual(privateDocs[0].Tags, []);
      assert.deepEqual((await list('Public')).map((d: any) => d.Name), [`arn:aws:ssm:${REGION}:${OWNER}:document/Open`]);
      assert.deepEqual(await call('ListDocuments', { Filters: [{ Key: 'tag:secret-team', Values: ['x'] }] }, context(READER)), { DocumentIdentifiers: [] });

      const permissions = await call('DescribeDocumentPermission', { Name: 'Shared', PermissionType: 'Share' });
      assert.deepEqual(permissions, { AccountIds: [READER], AccountSharingInfoList: [{ AccountId: READER, SharedDocumentVersion: '$ALL' }] });
      assert.deepEqual((await call('DescribeDocumentPermission', { Name: 'Open', PermissionType: 'Share' })).AccountIds, ['all']);
      await assert.rejects(call('DescribeDocumentPermission', { Name: 'Shared', PermissionType: 'Read' }), awsErrorWith('InvalidPermissionType'));
      await assert.rejects(call('ModifyDocumentPermission', { Name: 'AWS-RunShellScript', PermissionType: 'Share', AccountIdsToAdd: [READER] }), awsErrorWith('InvalidDocumentOperation'));
      await assert.rejects(call('ModifyDocumentPermission', { Name: 'Missing', PermissionType: 'Share', AccountIdsToAdd: [READER] }), awsErrorWith('InvalidDocument'));
      await assert.rejects(call('ModifyDocumentPermission', { Name: 'Shared', PermissionType: 'Share', AccountIdsToAdd: ['all', READER] }), awsErrorWith('DocumentPermissionLimit', /either be all or a group/));
    }));

    test('an account has at most 5 public documents, and none when public sharing is turned off', () => withOps(target, async ({ call }, store) => {
      for (let i = 0; i < 6; i++) await call('CreateDocument', { Name: `Doc${i}`, Content: command(String(i)) });
      for (let i = 0; i < 5; i++) await call('ModifyDocumentPermission', { Name: `Doc${i}`, PermissionType: 'Share', AccountIdsToAdd: ['All'] });
      await assert.rejects(call('ModifyDocumentPermission', { Name: 'Doc5', PermissionType: 'Share', AccountIdsToAdd: ['All'] }), awsErrorWith('DocumentLimitExceeded', /at most 5/));
      await call('ModifyDocumentPermission', { Name: 'Doc0', PermissionType: 'Share', AccountIdsToAdd: ['All'] });
      await call('ModifyDocumentPermission', { Name: 'Doc0', PermissionType: 'Share', AccountIdsToRemove: ['All'] });
      await putSettingRow(store.db, { account_id: OWNER, region: REGION, setting_id: '/ssm/documents/console/public-sharing-permission', setting_value: 'Disable', last_modified_at: NOW, last_modified_user: 'x' });
      await assert.rejects(call('ModifyDocumentPermission', { Name: 'Doc0', PermissionType: 'Share', AccountIdsToAdd: ['All'] }), awsErrorWith('InvalidPermissionType', /Public sharing of documents is turned off/));
    }));

    test('a document is shared with at most 1000 accounts', () => withOps(target, async ({ call }, store) => {
      await call('CreateDocument', { Name: 'Popular', Content: command() });
      const rows = Array.from({ length: DOCUMENT_LIMITS.maxSharedAccounts }, (_, i) => ({
        account_id: OWNER, region: REGION, name: 'Popular', shared_with: String(900000000000 + i), shared_version: '$DEFAULT', created_at: NOW,
      }));
      for (let i = 0; i < rows.length; i += 250) await store.db.insertInto('document_permissions').values(rows.slice(i, i + 250)).execute();
      await assert.rejects(call('ModifyDocumentPermission', { Name: 'Popular', PermissionType: 'Share', AccountIdsToAdd: [READER] }), awsErrorWith('DocumentPermissionLimit', /1000/));
      const page = await call('DescribeDocumentPermission', { Name: 'Popular', PermissionType: 'Share', MaxResults: 200 });
      assert.equal(page.AccountIds.length, 200);
      assert.ok(page.NextToken);
      const next = await call('DescribeDocumentPermission', { Name: 'Popular', PermissionType: 'Share', MaxResults: 200, NextToken: page.NextToken });
      assert.notEqual(next.AccountIds[0], page.AccountIds[0]);
    }));

    test('documents live per region: one made in eu-west-1 is not seen in us-east-1, and the name is free there', () => withOps(target, async ({ call, permissions }) => {
      const eu = context(OWNER, NOW, OTHER_REGION);
      const { DocumentDescription: made } = await call('CreateDocument', { Name: 'Say', Content: command('eu') }, eu);
      assert.equal(made.Name, 'Say');
      await assert.rejects(call('DescribeDocument', { Name: 'Say' }), awsErrorWith('InvalidDocument'));
      await assert.rejects(call('GetDocument', { Name: `arn:aws:ssm:${OTHER_REGION}:${OWNER}:document/Say` }), awsErrorWith('InvalidDocument'), 'an ARN of another region names nothing here');
      assert.deepEqual((await call('ListDocuments', { Filters: [{ Key: 'Owner', Values: ['Self'] }] })).DocumentIdentifiers, []);
      await call('CreateDocument', { Name: 'Say', Content: command('us') });
      assert.equal((await call('DescribeDocument', { Name: 'Say' }, eu)).Document.Description, 'say eu');
      assert.equal((await call('DescribeDocument', { Name: 'Say' })).Document.Description, 'say us');
      assert.deepEqual(await permissions('GetDocument', { Name: 'Say' }, eu), [{ action: 'ssm:GetDocument', resource: `arn:aws:ssm:${OTHER_REGION}:${OWNER}:document/Say` }]);
      await call('DeleteDocument', { Name: 'Say' }, eu);
      assert.equal((await call('DescribeDocument', { Name: 'Say' })).Document.Description, 'say us', 'deleting in one region leaves the other');
    }));

    test('a shared document is visible to the other account in its own region only', () => withOps(target, async ({ call }) => {
      await call('CreateDocument', { Name: 'Shared', Content: command() });
      await call('ModifyDocumentPermission', { Name: 'Shared', PermissionType: 'Share', AccountIdsToAdd: [READER] });
      const arn = `arn:aws:ssm:${REGION}:${OWNER}:document/Shared`;
      assert.equal((await call('DescribeDocument', { Name: arn }, context(READER))).Document.Owner, OWNER);
      const readerEu = context(READER, NOW, OTHER_REGION);
      await assert.rejects(call('DescribeDocument', { Name: arn }, readerEu), awsErrorWith('InvalidDocument'));
      await assert.rejects(call('DescribeDocument', { Name: `arn:aws:ssm:${OTHER_REGION}:${OWNER}:document/Shared` }, readerEu), awsErrorWith('InvalidDocument'));
      assert.deepEqual((await call('ListDocuments', { Filters: [{ Key: 'Owner', Values: ['Private'] }] }, readerEu)).DocumentIdentifiers, []);
    }));

    test('AWS-owned documents exist in every region, named with that region', () => withOps(target, async ({ call, permissions }) => {
      const cn = context(OWNER, NOW, 'cn-north-1');
      assert.equal((await call('DescribeDocument', { Name: 'AWS-RunShellScript' }, cn)).Document.Owner, 'Amazon');
      const amazon = (await call('ListDocuments', { Filters: [{ Key: 'Owner', Values: ['Amazon'] }] }, cn)).DocumentIdentifiers;
      assert.ok(amazon.some((d: any) => d.Name === 'AWS-RunShellScript'));
      assert.deepEqual(await permissions('DescribeDocument', { Name: 'AWS-RunShellScript' }, cn), [{ action: 'ssm:DescribeDocument', resource: 'arn:aws-cn:ssm:cn-north-1::document/AWS-RunShellScript' }]);
    }));
  });
}
