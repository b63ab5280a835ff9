import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findBuiltinDocument, parseDocument, planSteps, resolveParameters } from '@bosun/documents';
import { PluginInputError } from '../plugins/plugin.ts';
import { INVENTORY_SWITCHES, softwareInventoryPlugin } from '../plugins/software-inventory.ts';

const plugin = softwareInventoryPlugin();

function plannedInputs(parameters: Record<string, string[]> = {}) {
  const builtin = findBuiltinDocument('AWS-GatherSoftwareInventory')!;
  const doc = parseDocument(builtin.content, 'JSON', 'Command');
  const [step] = planSteps(doc, resolveParameters(doc, parameters), { platformType: 'Linux' });
  assert.equal(step.action, plugin.name);
  return step.inputs as Record<string, unknown>;
}

test('AWS-GatherSoftwareInventory takes AWS\'s parameters, every switch Enabled by default', () => {
  const doc = parseDocument(findBuiltinDocument('AWS-GatherSoftwareInventory')!.content, 'JSON', 'Command');
  assert.deepEqual(Object.keys(doc.parameters).sort(), [...INVENTORY_SWITCHES, 'files', 'windowsRegistry'].sort());
  const input = plugin.parseInput(plannedInputs());
  assert.deepEqual([...input.enabled].sort(), [...INVENTORY_SWITCHES].sort());
  assert.deepEqual(input.files, []);
});

test('the step takes Disabled switches and a files list from the association\'s parameters', () => {
  const input = plugin.parseInput(plannedInputs({ applications: ['Disabled'], files: ['[{"Path":"/etc","Pattern":["*.conf"],"Recursive":true}]'] }));
  assert.equal(input.enabled.has('applications'), false);
  assert.deepEqual(input.files, [{ Path: '/etc', Pattern: ['*.conf'], Recursive: true, DirScanLimit: undefined, FileLimit: undefined }]);
});

test('a switch other than Enabled or Disabled, or a files value that is not a list, is refused naming the input', () => {
  assert.throws(() => plugin.parseInput({ services: 'Sometimes' }), (e: unknown) => e instanceof PluginInputError && /services must be Enabled or Disabled/.test(e.message));
  assert.throws(() => plugin.parseInput({ files: '{"Path":"/etc"}' }), (e: unknown) => e instanceof PluginInputError && /files must be a JSON list/.test(e.message));
});
