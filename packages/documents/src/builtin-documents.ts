/**
 * Documents owned by the service (Owner `Amazon`, ARN `arn:aws:ssm:REGION::document/NAME`),
 * named as AWS names them and taking the same parameters with the same types, defaults and
 * constraints, so that commands written for AWS run unchanged. Pure data.
 */
import { formatContent } from './content-format.ts';

export interface BuiltinDocument {
  name: string;
  documentType: 'Command';
  documentFormat: 'JSON';
  content: string;
  description: string;
  platformTypes: string[];
}

/** Up to 172800 seconds (48 hours), written as AWS's pattern writes it. */
const executionTimeoutPattern = '([1-9][0-9]{0,4})|(1[0-6][0-9]{4})|(17[0-1][0-9]{3})|(172[0-7][0-9]{2})|(172800)';

function scriptDocument(description: string, plugin: string, commandsHelp: string): string {
  return formatContent({
    schemaVersion: '1.2',
    description,
    parameters: {
      commands: {
        type: 'StringList',
        description: `(Required) ${commandsHelp}`,
        minItems: 1,
        displayType: 'textarea',
      },
      workingDirectory: {
        type: 'String',
        default: '',
        description: '(Optional) The directory on the node the commands run in.',
        maxChars: 4096,
      },
      executionTimeout: {
        type: 'String',
        default: '3600',
        description: '(Optional) Seconds the commands may run before they are stopped and the command fails. Default 3600 (1 hour), at most 172800 (48 hours).',
        allowedPattern: executionTimeoutPattern,
      },
    },
    runtimeConfig: {
      [plugin]: {
        properties: [
          {
            id: `0.${plugin}`,
            runCommand: '{{ commands }}',
            workingDirectory: '{{ workingDirectory }}',
            timeoutSeconds: '{{ executionTimeout }}',
          },
        ],
      },
    },
  }, 'JSON');
}

const runShellScriptDescription = 'Run a shell script or specify the commands to run.';
const runPowerShellScriptDescription = 'Run a PowerShell script or specify the paths to scripts to run.';

const updateAgentDescription = 'Update the Bosun agent to the latest version or specified version.';

/**
 * AWS-UpdateSSMAgent as AWS publishes it (schema 1.2, plugin aws:updateSsmAgent, the same
 * parameters), for the Bosun agent: `source` names the agent's own server, where the bundles
 * are (docs/nodes.md, "Updating agents").
 */
function updateAgentDocument(): string {
  return formatContent({
    schemaVersion: '1.2',
    description: updateAgentDescription,
    parameters: {
      version: {
        default: '',
        description: '(Optional) A specific version of the Bosun agent to install. If not specified, the agent will be updated to the latest version the server offers.',
        type: 'String',
      },
      allowDowngrade: {
        default: 'false',
        description: '(Optional) Allow the Bosun agent to be downgraded to an earlier version. If set to false, the agent can be upgraded to newer versions only (default). If set to true, specify the earlier version.',
        type: 'String',
        allowedValues: ['true', 'false'],
      },
    },
    runtimeConfig: {
      'aws:updateSsmAgent': {
        properties: [
          {
            agentName: 'bosun-agent',
            source: '/bosun/v1/agent/versions',
            allowDowngrade: '{{ allowDowngrade }}',
            targetVersion: '{{ version }}',
          },
        ],
      },
    },
  }, 'JSON');
}

const gatherSoftwareInventoryDescription = 'Software Inventory Policy Document.';

/** One Enabled/Disabled switch of AWS-GatherSoftwareInventory. */
const inventorySwitch = (description: string) => ({ type: 'String', default: 'Enabled', description, allowedValues: ['Enabled', 'Disabled'] });

/**
 * AWS-GatherSoftwareInventory as AWS publishes it (schema 2.0, one aws:softwareInventory
 * step, the same parameters): what State Manager associations run to collect inventory.
 */
