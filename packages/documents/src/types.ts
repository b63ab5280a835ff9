/** The shapes of the document engine: what a parsed document and a planned step look like. */

export type DocumentFormat = 'JSON' | 'YAML' | 'TEXT';

export type ParameterType = 'String' | 'StringList' | 'Integer' | 'Boolean' | 'MapList' | 'StringMap';

/**
 * The AWS resource types that Automation runbooks (schema 0.3) may also declare. Their values
 * are checked as strings (the `List<…>` forms as string lists); nothing looks the resource up.
 */
export type AutomationParameterType =
  | 'AWS::EC2::Instance::Id'
  | 'List<AWS::EC2::Instance::Id>'
  | 'AWS::IAM::Role::Arn'
  | 'AWS::S3::Bucket::Name';

export interface ParameterDefinition {
  type: ParameterType | AutomationParameterType;
  description?: string;
  default?: unknown;
  allowedValues?: string[];
  allowedPattern?: string;
  minChars?: number;
  maxChars?: number;
  minItems?: number;
  maxItems?: number;
  displayType?: string;
  /** `ENV_VAR`: the value reaches scripts as the environment variable `SSM_<name>`, never pasted into their text. */
  interpolationType?: 'ENV_VAR';
}

export interface DocumentStep {
  name: string;
  action: string;
  inputs: Record<string, unknown>;
  precondition?: unknown;
  /** Any other field of the step (Automation: onFailure, nextStep, isEnd, outputs…), kept as written. */
  [field: string]: unknown;
}

export interface ParsedDocument {
  schemaVersion: string;
  description?: string;
  parameters: Record<string, ParameterDefinition>;
  /** mainSteps (0.3, 2.x); for 1.2 each runtimeConfig plugin entry becomes a step named after the plugin. */
  steps: DocumentStep[];
  /** The parsed object, as written. */
  content: unknown;
}

export type PlatformType = 'Linux' | 'Windows' | 'MacOS';

export interface PlannedStep {
  name: string;
  action: string;
  inputs: Record<string, unknown>;
  env: Record<string, string>;
  /** Set when the step does not run on this node: the output the step reports instead. */
  skip?: string;
}
