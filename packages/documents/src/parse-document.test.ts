import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDocument } from './parse-document.ts';
import { DocumentContentError } from './document-errors.ts';

function command(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    schemaVersion: '2.2',
    description: 'Say hello',
    parameters: { Message: { type: 'String', default: 'hello' } },
    mainSteps: [{ action: 'aws:runShellScript', name: 'say', inputs: { runCommand: ['echo {{ Message }}'] } }],
    ...overrides,
  });
}

function rejects(content: string, pattern: RegExp, code: 'InvalidDocumentContent' | 'InvalidDocumentSchemaVersion' = 'InvalidDocumentContent', type = 'Command', format: 'JSON' | 'YAML' = 'JSON') {
  assert.throws(() => parseDocument(content, format, type), (error: unknown) => {
    assert.ok(error instanceof DocumentContentError, `expected DocumentContentError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    return true;
  });
}

test('a schema 2.2 Command document parses into its parameters and steps', () => {
  const doc = parseDocument(command(), 'JSON', 'Command');
  assert.equal(doc.schemaVersion, '2.2');
  assert.equal(doc.description, 'Say hello');
  assert.deepEqual(doc.parameters, { Message: { type: 'String', default: 'hello' } });
  assert.deepEqual(doc.steps, [{ action: 'aws:runShellScript', name: 'say', inputs: { runCommand: ['echo {{ Message }}'] } }]);
  assert.equal((doc.content as { schemaVersion: string }).schemaVersion, '2.2');
});

test('a YAML document parses like its JSON twin', () => {
  const yaml = [
    "schemaVersion: '2.2'",
    'description: Say hello',
    'parameters:',
    '  Message:',
    '    type: String',
    '    default: hello',
    'mainSteps:',
    '  - action: aws:runShellScript',
    '    name: say',
    '    inputs:',
    '      runCommand:',
    "        - echo {{ Message }}",
  ].join('\n');
  const fromYaml = parseDocument(yaml, 'YAML', 'Command');
  const fromJson = parseDocument(command(), 'JSON', 'Command');
  assert.deepEqual(fromYaml.steps, fromJson.steps);
  assert.deepEqual(fromYaml.parameters, fromJson.parameters);
});

test('an unquoted YAML schemaVersion is read as the version it spells', () => {
  const doc = parseDocument('schemaVersion: 2.2\nmainSteps:\n  - action: aws:runShellScript\n    name: a\n    inputs: {runCommand: [ls]}\n', 'YAML', 'Command');
  assert.equal(doc.schemaVersion, '2.2');
  const automation = parseDocument('schemaVersion: 0.3\nmainSteps:\n  - name: wait\n    action: aws:sleep\n    inputs: {Duration: PT1S}\n', 'YAML', 'Automation');
  assert.equal(automation.schemaVersion, '0.3');
});

test('malformed JSON is InvalidDocumentContent with the line and column', () => {
  rejects('{\n  "schemaVersion": "2.2",\n  oops\n}', /^JSON not well-formed\. at Line: 3, Column: \d+$/);
});

test('malformed YAML is InvalidDocumentContent with the line and column', () => {
  rejects('schemaVersion: "2.2"\nmainSteps: [\n', /^YAML not well-formed\. at Line: \d+, Column: \d+$/, 'InvalidDocumentContent', 'Command', 'YAML');
});

test('duplicate YAML keys are refused', () => {
  rejects('schemaVersion: "2.2"\nschemaVersion: "1.2"\n', /YAML not well-formed/, 'InvalidDocumentContent', 'Command', 'YAML');
});

test('content that is not an object is refused', () => {
  rejects('[1, 2]', /must be an object/);
  rejects('"text"', /must be an object/);
});

test('a document without schemaVersion is refused', () => {
  rejects(JSON.stringify({ mainSteps: [] }), /no schemaVersion/);
});

test('a schema version the document type does not accept is InvalidDocumentSchemaVersion', () => {
  rejects(command({ schemaVersion: '0.3' }), /0\.3.*Command/, 'InvalidDocumentSchemaVersion');
  rejects(command(), /2\.2.*Automation/, 'InvalidDocumentSchemaVersion', 'Automation');
});

test('a schema version no document type has is InvalidDocumentContent with AWS\'s message', () => {
  rejects(command({ schemaVersion: '3.0' }), /^Document schema version is invalid\. Value: 3\.0$/);
  rejects(command({ schemaVersion: '3.0' }), /^Document schema version is invalid\. Value: 3\.0$/, 'InvalidDocumentContent', 'Automation');
});

test('Command documents accept schema 1.2, 2.0 and 2.2', () => {
  parseDocument(command({ schemaVersion: '2.0' }), 'JSON', 'Command');
  parseDocument(command(), 'JSON', 'Command');
  parseDocument(JSON.stringify({ schemaVersion: '1.2', runtimeConfig: { 'aws:runShellScript': { properties: [{ id: '0.aws:runShellScript', runCommand: ['ls'] }] } } }), 'JSON', 'Command');
});

test('schema 2.x needs a non-empty mainSteps list', () => {
  rejects(command({ mainSteps: undefined }), /needs mainSteps/);
  rejects(command({ mainSteps: [] }), /non-empty list/);
  rejects(command({ mainSteps: {} }), /non-empty list/);
});

test('a step without a name or action is refused, naming the step', () => {
  rejects(command({ mainSteps: [{ action: 'aws:runShellScript', inputs: {} }] }), /mainSteps\[0\] has no name/);
  rejects(command({ mainSteps: [{ name: 'first', inputs: {} }] }), /Step "first" has no action/);
});

test('step names must be valid and unique', () => {
  rejects(command({ mainSteps: [{ name: 'bad name', action: 'aws:runShellScript', inputs: { runCommand: ['ls'] } }] }), /Step name "bad name" is not valid/);
  const step = { name: 'twice', action: 'aws:runShellScript', inputs: { runCommand: ['ls'] } };
  rejects(command({ mainSteps: [step, step] }), /"twice" is used by more than one step/);
});

test('step inputs must be an object', () => {
  rejects(command({ mainSteps: [{ name: 's', action: 'aws:runShellScript', inputs: ['ls'] }] }), /Step "s": inputs must be an object/);
});

test('a step without inputs gets empty inputs', () => {
  const doc = parseDocument(command({ parameters: {}, mainSteps: [{ name: 'refresh', action: 'aws:refreshAssociation' }] }), 'JSON', 'Command');
  assert.deepEqual(doc.steps[0].inputs, {});
});

test('other step fields are kept as written', () => {
  const doc = parseDocument(command({ mainSteps: [{ name: 's', action: 'aws:runShellScript', inputs: { runCommand: ['ls'] }, description: 'list', isCritical: true }] }), 'JSON', 'Command');
  assert.equal(doc.steps[0].description, 'list');
  assert.equal(doc.steps[0].isCritical, true);
});

test('a 2.2 precondition on platformType is accepted', () => {
  const doc = parseDocument(command({ mainSteps: [{ name: 's', action: 'aws:runShellScript', precondition: { StringEquals: ['platformType', 'Linux'] }, inputs: { runCommand: ['ls'] } }] }), 'JSON', 'Command');
  assert.deepEqual(doc.steps[0].precondition, { StringEquals: ['platformType', 'Linux'] });
});

test('a malformed precondition is refused, naming the step', () => {
  const withPrecondition = (precondition: unknown) => command({ mainSteps: [{ name: 'pre', action: 'aws:runShellScript', precondition, inputs: { runCommand: ['ls'] } }] });
  rejects(withPrecondition({ StringLike: ['platformType', 'Linux'] }), /Step "pre": precondition supports only the StringEquals operator/);
  rejects(withPrecondition({ StringEquals: ['osName', 'Linux'] }), /Step "pre": precondition StringEquals takes two operands/);
  rejects(withPrecondition({ StringEquals: ['platformType', 'Solaris'] }), /Step "pre": precondition platform must be one of Windows, Linux, MacOS/);
  rejects(withPrecondition('Linux'), /Step "pre": precondition must be an object/);
});

test('preconditions are refused before schema 2.2', () => {
  rejects(command({ schemaVersion: '2.0', mainSteps: [{ name: 'pre', action: 'aws:runShellScript', precondition: { StringEquals: ['platformType', 'Linux'] }, inputs: { runCommand: ['ls'] } }] }), /Step "pre": precondition is supported only in schema 2\.2/);
});

test('a step using a parameter the document does not declare is refused with AWS\'s message', () => {
  rejects(command({ mainSteps: [{ name: 'say', action: 'aws:runShellScript', inputs: { runCommand: ['echo {{ Missing }}'] } }] }), /^Parameter "Missing" is not declared\.$/);
});

test('an Automation runbook using a parameter it does not declare is refused with AWS\'s message', () => {
  const runbook = (fields: Record<string, unknown>) => JSON.stringify({ schemaVersion: '0.3', mainSteps: [{ name: 'wait', action: 'aws:sleep', inputs: { Duration: 'PT1S' } }], ...fields });
  rejects(runbook({ assumeRole: '{{ AutomationAssumeRole }}' }), /^Parameter "AutomationAssumeRole" is not declared\.$/, 'InvalidDocumentContent', 'Automation');
  rejects(runbook({ mainSteps: [{ name: 'install', action: 'aws:runCommand', inputs: { DocumentName: 'AWS-ConfigureAWSPackage', Parameters: { version: '{{ PackageVersion }}' } } }] }), /^Parameter "PackageVersion" is not declared\.$/, 'InvalidDocumentContent', 'Automation');
  parseDocument(runbook({ mainSteps: [
    { name: 'first', action: 'aws:executeAwsApi', inputs: { Service: 'ec2', Api: 'DescribeInstances' }, outputs: [{ Name: 'State', Selector: '$.State', Type: 'String' }] },
    { name: 'second', action: 'aws:sleep', inputs: { Note: '{{ first.State }} {{ automation:EXECUTION_ID }} {{ global:REGION }}' } },
  ] }), 'JSON', 'Automation');
});

test('ssm: and ssm-secure: references in steps are not taken for parameters', () => {
  parseDocument(command({ mainSteps: [{ name: 'say', action: 'aws:runShellScript', inputs: { runCommand: ['echo {{ssm:/app/greeting}} {{ ssm-secure:/app/key }}'] } }] }), 'JSON', 'Command');
});

test('schema 1.2 runtimeConfig plugins become steps named after the plugin', () => {
  const doc = parseDocument(JSON.stringify({
    schemaVersion: '1.2',
    parameters: { commands: { type: 'StringList' } },
    runtimeConfig: { 'aws:runShellScript': { properties: [{ id: '0.aws:runShellScript', runCommand: '{{ commands }}' }] } },
  }), 'JSON', 'Command');
  assert.deepEqual(doc.steps, [{ name: 'aws:runShellScript', action: 'aws:runShellScript', inputs: { id: '0.aws:runShellScript', runCommand: '{{ commands }}' } }]);
});

test('schema 1.2 properties given as one object, or as several, become steps too', () => {
  const single = parseDocument(JSON.stringify({ schemaVersion: '1.2', runtimeConfig: { 'aws:runShellScript': { properties: { runCommand: ['ls'] } } } }), 'JSON', 'Command');
  assert.deepEqual(single.steps.map((s) => s.name), ['aws:runShellScript']);
  const several = parseDocument(JSON.stringify({ schemaVersion: '1.2', runtimeConfig: { 'aws:runShellScript': { properties: [{ id: 'first', runCommand: ['ls'] }, { runCommand: ['pwd'] }] } } }), 'JSON', 'Command');
  assert.deepEqual(several.steps.map((s) => s.name), ['first', '1.aws:runShellScript']);
});

test('schema 1.2 needs runtimeConfig with properties', () => {
  rejects(JSON.stringify({ schemaVersion: '1.2' }), /needs runtimeConfig/);
  rejects(JSON.stringify({ schemaVersion: '1.2', runtimeConfig: {} }), /non-empty object of plugins/);
  rejects(JSON.stringify({ schemaVersion: '1.2', runtimeConfig: { 'aws:runShellScript': {} } }), /Plugin "aws:runShellScript" in runtimeConfig needs properties/);
});

test('parameter definitions: names, types and fields are checked, naming the parameter', () => {
  rejects(command({ parameters: { 'bad-name': { type: 'String' } } }), /Parameter name "bad-name" is not valid/);
  rejects(command({ parameters: { Message: { type: 'Text' } } }), /Parameter "Message" has type "Text"; allowed types are String, StringList, Integer, Boolean, MapList, StringMap/);
  rejects(command({ parameters: { Message: { default: 'x' } } }), /Parameter "Message" has type \(none\)/);
  rejects(command({ parameters: { Message: 'String' } }), /Parameter "Message" must be an object with a type/);
  rejects(command({ parameters: { Message: { type: 'String', allowedPattern: '([' } } }), /Parameter "Message" has an allowedPattern that is not a valid regular expression/);
  rejects(command({ parameters: { Message: { type: 'String', minChars: -1 } } }), /Parameter "Message": minChars must be a non-negative integer/);
  rejects(command({ parameters: { Message: { type: 'String', allowedValues: 'a' } } }), /Parameter "Message": allowedValues must be a list of strings/);
  rejects(command({ parameters: { Message: { type: 'String', description: 3 } } }), /Parameter "Message": description must be a string/);
});

test('every parameter type and constraint is read from the definition', () => {
  const doc = parseDocument(command({
    parameters: {
      Message: { type: 'String', default: 'hi', allowedValues: ['hi', 'bye'], description: 'what to say', displayType: 'textarea' },
      Lines: { type: 'StringList', default: ['a'], minItems: 1, maxItems: 3, allowedPattern: '[a-z]+', minChars: 1, maxChars: 5 },
      Count: { type: 'Integer', default: 3 },
      Loud: { type: 'Boolean', default: false },
      Items: { type: 'MapList', default: [{ k: 'v' }] },
      Tags: { type: 'StringMap', default: { env: 'prod' } },
    },
    mainSteps: [{ name: 's', action: 'aws:runShellScript', inputs: { runCommand: ['echo {{Message}}'] } }],
  }), 'JSON', 'Command');
  assert.deepEqual(doc.parameters.Message, { type: 'String', default: 'hi', allowedValues: ['hi', 'bye'], description: 'what to say', displayType: 'textarea' });
  assert.deepEqual(doc.parameters.Lines, { type: 'StringList', default: ['a'], minItems: 1, maxItems: 3, allowedPattern: '[a-z]+', minChars: 1, maxChars: 5 });
  assert.equal(doc.parameters.Count.default, 3);
  assert.equal(doc.parameters.Loud.default, false);
  assert.deepEqual(doc.parameters.Items.default, [{ k: 'v' }]);
  assert.deepEqual(doc.parameters.Tags.default, { env: 'prod' });
});

test('defaults are converted to the parameter type', () => {
  const doc = parseDocument(command({
    parameters: { Message: { type: 'String', default: 42 }, Count: { type: 'Integer', default: '7' }, Loud: { type: 'Boolean', default: 'TRUE' }, Lines: { type: 'StringList', default: 'one' } },
    mainSteps: [{ name: 's', action: 'aws:runShellScript', inputs: { runCommand: ['ls'] } }],
  }), 'JSON', 'Command');
  assert.equal(doc.parameters.Message.default, '42');
  assert.equal(doc.parameters.Count.default, 7);
  assert.equal(doc.parameters.Loud.default, true);
  assert.deepEqual(doc.parameters.Lines.default, ['one']);
});

test('a default of the wrong type or outside the constraints is refused, naming the parameter', () => {
  const params = (parameters: unknown) => command({ parameters, mainSteps: [{ name: 's', action: 'aws:runShellScript', inputs: { runCommand: ['ls'] } }] });
  rejects(params({ Count: { type: 'Integer', default: 'many' } }), /Parameter "Count" of type Integer has a default that is not an integer/);
  rejects(params({ Loud: { type: 'Boolean', default: 'yes' } }), /Parameter "Loud" of type Boolean has a default that is not true or false/);
  rejects(params({ Items: { type: 'MapList', default: ['x'] } }), /Parameter "Items" of type MapList has a default that is not a list of maps/);
  rejects(params({ Tags: { type: 'StringMap', default: [] } }), /Parameter "Tags" of type StringMap has a default that is not a map/);
  rejects(params({ Lines: { type: 'StringList', default: [{}] } }), /Parameter "Lines" of type StringList has a default that is not a list of strings/);
  rejects(params({ Message: { type: 'String', default: {} } }), /Parameter "Message" of type String has a default that is not a string/);
  rejects(params({ Message: { type: 'String', default: 'x', allowedValues: ['a', 'b'] } }), /^The default of parameter "Message" value "x" is not one of the allowed values: a, b\.$/);
  rejects(params({ Message: { type: 'String', default: 'x y', allowedPattern: '^[a-z]+$' } }), /default of parameter "Message" value "x y" does not match the allowed pattern/);
});

test('interpolationType ENV_VAR is accepted on String parameters only', () => {
  const doc = parseDocument(command({ parameters: { Message: { type: 'String', interpolationType: 'ENV_VAR' } } }), 'JSON', 'Command');
  assert.equal(doc.parameters.Message.interpolationType, 'ENV_VAR');
  rejects(command({ parameters: { Message: { type: 'String', interpolationType: 'TEXT' } } }), /Parameter "Message": interpolationType must be ENV_VAR/);
  rejects(command({ parameters: { Message: { type: 'StringList', interpolationType: 'ENV_VAR' } } }), /applies to String, Integer and Boolean parameters only/);
});

test('an Automation runbook (0.3) parses with its step flow and resource parameter types', () => {
  const doc = parseDocument(JSON.stringify({
    schemaVersion: '0.3',
    assumeRole: '{{ AutomationAssumeRole }}',
    parameters: { InstanceId: { type: 'AWS::EC2::Instance::Id' }, AutomationAssumeRole: { type: 'AWS::IAM::Role::Arn', default: '' } },
    mainSteps: [
      { name: 'first', action: 'aws:sleep', inputs: { Duration: 'PT1S' }, nextStep: 'second', onFailure: 'step:cleanup' },
      { name: 'second', action: 'aws:executeScript', inputs: { Script: 'x', Ref: '{{ first.Output }}' }, isEnd: true, maxAttempts: 2 },
      { name: 'cleanup', action: 'aws:sleep', inputs: { Duration: 'PT1S' }, onFailure: 'Continue' },
    ],
  }), 'JSON', 'Automation');
  assert.deepEqual(doc.steps.map((s) => s.name), ['first', 'second', 'cleanup']);
  assert.equal(doc.steps[0].nextStep, 'second');
  assert.equal(doc.parameters.InstanceId.type, 'AWS::EC2::Instance::Id');
});

test('an Automation runbook whose flow names missing steps is refused', () => {
  const runbook = (step: Record<string, unknown>) => JSON.stringify({ schemaVersion: '0.3', mainSteps: [{ name: 'only', action: 'aws:sleep', inputs: {}, ...step }] });
  rejects(runbook({ nextStep: 'ghost' }), /Step "only": nextStep "ghost" is not a step of this runbook/, 'InvalidDocumentContent', 'Automation');
  rejects(runbook({ onFailure: 'step:ghost' }), /Step "only": onFailure names step "ghost"/, 'InvalidDocumentContent', 'Automation');
  rejects(runbook({ onCancel: 'Retry' }), /Step "only": onCancel must be Abort, Continue or step:<name>/, 'InvalidDocumentContent', 'Automation');
  rejects(runbook({ isEnd: 'yes' }), /Step "only": isEnd must be true or false/, 'InvalidDocumentContent', 'Automation');
  rejects(runbook({ maxAttempts: 0 }), /Step "only": maxAttempts must be a positive integer/, 'InvalidDocumentContent', 'Automation');
  rejects(runbook({ timeoutSeconds: -1 }), /Step "only": timeoutSeconds must be a positive number/, 'InvalidDocumentContent', 'Automation');
  rejects(JSON.stringify({ schemaVersion: '0.3', mainSteps: [{ name: 'has-hyphen', action: 'aws:sleep' }] }), /Step name "has-hyphen" is not valid/, 'InvalidDocumentContent', 'Automation');
});

test('resource parameter types are for Automation only', () => {
  rejects(command({ parameters: { Message: { type: 'AWS::EC2::Instance::Id' } } }), /Parameter "Message" has type "AWS::EC2::Instance::Id"/);
});

test('TEXT content is refused for Command and Automation documents', () => {
  assert.throws(() => parseDocument('hello', 'TEXT', 'Command'), /must be JSON or YAML, not TEXT/);
});

test('other document types are parsed for their schemaVersion without step validation', () => {
  const doc = parseDocument(JSON.stringify({ schemaVersion: '1.0', sessionType: 'Standard_Stream' }), 'JSON', 'Session');
  assert.equal(doc.schemaVersion, '1.0');
  assert.deepEqual(doc.steps, []);
});

test('Command steps take onFailure exit or successAndExit and finallyStep true or false in their inputs', () => {
  const step = (inputs: Record<string, unknown>) => command({ mainSteps: [{ name: 'flow', action: 'aws:runShellScript', inputs: { runCommand: ['ls'], ...inputs } }] });
  parseDocument(step({ onFailure: 'exit' }), 'JSON', 'Command');
  parseDocument(step({ onFailure: 'successAndExit', finallyStep: true }), 'JSON', 'Command');
  parseDocument(step({ finallyStep: 'false' }), 'JSON', 'Command');
  rejects(step({ onFailure: 'Abort' }), /Step "flow": onFailure must be exit or successAndExit/);
  rejects(step({ finallyStep: 'yes' }), /Step "flow": finallyStep must be true or false/);
});

test('empty (null) optional fields count as absent: description, displayType, allowedValues, default, inputs', () => {
  const yaml = [
    "schemaVersion: '2.2'",
    'description:',
    'parameters:',
    '  Message:',
    '    type: String',
    '    description:',
    '    displayType:',
    '    allowedValues:',
    '    allowedPattern:',
    '    default:',
    'mainSteps:',
    '  - action: aws:refreshAssociation',
    '    name: refresh',
    '    inputs:',
  ].join('\n');
  const doc = parseDocument(yaml, 'YAML', 'Command');
  assert.equal(doc.description, undefined);
  assert.deepEqual(doc.parameters.Message, { type: 'String' });
  assert.deepEqual(doc.steps[0].inputs, {});
});

test('keys the parser does not read are kept, at the top, in parameters and in steps', () => {
  const doc = parseDocument(command({
    outputs: ['say.Output'],
    files: {},
    parameters: { Message: { type: 'String', default: 'hello', label: 'Message', isSecret: false } },
    mainSteps: [{ name: 'say', action: 'aws:runShellScript', isCritical: 'true', inputs: { runCommand: ['echo {{ Message }}'] } }],
  }), 'JSON', 'Command');
  assert.deepEqual((doc.content as { outputs: string[] }).outputs, ['say.Output']);
  assert.equal(doc.steps[0].isCritical, 'true');
});

test('bounds that no value can meet are accepted: minChars above maxChars, minItems above maxItems', () => {
  const doc = parseDocument(command({ parameters: { Message: { type: 'String', minChars: 5, maxChars: 2 }, Lines: { type: 'StringList', minItems: 3, maxItems: 1 } }, mainSteps: [{ name: 's', action: 'aws:runShellScript', inputs: { runCommand: ['ls'] } }] }), 'JSON', 'Command');
  assert.equal(doc.parameters.Message.minChars, 5);
});

test('StringMap and MapList defaults may be written as JSON text', () => {
  const doc = parseDocument(command({
    parameters: { Tags: { type: 'StringMap', default: '{"env":"prod"}' }, Items: { type: 'MapList', default: '[{"k":"v"}]' } },
    mainSteps: [{ name: 's', action: 'aws:runShellScript', inputs: { runCommand: ['ls'] } }],
  }), 'JSON', 'Command');
  assert.deepEqual(doc.parameters.Tags.default, { env: 'prod' });
  assert.deepEqual(doc.parameters.Items.default, [{ k: 'v' }]);
});

test('Automation flow fields may be parameters: timeoutSeconds, maxAttempts, isEnd', () => {
  const doc = parseDocument(JSON.stringify({
    schemaVersion: '0.3',
    parameters: { Timeout: { type: 'Integer', default: 60 }, Attempts: { type: 'Integer', default: 2 }, Last: { type: 'Boolean', default: true } },
    mainSteps: [{ name: 'wait', action: 'aws:sleep', timeoutSeconds: '{{ Timeout }}', maxAttempts: '{{ Attempts }}', isEnd: '{{ Last }}', inputs: { Duration: 'PT1S' } }],
  }), 'JSON', 'Automation');
  assert.equal(doc.steps[0].timeoutSeconds, '{{ Timeout }}');
});
