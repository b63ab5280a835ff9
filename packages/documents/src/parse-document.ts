/**
 * Parsing and validating a document's content: what CreateDocument and UpdateDocument accept.
 *
 *   schema 2.0 / 2.2  Command: `mainSteps` of plugin steps (2.2 adds `precondition` on platformType)
 *   schema 1.2        Command: `runtimeConfig`, one entry per plugin; each becomes a step named after it
 *   schema 0.3        Automation: `mainSteps` with step flow (onFailure, nextStep, isEnd); parsed and
 *                     validated here, run later by the automation engine
 *
 * Every problem is a DocumentContentError whose message names the step or parameter at fault.
 *
 * Only what AWS refuses is refused (docs/documents.md lists each rule and why it stays): a field
 * that AWS's own documents leave empty (YAML `description:` is null) counts as absent, and keys
 * this parser does not read are kept as written.
 */
import { parseContent } from './content-format.ts';
import { DocumentContentError } from './document-errors.ts';
import { forEachString, placeholdersIn } from './interpolation.ts';
import { checkConstraints, coerceDefault, patternProblem } from './parameter-values.ts';
import { preconditionProblem } from './preconditions.ts';
import type { DocumentFormat, DocumentStep, ParameterDefinition, ParsedDocument } from './types.ts';

/** The schema versions each document type accepts. */
export const SCHEMA_VERSIONS: Readonly<Record<string, readonly string[]>> = {
  Command: ['1.2', '2.0', '2.2'],
  Automation: ['0.3'],
};

/**
 * Every schema version some document type has (Session, Package and the other types use 1.0):
 * a version outside this list is InvalidDocumentContent with AWS's message, one of another type
 * InvalidDocumentSchemaVersion.
 */
const KNOWN_SCHEMA_VERSIONS: readonly string[] = ['0.3', '1.0', '1.2', '2.0', '2.2'];

const parameterTypes: Readonly<Record<string, readonly string[]>> = {
  Command: ['String', 'StringList', 'Integer', 'Boolean', 'MapList', 'StringMap'],
  Automation: [
    'String', 'StringList', 'Integer', 'Boolean', 'MapList', 'StringMap',
    'AWS::EC2::Instance::Id', 'List<AWS::EC2::Instance::Id>', 'AWS::IAM::Role::Arn', 'AWS::S3::Bucket::Name',
  ],
};

const parameterNamePattern = /^[a-zA-Z0-9_]+$/;
const commandStepNamePattern = /^[a-zA-Z0-9_.-]+$/;
const automationStepNamePattern = /^[a-zA-Z0-9_]+$/;

function fail(message: string): never {
  throw new DocumentContentError(message);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function quote(value: string): string {
  return JSON.stringify(value);
}

/** An optional field: YAML's empty value (null) counts as absent, as AWS reads it. */
function optional(definition: Record<string, unknown>, field: string): unknown {
  const value = definition[field];
  return value === null ? undefined : value;
}

const isPlaceholder = (value: unknown) => typeof value === 'string' && /^\{\{.*\}\}$/.test(value.trim());

function schemaVersionOf(content: Record<string, unknown>): string {
  const raw = content.schemaVersion;
  if (raw === undefined) fail('The document has no schemaVersion.');
  // YAML reads an unquoted `schemaVersion: 2.0` as the number 2.
  if (typeof raw === 'number') return Number.isInteger(raw) ? `${raw}.0` : String(raw);
  if (typeof raw !== 'string') fail('schemaVersion must be a string such as "2.2".');
  return raw;
}

function optionalCount(name: string, definition: Record<string, unknown>, field: string): number | undefined {
  const value = optional(definition, field);
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    fail(`Parameter ${quote(name)}: ${field} must be a non-negative integer.`);
  }
  return value;
}

