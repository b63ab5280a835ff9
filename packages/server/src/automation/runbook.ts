import { awsError } from '@bosun/protocol';
import { DocumentContentError, parseDocument, type ParsedDocument } from '@bosun/documents';

/** The actions the engine runs today (docs/automation.md says what each does). */
export const SUPPORTED_ACTIONS = [
  'aws:sleep', 'aws:pause', 'aws:branch', 'aws:executeAwsApi', 'aws:waitForAwsResourceProperty', 'aws:assertAwsResourceProperty', 'aws:runCommand', 'aws:approve',
  'aws:executeAutomation',
] as const;
export type SupportedAction = (typeof SUPPORTED_ACTIONS)[number];

/** AWS's other Automation actions: a runbook using one is refused with a message that says it is not supported yet. */
const OTHER_AWS_ACTIONS = [
  'aws:executeScript', 'aws:invokeWebhook', 'aws:changeInstanceState',
  'aws:copyImage', 'aws:createImage', 'aws:createStack', 'aws:createTags', 'aws:deleteImage', 'aws:deleteStack', 'aws:invokeLambdaFunction', 'aws:loop',
  'aws:runInstances', 'aws:updateVariable', 'aws:executeStateMachine',
];

export type OutputType = 'String' | 'Integer' | 'Boolean' | 'StringList' | 'StringMap' | 'MapList';
const OUTPUT_TYPES: readonly string[] = ['String', 'Integer', 'Boolean', 'StringList', 'StringMap', 'MapList'];

export interface StepOutput {
  readonly Name: string;
  readonly Selector: string;
  readonly Type: OutputType;
}

/** A step of a runbook with its flow options read and defaulted as AWS defaults them. */
export interface RunbookStep {
  readonly name: string;
  readonly action: SupportedAction;
  readonly inputs: Record<string, unknown>;
  /** 'Abort' (default), 'Continue' or 'step:NAME'. */
  readonly onFailure: string;
  readonly nextStep?: string;
  readonly isEnd: boolean;
  readonly isCritical: boolean;
  readonly maxAttempts: number;
  readonly timeoutSeconds?: number;
  readonly outputs: readonly StepOutput[];
}

export interface Runbook {
  readonly parsed: ParsedDocument;
  readonly steps: readonly RunbookStep[];
  /** `outputs` of the runbook: `Step.Output` names. */
  readonly outputs: readonly string[];
  step(name: string): RunbookStep;
}

function invalid(message: string): never {
  throw awsError('InvalidDocumentContent', message);
}

/** A flow option given as a literal, or as a `{{ parameter }}` of the execution. */
function flowValue(value: unknown, parameters: Record<string, unknown>): unknown {
  if (typeof value !== 'string') return value;
  const match = /^\{\{\s*([A-Za-z0-9_]+)\s*\}\}$/.exec(value);
  return match && Object.hasOwn(parameters, match[1]) ? parameters[match[1]] : value;
}

/**
 * Reads an Automation runbook (schema 0.3, JSON content) for the engine. The document engine has
 * checked its shape and flow (packages/documents parse-document.ts); this adds what only the engine
 * knows: which actions it can run, aws:branch targets, output declarations. Throws
 * InvalidDocumentContent with the reason.
 */
export function loadRunbook(contentJson: string, parameters: Record<string, unknown> = {}): Runbook {
  let parsed: ParsedDocument;
  try {
    parsed = parseDocument(contentJson, 'JSON', 'Automation');
  } catch (error) {
    if (error instanceof DocumentContentError) invalid(error.message);
    throw error;
  }
  const names = new Set(parsed.steps.map((s) => s.name));
  const steps = parsed.steps.map((raw): RunbookStep => {
    if (!(SUPPORTED_ACTIONS as readonly string[]).includes(raw.action)) {
      if (OTHER_AWS_ACTIONS.includes(raw.action)) invalid(`Step ${raw.name}: action ${raw.action} is not supported by Bosun Automation yet.`);
      invalid(`Step ${raw.name}: ${raw.action} is not a valid Automation action.`);
    }
    const maxAttempts = flowValue(raw.maxAttempts, parameters) ?? 1;
    const timeoutSeconds = flowValue(raw.timeoutSeconds, parameters);
    const isEnd = flowValue(raw.isEnd, parameters) ?? false;
    const isCritical = flowValue(raw.isCritical, parameters) ?? true;
    if (typeof maxAttempts !== 'number' || !Number.isInteger(maxAttempts) || maxAttempts < 1) invalid(`Step ${raw.name}: maxAttempts must be a positive integer.`);
    if (timeoutSeconds !== undefined && (typeof timeoutSeconds !== 'number' || timeoutSeconds <= 0)) invalid(`Step ${raw.name}: timeoutSeconds must be a positive number.`);
    if (typeof isEnd !== 'boolean') invalid(`Step ${raw.name}: isEnd must be true or false.`);
    if (typeof isCritical !== 'boolean') invalid(`Step ${raw.name}: isCritical must be true or false.`);
    const outputs = readOutputs(raw.name, raw.outputs);
    if (raw.action === 'aws:branch') checkBranch(raw.name, raw.inputs, names);
    if (raw.action === 'aws:waitForAwsResourceProperty' || raw.action === 'aws:assertAwsResourceProperty') checkProperty(raw.name, raw.action, raw.inputs);
    return {
      name: raw.name, action: raw.action as SupportedAction, inputs: raw.inputs, onFailure: typeof raw.onFailure === 'string' ? raw.onFailure : 'Abort',
      nextStep: typeof raw.nextStep === 'string' ? raw.nextStep : undefined, isEnd, isCritical, maxAttempts, timeoutSeconds, outputs,
    };
  });
  const content = parsed.content as Record<string, unknown>;
  const outputs = content.outputs === undefined || content.outputs === null ? [] : content.outputs;
  if (!Array.isArray(outputs) || outputs.some((o) => typeof o !== 'string' || !/^[A-Za-z0-9_]+\.[A-Za-z0-9_.]+$/.test(o))) {
    invalid('outputs must be a list of Step.Output names.');
  }
  checkExits(steps);
  const byName = new Map(steps.map((s) => [s.name, s]));
  return {
    parsed, steps, outputs: outputs as string[],
    step(name) {
      const found = byName.get(name);
      if (!found) throw new Error(`No step ${name} in the runbook`);
      return found;
    },
  };
}

