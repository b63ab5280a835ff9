import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AwsError, type ErrorCode } from './errors.ts';
import { cloudtrailModel, kmsModel, models, secretsmanagerModel, ssmModel } from './generated/index.ts';
import type { ServiceModel } from './model.ts';
import { compileJavaPattern, decodeInput } from './validate.ts';

/** The AwsError that decoding throws, or a failed assertion if it does not throw one. */
function failure(model: ServiceModel, operation: string, body: unknown): AwsError {
  try {
    decodeInput(model, operation, body);
  } catch (error) {
    assert.ok(error instanceof AwsError, `expected an AwsError, got ${String(error)}`);
    return error;
  }
  assert.fail(`${operation} was accepted`);
}

function assertFails(model: ServiceModel, operation: string, body: unknown, code: ErrorCode, message: string): void {
  const error = failure(model, operation, body);
  assert.equal(error.code, code);
  assert.equal(error.message, message);
}

const one = (detail: string): string => `1 validation error detected: ${detail}`;

// --- required, length, range, pattern, enum ---------------------------------

test("GetServiceSetting without SettingId fails with 'Member must not be null'", () => {
  assertFails(ssmModel, 'GetServiceSetting', {}, 'ValidationException',
    one("Value null at 'settingId' failed to satisfy constraint: Member must not be null"));
});

test('a required member sent as JSON null counts as missing', () => {
  assertFails(ssmModel, 'GetServiceSetting', { SettingId: null }, 'ValidationException',
    one("Value null at 'settingId' failed to satisfy constraint: Member must not be null"));
});

test('GetServiceSetting with a 1001-character SettingId fails with the maximum length', () => {
  const id = 'a'.repeat(1001);
  assertFails(ssmModel, 'GetServiceSetting', { SettingId: id }, 'ValidationException',
    one(`Value '${id}' at 'settingId' failed to satisfy constraint: Member must have length less than or equal to 1000`));
});

test('GetServiceSetting with an empty SettingId fails with the minimum length', () => {
  assertFails(ssmModel, 'GetServiceSetting', { SettingId: '' }, 'ValidationException',
    one("Value '' at 'settingId' failed to satisfy constraint: Member must have length greater than or equal to 1"));
});

test('string length counts characters, not UTF-16 units', () => {
  // TagKey allows 128 characters; 128 astral letters are 256 UTF-16 units.
  const key = '𝒜'.repeat(128);
  assert.doesNotThrow(() => decodeInput(ssmModel, 'AddTagsToResource', { ResourceType: 'Parameter', ResourceId: 'p', Tags: [{ Key: key, Value: 'v' }] }));
});

test('GetParametersByPath with MaxResults 11 fails with the maximum value', () => {
  assertFails(ssmModel, 'GetParametersByPath', { Path: '/app', MaxResults: 11 }, 'ValidationException',
    one("Value '11' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 10"));
});

test('DescribeParameters with MaxResults 0 fails with the minimum value', () => {
  assertFails(ssmModel, 'DescribeParameters', { MaxResults: 0 }, 'ValidationException',
    one("Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1"));
});

test("PutParameter with an unknown Type fails with the enum value set, in AWS's order (not the model's)", () => {
  assertFails(ssmModel, 'PutParameter', { Name: '/app/db', Value: 'v', Type: 'Number' }, 'ValidationException',
    one("Value 'Number' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [SecureString, StringList, String]"));
});

test('a filter key outside its pattern fails with the regular expression, matched against the whole value', () => {
  // The pattern has no anchors; AWS still requires the whole value to match.
  assertFails(ssmModel, 'DescribeParameters', { ParameterFilters: [{ Key: 'xName' }] }, 'ValidationException',
    one("Value 'xName' at 'parameterFilters.1.member.key' failed to satisfy constraint: " +
      'Member must satisfy regular expression pattern: tag:.+|Name|Type|KeyId|Path|Label|Tier|DataType'));
  assert.doesNotThrow(() => decodeInput(ssmModel, 'DescribeParameters', { ParameterFilters: [{ Key: 'tag:team' }] }));
});

test('Unicode property patterns (\\p{L}) accept letters of any script and reject other symbols', () => {
  const tags = (key: string): unknown => ({ ResourceType: 'Parameter', ResourceId: 'p', Tags: [{ Key: key, Value: 'v' }] });
  assert.doesNotThrow(() => decodeInput(ssmModel, 'AddTagsToResource', tags('Équipe-ключ')));
  assertFails(ssmModel, 'AddTagsToResource', tags('bad*key'), 'ValidationException',
    one("Value 'bad*key' at 'tags.1.member.key' failed to satisfy constraint: " +
      'Member must satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$'));
});

