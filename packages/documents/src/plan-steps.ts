/**
 * From a parsed document and resolved values to the plugin steps a node runs.
 *
 * `{{ name }}` placeholders are replaced by the parameter's value: a string that is nothing but
 * the placeholder takes the value whole (a StringList stays a list; inside a list it is spliced
 * in), and a placeholder within longer text is replaced by the value as text (lists and maps as
 * JSON). Parameters with `interpolationType: ENV_VAR` are never pasted into a script: the script
 * plugins get the environment variable `SSM_<name>` holding the value, and the placeholder
 * becomes a reference to that variable (`${SSM_name}` for shells, `${env:SSM_name}` for
 * PowerShell), so a value can't change what the script says.
 */
import { replacePlaceholders, wholePlaceholderOf, type Placeholder } from './interpolation.ts';
import { skipReason } from './preconditions.ts';
import type { DocumentStep, ParsedDocument, PlannedStep, PlatformType } from './types.ts';

const scriptPlugins = new Set(['aws:runShellScript', 'aws:runPowerShellScript']);

export function envVarName(parameter: string): string {
  return `SSM_${parameter}`;
}

function envReference(action: string, parameter: string): string {
  return action === 'aws:runPowerShellScript' ? `\${env:${envVarName(parameter)}}` : `\${${envVarName(parameter)}}`;
}

function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

interface StepContext {
  doc: ParsedDocument;
  values: Record<string, unknown>;
  action: string;
  viaEnv: boolean;
}

function isParameter(context: StepContext, found: Placeholder | undefined): found is Placeholder {
  return found !== undefined && found.kind === 'parameter' && Object.hasOwn(context.values, found.name);
}

function usesEnv(context: StepContext, name: string): boolean {
  return context.viaEnv && context.doc.parameters[name]?.interpolationType === 'ENV_VAR';
}

function interpolateText(context: StepContext, text: string): string {
  return replacePlaceholders(text, (found) => {
    if (!isParameter(context, found)) return undefined;
    return usesEnv(context, found.name) ? envReference(context.action, found.name) : asText(context.values[found.name]);
  });
}

function interpolate(context: StepContext, value: unknown): unknown {
  if (typeof value === 'string') {
    const whole = wholePlaceholderOf(value);
    if (isParameter(context, whole) && !usesEnv(context, whole.name)) return structuredClone(context.values[whole.name]);
    return interpolateText(context, value);
  }
  if (Array.isArray(value)) {
    return value.flatMap((item) => {
      const whole = typeof item === 'string' ? wholePlaceholderOf(item) : undefined;
      if (isParameter(context, whole) && !usesEnv(context, whole.name) && Array.isArray(context.values[whole.name])) {
        return structuredClone(context.values[whole.name] as unknown[]);
      }
      return [interpolate(context, item)];
    });
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolate(context, item)]));
  }
  return value;
}

function planStep(doc: ParsedDocument, values: Record<string, unknown>, step: DocumentStep, platformType: PlatformType): PlannedStep {
  const skip = skipReason(step, platformType);
  if (skip) return { name: step.name, action: step.action, inputs: step.inputs, env: {}, skip };
  const viaEnv = scriptPlugins.has(step.action);
  const context: StepContext = { doc, values, action: step.action, viaEnv };
  const env: Record<string, string> = {};
  if (viaEnv) {
    for (const [name, definition] of Object.entries(doc.parameters)) {
      if (definition.interpolationType === 'ENV_VAR' && Object.hasOwn(values, name)) env[envVarName(name)] = asText(values[name]);
    }
  }
  return { name: step.name, action: step.action, inputs: interpolate(context, step.inputs) as Record<string, unknown>, env };
}

/**
 * The plugin steps to run on a node, in document order: inputs interpolated, ENV_VAR values in
 * `env`, and steps that don't apply to the node's platform marked `skip` with the reason.
 */
export function planSteps(doc: ParsedDocument, values: Record<string, unknown>, context: { platformType: PlatformType }): PlannedStep[] {
  return doc.steps.map((step) => planStep(doc, values, step, context.platformType));
}

