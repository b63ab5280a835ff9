import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDocument } from './parse-document.ts';
import { checkParameterValues, resolveParameters } from './resolve-parameters.ts';
import { DocumentParameterError } from './document-errors.ts';
import { substituteReferences } from './references.ts';

function documentWith(parameters: Record<string, unknown>) {
  return parseDocument(JSON.stringify({
    schemaVersion: '2.2',
    parameters,
    mainSteps: [{ name: 'run', action: 'aws:runShellScript', inputs: { runCommand: ['true'] } }],
  }), 'JSON', 'Command');
}

function refuses(action: () => unknown, message: RegExp) {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof DocumentParameterError, `expected DocumentParameterError, got ${String(error)}`);
    assert.match(error.message, message);
    return true;
  });
}

test('supplied values are converted to each parameter type', () => {
  const doc = documentWith({
    Message: { type: 'String' },
    Lines: { type: 'StringList' },
    Count: { type: 'Integer' },
    Loud: { type: 'Boolean' },
    Items: { type: 'MapList' },
    Tags: { type: 'StringMap' },
  });
  const values = resolveParameters(doc, {
    Message: ['hello'],
    Lines: ['a', 'b'],
    Count: ['-12'],
    Loud: ['True'],
    Items: ['{"k":"v"}', '{"k":"w"}'],
    Tags: ['{"env":"prod"}'],
  });
  assert.deepEqual(values, {
    Message: 'hello',
    Lines: ['a', 'b'],
    Count: -12,
    Loud: true,
    Items: [{ k: 'v' }, { k: 'w' }],
    Tags: { env: 'prod' },
  });
});

test('defaults fill parameters that were not supplied, as copies', () => {
  const doc = documentWith({ Lines: { type: 'StringList', default: ['x'] }, Message: { type: 'String', default: '' } });
  const values = resolveParameters(doc, undefined);
  assert.deepEqual(values, { Lines: ['x'], Message: '' });
  (values.Lines as string[]).push('changed');
  assert.deepEqual(doc.parameters.Lines.default, ['x']);
});

test('a parameter with no default must be supplied', () => {
  refuses(() => resolveParameters(documentWith({ commands: { type: 'StringList' } }), {}), /Parameter "commands" is required/);
});

test('a parameter the document does not define is refused, by name', () => {
  refuses(() => resolveParameters(documentWith({}), { Extra: ['x'], Other: ['y'] }), /^Parameter "Extra", "Other" are not defined by the document\.$/);
  refuses(() => resolveParameters(documentWith({}), { Extra: ['x'] }), /^Parameter "Extra" is not defined by the document\.$/);
});

test('single-valued types take exactly one value', () => {
  const doc = documentWith({ Message: { type: 'String' } });
  refuses(() => resolveParameters(doc, { Message: ['a', 'b'] }), /Parameter "Message" of type String takes exactly one value, but 2 were supplied/);
  refuses(() => resolveParameters(doc, { Message: [] }), /takes exactly one value, but 0 were supplied/);
});

test('Integer, Boolean, MapList and StringMap values must parse', () => {
  const doc = documentWith({ Count: { type: 'Integer', default: 1 }, Loud: { type: 'Boolean', default: true }, Items: { type: 'MapList', default: [] }, Tags: { type: 'StringMap', default: {} } });
  refuses(() => resolveParameters(doc, { Count: ['1.5'] }), /Parameter "Count" of type Integer has a value that is not an integer: "1\.5"/);
  refuses(() => resolveParameters(doc, { Loud: ['yes'] }), /Parameter "Loud" of type Boolean has a value that is not true or false: "yes"/);
  refuses(() => resolveParameters(doc, { Items: ['[1]'] }), /Parameter "Items" of type MapList takes JSON objects; "\[1\]" is not one/);
  refuses(() => resolveParameters(doc, { Tags: ['not json'] }), /Parameter "Tags" of type StringMap takes a JSON object/);
});

test('allowedValues limit a value, and each item of a list', () => {
  const doc = documentWith({ Color: { type: 'String', allowedValues: ['red', 'blue'], default: 'red' }, Colors: { type: 'StringList', allowedValues: ['red', 'blue'], default: ['red'] } });
  assert.equal(resolveParameters(doc, { Color: ['blue'] }).Color, 'blue');
  refuses(() => resolveParameters(doc, { Color: ['green'] }), /Parameter "Color" value "green" is not one of the allowed values: red, blue/);
  refuses(() => resolveParameters(doc, { Colors: ['red', 'green'] }), /Parameter "Colors" item "green" is not one of the allowed values/);
});

