/**
 * `{{ … }}` placeholders: the one pattern every part of the engine reads them with.
 *
 *   {{ name }}             a document parameter (spaces inside the braces are optional)
 *   {{ssm:name}}           a Parameter Store value, resolved by the server at send time
 *   {{ssm:name:3}}         …with a version or label selector, kept as part of the name
 *   {{ssm-secure:name}}    a SecureString, resolved by the agent just before the step runs
 *   {{ step.output }}      Automation: a previous step's output (and automation:/global: variables)
 */
const placeholder = /\{\{\s*([^{}\s]+)\s*\}\}/g;
const wholePlaceholder = /^\{\{\s*([^{}\s]+)\s*\}\}$/;

export type PlaceholderKind = 'parameter' | 'ssm' | 'ssm-secure' | 'other';

export interface Placeholder {
  kind: PlaceholderKind;
  /** The parameter name, or for ssm/ssm-secure the Parameter Store name with any selector. */
  name: string;
}

export function classifyPlaceholder(body: string): Placeholder {
  if (body.startsWith('ssm:')) return { kind: 'ssm', name: body.slice('ssm:'.length) };
  if (body.startsWith('ssm-secure:')) return { kind: 'ssm-secure', name: body.slice('ssm-secure:'.length) };
  if (/^[A-Za-z0-9_]+$/.test(body)) return { kind: 'parameter', name: body };
  return { kind: 'other', name: body };
}

/** Every placeholder in a string, in order. */
export function placeholdersIn(text: string): Placeholder[] {
  return [...text.matchAll(placeholder)].map((match) => classifyPlaceholder(match[1]));
}

/** The placeholder when the string is nothing but one placeholder (its value then replaces the string whole, keeping its type). */
export function wholePlaceholderOf(text: string): Placeholder | undefined {
  const match = wholePlaceholder.exec(text);
  return match ? classifyPlaceholder(match[1]) : undefined;
}

/** Replaces the placeholders for which `replace` returns a string; the others stay as written. */
export function replacePlaceholders(text: string, replace: (found: Placeholder) => string | undefined): string {
  return text.replace(placeholder, (whole, body: string) => replace(classifyPlaceholder(body)) ?? whole);
}

/** Calls `visit` on every string inside a JSON-like value. */
export function forEachString(value: unknown, visit: (text: string) => void): void {
  if (typeof value === 'string') visit(value);
  else if (Array.isArray(value)) for (const item of value) forEachString(item, visit);
  else if (value !== null && typeof value === 'object') for (const item of Object.values(value)) forEachString(item, visit);
}

/** A copy of a JSON-like value with every string passed through `map`. */
export function mapStrings(value: unknown, map: (text: string) => string): unknown {
  if (typeof value === 'string') return map(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, map));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapStrings(item, map)]));
  }
  return value;
}
