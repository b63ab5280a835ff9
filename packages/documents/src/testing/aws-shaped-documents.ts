/**
 * Test documents in the shapes of AWS's own public documents: the same keys, nesting, parameter
 * types, constraints and schema versions, with Bosun's own words and scripts. Each says what
 * DescribeDocument should list for its parameters, so the parser tests and the end-to-end tests
 * (test/e2e/documents-shapes.test.ts) prove the same thing.
 *
 *   AWS-RunShellScript           schema 1.2, runtimeConfig with a list of properties
 *   AWS-RunPatchBaseline         schema 2.2, one step per platform behind preconditions
 *   AWS-ConfigureAWSPackage      schema 2.2, a StringMap default `{}` with maxChars
 *   AWS-GatherSoftwareInventory  schema 2.0, one aws:softwareInventory step
 *   AWS-RestartEC2Instance       schema 0.3 (Automation), assumeRole, outputs, isEnd
 *
 * The YAML ones leave parameter descriptions empty (`description:`, which YAML reads as null), as
 * documents written by hand often do.
 */

export interface DescribedParameter {
  Name: string;
  Type: string;
  Description?: string;
  DefaultValue?: string;
}

export interface AwsShapedDocument {
  /** A name for CreateDocument and the test titles. */
  name: string;
  /** The AWS document whose shape this one follows. */
  shape: string;
  documentType: 'Command' | 'Automation';
  format: 'JSON' | 'YAML';
  schemaVersion: string;
  content: string;
  /** DescribeDocument's Parameters, in document order. */
  parameters: DescribedParameter[];
  platformTypes: string[];
}

const ALL_PLATFORMS = ['Windows', 'Linux', 'MacOS'];

const runShellScript = {
  schemaVersion: '1.2',
  description: 'Run lines of shell on Linux nodes.',
  parameters: {
    commands: { type: 'StringList', description: '(Required) The lines to run.', minItems: 1, displayType: 'textarea' },
    workingDirectory: { type: 'String', default: '', description: '(Optional) Where to run them.', maxChars: 4096 },
    executionTimeout: {
      type: 'String',
      default: '1800',
      description: '(Optional) Seconds before the run is stopped.',
      allowedPattern: '([1-9][0-9]{0,4})|(1[0-6][0-9]{4})|(17[0-1][0-9]{3})|(172[0-7][0-9]{2})|(172800)',
    },
  },
  runtimeConfig: {
    'aws:runShellScript': {
      properties: [
        { id: '0.aws:runShellScript', runCommand: '{{ commands }}', workingDirectory: '{{ workingDirectory }}', timeoutSeconds: '{{ executionTimeout }}' },
      ],
    },
  },
};

const runShellScriptYaml = `---
schemaVersion: '1.2'
description: Run lines of shell on Linux nodes.
parameters:
  commands:
    type: StringList
    description:
    minItems: 1
    displayType: textarea
  workingDirectory:
    type: String
    default: ''
    description:
    maxChars: 4096
  executionTimeout:
    type: String
    default: '1800'
    description:
    allowedPattern: ([1-9][0-9]{0,4})|(1[0-6][0-9]{4})|(17[0-1][0-9]{3})|(172[0-7][0-9]{2})|(172800)
runtimeConfig:
  aws:runShellScript:
    properties:
      - id: 0.aws:runShellScript
        runCommand: '{{ commands }}'
        workingDirectory: '{{ workingDirectory }}'
        timeoutSeconds: '{{ executionTimeout }}'
`;

const SNAPSHOT_PATTERN = '(^$)|^[{]?[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}[}]?$';
const OVERRIDE_PATTERN = '(^$)|^https://.+$|^s3://([^/]+)/(.*?([^/]+))$';