test('a value breaking both its pattern and its length reports the pattern first', () => {
  const error = failure(ssmModel, 'CreateOpsMetadata', { ResourceId: 'r', Metadata: { k: { Value: '' } } });
  assert.equal(error.message,
    one("Value '' at 'metadata.k.member.value' failed to satisfy constraint: Member must have length greater than or equal to 1"));
  const both = failure(ssmModel, 'GetParametersByPath', { Path: '/p', ParameterFilters: [{ Key: '' }] });
  assert.equal(both.message,
    "2 validation errors detected: Value '' at 'parameterFilters.1.member.key' failed to satisfy constraint: " +
    'Member must satisfy regular expression pattern: tag:.+|Name|Type|KeyId|Path|Label|Tier|DataType; ' +
    "Value '' at 'parameterFilters.1.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1");
});

// --- paths, containers, counting --------------------------------------------

test('a missing member of a structure in a list is reported at list.<n>.member.<name>, counting from 1', () => {
  assertFails(ssmModel, 'DescribeParameters', { ParameterFilters: [{ Key: 'Name' }, { Values: ['x'] }] }, 'ValidationException',
    one("Value null at 'parameterFilters.2.member.key' failed to satisfy constraint: Member must not be null"));
});

test('several violations are counted and joined with "; " in member declaration order, depth first', () => {
  const error = failure(ssmModel, 'GetParametersByPath', {
    MaxResults: 11,
    ParameterFilters: [{ Key: 'Nope', Option: 'WayTooLongOption' }],
  });
  assert.equal(error.code, 'ValidationException');
  assert.equal(error.message,
    '4 validation errors detected: ' +
    "Value null at 'path' failed to satisfy constraint: Member must not be null; " +
    "Value 'Nope' at 'parameterFilters.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: tag:.+|Name|Type|KeyId|Path|Label|Tier|DataType; " +
    "Value 'WayTooLongOption' at 'parameterFilters.1.member.option' failed to satisfy constraint: Member must have length less than or equal to 10; " +
    "Value '11' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 10");
});

test('a list with too few or too many entries fails with the length wording and the list rendered as [a, b]', () => {
  assertFails(ssmModel, 'GetParameters', { Names: [] }, 'ValidationException',
    one("Value '[]' at 'names' failed to satisfy constraint: Member must have length greater than or equal to 1"));
  const names = Array.from({ length: 11 }, (_, i) => `p${i}`);
  assertFails(ssmModel, 'GetParameters', { Names: names }, 'ValidationException',
    one(`Value '[${names.join(', ')}]' at 'names' failed to satisfy constraint: Member must have length less than or equal to 10.`));
});

test('a bad string inside a list is reported once for the list, listing every constraint of the member', () => {
  assertFails(ssmModel, 'GetParameters', { Names: ['/ok', ''] }, 'ValidationException',
    one("Value '[/ok, ]' at 'names' failed to satisfy constraint: Member must satisfy constraint: " +
      '[Member must have length less than or equal to 2048, Member must have length greater than or equal to 1]'));
});

test("a bad map key is reported as 'Map keys must satisfy constraint' with the map rendered as {k=v}", () => {
  assertFails(ssmModel, 'CreateOpsMetadata', { ResourceId: 'r', Metadata: { ' ': { Value: 'v' } } }, 'ValidationException',
    one("Value '{ ={Value=v}}' at 'metadata' failed to satisfy constraint: Map keys must satisfy constraint: " +
      '[Member must have length less than or equal to 256, Member must have length greater than or equal to 1, ' +
      'Member must satisfy regular expression pattern: ^(?!\\s*$).+]'));
});

test("a map value breaking its own constraint is reported as 'Map value must satisfy constraint'", () => {
  const values = Array.from({ length: 51 }, () => 'v');
  assertFails(ssmModel, 'StartAutomationExecution', { DocumentName: 'Doc', Parameters: { p: values } }, 'ValidationException',
    one(`Value '{p=[${values.join(', ')}]}' at 'parameters' failed to satisfy constraint: Map value must satisfy constraint: ` +
      '[Member must have length less than or equal to 50, Member must have length greater than or equal to 0]'));
});