function parseParameter(name: string, raw: unknown, documentType: string): ParameterDefinition {
  if (!parameterNamePattern.test(name)) {
    fail(`Parameter name ${quote(name)} is not valid: use letters, digits and underscores.`);
  }
  if (!isPlainObject(raw)) fail(`Parameter ${quote(name)} must be an object with a type.`);
  const allowedTypes = parameterTypes[documentType] ?? parameterTypes.Command;
  if (typeof raw.type !== 'string' || !allowedTypes.includes(raw.type)) {
    fail(`Parameter ${quote(name)} has type ${raw.type === undefined ? '(none)' : quote(String(raw.type))}; allowed types are ${allowedTypes.join(', ')}.`);
  }
  const definition: ParameterDefinition = { type: raw.type as ParameterDefinition['type'] };
  for (const field of ['description', 'displayType'] as const) {
    const text = optional(raw, field);
    if (text === undefined) continue;
    if (typeof text !== 'string') fail(`Parameter ${quote(name)}: ${field} must be a string.`);
    definition[field] = text;
  }
  const allowedValues = optional(raw, 'allowedValues');
  if (allowedValues !== undefined) {
    if (!Array.isArray(allowedValues) || allowedValues.some((item) => typeof item === 'object' && item !== null)) {
      fail(`Parameter ${quote(name)}: allowedValues must be a list of strings.`);
    }
    definition.allowedValues = allowedValues.map(String);
  }
  const allowedPattern = optional(raw, 'allowedPattern');
  if (allowedPattern !== undefined) {
    if (typeof allowedPattern !== 'string') fail(`Parameter ${quote(name)}: allowedPattern must be a string.`);
    const problem = patternProblem(name, allowedPattern);
    if (problem) fail(problem);
    definition.allowedPattern = allowedPattern;
  }
  for (const field of ['minChars', 'maxChars', 'minItems', 'maxItems'] as const) {
    const count = optionalCount(name, raw, field);
    if (count !== undefined) definition[field] = count;
  }
  const interpolationType = optional(raw, 'interpolationType');
  if (interpolationType !== undefined) {
    if (interpolationType !== 'ENV_VAR') {
      fail(`Parameter ${quote(name)}: interpolationType must be ENV_VAR.`);
    }
    if (!['String', 'Integer', 'Boolean'].includes(definition.type)) {
      fail(`Parameter ${quote(name)}: interpolationType ENV_VAR applies to String, Integer and Boolean parameters only.`);
    }
    definition.interpolationType = 'ENV_VAR';
  }
  const defaultValue = optional(raw, 'default');
  if (defaultValue !== undefined) {
    const coerced = coerceDefault(name, definition, defaultValue);
    if ('problem' in coerced) fail(coerced.problem);
    const problem = checkConstraints(name, definition, coerced.value);
    if (problem) fail(`The default of ${problem.charAt(0).toLowerCase()}${problem.slice(1)}`);
    definition.default = coerced.value;
  }
  return definition;
}

function parseParameters(raw: unknown, documentType: string): Record<string, ParameterDefinition> {
  if (raw === undefined || raw === null) return {};
  if (!isPlainObject(raw)) fail('parameters must be an object of parameter definitions.');
  return Object.fromEntries(Object.entries(raw).map(([name, definition]) => [name, parseParameter(name, definition, documentType)]));
}

