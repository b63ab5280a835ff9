import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAwsError } from '@bosun/protocol';
import { checkNewName, isValidLabel, nameFromArn, namesOtherRegion, parameterArn, parentPath, parseSelector } from './names.ts';

const SCOPE = { accountId: '123456789012', region: 'us-east-1' };

const codeOf = (fn: () => void) => {
  try {
    fn();
  } catch (error) {
    return isAwsError(error) ? error.code : 'other';
  }
  return 'none';
};

test('ARNs have one slash before a path and one added before a plain name', () => {
  assert.equal(parameterArn('us-east-1', '123456789012', '/app/x'), 'arn:aws:ssm:us-east-1:123456789012:parameter/app/x');
  assert.equal(parameterArn('us-east-1', '123456789012', 'plain'), 'arn:aws:ssm:us-east-1:123456789012:parameter/plain');
  assert.equal(nameFromArn('arn:aws:ssm:us-east-1:123456789012:parameter/app/x'), '/app/x');
  assert.equal(nameFromArn('arn:aws:ssm:us-east-1:123456789012:parameter/plain'), 'plain');
  assert.equal(parameterArn('cn-north-1', '123456789012', '/app/x'), 'arn:aws-cn:ssm:cn-north-1:123456789012:parameter/app/x');
  assert.equal(nameFromArn('arn:aws-cn:ssm:cn-north-1:123456789012:parameter/app/x'), '/app/x');
  assert.equal(namesOtherRegion('arn:aws:ssm:eu-west-1:123456789012:parameter/app/x', 'us-east-1'), true);
  assert.equal(namesOtherRegion('arn:aws:ssm:us-east-1:123456789012:parameter/app/x:2', 'us-east-1'), false);
  assert.equal(namesOtherRegion('/app/x', 'us-east-1'), false);
});

test('selectors: name:version, name:label, and the same on an ARN', () => {
  assert.deepEqual(parseSelector('/a/b'), { name: '/a/b' });
  assert.deepEqual(parseSelector('/a/b:3'), { name: '/a/b', selector: ':3', version: 3 });
  assert.deepEqual(parseSelector('/a/b:prod'), { name: '/a/b', selector: ':prod', label: 'prod' });
  assert.deepEqual(parseSelector('arn:aws:ssm:us-east-1:123456789012:parameter/a/b:2'), { name: '/a/b', selector: ':2', version: 2 });
  assert.equal(codeOf(() => parseSelector('/a/b:1:2')), 'ParameterNotFound');
  assert.equal(codeOf(() => parseSelector('/a/b:')), 'ValidationException');
});

test('name rules: reserved prefixes, relative paths, characters, depth', () => {
  assert.equal(codeOf(() => checkNewName('/ok/name-1.x_y', SCOPE)), 'none');
  assert.equal(codeOf(() => checkNewName('SSMthing', SCOPE)), 'ValidationException');
  assert.equal(codeOf(() => checkNewName('/aws/x', SCOPE)), 'AccessDeniedException');
  assert.equal(codeOf(() => checkNewName('a/b', SCOPE)), 'ValidationException');
  assert.equal(codeOf(() => checkNewName('/a b', SCOPE)), 'ValidationException');
  assert.equal(codeOf(() => checkNewName('/' + 'x/'.repeat(15) + 'y', SCOPE)), 'HierarchyLevelLimitExceededException');
  // The limit is on the ARN, so the region's name and partition count.
  const longest = '/' + 'x'.repeat(1011 - parameterArn('us-east-1', '123456789012', '/').length);
  assert.equal(codeOf(() => checkNewName(longest, SCOPE)), 'none');
  assert.equal(codeOf(() => checkNewName(longest, { ...SCOPE, region: 'cn-northwest-1' })), 'ValidationException');
  assert.equal(parentPath('/a/b/c'), '/a/b');
  assert.equal(parentPath('/c'), '/');
  assert.equal(parentPath('c'), '/');
});

test('labels: letters, digits, .-_; not starting with a digit, aws or ssm; at most 100 characters', () => {
  assert.ok(isValidLabel('prod-1.x_y'));
  for (const bad of ['1st', 'awsx', 'SSMx', 'a b', 'x'.repeat(101), '']) assert.equal(isValidLabel(bad), false, bad);
});
