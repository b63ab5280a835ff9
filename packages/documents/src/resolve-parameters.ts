import { DocumentParameterError } from './document-errors.ts';
import { checkConstraints, coerceSupplied } from './parameter-values.ts';
import type { ParsedDocument } from './types.ts';

function quote(value: string): string {
  return JSON.stringify(value);
}

/**
 * SendCommand's Parameters (a map of string lists) → typed values, after defaults and every
 * constraint of the document's definitions. Throws DocumentParameterError naming the parameter.
 *
 * Typed values: String (and Automation's resource types) → string; StringList → string[];
 * Integer → number; Boolean → boolean; MapList → object[]; StringMap → object.
 * Text holding {{ssm:…}} / {{ssm-secure:…}} references is checked once they are resolved
 * (see checkParameterValues).
 */
export function resolveParameters(doc: ParsedDocument, supplied: Record<string, readonly string[]> | undefined): Record<string, unknown> {
  const given = supplied ?? {};
  const unknown = Object.keys(given).filter((name) => !Object.hasOwn(doc.parameters, name));
  if (unknown.length > 0) {
    throw new DocumentParameterError(`Parameter ${unknown.map(quote).join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not defined by the document.`);
  }
  const values: Record<string, unknown> = {};
  for (const [name, definition] of Object.entries(doc.parameters)) {
    let value: unknown;
    if (Object.hasOwn(given, name)) {
      const coerced = coerceSupplied(name, definition, given[name]);
      if ('problem' in coerced) throw new DocumentParameterError(coerced.problem);
      value = coerced.value;
    } else if (definition.default !== undefined) {
      value = structuredClone(definition.default);
    } else {
      throw new DocumentParameterError(`Parameter ${quote(name)} is required, but no value was supplied and the document gives no default.`);
    }
    const problem = checkConstraints(name, definition, value);
    if (problem) throw new DocumentParameterError(problem);
    values[name] = value;
  }
  return values;
}

/**
 * Checks typed values against the document's constraints again: call it after substituting
 * {{ssm:…}} references, so a value fetched from Parameter Store obeys allowedPattern too.
 */
export function checkParameterValues(doc: ParsedDocument, values: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(values)) {
    const definition = doc.parameters[name];
    if (!definition) continue;
    const problem = checkConstraints(name, definition, value);
    if (problem) throw new DocumentParameterError(problem);
  }
}