const runPatchBaseline = {
  schemaVersion: '2.2',
  description: 'Scan for missing patches, or install them, on each platform.',
  parameters: {
    Operation: { type: 'String', description: '(Required) Scan or Install.', allowedValues: ['Scan', 'Install'], default: 'Scan' },
    SnapshotId: { type: 'String', default: '', description: '(Optional) A GUID naming the baseline snapshot.', allowedPattern: SNAPSHOT_PATTERN },
    InstallOverrideList: { type: 'String', default: '', description: '(Optional) An https or s3 URL of a patch list.', allowedPattern: OVERRIDE_PATTERN, maxChars: 256 },
    RebootOption: { type: 'String', description: '(Optional) Whether to reboot after installing.', allowedValues: ['RebootIfNeeded', 'NoReboot'], default: 'RebootIfNeeded' },
  },
  mainSteps: [
    {
      precondition: { StringEquals: ['platformType', 'Windows'] },
      action: 'aws:runPowerShellScript',
      name: 'PatchWindows',
      inputs: { timeoutSeconds: 7200, runCommand: ['$op = "{{Operation}}"', '$snap = "{{SnapshotId}}"', 'Write-Output "patch $op ($snap) {{RebootOption}} {{InstallOverrideList}}"'] },
    },
    {
      precondition: { StringEquals: ['platformType', 'Linux'] },
      action: 'aws:runShellScript',
      name: 'PatchLinux',
      inputs: { timeoutSeconds: 7200, runCommand: ['#!/bin/bash', 'op="{{Operation}}" snap="{{SnapshotId}}"', 'echo "patch $op ($snap) {{RebootOption}} {{InstallOverrideList}}"'] },
    },
    {
      precondition: { StringEquals: ['platformType', 'MacOS'] },
      action: 'aws:runShellScript',
      name: 'PatchMacOS',
      inputs: { timeoutSeconds: 7200, runCommand: ['#!/bin/bash', 'echo "patch {{Operation}} {{SnapshotId}} {{RebootOption}} {{InstallOverrideList}}"'] },
    },
  ],
};

const runPatchBaselineYaml = `---
schemaVersion: '2.2'
description:
parameters:
  Operation:
    type: String
    description:
    allowedValues:
      - Scan
      - Install
    default: Scan
  SnapshotId:
    type: String
    default: ''
    description:
    allowedPattern: '${SNAPSHOT_PATTERN}'
  InstallOverrideList:
    type: String
    default: ''
    description:
    allowedPattern: '${OVERRIDE_PATTERN}'
    maxChars: 256
  RebootOption:
    type: String
    description:
    allowedValues: [RebootIfNeeded, NoReboot]
    default: RebootIfNeeded
mainSteps:
  - precondition:
      StringEquals:
        - platformType
        - Windows
    action: aws:runPowerShellScript
    name: PatchWindows
    inputs:
      timeoutSeconds: 7200
      runCommand:
        - Write-Output "patch {{Operation}} {{SnapshotId}} {{RebootOption}} {{InstallOverrideList}}"
  - precondition:
      StringEquals: [platformType, Linux]
    action: aws:runShellScript
    name: PatchLinux
    inputs:
      timeoutSeconds: 7200
      runCommand:
        - |
          #!/bin/bash
          echo "patch {{Operation}} {{SnapshotId}} {{RebootOption}} {{InstallOverrideList}}"
`;

const configureAwsPackage = {
  schemaVersion: '2.2',
  description: 'Install or remove a package that Distributor holds.',
  parameters: {
    action: { description: '(Required) Install or Uninstall.', type: 'String', allowedValues: ['Install', 'Uninstall'] },
    installationType: {
      description: '(Optional) How an installed package is replaced.',
      type: 'String',
      allowedValues: ['Uninstall and reinstall', 'In-place update'],
      default: 'Uninstall and reinstall',
    },
    name: {
      description: '(Required) The package, by name or ARN.',
      type: 'String',
      allowedPattern: '^arn:[a-z0-9][-.a-z0-9]{0,62}:[a-z0-9][-.a-z0-9]{0,62}:([a-z0-9][-.a-z0-9]{0,62})?:([a-z0-9][-.a-z0-9]{0,62})?:(package|document)\\/[a-zA-Z0-9/:.\\-_]{1,128}$|^[a-zA-Z0-9/:.\\-_]{1,128}$',
    },
    version: { description: '(Optional) A version; the latest when empty.', type: 'String', default: '' },
    additionalArguments: { description: '(Optional) Values for the package scripts.', type: 'StringMap', displayType: 'textarea', default: {}, maxChars: 4096 },
  },
  mainSteps: [
    {
      action: 'aws:configurePackage',
      name: 'configurePackage',
      inputs: {
        name: '{{ name }}',
        action: '{{ action }}',
        installationType: '{{installationType}}',
        version: '{{ version }}',
        additionalArguments: '{{ additionalArguments }}',
      },
    },
  ],
};

