import crypto from 'node:crypto';
import type { VersionRow } from './parameter-store.ts';
import { parsePolicies, type ParsedPolicy } from './policies.ts';

/**
 * What parameter policies require at `now`, decided from a snapshot of the current versions
 * that carry policies (pure: no I/O, no clock). The scheduler applies the decisions.
 *
 * - Expiration: the parameter is deleted once `now` reaches the Timestamp.
 * - ExpirationNotification: an event once `now` reaches Timestamp − Before.
 * - NoChangeNotification: an event once the version is older than After.
 *
 * Each decision carries a deterministic event id (policy, account, region, parameter, version),
 * so applying it twice (a restart, two replicas) records one event, and the same parameter in
 * two regions records one each.
 */
export type PolicyDecision =
  | { readonly kind: 'expire'; readonly row: VersionRow; readonly eventId: string }
  | { readonly kind: 'notify'; readonly row: VersionRow; readonly policy: 'ExpirationNotification' | 'NoChangeNotification'; readonly eventId: string; readonly dueAt: number };

export function decidePolicyActions(rows: readonly VersionRow[], now: number): PolicyDecision[] {
  const decisions: PolicyDecision[] = [];
  for (const row of rows) {
    let policies: ParsedPolicy[];
    try {
      policies = policiesOfRow(row);
    } catch {
      continue;
    }
    const expiration = policies.find((p) => p.type === 'Expiration');
    if (expiration?.expiresAt !== undefined && expiration.expiresAt <= now) {
      decisions.push({ kind: 'expire', row, eventId: eventId('Expiration', row) });
      continue;
    }
    for (const p of policies) {
      if (p.type === 'ExpirationNotification' && expiration?.expiresAt !== undefined) {
        const dueAt = expiration.expiresAt - p.intervalMs!;
        if (dueAt <= now) decisions.push({ kind: 'notify', row, policy: p.type, eventId: eventId(p.type, row), dueAt });
      }
      if (p.type === 'NoChangeNotification') {
        const dueAt = Number(row.last_modified_at) + p.intervalMs!;
        if (dueAt <= now) decisions.push({ kind: 'notify', row, policy: p.type, eventId: eventId(p.type, row), dueAt });
      }
    }
  }
  return decisions;
}

function eventId(policy: string, row: VersionRow): string {
  const hash = crypto.createHash('sha256').update(`${policy}\0${row.account_id}\0${row.region}\0${row.name}\0${row.version}`).digest('hex');
  return `${hash.slice(0, 8)}-${hash.slice(8, 12)}-${hash.slice(12, 16)}-${hash.slice(16, 20)}-${hash.slice(20, 32)}`;
}

/**
 * When the scheduler next needs to look at a version with these policies, after `after`
 * (exclusive): the earliest due time still ahead, or null when nothing is left to do.
 */
export function nextPolicyDueAt(policies: readonly ParsedPolicy[], lastModifiedAt: number, after: number): number | null {
  const expiration = policies.find((p) => p.type === 'Expiration')?.expiresAt;
  const times: number[] = [];
  if (expiration !== undefined) times.push(expiration);
  for (const p of policies) {
    if (p.type === 'ExpirationNotification' && expiration !== undefined) times.push(expiration - p.intervalMs!);
    if (p.type === 'NoChangeNotification') times.push(lastModifiedAt + p.intervalMs!);
  }
  const ahead = times.filter((t) => t > after);
  return ahead.length > 0 ? Math.min(...ahead) : null;
}

export function policiesOfRow(row: VersionRow): ParsedPolicy[] {
  return parsePolicies(`[${(JSON.parse(row.policies) as string[]).join(',')}]`);
}
