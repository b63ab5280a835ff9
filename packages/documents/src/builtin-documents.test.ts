import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUILTIN_DOCUMENTS, findBuiltinDocument } from './builtin-documents.ts';
import { parseDocument } from './parse-document.ts';
import { resolveParameters } from './resolve-parameters.ts';
import { documentPlatformTypes } from './preconditions.ts';
import { DocumentParameterError } from './document-errors.ts';

test('AWS-RunShellScript, AWS-RunPowerShellScript, AWS-UpdateSSMAgent, its alias Bosun-UpdateAgent and AWS-GatherSoftwareInventory are built in', () => {
  assert.deepEqual(BUILTIN_DOCUMENTS.map((d) => d.name), ['AWS-RunShellScript', 'AWS-RunPowerShellScript', 'AWS-UpdateSSMAgent', 'Bosun-UpdateAgent', 'AWS-GatherSoftwareInventory']);
  assert.equal(findBuiltinDocument('AWS-RunShellScript')?.documentType, 'Command');
  assert.equal(findBuiltinDocument('Nope'), undefined);
});

const scriptDocuments = BUILTIN_DOCUMENTS.filter((d) => d.name.startsWith('AWS-Run'));

for (const builtin of scriptDocuments) {
  test(`${builtin.name} is a valid schema 1.2 document with AWS's parameter definitions`, () => {
    const doc = parseDocument(builtin.content, builtin.documentFormat, builtin.documentType);
    assert.equal(doc.schemaVersion, '1.2');
    assert.equal(doc.description, builtin.description);
    assert.deepEqual(Object.keys(doc.parameters), ['commands', 'workingDirectory', 'executionTimeout']);
    assert.deepEqual({ ...doc.parameters.commands, description: undefined }, { type: 'StringList', minItems: 1, displayType: 'textarea', description: undefined });
    assert.deepEqual({ ...doc.parameters.workingDirectory, description: undefined }, { type: 'String', default: '', maxChars: 4096, description: undefined });
    assert.equal(doc.parameters.executionTimeout.type, 'String');
    assert.equal(doc.parameters.executionTimeout.default, '3600');
    assert.deepEqual(documentPlatformTypes(doc, 'Command'), builtin.platformTypes);
  });

  test(`${builtin.name} takes executionTimeout up to 172800 seconds and needs a command`, () => {
    const doc = parseDocument(builtin.content, builtin.documentFormat, builtin.documentType);
    for (const ok of ['1', '3600', '99999', '100000', '169999', '171999', '172799', '172800']) {
      assert.equal(resolveParameters(doc, { commands: ['x'], executionTimeout: [ok] }).executionTimeout, ok);
    }
    for (const bad of ['0', '172801', '180000', '-1', '1.5', 'abc']) {
      assert.throws(() => resolveParameters(doc, { commands: ['x'], executionTimeout: [bad] }), DocumentParameterError, bad);
    }
    assert.throws(() => resolveParameters(doc, { commands: [] }), /fewer than the minimum of 1/);
    assert.throws(() => resolveParameters(doc, {}), /Parameter "commands" is required/);
  });
}

test('AWS-UpdateSSMAgent is AWS\'s schema 1.2 document: version and allowDowngrade into one aws:updateSsmAgent step', () => {
  const builtin = findBuiltinDocument('AWS-UpdateSSMAgent')!;
  const doc = parseDocument(builtin.content, builtin.documentFormat, builtin.documentType);
  assert.equal(doc.schemaVersion, '1.2');
  assert.deepEqual(Object.keys(doc.parameters), ['version', 'allowDowngrade']);
  assert.equal(doc.parameters.version.default, '');
  assert.equal(doc.parameters.allowDowngrade.default, 'false');
  assert.deepEqual(doc.steps.map((s) => [s.name, s.action]), [['aws:updateSsmAgent', 'aws:updateSsmAgent']]);
  assert.deepEqual(documentPlatformTypes(doc, 'Command'), builtin.platformTypes);
  assert.deepEqual(resolveParameters(doc, {}), { version: '', allowDowngrade: 'false' });
  assert.deepEqual(resolveParameters(doc, { version: ['0.2.0'], allowDowngrade: ['true'] }), { version: '0.2.0', allowDowngrade: 'true' });
  assert.throws(() => resolveParameters(doc, { allowDowngrade: ['maybe'] }), DocumentParameterError);
  assert.equal(findBuiltinDocument('Bosun-UpdateAgent')!.content, builtin.content);
});