function readOutputs(step: string, raw: unknown): StepOutput[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) invalid(`Step ${step}: outputs must be a list.`);
  return raw.map((o: unknown) => {
    const out = o as Partial<StepOutput> | null;
    if (!out || typeof out.Name !== 'string' || !/^[A-Za-z0-9_.]+$/.test(out.Name)) invalid(`Step ${step}: every output needs a Name.`);
    if (typeof out.Selector !== 'string' || !out.Selector.startsWith('$')) invalid(`Step ${step}: output ${out.Name} has an invalid Selector ${JSON.stringify(out.Selector ?? null)}: it must be a JSONPath starting with $.`);
    const type = out.Type ?? 'String';
    if (!OUTPUT_TYPES.includes(type)) invalid(`Step ${step}: output ${out.Name} has an invalid Type ${type}.`);
    return { Name: out.Name, Selector: out.Selector, Type: type };
  });
}

function checkProperty(step: string, action: string, inputs: Record<string, unknown>): void {
  if (typeof inputs.PropertySelector !== 'string' || !inputs.PropertySelector.startsWith('$')) {
    invalid(`Step ${step}: ${action} needs a PropertySelector, a JSONPath starting with $.`);
  }
  if (!Array.isArray(inputs.DesiredValues) && typeof inputs.DesiredValues !== 'string') invalid(`Step ${step}: ${action} needs DesiredValues, a list of values.`);
}

function checkBranch(step: string, inputs: Record<string, unknown>, names: ReadonlySet<string>): void {
  const choices = inputs.Choices;
  if (!Array.isArray(choices) || choices.length === 0) invalid(`Step ${step}: aws:branch needs a non-empty list of Choices.`);
  for (const choice of choices) {
    const next = (choice as { NextStep?: unknown } | null)?.NextStep;
    if (typeof next !== 'string' || !names.has(next)) invalid(`Step ${step}: Choice NextStep ${JSON.stringify(next ?? null)} is not a step of this runbook.`);
  }
  if (inputs.Default !== undefined && (typeof inputs.Default !== 'string' || !names.has(inputs.Default))) {
    invalid(`Step ${step}: Default ${JSON.stringify(inputs.Default)} is not a step of this runbook.`);
  }
}

/** The steps a step goes to when it succeeds; END when the execution may end there. */
function successors(steps: readonly RunbookStep[], index: number): (string | typeof END)[] {
  const step = steps[index];
  if (step.action === 'aws:branch') {
    const choices = (step.inputs.Choices as { NextStep: string }[]).map((c) => c.NextStep);
    // Without a Default a branch that matches nothing fails the step, which ends the execution unless onFailure says otherwise.
    return typeof step.inputs.Default === 'string' ? [...choices, step.inputs.Default] : [...choices, END];
  }
  if (step.isEnd) return [END];
  if (step.nextStep) return [step.nextStep];
  return [steps[index + 1]?.name ?? END];
}

const END = Symbol('end');

/**
 * A cycle without an exit (steps that, succeeding, can only go round) is InvalidDocumentContent:
 * every step reachable from the first must be able to reach the end of the runbook.
 */
function checkExits(steps: readonly RunbookStep[]): void {
  const index = new Map(steps.map((s, i) => [s.name, i]));
  const edges = steps.map((_, i) => successors(steps, i));
  const reachable = new Set<number>();
  const visit = (i: number) => {
    if (reachable.has(i)) return;
    reachable.add(i);
    for (const next of edges[i]) if (next !== END) visit(index.get(next)!);
    const onFailure = steps[i].onFailure;
    if (onFailure.startsWith('step:')) visit(index.get(onFailure.slice('step:'.length))!);
  };
  visit(0);
  const ends = new Set<number>();
  for (let changed = true; changed;) {
    changed = false;
    for (let i = 0; i < steps.length; i++) {
      if (ends.has(i)) continue;
      if (edges[i].some((next) => next === END || ends.has(index.get(next)!))) {
        ends.add(i);
        changed = true;
      }
    }
  }
  const stuck = [...reachable].filter((i) => !ends.has(i)).map((i) => steps[i].name);
  if (stuck.length > 0) invalid(`Steps ${stuck.join(', ')} form a cycle without an exit: none of them can reach the end of the runbook.`);
}