test('strings inside a list inside a map are reported at map.<key>.member', () => {
  assertFails(ssmModel, 'StartAutomationExecution', { DocumentName: 'Doc', Parameters: { p: ['ok', ''] } }, 'ValidationException',
    one("Value '[ok, ]' at 'parameters.p.member' failed to satisfy constraint: Member must satisfy constraint: " +
      '[Member must have length less than or equal to 512, Member must have length greater than or equal to 1]'));
});

test('a structure inside a map is validated at map.<key>.member.<name>', () => {
  assertFails(ssmModel, 'CreateOpsMetadata', { ResourceId: 'r', Metadata: { env: { Value: 'x'.repeat(4097) } } }, 'ValidationException',
    one(`Value '${'x'.repeat(4097)}' at 'metadata.env.member.value' failed to satisfy constraint: Member must have length less than or equal to 4096`));
});

// --- sensitive values ---------------------------------------------------------

test('a missing sensitive member is reported without a value: PutParameter without Value', () => {
  assertFails(ssmModel, 'PutParameter', { Name: '/app/db' }, 'ValidationException',
    one("Value at 'value' failed to satisfy constraint: Member must not be null"));
});

test('a sensitive value breaking a constraint is never echoed', () => {
  const secret = 'hunter2-'.repeat(8193); // 65544 characters, over SecretString's 65536
  const error = failure(secretsmanagerModel, 'CreateSecret', { Name: 'db', SecretString: secret });
  assert.equal(error.message,
    one("Value at 'secretString' failed to satisfy constraint: Member must have length less than or equal to 65536"));
  assert.ok(!error.message.includes('hunter2'));
  assertFails(ssmModel, 'CreateMaintenanceWindow',
    { Name: 'nightly', Description: '', Schedule: 'rate(1 day)', Duration: 2, Cutoff: 1, AllowUnassociatedTargets: false },
    'ValidationException', one("Value at 'description' failed to satisfy constraint: Member must have length greater than or equal to 1"));
});

test('a list holding sensitive values is reported without its value', () => {
  const body = {
    WindowId: 'mw-0123456789abcdef0',
    TaskArn: 'AWS-RunShellScript',
    TaskType: 'RUN_COMMAND',
    TaskParameters: { commands: { Values: ['rm -rf /tmp/secret', ''] } },
  };
  const error = failure(ssmModel, 'RegisterTaskWithMaintenanceWindow', body);
  assert.equal(error.message,
    one("Value at 'taskParameters.commands.member.values' failed to satisfy constraint: Member must satisfy constraint: " +
      '[Member must have length less than or equal to 255, Member must have length greater than or equal to 1]'));
  assert.ok(!error.message.includes('secret'));
});

test('an empty sensitive blob is reported without its value', () => {
  assertFails(kmsModel, 'Encrypt', { KeyId: 'alias/app', Plaintext: '' }, 'ValidationException',
    one("Value at 'plaintext' failed to satisfy constraint: Member must have length greater than or equal to 1"));
});

test('structures inside a rendered value are written as {Member=value}', () => {
  const tags = Array.from({ length: 1001 }, () => ({ Key: 'k', Value: 'v' }));
  const error = failure(ssmModel, 'PutParameter', { Name: '/p', Value: 'v', Tags: tags });
  assert.equal(error.message,
    one(`Value '[${tags.map(() => '{Key=k, Value=v}').join(', ')}]' at 'tags' failed to satisfy constraint: Member must have length less than or equal to 1000`));
});

// --- JSON types ---------------------------------------------------------------

test('a number where a string is expected is a SerializationException naming the member', () => {
  assertFails(ssmModel, 'GetServiceSetting', { SettingId: 42 }, 'SerializationException',
    "NUMBER_VALUE can not be converted to a String (at 'settingId')");
  assertFails(ssmModel, 'GetServiceSetting', { SettingId: true }, 'SerializationException',
    "TRUE_VALUE can not be converted to a String (at 'settingId')");
});

test('a string where an integer is expected is a SerializationException', () => {
  assertFails(ssmModel, 'DescribeParameters', { MaxResults: '10' }, 'SerializationException',
    "STRING_VALUE can not be converted to an Integer (at 'maxResults')");
});

test('an object or a list in the wrong place uses AWS wording', () => {
  assertFails(ssmModel, 'GetServiceSetting', { SettingId: { id: 'x' } }, 'SerializationException',
    "Start of structure or map found where not expected. (at 'settingId')");
  assertFails(ssmModel, 'GetServiceSetting', { SettingId: ['x'] }, 'SerializationException',
    "Start of list found where not expected (at 'settingId')");
  assertFails(ssmModel, 'DescribeParameters', { ParameterFilters: 'Name' }, 'SerializationException',
    "STRING_VALUE can not be converted to a List (at 'parameterFilters')");
  assertFails(ssmModel, 'DescribeParameters', { ParameterFilters: ['Name'] }, 'SerializationException',
    "STRING_VALUE can not be converted to a Structure (at 'parameterFilters.1.member')");
});

