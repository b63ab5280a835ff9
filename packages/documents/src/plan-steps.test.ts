import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDocument } from './parse-document.ts';
import { planSteps } from './plan-steps.ts';
import { resolveParameters } from './resolve-parameters.ts';
import { documentPlatformTypes } from './preconditions.ts';
import { BUILTIN_DOCUMENTS } from './builtin-documents.ts';

function doc2(parameters: Record<string, unknown>, mainSteps: unknown[]) {
  return parseDocument(JSON.stringify({ schemaVersion: '2.2', parameters, mainSteps }), 'JSON', 'Command');
}

const linux = { platformType: 'Linux' } as const;

test('{{ name }} is replaced by the value inside text', () => {
  const doc = doc2({ Message: { type: 'String' } }, [{ name: 'say', action: 'aws:runShellScript', inputs: { runCommand: ['echo {{ Message }} and {{Message}}'] } }]);
  const [step] = planSteps(doc, resolveParameters(doc, { Message: ['hi'] }), linux);
  assert.deepEqual(step, { name: 'say', action: 'aws:runShellScript', inputs: { runCommand: ['echo hi and hi'] }, env: {} });
});

test('a string that is only a placeholder takes the value whole, keeping its type', () => {
  const doc = doc2({ commands: { type: 'StringList' }, Timeout: { type: 'Integer', default: 60 } }, [
    { name: 'run', action: 'aws:runShellScript', inputs: { runCommand: '{{ commands }}', timeoutSeconds: '{{ Timeout }}' } },
  ]);
  const [step] = planSteps(doc, resolveParameters(doc, { commands: ['ls', 'pwd'] }), linux);
  assert.deepEqual(step.inputs, { runCommand: ['ls', 'pwd'], timeoutSeconds: 60 });
});

test('a list placeholder inside a list is spliced in', () => {
  const doc = doc2({ commands: { type: 'StringList' } }, [{ name: 'run', action: 'aws:runShellScript', inputs: { runCommand: ['set -e', '{{ commands }}', 'echo done'] } }]);
  const [step] = planSteps(doc, resolveParameters(doc, { commands: ['ls', 'pwd'] }), linux);
  assert.deepEqual(step.inputs.runCommand, ['set -e', 'ls', 'pwd', 'echo done']);
});

test('lists and maps inside longer text are written as JSON', () => {
  const doc = doc2({ Tags: { type: 'StringMap', default: { a: '1' } }, Lines: { type: 'StringList', default: ['x', 'y'] } }, [
    { name: 'run', action: 'aws:runShellScript', inputs: { runCommand: ["echo '{{ Tags }}' '{{ Lines }}'"] } },
  ]);
  const [step] = planSteps(doc, resolveParameters(doc, {}), linux);
  assert.deepEqual(step.inputs.runCommand, [`echo '{"a":"1"}' '["x","y"]'`]);
});

test('ENV_VAR parameters reach shell scripts as SSM_<name>, never pasted into the script', () => {
  const doc = doc2({ Message: { type: 'String', interpolationType: 'ENV_VAR' } }, [
    { name: 'say', action: 'aws:runShellScript', inputs: { runCommand: ['echo "{{ Message }}"'] } },
  ]);
  const hostile = '"; rm -rf / #';
  const [step] = planSteps(doc, resolveParameters(doc, { Message: [hostile] }), linux);
  assert.deepEqual(step.inputs.runCommand, ['echo "${SSM_Message}"']);
  assert.deepEqual(step.env, { SSM_Message: hostile });
  assert.ok(!JSON.stringify(step.inputs).includes('rm -rf'));
});

test('ENV_VAR parameters reach PowerShell as $env:SSM_<name>', () => {
  const doc = doc2({ Message: { type: 'String', interpolationType: 'ENV_VAR' } }, [
    { name: 'say', action: 'aws:runPowerShellScript', inputs: { runCommand: ['Write-Output "{{Message}}"'] } },
  ]);
  const [step] = planSteps(doc, resolveParameters(doc, { Message: ['hi'] }), { platformType: 'Windows' });
  assert.deepEqual(step.inputs.runCommand, ['Write-Output "${env:SSM_Message}"']);
  assert.deepEqual(step.env, { SSM_Message: 'hi' });
});

test('a whole-string ENV_VAR placeholder also becomes the variable reference, and Integer values are passed as text', () => {
  const doc = doc2({ Count: { type: 'Integer', default: 3, interpolationType: 'ENV_VAR' } }, [
    { name: 'run', action: 'aws:runShellScript', inputs: { runCommand: ['{{ Count }}'] } },
  ]);
  const [step] = planSteps(doc, resolveParameters(doc, {}), linux);
  assert.deepEqual(step.inputs.runCommand, ['${SSM_Count}']);
  assert.deepEqual(step.env, { SSM_Count: '3' });
});

