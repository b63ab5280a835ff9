import { forEachString, mapStrings, placeholdersIn, replacePlaceholders } from './interpolation.ts';

/**
 * The `{{ssm:name}}` and `{{ssm-secure:name}}` references in resolved values, each name once,
 * in order of appearance, with any `:version` or `:label` selector kept (`/app/db:3`).
 */
export function findParameterReferences(values: Record<string, unknown>): { plain: string[]; secure: string[] } {
  const plain = new Set<string>();
  const secure = new Set<string>();
  forEachString(values, (text) => {
    for (const found of placeholdersIn(text)) {
      if (found.kind === 'ssm') plain.add(found.name);
      else if (found.kind === 'ssm-secure') secure.add(found.name);
    }
  });
  return { plain: [...plain], secure: [...secure] };
}

/**
 * Replaces the references of one kind whose values are given: the server substitutes `ssm:`
 * at send time, the agent `ssm-secure:` just before the step runs. References not in
 * `resolved`, and those of the other kind, stay as written.
 */
export function substituteReferences(
  values: Record<string, unknown>,
  kind: 'ssm' | 'ssm-secure',
  resolved: ReadonlyMap<string, string>,
): Record<string, unknown> {
  return mapStrings(values, (text) =>
    replacePlaceholders(text, (found) => (found.kind === kind ? resolved.get(found.name) : undefined)),
  ) as Record<string, unknown>;
}
