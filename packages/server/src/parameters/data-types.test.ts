import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAwsError } from '@bosun/protocol';
import { checkDataType, checkDataTypeName, WEBHOOK_INTEGRATION_PREFIX, type DataTypeInput } from './data-types.ts';

const refusal = (input: DataTypeInput) => {
  try {
    checkDataType(input);
  } catch (error) {
    return isAwsError(error) ? `${error.code}: ${error.message}` : 'other';
  }
  return 'none';
};
const image = (value: string, more: Partial<DataTypeInput> = {}): DataTypeInput => ({ dataType: 'aws:ec2:image', type: 'String', name: '/golden-ami', value, ...more });
const webhook = `${WEBHOOK_INTEGRATION_PREFIX}alerts`;

test('a new parameter without DataType is text, and an overwrite without it keeps the current data type', () => {
  assert.equal(checkDataType({ dataType: undefined, type: 'StringList', name: '/a', value: 'x,y' }), 'text');
  assert.equal(checkDataType({ dataType: undefined, type: 'String', name: '/a', value: 'ami-0123456789abcdef0', current: 'aws:ec2:image' }), 'aws:ec2:image');
});

test('an unknown data type is refused with AWS message alone', () => {
  assert.equal(refusal({ dataType: 'Text', type: 'String', name: '/a', value: 'v' }), 'ValidationException: The following data type is not supported: Text (Data type names are all lowercase.)');
  assert.throws(() => checkDataTypeName('aws:ec2:Image'), /The following data type is not supported: aws:ec2:Image \(Data type names are all lowercase\.\)$/);
  assert.doesNotThrow(() => checkDataTypeName(undefined));
});

test('aws:ec2:image accepts ami- followed by 8 or 17 lower-case hex digits', () => {
  assert.equal(checkDataType(image('ami-1a2b3c4d')), 'aws:ec2:image');
  assert.equal(checkDataType(image('ami-0123456789abcdef0')), 'aws:ec2:image');
});

test('aws:ec2:image refuses any other value at once, naming the format', () => {
  for (const value of ['ami-1234567', 'ami-123456789', 'ami-0123456789abcdef', 'ami-0123456789ABCDEF0', 'ami-12345abcdeEXAMPLE', 'AMI-1a2b3c4d', 'ami-1a2b3c4d ', 'snap-1a2b3c4d', 'ami-1a2b3c4d,ami-5e6f7a8b']) {
    assert.match(refusal(image(value)), /^ValidationException: Parameter value .* is not a valid AMI ID for the aws:ec2:image data type: an AMI ID is ami- followed by 8 or 17 lower-case hexadecimal digits\.$/, value);
  }
});

test('aws:ec2:image is for String parameters only', () => {
  assert.equal(refusal(image('ami-1a2b3c4d', { type: 'StringList' })), 'ValidationException: The aws:ec2:image data type is not supported for the following input type: StringList');
  assert.equal(refusal(image('ami-1a2b3c4d', { type: 'SecureString' })), 'ValidationException: The aws:ec2:image data type is not supported for the following input type: SecureString');
});

test('aws:ssm:integration is a SecureString named in the webhook integration namespace', () => {
  const value = '{"description":"alerts","url":"https://hooks.example.com/x"}';
  assert.equal(checkDataType({ dataType: 'aws:ssm:integration', type: 'SecureString', name: webhook, value }), 'aws:ssm:integration');
  assert.equal(refusal({ dataType: 'aws:ssm:integration', type: 'String', name: webhook, value }), 'ValidationException: The aws:ssm:integration data type is not supported for the following input type: String');
  for (const name of ['/alerts', WEBHOOK_INTEGRATION_PREFIX, `${WEBHOOK_INTEGRATION_PREFIX}a/b`, '/d9d01087-4a3f-49e0-b0b4-d568d7826553/ssm/integrations/alerts']) {
    assert.match(refusal({ dataType: 'aws:ssm:integration', type: 'SecureString', name, value }), /must be named \/d9d01087-4a3f-49e0-b0b4-d568d7826553\/ssm\/integrations\/webhook\/INTEGRATION_NAME/, name);
  }
});

test('a parameter cannot change to or from an aws: data type', () => {
  assert.match(refusal(image('ami-1a2b3c4d', { current: 'text' })), /^ValidationException: A parameter can't change to or from the aws:ec2:image data type: \/golden-ami is text\./);
  assert.match(refusal({ dataType: 'text', type: 'String', name: '/golden-ami', value: 'v', current: 'aws:ec2:image' }), /^ValidationException: A parameter can't change to or from the aws:ec2:image data type: \/golden-ami is aws:ec2:image\./);
  assert.equal(checkDataType({ dataType: 'text', type: 'String', name: '/a', value: 'v', current: 'text' }), 'text');
});