function gatherSoftwareInventoryDocument(): string {
  const switches = {
    applications: inventorySwitch('(Optional) Collect data for installed applications.'),
    awsComponents: inventorySwitch('(Optional) Collect data for AWS Components like amazon-ssm-agent.'),
    files: {
      type: 'String',
      default: '',
      description: '(Optional) File paths to collect data for, as JSON, e.g. [{"Path":"/usr/bin", "Pattern":["aws*", "*ssm*"],"Recursive":false},{"Path":"/var/log", "Pattern":["amazon*.*"], "Recursive":true, "DirScanLimit":1000}].',
      displayType: 'textarea',
    },
    networkConfig: inventorySwitch('(Optional) Collect data for Network configurations.'),
    windowsUpdates: inventorySwitch('(Optional, Windows OS only) Collect data for all Windows Updates.'),
    instanceDetailedInformation: inventorySwitch('(Optional) Collect additional information about the instance, including the CPU model, speed, and the number of cores, to name a few.'),
    services: inventorySwitch('(Optional) Collect data for service configurations.'),
    windowsRegistry: { type: 'String', default: '', description: '(Optional, Windows OS only) Registry keys to collect data for, as JSON.', displayType: 'textarea' },
    windowsRoles: inventorySwitch('(Optional, Windows OS only) Collect data for Microsoft Windows role configurations.'),
    customInventory: inventorySwitch('(Optional) Collect data for custom inventory.'),
    billingInfo: inventorySwitch('(Optional) Collect billing info for license included applications.'),
  };
  return formatContent({
    schemaVersion: '2.0',
    description: gatherSoftwareInventoryDescription,
    parameters: switches,
    mainSteps: [
      {
        action: 'aws:softwareInventory',
        name: 'collectSoftwareInventoryItems',
        inputs: Object.fromEntries(Object.keys(switches).map((name) => [name, `{{ ${name} }}`])),
      },
    ],
  }, 'JSON');
}

export const BUILTIN_DOCUMENTS: readonly BuiltinDocument[] = [
  {
    name: 'AWS-RunShellScript',
    documentType: 'Command',
    documentFormat: 'JSON',
    description: runShellScriptDescription,
    platformTypes: ['Linux', 'MacOS'],
    content: scriptDocument(runShellScriptDescription, 'aws:runShellScript', 'The shell commands to run, or a script to run.'),
  },
  {
    name: 'AWS-RunPowerShellScript',
    documentType: 'Command',
    documentFormat: 'JSON',
    description: runPowerShellScriptDescription,
    platformTypes: ['Windows', 'Linux', 'MacOS'],
    content: scriptDocument(runPowerShellScriptDescription, 'aws:runPowerShellScript', 'The PowerShell commands to run, or the paths of scripts on the node to run.'),
  },
  {
    name: 'AWS-UpdateSSMAgent',
    documentType: 'Command',
    documentFormat: 'JSON',
    description: updateAgentDescription,
    platformTypes: ['Windows', 'Linux', 'MacOS'],
    content: updateAgentDocument(),
  },
  // The same document under Bosun's own name, for those who would rather not say SSM.
  {
    name: 'Bosun-UpdateAgent',
    documentType: 'Command',
    documentFormat: 'JSON',
    description: updateAgentDescription,
    platformTypes: ['Windows', 'Linux', 'MacOS'],
    content: updateAgentDocument(),
  },
  {
    name: 'AWS-GatherSoftwareInventory',
    documentType: 'Command',
    documentFormat: 'JSON',
    description: gatherSoftwareInventoryDescription,
    platformTypes: ['Windows', 'Linux', 'MacOS'],
    content: gatherSoftwareInventoryDocument(),
  },
];

/** The built-in document of that name, if there is one. */
export function findBuiltinDocument(name: string): BuiltinDocument | undefined {
  return BUILTIN_DOCUMENTS.find((doc) => doc.name === name);
}
