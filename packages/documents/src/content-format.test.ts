import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertDocumentContent } from './content-format.ts';
import { documentHash } from './document-hash.ts';
import { maskSecrets } from './mask-secrets.ts';
import { DocumentContentError } from './document-errors.ts';

const json = JSON.stringify({ schemaVersion: '2.2', mainSteps: [{ name: 'a', action: 'aws:runShellScript', inputs: { runCommand: ['echo "x: y"'] } }] });

test('JSON converts to YAML and back to the same object', () => {
  const yaml = convertDocumentContent(json, 'JSON', 'YAML');
  assert.match(yaml, /^schemaVersion: "?2\.2"?$/m);
  assert.match(yaml, /action: aws:runShellScript/);
  assert.deepEqual(JSON.parse(convertDocumentContent(yaml, 'YAML', 'JSON')), JSON.parse(json));
});

test('YAML converted to JSON keeps strings that look like numbers as strings', () => {
  const out = convertDocumentContent("schemaVersion: '2.2'\ncount: 3\n", 'YAML', 'JSON');
  assert.deepEqual(JSON.parse(out), { schemaVersion: '2.2', count: 3 });
  const back = convertDocumentContent(out, 'JSON', 'YAML');
  assert.deepEqual(JSON.parse(convertDocumentContent(back, 'YAML', 'JSON')), { schemaVersion: '2.2', count: 3 });
});

test('converting to the same format returns the content untouched', () => {
  const spaced = '{ "schemaVersion" : "2.2" }';
  assert.equal(convertDocumentContent(spaced, 'JSON', 'JSON'), spaced);
});

test('TEXT converts to nothing else, and malformed content is refused', () => {
  assert.throws(() => convertDocumentContent('x', 'TEXT', 'JSON'), DocumentContentError);
  assert.throws(() => convertDocumentContent('{', 'JSON', 'YAML'), /JSON not well-formed/);
});

test('the hash is the SHA-256 of the content as stored, in hex', () => {
  assert.equal(documentHash(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(documentHash('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.notEqual(documentHash('{"a":1}'), documentHash('{ "a": 1 }'));
  assert.equal(documentHash('é'), documentHash('\u00e9'));
});

test('secrets are masked wherever they occur, longest first', () => {
  assert.equal(maskSecrets('user=admin pass=hunter2 again hunter2', ['hunter2']), 'user=admin pass=*** again ***');
  assert.equal(maskSecrets('token abc123 and abc', ['abc', 'abc123']), 'token *** and ***');
  assert.equal(maskSecrets('nothing here', []), 'nothing here');
  assert.equal(maskSecrets('empty secrets mask nothing', ['']), 'empty secrets mask nothing');
  assert.equal(maskSecrets('regex a.b chars a+b', ['a.b', 'a+b']), 'regex *** chars ***');
});
