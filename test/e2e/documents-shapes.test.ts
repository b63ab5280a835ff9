/**
 * Documents in the shapes AWS's own public documents use (schema 1.2, 2.0, 2.2 and 0.3; JSON
 * and YAML; empty YAML descriptions) are accepted through @aws-sdk/client-ssm: CreateDocument
 * succeeds, GetDocument returns the content as given, DescribeDocument lists the parameters with
 * AWS's fields. The rules that stay answer with AWS's error and message. The store plays no part
 * here, so one SQLite server is enough.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CreateDocumentCommand, DescribeDocumentCommand, GetDocumentCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { AWS_SHAPED_DOCUMENTS } from '../../packages/documents/src/testing/aws-shaped-documents.ts';
import { rejection, ssmClient, startTestServer, type TestServer } from './support.ts';

describe('documents in the shapes of AWS\'s own documents', () => {
  let t: TestServer;
  let ssm: SSMClient;

  before(async () => {
    t = await startTestServer({ engine: 'sqlite' });
    ssm = ssmClient(t, t.admin);
  });
  after(async () => {
    ssm?.destroy();
    await t?.destroy();
  });

  for (const fixture of AWS_SHAPED_DOCUMENTS) {
    test(`a ${fixture.documentType} document shaped like ${fixture.shape} (schema ${fixture.schemaVersion}, ${fixture.format}) is created, read back and described`, async () => {
      const created = await ssm.send(new CreateDocumentCommand({
        Name: fixture.name, Content: fixture.content, DocumentType: fixture.documentType, DocumentFormat: fixture.format,
      }));
      const description = created.DocumentDescription!;
      assert.equal(description.Status, 'Active');
      assert.equal(description.SchemaVersion, fixture.schemaVersion);
      assert.equal(description.DocumentType, fixture.documentType);
      assert.equal(description.DocumentFormat, fixture.format);
      assert.deepEqual(description.Parameters, fixture.parameters);
      assert.deepEqual(description.PlatformTypes, fixture.platformTypes);

      const got = await ssm.send(new GetDocumentCommand({ Name: fixture.name }));
      assert.equal(got.Content, fixture.content);
      assert.equal(got.DocumentFormat, fixture.format);
      assert.equal(got.DocumentType, fixture.documentType);

      const described = await ssm.send(new DescribeDocumentCommand({ Name: fixture.name }));
      assert.deepEqual(described.Document?.Parameters, fixture.parameters);
    });
  }

  const refused = async (content: string, documentType: 'Command' | 'Automation' = 'Command', format: 'JSON' | 'YAML' = 'JSON') =>
    rejection(ssm.send(new CreateDocumentCommand({ Name: `Refused-${Math.random().toString(36).slice(2, 10)}`, Content: content, DocumentType: documentType, DocumentFormat: format })));

  test('malformed JSON is InvalidDocumentContent "JSON not well-formed." with the line and column', async () => {
    const error = await refused('{\n  "schemaVersion": "2.2",\n  oops\n}');
    assert.equal(error.name, 'InvalidDocumentContent');
    assert.match(error.message, /^JSON not well-formed\. at Line: 3, Column: \d+$/);
  });

  test('a step using a parameter the document does not declare is InvalidDocumentContent "Parameter "X" is not declared."', async () => {
    const error = await refused(JSON.stringify({ schemaVersion: '2.2', mainSteps: [{ action: 'aws:runShellScript', name: 'say', inputs: { runCommand: ['echo {{ Greeting }}'] } }] }));
    assert.equal(error.name, 'InvalidDocumentContent');
    assert.equal(error.message, 'Parameter "Greeting" is not declared.');
  });

  test('a runbook whose assumeRole names an undeclared parameter is refused the same way', async () => {
    const error = await refused("schemaVersion: '0.3'\nassumeRole: '{{ AutomationAssumeRole }}'\nmainSteps:\n  - name: wait\n    action: aws:sleep\n    inputs:\n      Duration: PT1S\n", 'Automation', 'YAML');
    assert.equal(error.name, 'InvalidDocumentContent');
    assert.equal(error.message, 'Parameter "AutomationAssumeRole" is not declared.');
  });

  test('a schema version no document type has is InvalidDocumentContent "Document schema version is invalid. Value: 3.0"', async () => {
    const error = await refused(JSON.stringify({ schemaVersion: '3.0', mainSteps: [{ action: 'aws:runShellScript', name: 'a', inputs: { runCommand: ['ls'] } }] }));
    assert.equal(error.name, 'InvalidDocumentContent');
    assert.equal(error.message, 'Document schema version is invalid. Value: 3.0');
  });

  test('a schema version of another document type is InvalidDocumentSchemaVersion', async () => {
    const error = await refused(JSON.stringify({ schemaVersion: '2.2', mainSteps: [{ action: 'aws:runShellScript', name: 'a', inputs: { runCommand: ['ls'] } }] }), 'Automation');
    assert.equal(error.name, 'InvalidDocumentSchemaVersion');
  });

  test('a default outside its allowedPattern is InvalidDocumentContent naming the parameter', async () => {
    const error = await refused(JSON.stringify({
      schemaVersion: '2.2',
      parameters: { Snapshot: { type: 'String', default: 'not-a-guid', description: null, allowedPattern: '(^$)|^[0-9a-f]{8}$' } },
      mainSteps: [{ action: 'aws:runShellScript', name: 'a', inputs: { runCommand: ['echo {{ Snapshot }}'] } }],
    }));
    assert.equal(error.name, 'InvalidDocumentContent');
    assert.match(error.message, /^The default of parameter "Snapshot" value "not-a-guid" does not match the allowed pattern/);
  });
});