const inventoryParameter = (description: string, fields: Record<string, unknown> = {}) => ({
  type: 'String',
  default: 'Enabled',
  description,
  allowedValues: ['Enabled', 'Disabled'],
  ...fields,
});

const gatherSoftwareInventory = {
  schemaVersion: '2.0',
  description: 'Collect what is installed and configured on a node.',
  parameters: {
    applications: inventoryParameter('(Optional) Installed applications.'),
    awsComponents: inventoryParameter('(Optional) AWS components such as the agent.'),
    files: { type: 'String', default: '', description: '(Optional) File paths to inventory, as JSON.', displayType: 'textarea' },
    networkConfig: inventoryParameter('(Optional) Network configuration.'),
    windowsRegistry: { type: 'String', default: '', description: '(Optional) Registry keys to inventory, as JSON.', displayType: 'textarea' },
    customInventory: inventoryParameter('(Optional) Custom inventory files.'),
  },
  mainSteps: [
    {
      action: 'aws:softwareInventory',
      name: 'collectSoftwareInventoryItems',
      inputs: {
        applications: '{{ applications }}',
        awsComponents: '{{ awsComponents }}',
        files: '{{ files }}',
        networkConfig: '{{ networkConfig }}',
        windowsRegistry: '{{ windowsRegistry }}',
        customInventory: '{{ customInventory }}',
      },
    },
  ],
};

const gatherSoftwareInventoryYaml = `schemaVersion: "2.0"
description: Collect what is installed and configured on a node.
parameters:
  applications:
    type: String
    default: Enabled
    description:
    allowedValues: [Enabled, Disabled]
  files:
    type: String
    default: ""
    description:
    displayType: textarea
mainSteps:
  - action: aws:softwareInventory
    name: collectSoftwareInventoryItems
    inputs:
      applications: "{{ applications }}"
      files: "{{ files }}"
`;

const restartInstance = {
  description: 'Stop the instances, then start them again.',
  schemaVersion: '0.3',
  assumeRole: '{{ AutomationAssumeRole }}',
  parameters: {
    InstanceId: { type: 'StringList', description: '(Required) The instances to restart.' },
    AutomationAssumeRole: {
      type: 'AWS::IAM::Role::Arn',
      description: '(Optional) The role the automation runs as.',
      default: '',
      allowedPattern: '^arn:aws(-cn|-us-gov)?:iam::\\d{12}:role\\/[\\w+=,.@_\\/-]+|^$',
    },
  },
  mainSteps: [
    { name: 'stopInstances', action: 'aws:changeInstanceState', onFailure: 'Abort', inputs: { InstanceIds: '{{ InstanceId }}', DesiredState: 'stopped' } },
    {
      name: 'startInstances',
      action: 'aws:changeInstanceState',
      maxAttempts: 3,
      timeoutSeconds: 600,
      isEnd: true,
      inputs: { InstanceIds: '{{ InstanceId }}', DesiredState: 'running' },
      outputs: [{ Name: 'CurrentState', Selector: '$.CurrentState', Type: 'String' }],
    },
  ],
  outputs: ['startInstances.CurrentState'],
};

const restartInstanceYaml = `description: Stop the instances, then start them again.
schemaVersion: '0.3'
assumeRole: '{{ AutomationAssumeRole }}'
parameters:
  InstanceId:
    type: StringList
    description:
  AutomationAssumeRole:
    type: String
    description:
    default: ''
mainSteps:
  - name: stopInstances
    action: aws:changeInstanceState
    onFailure: Abort
    inputs:
      InstanceIds: '{{ InstanceId }}'
      DesiredState: stopped
  - name: startInstances
    action: aws:changeInstanceState
    isEnd: true
    inputs:
      InstanceIds: '{{ InstanceId }}'
      DesiredState: running
`;

