import type { Scope } from '@bosun/protocol';
import type { Db } from '../store/store.ts';

/** Tests of compliance: a registered node row (compliance lists only registered nodes' items). */
export async function insertTestNode(db: Db, scope: Scope, instanceId: string, options: { tags?: { Key: string; Value: string }[]; deregisteredAt?: number } = {}): Promise<void> {
  await db.insertInto('managed_instances').values({
    instance_id: instanceId, account_id: scope.accountId, region: scope.region, activation_id: 'act-test', iam_role: 'BosunNodeRole', name: null,
    public_key: 'test', registered_at: 1, deregistered_at: options.deregisteredAt ?? null, last_ping_at: null, agent_version: null, platform_name: null,
    platform_type: null, platform_version: null, computer_name: null, ip_address: null, clock_offset_ms: null, refused_reason: null, refused_at: null,
    refused_skew_ms: null, tags: JSON.stringify(options.tags ?? []),
  }).execute();
}

/** A node id of the mi- form from a small number (mi-00000000000000001). */
export function testNodeId(n: number): string {
  return `mi-${n.toString(16).padStart(17, '0')}`;
}
