import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { plainReferences, referenceName } from './parameter-references.ts';

describe('plain parameter references', () => {
  test('are found in strings, lists and maps, once each, with their selector', () => {
    assert.deepEqual(plainReferences({ commands: ['echo {{ssm:/app/a}}', 'echo {{ ssm:/app/b:3 }} {{ssm:/app/a}}'], env: { X: '{{ssm:plain-name:label1}}' } }).sort(), ['/app/a', '/app/b:3', 'plain-name:label1']);
  });
  test('{{ssm-secure:}} references are not plain references', () => {
    assert.deepEqual(plainReferences({ commands: ['echo {{ssm-secure:/app/secret}}'] }), []);
  });
  test('the name drops the version or label selector', () => {
    assert.equal(referenceName('/app/b:3'), '/app/b');
    assert.equal(referenceName('/app/b'), '/app/b');
  });
});