function parseMainSteps(raw: unknown, schemaVersion: string, documentType: string): DocumentStep[] {
  if (raw === undefined) fail(`A schema ${schemaVersion} document needs mainSteps.`);
  if (!Array.isArray(raw) || raw.length === 0) fail('mainSteps must be a non-empty list of steps.');
  const namePattern = documentType === 'Automation' ? automationStepNamePattern : commandStepNamePattern;
  const seen = new Set<string>();
  return raw.map((step, index) => {
    if (!isPlainObject(step)) fail(`mainSteps[${index}] must be an object.`);
    const label = typeof step.name === 'string' ? `Step ${quote(step.name)}` : `mainSteps[${index}]`;
    if (typeof step.name !== 'string' || step.name === '') fail(`${label} has no name.`);
    if (!namePattern.test(step.name)) {
      fail(`Step name ${quote(step.name)} is not valid: use ${documentType === 'Automation' ? 'letters, digits and underscores' : 'letters, digits, underscores, periods and hyphens'}.`);
    }
    if (seen.has(step.name)) fail(`Step name ${quote(step.name)} is used by more than one step.`);
    seen.add(step.name);
    if (typeof step.action !== 'string' || step.action === '') fail(`${label} has no action.`);
    const inputs = optional(step, 'inputs');
    if (inputs !== undefined && !isPlainObject(inputs)) fail(`${label}: inputs must be an object.`);
    if (optional(step, 'precondition') !== undefined) {
      if (documentType !== 'Command' || schemaVersion !== '2.2') {
        fail(`${label}: precondition is supported only in schema 2.2 Command documents.`);
      }
      const problem = preconditionProblem(step.precondition);
      if (problem) fail(`${label}: ${problem}`);
    }
    return { ...step, name: step.name, action: step.action, inputs: (inputs as Record<string, unknown> | undefined) ?? {} };
  });
}

/** 1.2: each runtimeConfig entry is a plugin whose `properties` (an object, or a list of them) are its inputs. */
function parseRuntimeConfig(raw: unknown): DocumentStep[] {
  if (raw === undefined) fail('A schema 1.2 document needs runtimeConfig.');
  if (!isPlainObject(raw) || Object.keys(raw).length === 0) fail('runtimeConfig must be a non-empty object of plugins.');
  const steps: DocumentStep[] = [];
  for (const [plugin, config] of Object.entries(raw)) {
    if (!isPlainObject(config)) fail(`Plugin ${quote(plugin)} in runtimeConfig must be an object.`);
    const properties = config.properties;
    if (isPlainObject(properties)) {
      steps.push({ name: plugin, action: plugin, inputs: properties });
    } else if (Array.isArray(properties) && properties.length > 0 && properties.every(isPlainObject)) {
      properties.forEach((inputs, index) => {
        const id = typeof inputs.id === 'string' && inputs.id !== '' ? inputs.id : `${index}.${plugin}`;
        steps.push({ name: properties.length === 1 ? plugin : id, action: plugin, inputs });
      });
    } else {
      fail(`Plugin ${quote(plugin)} in runtimeConfig needs properties (an object or a non-empty list of objects).`);
    }
  }
  return steps;
}

/** Automation flow: nextStep and onFailure/onCancel `step:NAME` must name steps of the runbook. */
function checkAutomationFlow(steps: DocumentStep[]): void {
  const names = new Set(steps.map((step) => step.name));
  for (const step of steps) {
    if (step.nextStep !== undefined && (typeof step.nextStep !== 'string' || !names.has(step.nextStep))) {
      fail(`Step ${quote(step.name)}: nextStep ${quote(String(step.nextStep))} is not a step of this runbook.`);
    }
    for (const field of ['onFailure', 'onCancel'] as const) {
      const value = step[field];
      if (value === undefined) continue;
      if (typeof value !== 'string') fail(`Step ${quote(step.name)}: ${field} must be a string.`);
      const target = /^step:(.+)$/.exec(value);
      if (target) {
        if (!names.has(target[1])) fail(`Step ${quote(step.name)}: ${field} names step ${quote(target[1])}, which is not in this runbook.`);
      } else if (!(value === 'Abort' || value === 'Continue')) {
        fail(`Step ${quote(step.name)}: ${field} must be Abort, Continue or step:<name>.`);
      }
    }
    if (step.isEnd !== undefined && typeof step.isEnd !== 'boolean' && !isPlaceholder(step.isEnd)) fail(`Step ${quote(step.name)}: isEnd must be true or false.`);
    if (step.maxAttempts !== undefined && !isPlaceholder(step.maxAttempts) && (typeof step.maxAttempts !== 'number' || !Number.isInteger(step.maxAttempts) || step.maxAttempts < 1)) {
      fail(`Step ${quote(step.name)}: maxAttempts must be a positive integer.`);
    }
    if (step.timeoutSeconds !== undefined && !isPlaceholder(step.timeoutSeconds) && (typeof step.timeoutSeconds !== 'number' || step.timeoutSeconds <= 0)) {
      fail(`Step ${quote(step.name)}: timeoutSeconds must be a positive number.`);
    }
  }
}

