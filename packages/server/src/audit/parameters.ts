import { redactSensitive, type ServiceModel } from '@bosun/protocol';

/**
 * Request parameters and response elements as CloudTrail records them: sensitive
 * members replaced by HIDDEN_DUE_TO_SECURITY_REASONS, member names in lowerCamelCase,
 * timestamps as ISO-8601 text and blobs as base64.
 */
export function auditParameters(model: ServiceModel, shapeName: string | undefined, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  return camelize(model, shapeName, redactSensitive(model, shapeName, value));
}

function camelize(model: ServiceModel, shapeName: string | undefined, value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value === null || typeof value !== 'object') return value;
  const shape = shapeName ? model.shapes[shapeName] : undefined;
  if (Array.isArray(value)) return value.map((item) => camelize(model, shape?.type === 'list' ? shape.member : undefined, item));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (shape?.type === 'map') out[key] = camelize(model, shape.value, item);
    else out[lowerFirst(key)] = camelize(model, shape?.type === 'structure' ? shape.members[key] : undefined, item);
  }
  return out;
}

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}
