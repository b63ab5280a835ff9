/**
 * Redaction of sensitive values for audit records, the way CloudTrail writes them: every
 * member whose shape is marked sensitive in the model is replaced by a placeholder.
 */
import type { ServiceModel } from './model.ts';

/** CloudTrail's placeholder for sensitive request parameters and response elements. */
export const HIDDEN = 'HIDDEN_DUE_TO_SECURITY_REASONS';

/**
 * A deep copy of `value` (read as the shape `shapeName`) with sensitive values replaced by
 * HIDDEN. Works on raw JSON as well as decoded values: members the model does not know are
 * copied as they are, and Dates and Buffers are kept as they are.
 */
export function redactSensitive(model: ServiceModel, shapeName: string | undefined, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  const shape = shapeName === undefined ? undefined : model.shapes[shapeName];
  if (shape?.sensitive) return HIDDEN;
  if (value instanceof Date || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) {
    const member = shape?.type === 'list' ? shape.member : undefined;
    return value.map((item) => redactSensitive(model, member, item));
  }
  if (typeof value !== 'object') return value;
  // A map whose keys are sensitive cannot show any entry without showing a key.
  if (shape?.type === 'map' && model.shapes[shape.key]?.sensitive) return HIDDEN;
  const itemShape = (key: string): string | undefined =>
    shape?.type === 'map' ? shape.value : shape?.type === 'structure' ? shape.members[key] : undefined;
  // fromEntries defines keys such as "__proto__" as plain properties; assignment would not.
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactSensitive(model, itemShape(key), item)]));
}