test('a type mismatch wins over constraint violations, as deserialization comes first', () => {
  assertFails(ssmModel, 'GetParametersByPath', { MaxResults: 'many' }, 'SerializationException',
    "STRING_VALUE can not be converted to an Integer (at 'maxResults')");
});

test('an integer outside 32 bits is a SerializationException', () => {
  assertFails(ssmModel, 'DescribeParameters', { MaxResults: 2 ** 31 }, 'SerializationException',
    "NUMBER_VALUE can not be converted to an Integer (at 'maxResults')");
});

test('a body that is not a JSON object is a SerializationException', () => {
  assertFails(ssmModel, 'GetServiceSetting', [], 'SerializationException', 'Start of list found where not expected');
  assert.equal(failure(ssmModel, 'GetServiceSetting', 'SettingId').code, 'SerializationException');
  assert.equal(failure(ssmModel, 'GetServiceSetting', 7).code, 'SerializationException');
});

test('a missing body is an empty object', () => {
  assert.deepEqual(decodeInput(ssmModel, 'DescribeParameters', undefined), {});
  assert.deepEqual(decodeInput(ssmModel, 'DescribeParameters', null), {});
});

test('an operation without an input shape accepts a missing or empty body', () => {
  const model: ServiceModel = { ...ssmModel, operations: { Ping: { errors: [] } } };
  assert.deepEqual(decodeInput(model, 'Ping', undefined), {});
  assert.deepEqual(decodeInput(model, 'Ping', {}), {});
});

test('an operation the model does not have is an UnknownOperationException', () => {
  assert.equal(failure(ssmModel, 'MakeCoffee', {}).code, 'UnknownOperationException');
});

// --- decoded values -----------------------------------------------------------

test('unknown members are ignored and left out of the decoded value', () => {
  const decoded = decodeInput(ssmModel, 'GetServiceSetting', { SettingId: '/ssm/x', Unknown: { deeply: ['nested'] } });
  assert.deepEqual(decoded, { SettingId: '/ssm/x' });
});

test('timestamps decode to Date from epoch seconds (with fraction) and from ISO-8601 text', () => {
  const decoded = decodeInput(cloudtrailModel, 'LookupEvents', {
    StartTime: 1764142723.123,
    EndTime: '2025-11-26T07:38:43Z',
  }) as { StartTime: Date; EndTime: Date };
  assert.ok(decoded.StartTime instanceof Date);
  assert.equal(decoded.StartTime.getTime(), 1764142723123);
  assert.equal(decoded.EndTime.toISOString(), '2025-11-26T07:38:43.000Z');
});

test('an ISO-8601 timestamp without an offset is read as UTC', () => {
  const decoded = decodeInput(cloudtrailModel, 'LookupEvents', { StartTime: '2025-11-26T07:38:43' }) as { StartTime: Date };
  assert.equal(decoded.StartTime.toISOString(), '2025-11-26T07:38:43.000Z');
});

test('a timestamp that is neither a number nor ISO-8601 is a SerializationException', () => {
  assert.equal(failure(cloudtrailModel, 'LookupEvents', { StartTime: 'yesterday' }).code, 'SerializationException');
  assert.equal(failure(cloudtrailModel, 'LookupEvents', { StartTime: true }).code, 'SerializationException');
});

test('blobs decode from base64 to Buffer; invalid base64 is a SerializationException', () => {
  const decoded = decodeInput(kmsModel, 'Encrypt', { KeyId: 'alias/app', Plaintext: 'aGVsbG8=' }) as { Plaintext: Buffer };
  assert.ok(Buffer.isBuffer(decoded.Plaintext));
  assert.equal(decoded.Plaintext.toString('utf8'), 'hello');
  assert.equal(failure(kmsModel, 'Encrypt', { KeyId: 'alias/app', Plaintext: 'not base64!' }).code, 'SerializationException');
});

test('an empty non-sensitive blob is rendered the way AWS (Java) renders a ByteBuffer', () => {
  assertFails(kmsModel, 'Decrypt', { CiphertextBlob: '' }, 'ValidationException',
    one("Value 'java.nio.HeapByteBuffer[pos=0 lim=0 cap=0]' at 'ciphertextBlob' failed to satisfy constraint: " +
      'Member must have length greater than or equal to 1'));
});

