import { awsError } from '@bosun/protocol';

/**
 * Parameter policies (Parameter Store user guide, "Assigning parameter policies"): a JSON
 * array of at most 10 policies of three types. Expiration deletes the parameter at its
 * Timestamp; ExpirationNotification and NoChangeNotification emit events.
 */
export interface ParsedPolicy {
  readonly type: 'Expiration' | 'ExpirationNotification' | 'NoChangeNotification';
  readonly text: string;
  /** Expiration: when the parameter is deleted, epoch ms. */
  readonly expiresAt?: number;
  /** Notifications: the interval, ms (Before for ExpirationNotification, After for NoChangeNotification). */
  readonly intervalMs?: number;
}

export const MAX_POLICIES = 10;
const UNIT_MS: Record<string, number> = { Days: 86_400_000, Hours: 3_600_000 };

export function parsePolicies(text: string | undefined): ParsedPolicy[] {
  if (text === undefined || text.trim() === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw awsError('InvalidPolicyTypeException', 'The policy is not valid JSON: Policies must be a JSON array of policies such as [{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"2030-01-01T00:00:00.000Z"}}].');
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  if (list.length > MAX_POLICIES) throw awsError('PoliciesLimitExceededException', `A parameter can have at most ${MAX_POLICIES} policies; ${list.length} were given.`);
  const policies = list.map(parseOne);
  const types = policies.map((p) => p.type);
  if (new Set(types).size !== types.length) {
    throw awsError('IncompatiblePolicyException', 'A parameter can have at most one policy of each type (Expiration, ExpirationNotification, NoChangeNotification).');
  }
  if (types.includes('ExpirationNotification') && !types.includes('Expiration')) {
    throw awsError('IncompatiblePolicyException', 'An ExpirationNotification policy needs an Expiration policy on the same parameter.');
  }
  return policies;
}

function parseOne(raw: unknown): ParsedPolicy {
  const policy = raw as { Type?: unknown; Version?: unknown; Attributes?: Record<string, unknown> };
  if (typeof policy !== 'object' || policy === null) throw awsError('InvalidPolicyTypeException', 'Each policy must be a JSON object with Type, Version and Attributes.');
  const text = JSON.stringify(raw);
  const attributes = policy.Attributes ?? {};
  switch (policy.Type) {
    case 'Expiration': {
      const stamp = attributes.Timestamp;
      const at = typeof stamp === 'string' ? Date.parse(stamp) : NaN;
      if (Number.isNaN(at)) throw awsError('InvalidPolicyAttributeException', 'An Expiration policy needs Attributes.Timestamp in ISO 8601 format, e.g. 2030-12-02T21:34:33.000Z.');
      return { type: 'Expiration', text, expiresAt: at };
    }
    case 'ExpirationNotification':
      return { type: 'ExpirationNotification', text, intervalMs: interval(attributes, 'Before') };
    case 'NoChangeNotification':
      return { type: 'NoChangeNotification', text, intervalMs: interval(attributes, 'After') };
    default:
      throw awsError('InvalidPolicyTypeException', `The policy type ${String(policy.Type)} is not valid. Valid types: Expiration, ExpirationNotification, NoChangeNotification.`);
  }
}

function interval(attributes: Record<string, unknown>, name: string): number {
  const amount = Number(attributes[name]);
  const unit = attributes.Unit;
  if (!Number.isInteger(amount) || amount < 1 || typeof unit !== 'string' || !UNIT_MS[unit]) {
    throw awsError('InvalidPolicyAttributeException', `Attributes.${name} must be a positive whole number and Attributes.Unit Days or Hours.`);
  }
  return amount * UNIT_MS[unit];
}
