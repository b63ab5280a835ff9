/**
 * `{{ … }}` in a step's inputs, resolved when the step starts (the resolved inputs are recorded
 * in its StepStarted event, so a replay sees the same values):
 *
 *   {{ Param }}                 a runbook parameter
 *   {{ Step.Output }}           an output of a step that has run
 *   {{ automation:EXECUTION_ID }}, {{ automation:DOCUMENT_EXECUTION_ID }}
 *   {{ global:ACCOUNT_ID }}, {{ global:REGION }}, {{ global:AWS_PARTITION }}, {{ global:AWS_URL_SUFFIX }},
 *   {{ global:DATE }} (yyyy-MM-dd), {{ global:DATE_TIME }} (yyyy-MM-dd_HH.mm.ss), {{ global:DATE_TIME_ISO8601 }}
 *
 * A string that is one placeholder takes the value whole, keeping its type (a list stays a list);
 * inside longer text a value is written as text. `{{ssm:…}}` references are left as written.
 */
const placeholder = /\{\{\s*([^{}\s]+)\s*\}\}/g;
const whole = /^\{\{\s*([^{}\s]+)\s*\}\}$/;

export interface ReferenceScope {
  readonly parameters: Readonly<Record<string, unknown>>;
  /** Outputs of the steps that have run, by step name. */
  readonly stepOutputs: ReadonlyMap<string, Readonly<Record<string, unknown>>>;
  readonly executionId: string;
  readonly accountId: string;
  readonly region: string;
  readonly now: number;
}

export class UnresolvedReference extends Error {}

const pad = (n: number) => String(n).padStart(2, '0');

function lookup(body: string, scope: ReferenceScope): { value: unknown } | undefined {
  if (body.startsWith('ssm:') || body.startsWith('ssm-secure:')) return undefined;
  if (Object.hasOwn(scope.parameters, body)) return { value: scope.parameters[body] };
  const d = new Date(scope.now);
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const partition = scope.region.startsWith('cn-') ? 'aws-cn' : scope.region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
  switch (body) {
    case 'automation:EXECUTION_ID':
    case 'automation:DOCUMENT_EXECUTION_ID':
      return { value: scope.executionId };
    case 'global:ACCOUNT_ID': return { value: scope.accountId };
    case 'global:REGION': return { value: scope.region };
    case 'global:AWS_PARTITION': return { value: partition };
    case 'global:AWS_URL_SUFFIX': return { value: partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com' };
    case 'global:DATE': return { value: date };
    case 'global:DATE_TIME': return { value: `${date}_${pad(d.getUTCHours())}.${pad(d.getUTCMinutes())}.${pad(d.getUTCSeconds())}` };
    case 'global:DATE_TIME_ISO8601': return { value: d.toISOString().replace(/\.\d{3}Z$/, 'Z') };
  }
  const dot = body.indexOf('.');
  if (dot > 0) {
    const outputs = scope.stepOutputs.get(body.slice(0, dot));
    const name = body.slice(dot + 1);
    if (outputs && Object.hasOwn(outputs, name)) return { value: outputs[name] };
  }
  throw new UnresolvedReference(`Unable to resolve {{ ${body} }}: it is not a parameter, an output of a step that has run, or an automation variable.`);
}

function asText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** A copy of `value` with every reference resolved. Throws UnresolvedReference. */
export function resolveReferences(value: unknown, scope: ReferenceScope): unknown {
  if (typeof value === 'string') {
    const single = whole.exec(value);
    if (single) {
      const found = lookup(single[1], scope);
      return found ? structuredClone(found.value) : value;
    }
    return value.replace(placeholder, (text, body: string) => {
      const found = lookup(body, scope);
      return found ? asText(found.value) : text;
    });
  }
  if (Array.isArray(value)) return value.map((item) => resolveReferences(item, scope));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveReferences(v, scope)]));
  }
  return value;
}
