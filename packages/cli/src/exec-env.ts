/**
 * How `bosun exec` names the variables it sets (pure, tested without I/O).
 *
 * - `--path /app/prod`: every parameter under the path, at any depth, becomes a variable named
 *   after its name relative to the path: `/app/prod/db/host` → `DB_HOST`. Slashes, dots and
 *   dashes become underscores, letters are upper-cased, and a name that would start with a
 *   digit gets a leading underscore. Several paths apply in order (a later path wins a clash).
 * - `--spec file.json` (ECS `secrets`: `[{"name": "DB_PASSWORD", "valueFrom": NAME_OR_ARN}]`)
 *   and then `--env NAME=/x/y` set the variable they name, overriding any path.
 */
export function variableName(path: string, parameterName: string): string {
  const base = path === '/' ? parameterName.replace(/^\//, '') : parameterName.slice(path.replace(/\/+$/, '').length + 1);
  const name = base.replace(/[^A-Za-z0-9]/g, '_').toUpperCase();
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

export interface SpecEntry {
  readonly name: string;
  readonly valueFrom: string;
}

export function parseSpec(text: string, file: string): SpecEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  const list = Array.isArray(parsed) ? parsed : (parsed as { secrets?: unknown })?.secrets;
  if (!Array.isArray(list)) throw new Error(`${file} must be a JSON list of {"name": ..., "valueFrom": ...} (ECS task definition "secrets")`);
  return list.map((entry, i) => {
    const e = entry as { name?: unknown; valueFrom?: unknown };
    if (typeof e?.name !== 'string' || typeof e.valueFrom !== 'string' || !isVariableName(e.name)) {
      throw new Error(`${file}: entry ${i + 1} needs "name" (a variable name) and "valueFrom" (a parameter name or ARN)`);
    }
    return { name: e.name, valueFrom: e.valueFrom };
  });
}

export function isVariableName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
}

/** What a valueFrom names: an SSM parameter (name or ARN), or a Secrets Manager secret with an optional JSON key. */
export type Source =
  | { readonly kind: 'parameter'; readonly name: string }
  | { readonly kind: 'secret'; readonly secretId: string; readonly jsonKey?: string; readonly stage?: string; readonly versionId?: string };

export function parseValueFrom(valueFrom: string): Source {
  const ssm = /^arn:aws[\w-]*:ssm:[\w-]*:\d{12}:parameter(\/.*)$/.exec(valueFrom);
  if (ssm) {
    const rest = ssm[1];
    return { kind: 'parameter', name: rest.indexOf('/', 1) > 0 ? rest : rest.slice(1) };
  }
  // ECS: arn:aws:secretsmanager:region:account:secret:NAME-XXXXXX[:json-key:version-stage:version-id]
  const secret = /^arn:aws[\w-]*:secretsmanager:[\w-]*:\d{12}:secret:([^:]+)(?::([^:]*):([^:]*):([^:]*))?$/.exec(valueFrom);
  if (secret) {
    return {
      kind: 'secret',
      secretId: secret[1].replace(/-[A-Za-z0-9]{6}$/, ''),
      ...(secret[2] ? { jsonKey: secret[2] } : {}),
      ...(secret[3] ? { stage: secret[3] } : {}),
      ...(secret[4] ? { versionId: secret[4] } : {}),
    };
  }
  return { kind: 'parameter', name: valueFrom };
}
