import crypto from 'node:crypto';
import type { Db } from '../store/store.ts';
import { hashActivationCode, newActivationCode } from './ids.ts';
import { insertActivation } from './nodes-store.ts';

/**
 * An activation made by the operator's own tools (not through the API), e.g. the one
 * `bosun dev` registers its local agent with. Same rules as CreateActivation. `region` is the
 * server's configured region: the local node lives there, where the operator's tools look.
 */
export async function createLocalActivation(
  db: Db,
  input: { accountId: string; region: string; iamRole: string; defaultInstanceName?: string; now: number; ttlMs?: number },
): Promise<{ activationId: string; activationCode: string }> {
  const activationCode = newActivationCode();
  const activationId = crypto.randomUUID();
  await insertActivation(db, {
    activation_id: activationId,
    account_id: input.accountId,
    region: input.region,
    code_hash: hashActivationCode(activationCode),
    description: 'Created by bosun dev for its local agent',
    default_instance_name: input.defaultInstanceName ?? null,
    iam_role: input.iamRole,
    registration_limit: 1,
    registrations_count: 0,
    expires_at: input.now + (input.ttlMs ?? 60 * 60 * 1000),
    created_at: input.now,
    tags: '[]',
    registration_metadata: '[]',
  });
  return { activationId, activationCode };
}
