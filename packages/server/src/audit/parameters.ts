import { HIDDEN, type ServiceModel } from '@bosun/protocol';

/**
 * Request parameters and response elements as CloudTrail records them: sensitive
 * members replaced by HIDDEN_DUE_TO_SECURITY_REASONS, member names in lowerCamelCase,
 * timestamps as ISO-8601 text and blobs as base64.
 *
 * One walk does both (it runs for every call): the result is the one protocol's
 * `redactSensitive` followed by the renaming walk would give (parameters.test.ts compares them).
 */
export function auditParameters(model: ServiceModel, shapeName: string | undefined, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  return recorded(model, shapeName, value);
}

function recorded(model: ServiceModel, shapeName: string | undefined, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  const shape = shapeName === undefined ? undefined : model.shapes[shapeName];
  if (shape?.sensitive) return HIDDEN;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const member = shape?.type === 'list' ? shape.member : undefined;
    return value.map((item) => recorded(model, member, item));
  }
  // A map whose keys are sensitive cannot show any entry without showing a key.
  if (shape?.type === 'map' && model.shapes[shape.key]?.sensitive) return HIDDEN;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (shape?.type === 'map') out[key] = recorded(model, shape.value, item);
    else out[lowerFirst(key)] = recorded(model, shape?.type === 'structure' ? shape.members[key] : undefined, item);
  }
  return out;
}

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}
