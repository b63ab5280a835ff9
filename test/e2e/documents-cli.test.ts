/**
 * Documents end to end through the Debian AWS CLI v2: create from a YAML file, read back as
 * JSON, versions and the default version, listing with filters, sharing with a second account
 * that then reads the document by its ARN, and deletion.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { auditRows, awsCli, awsCliEnv, engines, REGION, skipWithoutAwsCli, startTestServer, tempDir, type Credentials, type TestServer } from './support.ts';

const YAML_DOCUMENT = `schemaVersion: '2.2'
description: Print a greeting
parameters:
  Greeting:
    type: String
    default: hello
    allowedPattern: '^[a-z ]+$'
    interpolationType: ENV_VAR
mainSteps:
  - action: aws:runShellScript
    name: greet
    precondition:
      StringEquals: [platformType, Linux]
    inputs:
      runCommand:
        - echo "{{ Greeting }}"
`;

const SECOND_VERSION = {
  schemaVersion: '2.2',
  description: 'Print a greeting twice',
  parameters: { Greeting: { type: 'String', default: 'hello' } },
  mainSteps: [{ action: 'aws:runShellScript', name: 'greet', inputs: { runCommand: ['echo "{{ Greeting }}"', 'echo "{{ Greeting }}"'] } }],
};

for (const engine of engines) {
  describe(`documents through the AWS CLI (${engine.name})`, { skip: skipWithoutAwsCli ?? engine.skip }, () => {
    let t: TestServer;
    let other: Credentials & { accountId: string };
    let dir: string;
    const cli = (creds: Credentials, ...args: string[]) => awsCli(['ssm', ...args, '--endpoint-url', t.url, '--output', 'json'], awsCliEnv(creds));
    const ok = async (creds: Credentials, ...args: string[]) => {
      const res = await cli(creds, ...args);
      assert.equal(res.code, 0, `aws ssm ${args.join(' ')} failed: ${res.stderr}`);
      return res.stdout.trim() ? JSON.parse(res.stdout) : {};
    };
    const fails = async (creds: Credentials, code: string, message: RegExp, ...args: string[]) => {
      const res = await cli(creds, ...args);
      assert.notEqual(res.code, 0, `aws ssm ${args.join(' ')} should have failed`);
      assert.match(res.stderr, new RegExp(`\\(${code}\\)`), res.stderr);
      assert.match(res.stderr, message);
    };
    const admin = () => t.admin;
    const arnOf = (name: string) => `arn:aws:ssm:${REGION}:${t.admin.accountId}:document/${name}`;

    before(async () => {
      t = await startTestServer({ engine: engine.name });
      other = await t.newAccount();
      dir = tempDir();
      fs.writeFileSync(path.join(dir, 'greet.yaml'), YAML_DOCUMENT);
      fs.writeFileSync(path.join(dir, 'greet-v2.json'), JSON.stringify(SECOND_VERSION));
    });
    after(async () => {
      await t?.destroy();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    test('create-document from a YAML file describes the new document with its hash, parameters and platforms', async () => {
      const created = await ok(admin(), 'create-document', '--name', 'Greet', '--content', `file://${path.join(dir, 'greet.yaml')}`,
        '--document-format', 'YAML', '--document-type', 'Command', '--version-name', 'first', '--target-type', '/AWS::EC2::Instance', '--tags', 'Key=team,Value=ops');
      const description = created.DocumentDescription;
      assert.equal(description.Name, 'Greet');
      assert.equal(description.Owner, t.admin.accountId);
      assert.equal(description.Status, 'Active');
      assert.equal(description.DocumentVersion, '1');
      assert.equal(description.LatestVersion, '1');
      assert.equal(description.DefaultVersion, '1');
      assert.equal(description.VersionName, 'first');
      assert.equal(description.SchemaVersion, '2.2');
      assert.equal(description.DocumentFormat, 'YAML');
      assert.equal(description.DocumentType, 'Command');
      assert.equal(description.TargetType, '/AWS::EC2::Instance');
      assert.equal(description.HashType, 'Sha256');
      assert.equal(description.Hash, crypto.createHash('sha256').update(YAML_DOCUMENT).digest('hex'));
      assert.deepEqual(description.PlatformTypes, ['Linux']);
      assert.deepEqual(description.Parameters, [{ Name: 'Greeting', Type: 'String', DefaultValue: 'hello' }]);
      assert.deepEqual(description.Tags, [{ Key: 'team', Value: 'ops' }]);
      const audited = (await auditRows(t)).filter((r) => r.record.eventName === 'CreateDocument' && !r.record.errorCode);
      assert.equal(audited.length, 1);
      assert.deepEqual(audited[0].record.resources, [{ ARN: arnOf('Greet'), accountId: t.admin.accountId, type: 'AWS::SSM::Document' }]);
    });

    test('get-document returns the YAML as stored, or converted to JSON', async () => {
      const asStored = await ok(admin(), 'get-document', '--name', 'Greet');
      assert.equal(asStored.Content, YAML_DOCUMENT);
      assert.equal(asStored.DocumentFormat, 'YAML');
      const asJson = await ok(admin(), 'get-document', '--name', 'Greet', '--document-format', 'JSON');
      assert.equal(asJson.DocumentFormat, 'JSON');
      const content = JSON.parse(asJson.Content);
      assert.equal(content.schemaVersion, '2.2');
      assert.equal(content.parameters.Greeting.interpolationType, 'ENV_VAR');
      assert.deepEqual(content.mainSteps[0].inputs.runCommand, ['echo "{{ Greeting }}"']);
    });

    test('invalid content is refused with InvalidDocumentContent in AWS\'s words, and a wrong schema with InvalidDocumentSchemaVersion', async () => {
      const bad = JSON.stringify({ schemaVersion: '2.2', mainSteps: [{ name: 'oops', action: 'aws:runShellScript', inputs: { runCommand: ['echo {{ Missing }}'] } }] });
      await fails(admin(), 'InvalidDocumentContent', /Parameter "Missing" is not declared\./, 'create-document', '--name', 'Broken', '--content', bad);
      await fails(admin(), 'InvalidDocumentSchemaVersion', /0\.3/, 'create-document', '--name', 'Broken', '--content', JSON.stringify({ schemaVersion: '0.3', mainSteps: [] }));
      await fails(admin(), 'InvalidDocumentContent', /JSON not well-formed/, 'create-document', '--name', 'Broken', '--content', '{"schemaVersion": ');
      await fails(admin(), 'DocumentAlreadyExists', /already exists/, 'create-document', '--name', 'Greet', '--content', JSON.stringify(SECOND_VERSION));
    });

    test('update-document adds version 2 without changing the default; update-document-default-version moves it', async () => {
      const updated = await ok(admin(), 'update-document', '--name', 'Greet', '--content', `file://${path.join(dir, 'greet-v2.json')}`,
        '--document-version', '$LATEST', '--version-name', 'second');
      assert.equal(updated.DocumentDescription.DocumentVersion, '2');
      assert.equal(updated.DocumentDescription.LatestVersion, '2');
      assert.equal(updated.DocumentDescription.DefaultVersion, '1');
      assert.equal(updated.DocumentDescription.DocumentFormat, 'JSON');
      await fails(admin(), 'DuplicateDocumentContent', /matches another document/, 'update-document', '--name', 'Greet', '--content', `file://${path.join(dir, 'greet-v2.json')}`, '--document-version', '$LATEST');
      await fails(admin(), 'InvalidDocumentVersion', /not valid or does not exist/, 'update-document', '--name', 'Greet', '--content', JSON.stringify({ ...SECOND_VERSION, description: 'x' }), '--document-version', '1');

      assert.equal((await ok(admin(), 'describe-document', '--name', 'Greet')).Document.DocumentVersion, '1');
      assert.equal((await ok(admin(), 'get-document', '--name', 'Greet', '--document-version', '$LATEST')).DocumentVersion, '2');
      assert.equal((await ok(admin(), 'get-document', '--name', 'Greet', '--version-name', 'second')).DocumentVersion, '2');
      await fails(admin(), 'InvalidDocumentVersion', /not valid or does not exist/, 'get-document', '--name', 'Greet', '--document-version', '9');

      const moved = await ok(admin(), 'update-document-default-version', '--name', 'Greet', '--document-version', '2');
      assert.deepEqual(moved.Description, { Name: 'Greet', DefaultVersion: '2', DefaultVersionName: 'second' });
      const described = await ok(admin(), 'describe-document', '--name', 'Greet');
      assert.equal(described.Document.DocumentVersion, '2');
      assert.equal(described.Document.Description, 'Print a greeting twice');

      const versions = await ok(admin(), 'list-document-versions', '--name', 'Greet');
      assert.deepEqual(versions.DocumentVersions.map((v: any) => [v.DocumentVersion, v.VersionName, v.IsDefaultVersion, v.DocumentFormat]), [
        ['1', 'first', false, 'YAML'],
        ['2', 'second', true, 'JSON'],
      ]);
    });

    test('list-documents lists own and built-in documents and filters by owner, name, type and tag', async () => {
      await ok(admin(), 'create-document', '--name', 'Runbook', '--document-type', 'Automation', '--content',
        JSON.stringify({ schemaVersion: '0.3', mainSteps: [{ name: 'wait', action: 'aws:sleep', inputs: { Duration: 'PT1S' } }] }));
      const all = await ok(admin(), 'list-documents');
      const names = all.DocumentIdentifiers.map((d: any) => d.Name);
      for (const name of ['AWS-RunPowerShellScript', 'AWS-RunShellScript', 'Greet', 'Runbook']) assert.ok(names.includes(name), `${name} in ${names}`);

      const self = await ok(admin(), 'list-documents', '--filters', 'Key=Owner,Values=Self');
      assert.deepEqual(self.DocumentIdentifiers.map((d: any) => d.Name), ['Greet', 'Runbook']);
      const greet = self.DocumentIdentifiers[0];
      assert.equal(greet.DocumentVersion, '2', 'listed with its default version');
      assert.equal(greet.Owner, t.admin.accountId);

      const amazon = await ok(admin(), 'list-documents', '--filters', 'Key=Owner,Values=Amazon');
      assert.deepEqual(amazon.DocumentIdentifiers.map((d: any) => [d.Name, d.Owner]), [
        ['AWS-GatherSoftwareInventory', 'Amazon'], ['AWS-RunPowerShellScript', 'Amazon'], ['AWS-RunShellScript', 'Amazon'], ['AWS-UpdateSSMAgent', 'Amazon'], ['Bosun-UpdateAgent', 'Amazon'],
      ]);
      const legacy = await ok(admin(), 'list-documents', '--document-filter-list', 'key=Owner,value=Amazon', 'key=PlatformTypes,value=Windows');
      assert.deepEqual(legacy.DocumentIdentifiers.map((d: any) => d.Name), ['AWS-GatherSoftwareInventory', 'AWS-RunPowerShellScript', 'AWS-UpdateSSMAgent', 'Bosun-UpdateAgent']);

      const automation = await ok(admin(), 'list-documents', '--filters', 'Key=DocumentType,Values=Automation');
      assert.deepEqual(automation.DocumentIdentifiers.map((d: any) => d.Name), ['Runbook']);
      const byTag = await ok(admin(), 'list-documents', '--filters', 'Key=tag:team,Values=ops');
      assert.deepEqual(byTag.DocumentIdentifiers.map((d: any) => d.Name), ['Greet']);
      const byName = await ok(admin(), 'list-documents', '--filters', 'Key=Name,Values=AWS-RunShell');
      assert.deepEqual(byName.DocumentIdentifiers.map((d: any) => d.Name), ['AWS-RunShellScript']);

      const paged = await ok(admin(), 'list-documents', '--max-items', '1');
      assert.equal(paged.DocumentIdentifiers.length, 1);
      assert.ok(paged.NextToken);
      await fails(admin(), 'InvalidFilterKey', /Colour/, 'list-documents', '--filters', 'Key=Colour,Values=red');
    });

    test('document tags are changed with the SSM tag operations and seen by ListDocuments filters', async () => {
      await ok(admin(), 'add-tags-to-resource', '--resource-type', 'Document', '--resource-id', 'Runbook', '--tags', 'Key=team,Value=ops', 'Key=tier,Value=1');
      const listed = await ok(admin(), 'list-tags-for-resource', '--resource-type', 'Document', '--resource-id', 'Runbook');
      assert.deepEqual(listed.TagList, [{ Key: 'team', Value: 'ops' }, { Key: 'tier', Value: '1' }]);
      const byTag = await ok(admin(), 'list-documents', '--filters', 'Key=tag:team,Values=ops');
      assert.deepEqual(byTag.DocumentIdentifiers.map((d: any) => d.Name), ['Greet', 'Runbook']);
      await ok(admin(), 'remove-tags-from-resource', '--resource-type', 'Document', '--resource-id', 'Runbook', '--tag-keys', 'team');
      assert.deepEqual((await ok(admin(), 'describe-document', '--name', 'Runbook')).Document.Tags, [{ Key: 'tier', Value: '1' }]);
      await fails(admin(), 'InvalidResourceId', /not valid/, 'list-tags-for-resource', '--resource-type', 'Document', '--resource-id', 'AWS-RunShellScript');
    });

    test('the built-in AWS-RunShellScript is described with Owner Amazon and an ARN without account, and can\'t be deleted', async () => {
      const described = await ok(admin(), 'describe-document', '--name', 'AWS-RunShellScript');
      assert.equal(described.Document.Owner, 'Amazon');
      assert.equal(described.Document.SchemaVersion, '1.2');
      assert.deepEqual(described.Document.Parameters.map((p: any) => p.Name), ['commands', 'workingDirectory', 'executionTimeout']);
      const byArn = await ok(admin(), 'get-document', '--name', `arn:aws:ssm:${REGION}::document/AWS-RunShellScript`);
      assert.equal(JSON.parse(byArn.Content).runtimeConfig['aws:runShellScript'].properties[0].runCommand, '{{ commands }}');
      await fails(admin(), 'InvalidDocumentOperation', /AWS owns/, 'delete-document', '--name', 'AWS-RunShellScript');
    });

    test('a document shared with a second account is read by its ARN from there, with Owner the sharing account', async () => {
      // Not shared: another account's document is out of reach, as any resource of another account.
      await fails(other, 'AccessDeniedException', /not authorized to perform: ssm:DescribeDocument/, 'describe-document', '--name', arnOf('Greet'));
      await ok(admin(), 'modify-document-permission', '--name', 'Greet', '--permission-type', 'Share', '--account-ids-to-add', other.accountId);
      const permissions = await ok(admin(), 'describe-document-permission', '--name', 'Greet', '--permission-type', 'Share');
      assert.deepEqual(permissions.AccountIds, [other.accountId]);
      assert.deepEqual(permissions.AccountSharingInfoList, [{ AccountId: other.accountId, SharedDocumentVersion: '$DEFAULT' }]);

      const described = await ok(other, 'describe-document', '--name', arnOf('Greet'));
      assert.equal(described.Document.Owner, t.admin.accountId);
      assert.equal(described.Document.Name, 'Greet');
      assert.equal(described.Document.DocumentVersion, '2');
      assert.deepEqual(described.Document.Tags, [], 'the owner\'s tags stay with the owner');
      const fetched = await ok(other, 'get-document', '--name', arnOf('Greet'));
      assert.equal(JSON.parse(fetched.Content).description, 'Print a greeting twice');
      await fails(other, 'InvalidDocumentVersion', /not valid or does not exist/, 'get-document', '--name', arnOf('Greet'), '--document-version', '1');
      await fails(other, 'InvalidDocument', /does not exist/, 'get-document', '--name', 'Greet');

      const shared = await ok(other, 'list-documents', '--filters', 'Key=Owner,Values=Private');
      assert.deepEqual(shared.DocumentIdentifiers.map((d: any) => [d.Name, d.Owner]), [[arnOf('Greet'), t.admin.accountId]]);

      await fails(admin(), 'InvalidDocumentOperation', /still shared/, 'delete-document', '--name', 'Greet');
      await ok(admin(), 'modify-document-permission', '--name', 'Greet', '--permission-type', 'Share', '--account-ids-to-remove', other.accountId);
      await fails(other, 'AccessDeniedException', /not authorized to perform: ssm:GetDocument/, 'get-document', '--name', arnOf('Greet'));
    });

    test('sharing with All makes the document public, and All can\'t be mixed with account ids', async () => {
      await fails(admin(), 'DocumentPermissionLimit', /either be all or a group/, 'modify-document-permission', '--name', 'Runbook', '--permission-type', 'Share', '--account-ids-to-add', 'All', other.accountId);
      await ok(admin(), 'modify-document-permission', '--name', 'Runbook', '--permission-type', 'Share', '--account-ids-to-add', 'All', '--shared-document-version', '$ALL');
      const publicDocs = await ok(other, 'list-documents', '--filters', 'Key=Owner,Values=Public');
      assert.deepEqual(publicDocs.DocumentIdentifiers.map((d: any) => d.Name), [arnOf('Runbook')]);
      assert.equal((await ok(other, 'get-document', '--name', arnOf('Runbook'))).DocumentType, 'Automation');
      await ok(admin(), 'modify-document-permission', '--name', 'Runbook', '--permission-type', 'Share', '--account-ids-to-remove', 'all');
      assert.deepEqual((await ok(other, 'list-documents', '--filters', 'Key=Owner,Values=Public')).DocumentIdentifiers, []);
    });

    test('delete-document removes one version, refuses the default one, then removes the whole document', async () => {
      await fails(admin(), 'InvalidDocumentOperation', /Default version of the document can't be deleted/, 'delete-document', '--name', 'Greet', '--document-version', '2');
      await ok(admin(), 'delete-document', '--name', 'Greet', '--version-name', 'first');
      const versions = await ok(admin(), 'list-document-versions', '--name', 'Greet');
      assert.deepEqual(versions.DocumentVersions.map((v: any) => v.DocumentVersion), ['2']);
      await ok(admin(), 'delete-document', '--name', 'Greet');
      await fails(admin(), 'InvalidDocument', /does not exist/, 'describe-document', '--name', 'Greet');
      await fails(admin(), 'InvalidDocument', /does not exist/, 'delete-document', '--name', 'Greet');
    });
  });
}
