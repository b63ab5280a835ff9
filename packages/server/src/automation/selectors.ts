import type { OutputType, StepOutput } from './runbook.ts';

/**
 * The JSONPath subset AWS's Automation selectors use: `$`, `.Name`, `['Name']`, `[0]`, `[*]`
 * and `..Name` is not supported. A path through lists (`[*]`) gives a list.
 */
export function select(document: unknown, selector: string): { found: boolean; value?: unknown } {
  if (!selector.startsWith('$')) return { found: false };
  const tokens: (string | number | '*')[] = [];
  const pattern = /\.([A-Za-z0-9_\-$]+)|\[(\d+)\]|\[\*\]|\.\*|\['([^']*)'\]|\["([^"]*)"\]/y;
  let at = 1;
  while (at < selector.length) {
    pattern.lastIndex = at;
    const m = pattern.exec(selector);
    if (!m) return { found: false };
    if (m[1] !== undefined) tokens.push(m[1]);
    else if (m[2] !== undefined) tokens.push(Number(m[2]));
    else if (m[3] !== undefined) tokens.push(m[3]);
    else if (m[4] !== undefined) tokens.push(m[4]);
    else tokens.push('*');
    at = pattern.lastIndex;
  }
  let values: unknown[] = [document];
  let many = false;
  for (const token of tokens) {
    const next: unknown[] = [];
    for (const v of values) {
      if (token === '*') {
        many = true;
        if (Array.isArray(v)) next.push(...v);
        else if (v !== null && typeof v === 'object') next.push(...Object.values(v));
      } else if (typeof token === 'number') {
        if (Array.isArray(v) && token < v.length) next.push(v[token]);
      } else if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.hasOwn(v, token)) {
        next.push((v as Record<string, unknown>)[token]);
      }
    }
    values = next;
  }
  if (many) return { found: true, value: values };
  return values.length === 0 ? { found: false } : { found: true, value: values[0] };
}

/** The value as the output's Type, or a reason it is not one. */
export function typed(value: unknown, type: OutputType): { value: unknown } | { problem: string } {
  switch (type) {
    case 'String':
      if (typeof value === 'string') return { value };
      if (typeof value === 'number' || typeof value === 'boolean') return { value: String(value) };
      return { problem: 'is not a String' };
    case 'Integer':
      if (typeof value === 'number' && Number.isInteger(value)) return { value };
      if (typeof value === 'string' && /^-?\d+$/.test(value)) return { value: Number(value) };
      return { problem: 'is not an Integer' };
    case 'Boolean':
      if (typeof value === 'boolean') return { value };
      if (value === 'true' || value === 'false') return { value: value === 'true' };
      return { problem: 'is not a Boolean' };
    case 'StringList':
      if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return { value };
      return { problem: 'is not a StringList' };
    case 'StringMap':
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) return { value };
      return { problem: 'is not a StringMap' };
    case 'MapList':
      if (Array.isArray(value) && value.every((v) => v !== null && typeof v === 'object' && !Array.isArray(v))) return { value };
      return { problem: 'is not a MapList' };
  }
}

/** The step's declared outputs taken from a response. Throws with AWS-like wording when one is missing or mistyped. */
export function selectOutputs(response: unknown, outputs: readonly StepOutput[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const output of outputs) {
    const found = select(response, output.Selector);
    if (!found.found) continue; // AWS leaves an output that selects nothing unset.
    const result = typed(found.value, output.Type);
    if ('problem' in result) throw new Error(`Output ${output.Name} (selector ${output.Selector}) ${result.problem}.`);
    out[output.Name] = result.value;
  }
  return out;
}

/** An output as the API shows it: a list of strings. */
export function outputStrings(value: unknown): string[] {
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  return [typeof value === 'string' ? value : JSON.stringify(value)];
}
