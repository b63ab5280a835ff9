import { awsError, type Scope } from '@bosun/protocol';
import { getCurrent, getVersions } from '../parameters/parameter-store.ts';
import type { Db } from '../store/store.ts';

/**
 * `{{ssm:name}}` references in SendCommand's parameter values, resolved by the server when
 * the command is sent (AWS: String and StringList parameters only; `name:3` selects a version,
 * `name:label` a label). `{{ssm-secure:name}}` references are left as they are: the node
 * resolves them just before it runs.
 */
const PLAIN = /\{\{\s*ssm:([A-Za-z0-9_.\-/]+(?::[A-Za-z0-9_.\-]+)?)\s*\}\}/g;

/** Names (with selector) of the plain references in these values. */
export function plainReferences(values: unknown): string[] {
  const found = new Set<string>();
  visit(values, (text) => {
    for (const m of text.matchAll(PLAIN)) found.add(m[1]);
    return text;
  });
  return [...found];
}

/** The parameter name without its version or label selector (what IAM checks). */
export function referenceName(reference: string): string {
  const at = reference.indexOf(':');
  return at < 0 ? reference : reference.slice(0, at);
}

/** Values with every plain reference replaced by the value of the parameter of that name in `scope` (the command's region). */
export async function resolvePlainReferences<T>(db: Db, scope: Scope, values: T): Promise<T> {
  const references = plainReferences(values);
  if (references.length === 0) return values;
  const resolved = new Map<string, string>();
  for (const reference of references) resolved.set(reference, await lookup(db, scope, reference));
  return visit(values, (text) => text.replace(PLAIN, (_all, reference: string) => resolved.get(reference)!)) as T;
}

async function lookup(db: Db, scope: Scope, reference: string): Promise<string> {
  const name = referenceName(reference);
  const selector = reference.slice(name.length + 1);
  const row = selector === ''
    ? await getCurrent(db, scope, name)
    : (await getVersions(db, scope, name)).find((v) => (/^\d+$/.test(selector) ? Number(v.version) === Number(selector) : (JSON.parse(v.labels) as string[]).includes(selector)));
  if (!row) throw awsError('InvalidParameters', `The parameter ${reference} referenced as {{ssm:${reference}}} was not found.`);
  if (row.type === 'SecureString') {
    throw awsError('InvalidParameters', `The parameter ${name} is a SecureString: reference it as {{ssm-secure:${name}}} (resolved on the node), not {{ssm:${name}}}.`);
  }
  return row.value;
}

function visit(value: unknown, map: (text: string) => string): unknown {
  if (typeof value === 'string') return map(value);
  if (Array.isArray(value)) return value.map((v) => visit(v, map));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, visit(v, map)]));
  return value;
}