test('allowedValues apply to Integer values as text', () => {
  const doc = documentWith({ Count: { type: 'Integer', allowedValues: ['1', '2'], default: 1 } });
  assert.equal(resolveParameters(doc, { Count: ['2'] }).Count, 2);
  refuses(() => resolveParameters(doc, { Count: ['3'] }), /Parameter "Count" value "3" is not one of the allowed values: 1, 2/);
});

test('allowedPattern must match the whole value, as AWS matches it', () => {
  // AWS-RunShellScript's executionTimeout pattern has no anchors: a partial match must not pass.
  const doc = documentWith({ Timeout: { type: 'String', default: '3600', allowedPattern: '([1-9][0-9]{0,4})|(172800)' } });
  assert.equal(resolveParameters(doc, { Timeout: ['99999'] }).Timeout, '99999');
  refuses(() => resolveParameters(doc, { Timeout: ['999999'] }), /Parameter "Timeout" value "999999" does not match the allowed pattern/);
  refuses(() => resolveParameters(doc, { Timeout: ['12; rm -rf /'] }), /does not match the allowed pattern/);
});

test('minChars and maxChars bound a value and each item of a list', () => {
  const doc = documentWith({ Name: { type: 'String', minChars: 2, maxChars: 4, default: 'ab' }, Names: { type: 'StringList', maxChars: 3, default: ['a'] } });
  refuses(() => resolveParameters(doc, { Name: ['a'] }), /Parameter "Name" value "a" is shorter than the minimum of 2 characters/);
  refuses(() => resolveParameters(doc, { Name: ['abcde'] }), /Parameter "Name" value is longer than the maximum of 4 characters/);
  refuses(() => resolveParameters(doc, { Names: ['ok', 'toolong'] }), /Parameter "Names" item is longer than the maximum of 3 characters/);
});

test('minItems and maxItems bound lists', () => {
  const doc = documentWith({ Lines: { type: 'StringList', minItems: 1, maxItems: 2 }, Items: { type: 'MapList', maxItems: 1, default: [] } });
  refuses(() => resolveParameters(doc, { Lines: [] }), /Parameter "Lines" has 0 item\(s\), fewer than the minimum of 1/);
  refuses(() => resolveParameters(doc, { Lines: ['a', 'b', 'c'] }), /Parameter "Lines" has 3 items, more than the maximum of 2/);
  refuses(() => resolveParameters(doc, { Lines: ['a'], Items: ['{}', '{}'] }), /Parameter "Items" has 2 items, more than the maximum of 1/);
});

test('values holding ssm references are checked once the references are resolved', () => {
  const doc = documentWith({ Port: { type: 'String', allowedPattern: '[0-9]+' }, Count: { type: 'Integer', default: 1 } });
  const values = resolveParameters(doc, { Port: ['{{ssm:/app/port}}'], Count: ['{{ssm:/app/count}}'] });
  assert.deepEqual(values, { Port: '{{ssm:/app/port}}', Count: '{{ssm:/app/count}}' });
  checkParameterValues(doc, substituteReferences(values, 'ssm', new Map([['/app/port', '8080'], ['/app/count', '2']])));
  const bad = substituteReferences(values, 'ssm', new Map([['/app/port', '80; reboot'], ['/app/count', '2']]));
  refuses(() => checkParameterValues(doc, bad), /Parameter "Port" value "80; reboot" does not match the allowed pattern/);
});

test('allowedPattern is read as Java reads it: inline flags and Unicode classes', () => {
  const doc = documentWith({ Word: { type: 'String', default: 'abc', allowedPattern: '(?i)[a-z]+' }, Name: { type: 'String', default: 'Zoë', allowedPattern: '\\p{L}+' } });
  assert.equal(resolveParameters(doc, { Word: ['ABC'] }).Word, 'ABC');
  assert.equal(resolveParameters(doc, { Name: ['Émile'] }).Name, 'Émile');
  refuses(() => resolveParameters(doc, { Name: ['a1'] }), /Parameter "Name" value "a1" does not match the allowed pattern/);
});