/** DescribeDocument's entry for a parameter written with AWS's field names. */
function described(name: string, definition: { type: string; description?: string | null; default?: unknown }): DescribedParameter {
  const entry: DescribedParameter = { Name: name, Type: definition.type };
  if (typeof definition.description === 'string') entry.Description = definition.description;
  if (definition.default !== undefined) entry.DefaultValue = typeof definition.default === 'string' ? definition.default : JSON.stringify(definition.default);
  return entry;
}

function describedAll(parameters: Record<string, { type: string; description?: string | null; default?: unknown }>, withDescriptions = true): DescribedParameter[] {
  return Object.entries(parameters).map(([name, definition]) => described(name, withDescriptions ? definition : { ...definition, description: null }));
}

const yamlParameters = (parameters: Record<string, { type: string; default?: unknown }>, names: string[], overrides: Record<string, string> = {}) =>
  describedAll(Object.fromEntries(names.map((name) => [name, { ...parameters[name], ...(overrides[name] ? { type: overrides[name] } : {}) }])), false);

export const AWS_SHAPED_DOCUMENTS: readonly AwsShapedDocument[] = [
  {
    name: 'Shape-RunShellScript-Json', shape: 'AWS-RunShellScript', documentType: 'Command', format: 'JSON', schemaVersion: '1.2',
    content: JSON.stringify(runShellScript, null, 2), parameters: describedAll(runShellScript.parameters), platformTypes: ['Linux', 'MacOS'],
  },
  {
    name: 'Shape-RunShellScript-Yaml', shape: 'AWS-RunShellScript', documentType: 'Command', format: 'YAML', schemaVersion: '1.2',
    content: runShellScriptYaml, parameters: describedAll(runShellScript.parameters, false), platformTypes: ['Linux', 'MacOS'],
  },
  {
    name: 'Shape-RunPatchBaseline-Json', shape: 'AWS-RunPatchBaseline', documentType: 'Command', format: 'JSON', schemaVersion: '2.2',
    content: JSON.stringify(runPatchBaseline, null, 2), parameters: describedAll(runPatchBaseline.parameters), platformTypes: ALL_PLATFORMS,
  },
  {
    name: 'Shape-RunPatchBaseline-Yaml', shape: 'AWS-RunPatchBaseline', documentType: 'Command', format: 'YAML', schemaVersion: '2.2',
    content: runPatchBaselineYaml, parameters: describedAll(runPatchBaseline.parameters, false), platformTypes: ['Windows', 'Linux'],
  },
  {
    name: 'Shape-ConfigureAWSPackage-Json', shape: 'AWS-ConfigureAWSPackage', documentType: 'Command', format: 'JSON', schemaVersion: '2.2',
    content: JSON.stringify(configureAwsPackage, null, 2), parameters: describedAll(configureAwsPackage.parameters), platformTypes: ALL_PLATFORMS,
  },
  {
    name: 'Shape-GatherSoftwareInventory-Json', shape: 'AWS-GatherSoftwareInventory', documentType: 'Command', format: 'JSON', schemaVersion: '2.0',
    content: JSON.stringify(gatherSoftwareInventory, null, 2), parameters: describedAll(gatherSoftwareInventory.parameters), platformTypes: ALL_PLATFORMS,
  },
  {
    name: 'Shape-GatherSoftwareInventory-Yaml', shape: 'AWS-GatherSoftwareInventory', documentType: 'Command', format: 'YAML', schemaVersion: '2.0',
    content: gatherSoftwareInventoryYaml, parameters: yamlParameters(gatherSoftwareInventory.parameters, ['applications', 'files']), platformTypes: ALL_PLATFORMS,
  },
  {
    name: 'Shape-RestartEC2Instance-Json', shape: 'AWS-RestartEC2Instance', documentType: 'Automation', format: 'JSON', schemaVersion: '0.3',
    content: JSON.stringify(restartInstance, null, 2), parameters: describedAll(restartInstance.parameters), platformTypes: ALL_PLATFORMS,
  },
  {
    name: 'Shape-RestartEC2Instance-Yaml', shape: 'AWS-RestartEC2Instance', documentType: 'Automation', format: 'YAML', schemaVersion: '0.3',
    content: restartInstanceYaml, parameters: yamlParameters(restartInstance.parameters, ['InstanceId', 'AutomationAssumeRole'], { AutomationAssumeRole: 'String' }), platformTypes: ALL_PLATFORMS,
  },
];
