import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeParameters } from './describe-parameters.ts';
import { parseDocument } from './parse-document.ts';
import { documentPlatformTypes } from './preconditions.ts';
import { AWS_SHAPED_DOCUMENTS } from './testing/aws-shaped-documents.ts';

for (const fixture of AWS_SHAPED_DOCUMENTS) {
  test(`a ${fixture.documentType} document shaped like ${fixture.shape} (schema ${fixture.schemaVersion}, ${fixture.format}) parses, with AWS's parameter list`, () => {
    const doc = parseDocument(fixture.content, fixture.format, fixture.documentType);
    assert.equal(doc.schemaVersion, fixture.schemaVersion);
    assert.deepEqual(describeParameters(doc), fixture.parameters);
    assert.deepEqual(documentPlatformTypes(doc, fixture.documentType), fixture.platformTypes);
  });
}

test('an empty YAML description leaves the parameter without one, like a missing description', () => {
  const doc = parseDocument(AWS_SHAPED_DOCUMENTS.find((d) => d.name === 'Shape-RunShellScript-Yaml')!.content, 'YAML', 'Command');
  assert.equal(Object.hasOwn(doc.parameters.commands, 'description'), false);
  assert.deepEqual(doc.parameters.commands, { type: 'StringList', minItems: 1, displayType: 'textarea' });
});

test('a StringMap default of {} with maxChars is kept as the map', () => {
  const doc = parseDocument(AWS_SHAPED_DOCUMENTS.find((d) => d.shape === 'AWS-ConfigureAWSPackage')!.content, 'JSON', 'Command');
  assert.deepEqual(doc.parameters.additionalArguments.default, {});
  assert.equal(doc.parameters.additionalArguments.maxChars, 4096);
});
