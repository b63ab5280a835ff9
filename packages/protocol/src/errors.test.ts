import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AwsError, awsError, errorCatalogue, isAwsError, type ErrorCode } from './errors.ts';
import { models } from './generated/index.ts';

const serviceErrors = (Object.entries(errorCatalogue) as [ErrorCode, (typeof errorCatalogue)[ErrorCode]][]).filter(
  ([, spec]) => spec.source !== 'common',
);

test('every service error in the catalogue is an error shape of that service model', () => {
  for (const [code, spec] of serviceErrors) {
    const model = models[spec.source as keyof typeof models];
    const shape = 'shape' in spec ? spec.shape : code;
    assert.equal(model.shapes[shape]?.type, 'structure', `${shape} is not a structure shape in the ${spec.source} model`);
  }
});

test('every service error in the catalogue is returned by at least one operation of that service', () => {
  for (const [code, spec] of serviceErrors) {
    const model = models[spec.source as keyof typeof models];
    const shape = 'shape' in spec ? spec.shape : code;
    const operations = Object.values(model.operations).filter((op) => op.errors.includes(shape));
    assert.ok(operations.length > 0, `no ${spec.source} operation declares ${code}`);
  }
});

test('server faults answer 5xx and client faults 4xx', () => {
  for (const [code, spec] of Object.entries(errorCatalogue)) {
    assert.equal(spec.fault === 'server', spec.status >= 500, `${code}: status ${spec.status}, fault ${spec.fault}`);
  }
});

test("an AwsError takes its status from the catalogue and serializes as AWS's error body", () => {
  const error = awsError('ServiceSettingNotFound', 'The setting does not exist');
  assert.ok(isAwsError(error));
  assert.ok(error instanceof AwsError);
  assert.equal(error.status, 400);
  assert.deepEqual(error.toJSON(), { __type: 'ServiceSettingNotFound', message: 'The setting does not exist' });
  assert.equal(awsError('InternalServerError', 'x').status, 500);
});
