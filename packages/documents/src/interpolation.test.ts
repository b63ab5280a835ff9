import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyPlaceholder, mapStrings, placeholdersIn, replacePlaceholders, wholePlaceholderOf } from './interpolation.ts';
import { describeParameters } from './describe-parameters.ts';
import { parseDocument } from './parse-document.ts';

test('placeholders are read with or without spaces and classified by prefix', () => {
  assert.deepEqual(placeholdersIn('{{a}} {{ b_2 }} {{ssm:/x/y}} {{ ssm-secure:key:3 }} {{ step.Output }} {{automation:EXECUTION_ID}}'), [
    { kind: 'parameter', name: 'a' },
    { kind: 'parameter', name: 'b_2' },
    { kind: 'ssm', name: '/x/y' },
    { kind: 'ssm-secure', name: 'key:3' },
    { kind: 'other', name: 'step.Output' },
    { kind: 'other', name: 'automation:EXECUTION_ID' },
  ]);
  assert.deepEqual(classifyPlaceholder('ssm:name'), { kind: 'ssm', name: 'name' });
});

test('text that is not a placeholder is left alone', () => {
  assert.deepEqual(placeholdersIn('{ {a} } {{}} {{ a b }} {{{a}}'), [{ kind: 'parameter', name: 'a' }]);
  assert.equal(replacePlaceholders('{{ a b }} ${HOME} {x}', () => 'X'), '{{ a b }} ${HOME} {x}');
});

test('a whole placeholder is recognised only when the string is nothing else', () => {
  assert.deepEqual(wholePlaceholderOf('{{ commands }}'), { kind: 'parameter', name: 'commands' });
  assert.equal(wholePlaceholderOf('echo {{ commands }}'), undefined);
  assert.equal(wholePlaceholderOf('{{ a }}{{ b }}'), undefined);
});

test('replacing leaves unanswered placeholders as written', () => {
  assert.equal(replacePlaceholders('{{ a }}-{{b}}-{{ c }}', (p) => (p.name === 'b' ? 'B' : undefined)), '{{ a }}-B-{{ c }}');
});

test('mapStrings reaches strings in nested lists and maps and keeps other values', () => {
  assert.deepEqual(mapStrings({ a: ['x', 1, { b: 'y', c: null, d: true }] }, (s) => s.toUpperCase()), { a: ['X', 1, { b: 'Y', c: null, d: true }] });
});

test('DescribeDocument parameters: name, type, description and the default as text', () => {
  const doc = parseDocument(JSON.stringify({
    schemaVersion: '2.2',
    parameters: {
      Message: { type: 'String', description: 'what', default: 'hi' },
      Lines: { type: 'StringList', default: ['a', 'b'] },
      Count: { type: 'Integer', default: 2 },
      Bare: { type: 'Boolean' },
    },
    mainSteps: [{ name: 's', action: 'aws:runShellScript', inputs: { runCommand: ['ls'] } }],
  }), 'JSON', 'Command');
  assert.deepEqual(describeParameters(doc), [
    { Name: 'Message', Type: 'String', Description: 'what', DefaultValue: 'hi' },
    { Name: 'Lines', Type: 'StringList', DefaultValue: '["a","b"]' },
    { Name: 'Count', Type: 'Integer', DefaultValue: '2' },
    { Name: 'Bare', Type: 'Boolean' },
  ]);
});