/**
 * Command steps' flow inputs (agent 3.x): `onFailure` is `exit` or `successAndExit`, and
 * `finallyStep` true or false; a placeholder is checked when the step runs.
 */
function checkCommandFlow(steps: DocumentStep[]): void {
  for (const step of steps) {
    const { onFailure, finallyStep } = step.inputs;
    if (onFailure !== undefined && onFailure !== 'exit' && onFailure !== 'successAndExit' && !isPlaceholder(onFailure)) {
      fail(`Step ${quote(step.name)}: onFailure must be exit or successAndExit.`);
    }
    if (finallyStep !== undefined && typeof finallyStep !== 'boolean' && finallyStep !== 'true' && finallyStep !== 'false' && !isPlaceholder(finallyStep)) {
      fail(`Step ${quote(step.name)}: finallyStep must be true or false.`);
    }
  }
}

/**
 * Every `{{ name }}` in the steps (and an Automation runbook's assumeRole) must be one of the
 * document's parameters, with AWS's message. Step outputs (`{{ step.Output }}`), `automation:`,
 * `global:`, `ssm:` and `ssm-secure:` references are not parameters.
 */
function checkParameterReferences(steps: DocumentStep[], parameters: Record<string, ParameterDefinition>, content: Record<string, unknown>): void {
  const check = (text: string) => {
    for (const found of placeholdersIn(text)) {
      if (found.kind === 'parameter' && !Object.hasOwn(parameters, found.name)) fail(`Parameter ${quote(found.name)} is not declared.`);
    }
  };
  forEachString(content.assumeRole, check);
  for (const step of steps) forEachString(step.inputs, check);
}

/**
 * Parses and validates content of a given format and document type. Throws DocumentContentError
 * (code InvalidDocumentSchemaVersion when the schema version is not one the type accepts).
 * Types other than Command and Automation are parsed but not validated beyond their shape.
 */
export function parseDocument(content: string, format: DocumentFormat, documentType: 'Command' | 'Automation' | string): ParsedDocument {
  if (format === 'TEXT') {
    if (documentType === 'Command' || documentType === 'Automation') {
      fail(`A ${documentType} document must be JSON or YAML, not TEXT.`);
    }
    return { schemaVersion: '', parameters: {}, steps: [], content };
  }
  const parsed = parseContent(content, format);
  if (!isPlainObject(parsed)) fail('The content for the document is not valid: it must be an object.');
  const schemaVersion = schemaVersionOf(parsed);
  const description = optional(parsed, 'description');
  if (description !== undefined && typeof description !== 'string') fail('description must be a string.');
  const accepted = SCHEMA_VERSIONS[documentType];
  if (!accepted) {
    return { schemaVersion, description, parameters: {}, steps: [], content: parsed };
  }
  if (!KNOWN_SCHEMA_VERSIONS.includes(schemaVersion)) fail(`Document schema version is invalid. Value: ${schemaVersion}`);
  if (!accepted.includes(schemaVersion)) {
    throw new DocumentContentError(
      `Document schema version, ${schemaVersion}, is not supported for ${documentType} documents; use ${accepted.join(', ')}.`,
      'InvalidDocumentSchemaVersion',
    );
  }
  const parameters = parseParameters(parsed.parameters, documentType);
  const steps = schemaVersion === '1.2'
    ? parseRuntimeConfig(parsed.runtimeConfig)
    : parseMainSteps(parsed.mainSteps, schemaVersion, documentType);
  if (documentType === 'Automation') checkAutomationFlow(steps);
  else checkCommandFlow(steps);
  checkParameterReferences(steps, parameters, parsed);
  return { schemaVersion, description, parameters, steps, content: parsed };
}