test('steps of plugins that are not scripts get ENV_VAR values pasted, and no environment', () => {
  const doc = doc2({ Source: { type: 'String', interpolationType: 'ENV_VAR' } }, [
    { name: 'fetch', action: 'aws:downloadContent', inputs: { sourceInfo: '{"path":"{{ Source }}"}' } },
  ]);
  const [step] = planSteps(doc, resolveParameters(doc, { Source: ['https://example.invalid/x'] }), linux);
  assert.deepEqual(step.inputs, { sourceInfo: '{"path":"https://example.invalid/x"}' });
  assert.deepEqual(step.env, {});
});

test('references the server or agent still has to resolve are left in place', () => {
  const doc = doc2({ Message: { type: 'String' } }, [{ name: 'say', action: 'aws:runShellScript', inputs: { runCommand: ['echo {{ Message }} {{ssm-secure:/x}}'] } }]);
  const [step] = planSteps(doc, resolveParameters(doc, { Message: ['{{ssm-secure:/key}}'] }), linux);
  assert.deepEqual(step.inputs.runCommand, ['echo {{ssm-secure:/key}} {{ssm-secure:/x}}']);
});

test('a step whose precondition names another platform is skipped with AWS\'s message', () => {
  const doc = doc2({}, [
    { name: 'onLinux', action: 'aws:runShellScript', precondition: { StringEquals: ['platformType', 'Linux'] }, inputs: { runCommand: ['uname'] } },
    { name: 'onWindows', action: 'aws:runPowerShellScript', precondition: { StringEquals: ['platformType', 'Windows'] }, inputs: { runCommand: ['ver'] } },
  ]);
  const [onLinux, onWindows] = planSteps(doc, {}, linux);
  assert.equal(onLinux.skip, undefined);
  assert.equal(onWindows.skip, `Step execution skipped due to unsatisfied preconditions: '"StringEquals": [platformType, Windows]'. Step name: onWindows`);
  const onWindowsNode = planSteps(doc, {}, { platformType: 'Windows' });
  assert.match(onWindowsNode[0].skip ?? '', /\[platformType, Linux\]'\. Step name: onLinux$/);
  assert.equal(onWindowsNode[1].skip, undefined);
});

test('a shell step on Windows without a precondition is skipped as an incompatible platform', () => {
  const doc = doc2({}, [{ name: 'sh', action: 'aws:runShellScript', inputs: { runCommand: ['ls'] } }]);
  const [step] = planSteps(doc, {}, { platformType: 'Windows' });
  assert.equal(step.skip, 'Step execution skipped due to incompatible platform. Step name: sh');
  assert.deepEqual(planSteps(doc, {}, { platformType: 'MacOS' })[0].skip, undefined);
});

test('AWS-RunShellScript plans one aws:runShellScript step from commands, workingDirectory and executionTimeout', () => {
  const builtin = BUILTIN_DOCUMENTS.find((d) => d.name === 'AWS-RunShellScript')!;
  const doc = parseDocument(builtin.content, 'JSON', 'Command');
  const values = resolveParameters(doc, { commands: ['echo one', 'echo two'] });
  assert.deepEqual(planSteps(doc, values, linux), [{
    name: 'aws:runShellScript',
    action: 'aws:runShellScript',
    inputs: { id: '0.aws:runShellScript', runCommand: ['echo one', 'echo two'], workingDirectory: '', timeoutSeconds: '3600' },
    env: {},
  }]);
});

test('platform types follow the steps: preconditions first, then the plugins', () => {
  const both = doc2({}, [
    { name: 'a', action: 'aws:runShellScript', precondition: { StringEquals: ['platformType', 'Linux'] }, inputs: { runCommand: ['ls'] } },
    { name: 'b', action: 'aws:runPowerShellScript', precondition: { StringEquals: ['platformType', 'Windows'] }, inputs: { runCommand: ['dir'] } },
  ]);
  assert.deepEqual(documentPlatformTypes(both, 'Command'), ['Windows', 'Linux']);
  const shell = doc2({}, [{ name: 'a', action: 'aws:runShellScript', inputs: { runCommand: ['ls'] } }]);
  assert.deepEqual(documentPlatformTypes(shell, 'Command'), ['Linux', 'MacOS']);
  const other = doc2({}, [{ name: 'a', action: 'aws:softwareInventory', inputs: {} }]);
  assert.deepEqual(documentPlatformTypes(other, 'Command'), ['Windows', 'Linux', 'MacOS']);
});