test('a valid request decodes to the same members', () => {
  const body = { Name: '/app/db', Value: 's3cr3t', Type: 'SecureString', Overwrite: true, Tags: [{ Key: 'team', Value: 'core' }] };
  assert.deepEqual(decodeInput(ssmModel, 'PutParameter', body), body);
});

// --- Java patterns --------------------------------------------------------------

test('every pattern of the four models compiles to a JS RegExp', () => {
  for (const [service, model] of Object.entries(models)) {
    for (const [name, shape] of Object.entries(model.shapes)) {
      if (shape.type === 'string' && shape.pattern !== undefined) {
        assert.ok(compileJavaPattern(shape.pattern), `${service} ${name}: ${shape.pattern}`);
      }
    }
  }
});

test('Java-only regex syntax is translated: inline flags, \\A \\z, possessive quantifiers, \\Q..\\E', () => {
  assert.ok(compileJavaPattern('(?i)all|[0-9]{12}')!.test('ALL'));
  assert.ok(compileJavaPattern('\\Aab+\\z')!.test('abbb'));
  assert.ok(compileJavaPattern('a*+b')!.test('aaab'));
  assert.ok(compileJavaPattern('\\Qa.b\\E')!.test('a.b'));
  assert.ok(!compileJavaPattern('\\Qa.b\\E')!.test('axb'));
  assert.ok(compileJavaPattern('[\\w-\\/]+')!.test('a-b/c'));
});

test('a pattern that cannot be translated is skipped instead of failing', () => {
  assert.equal(compileJavaPattern('[a-z&&[^x]]'), undefined);
  assert.equal(compileJavaPattern('\\h+'), undefined);
});

test('a map key named __proto__ stays an ordinary key', () => {
  const body = JSON.parse('{"ResourceId":"r","Metadata":{"__proto__":{"Value":"v"}}}');
  const decoded = decodeInput(ssmModel, 'CreateOpsMetadata', body) as { Metadata: Record<string, unknown> };
  assert.deepEqual(Object.keys(decoded.Metadata), ['__proto__']);
  assert.equal(Object.getPrototypeOf(decoded.Metadata), Object.prototype);
});

test('an unknown ResourceType and more than ten labels pass the front end: the operations answer InvalidResourceType and ParameterVersionLabelLimitExceeded', () => {
  for (const operation of ['AddTagsToResource', 'RemoveTagsFromResource', 'ListTagsForResource']) {
    const decoded = decodeInput(ssmModel, operation, { ResourceType: 'Bucket', ResourceId: 'x', Tags: [{ Key: 'k', Value: 'v' }], TagKeys: ['k'] }) as { ResourceType: string };
    assert.equal(decoded.ResourceType, 'Bucket');
  }
  const labels = Array.from({ length: 11 }, (_, i) => `l${i}`);
  assert.deepEqual((decodeInput(ssmModel, 'LabelParameterVersion', { Name: '/p', Labels: labels }) as { Labels: string[] }).Labels, labels);
  // The elements' own constraints still hold.
  assert.equal(failure(ssmModel, 'LabelParameterVersion', { Name: '/p', Labels: ['x'.repeat(101)] }).code, 'ValidationException');
});

test('only the messages AWS ends with a full stop have one', () => {
  // GetParameters' full stop: the list test above. Other operations keep AWS's usual wording, without one.
  assert.doesNotMatch(failure(ssmModel, 'GetServiceSetting', { SettingId: 'x'.repeat(1001) }).message, /\.$/);
});

test("PutParameter's empty Value breaks a minimum length AWS enforces beyond the model, counted with the other violations and not echoed", () => {
  assertFails(ssmModel, 'PutParameter', { Name: '/p', Value: '' }, 'ValidationException',
    one("Value at 'value' failed to satisfy constraint: Member must have length greater than or equal to 1"));
  assertFails(ssmModel, 'PutParameter', { Name: '/p', Value: '', Type: 'Number' }, 'ValidationException',
    "2 validation errors detected: Value at 'value' failed to satisfy constraint: Member must have length greater than or equal to 1; "
    + "Value 'Number' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [SecureString, StringList, String]");
  // Elsewhere an empty string is what the model allows.
  assert.deepEqual(decodeInput(ssmModel, 'GetParametersByPath', { Path: '/', NextToken: '' }), { Path: '/', NextToken: '' });
});
