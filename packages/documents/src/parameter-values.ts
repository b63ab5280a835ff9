/**
 * Parameter values: from what a document declares as default or a caller supplies (SendCommand's
 * map of string lists) to typed values, and every constraint the definition sets.
 *
 * The functions here return a problem (a sentence naming the parameter) rather than throwing, so
 * that parsing reports a bad default as InvalidDocumentContent and sending reports a bad value as
 * InvalidParameters, with the same words.
 */
import { compileJavaPattern } from '@bosun/protocol';
import { placeholdersIn } from './interpolation.ts';
import type { ParameterDefinition } from './types.ts';

export type Coerced = { value: unknown } | { problem: string };

const listTypes = new Set(['StringList', 'List<AWS::EC2::Instance::Id>']);

export function isListType(type: string): boolean {
  return listTypes.has(type);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function quote(value: string): string {
  return JSON.stringify(value);
}

/** Strings that hold an {{ssm:…}} or {{ssm-secure:…}} reference are checked once resolved, not as written. */
function holdsReference(text: string): boolean {
  return placeholdersIn(text).some((found) => found.kind === 'ssm' || found.kind === 'ssm-secure');
}

/** The typed form of a document's `default`. */
export function coerceDefault(name: string, definition: ParameterDefinition, value: unknown): Coerced {
  const type = definition.type;
  switch (type) {
    case 'Integer':
      if (typeof value === 'number' && Number.isInteger(value)) return { value };
      if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return { value: Number(value.trim()) };
      return { problem: `Parameter ${quote(name)} of type Integer has a default that is not an integer.` };
    case 'Boolean':
      if (typeof value === 'boolean') return { value };
      if (typeof value === 'string' && /^(true|false)$/i.test(value)) return { value: value.toLowerCase() === 'true' };
      return { problem: `Parameter ${quote(name)} of type Boolean has a default that is not true or false.` };
    case 'MapList': {
      // As written, or as the JSON text a caller would pass (AWS reads both).
      const list = typeof value === 'string' ? parseJson(value) : value;
      if (Array.isArray(list) && list.every(isPlainObject)) return { value: list };
      return { problem: `Parameter ${quote(name)} of type MapList has a default that is not a list of maps.` };
    }
    case 'StringMap': {
      const map = typeof value === 'string' ? parseJson(value) : value;
      if (isPlainObject(map)) return { value: map };
      return { problem: `Parameter ${quote(name)} of type StringMap has a default that is not a map.` };
    }
    default:
      if (isListType(type)) {
        if (typeof value === 'string') return { value: [value] };
        if (Array.isArray(value) && value.every((item) => typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean')) {
          return { value: value.map(String) };
        }
        return { problem: `Parameter ${quote(name)} of type ${type} has a default that is not a list of strings.` };
      }
      if (typeof value === 'string') return { value };
      if (typeof value === 'number' || typeof value === 'boolean') return { value: String(value) };
      return { problem: `Parameter ${quote(name)} of type ${type} has a default that is not a string.` };
  }
}

function single(name: string, type: string, values: readonly string[]): string | { problem: string } {
  if (values.length !== 1) {
    return { problem: `Parameter ${quote(name)} of type ${type} takes exactly one value, but ${values.length} were supplied.` };
  }
  return values[0];
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  const parsed = parseJson(text);
  return isPlainObject(parsed) ? parsed : undefined;
}

/** The typed form of a value supplied as a list of strings (SendCommand's Parameters). */
export function coerceSupplied(name: string, definition: ParameterDefinition, values: readonly string[]): Coerced {
  const type = definition.type;
  if (isListType(type)) return { value: [...values] };
  if (type === 'MapList') {
    const maps: Record<string, unknown>[] = [];
    for (const item of values) {
      const map = parseJsonObject(item);
      if (!map) return { problem: `Parameter ${quote(name)} of type MapList takes JSON objects; ${quote(item)} is not one.` };
      maps.push(map);
    }
    return { value: maps };
  }
  const one = single(name, type, values);
  if (typeof one !== 'string') return one;
  switch (type) {
    case 'Integer':
      if (/^-?\d+$/.test(one.trim())) return { value: Number(one.trim()) };
      if (holdsReference(one)) return { value: one };
      return { problem: `Parameter ${quote(name)} of type Integer has a value that is not an integer: ${quote(one)}.` };
    case 'Boolean':
      if (/^(true|false)$/i.test(one.trim())) return { value: one.trim().toLowerCase() === 'true' };
      if (holdsReference(one)) return { value: one };
      return { problem: `Parameter ${quote(name)} of type Boolean has a value that is not true or false: ${quote(one)}.` };
    case 'StringMap': {
      const map = parseJsonObject(one);
      if (!map) return { problem: `Parameter ${quote(name)} of type StringMap takes a JSON object; ${quote(one)} is not one.` };
      return { value: map };
    }
    default:
      return { value: one };
  }
}

/**
 * allowedPattern is a Java regular expression matched against the whole value (Java's
 * Pattern.matches), anchors or not: the protocol package translates and caches it.
 */
function fullMatch(pattern: string): RegExp {
  const regex = compileJavaPattern(pattern);
  if (!regex) throw new Error(`allowedPattern ${pattern} is not a valid regular expression`);
  return regex;
}

/** Whether allowedPattern is a pattern we can run; the problem when it is not. */
export function patternProblem(name: string, pattern: string): string | undefined {
  if (compileJavaPattern(pattern)) return undefined;
  return `Parameter ${quote(name)} has an allowedPattern that is not a valid regular expression: ${pattern}.`;
}

function checkText(name: string, definition: ParameterDefinition, text: string, what: string): string | undefined {
  if (holdsReference(text)) return undefined;
  if (definition.allowedValues && !definition.allowedValues.includes(text)) {
    return `Parameter ${quote(name)} ${what} ${quote(text)} is not one of the allowed values: ${definition.allowedValues.join(', ')}.`;
  }
  if (definition.allowedPattern !== undefined && !fullMatch(definition.allowedPattern).test(text)) {
    return `Parameter ${quote(name)} ${what} ${quote(text)} does not match the allowed pattern ${definition.allowedPattern}.`;
  }
  if (definition.minChars !== undefined && text.length < definition.minChars) {
    return `Parameter ${quote(name)} ${what} ${quote(text)} is shorter than the minimum of ${definition.minChars} characters.`;
  }
  if (definition.maxChars !== undefined && text.length > definition.maxChars) {
    return `Parameter ${quote(name)} ${what} is longer than the maximum of ${definition.maxChars} characters.`;
  }
  return undefined;
}

function checkCount(name: string, definition: ParameterDefinition, count: number): string | undefined {
  if (definition.minItems !== undefined && count < definition.minItems) {
    return `Parameter ${quote(name)} has ${count} item(s), fewer than the minimum of ${definition.minItems}.`;
  }
  if (definition.maxItems !== undefined && count > definition.maxItems) {
    return `Parameter ${quote(name)} has ${count} items, more than the maximum of ${definition.maxItems}.`;
  }
  return undefined;
}

/**
 * Checks a typed value against allowedValues, allowedPattern, minChars/maxChars (on the value,
 * or each item of a list) and minItems/maxItems (on lists). Text that holds an {{ssm:…}} or
 * {{ssm-secure:…}} reference is skipped: check it again once the reference is resolved.
 */
export function checkConstraints(name: string, definition: ParameterDefinition, value: unknown): string | undefined {
  if (Array.isArray(value)) {
    const countProblem = checkCount(name, definition, value.length);
    if (countProblem) return countProblem;
    if (definition.type === 'MapList') return undefined;
    for (const item of value) {
      const problem = checkText(name, definition, String(item), 'item');
      if (problem) return problem;
    }
    return undefined;
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return checkText(name, definition, String(value), 'value');
  }
  return undefined;
}
