import crypto from 'node:crypto';
import { seal, type RootKey } from '../crypto/root-key.ts';
import type { Db } from '../store/store.ts';
import type { SessionCredentialsTable } from '../store/schema.ts';
import { newSecretAccessKey } from './ids.ts';
import { assumedRolePrincipal, type AssumedRolePrincipal } from './principal.ts';

/** Temporary credentials as STS returns them. */
export interface SessionCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
  readonly principal: AssumedRolePrincipal;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** ASIA + 16 characters, like STS's temporary access key ids. */
export function newSessionAccessKeyId(): string {
  const bytes = crypto.randomBytes(16);
  let out = 'ASIA';
  for (const b of bytes) out += BASE32[b % 32];
  return out;
}

export function sessionSealContext(accessKeyId: string, part: 'secret' | 'token'): string {
  return `session-${part}:${accessKeyId}`;
}

export interface IssueSessionInput {
  readonly accountId: string;
  readonly roleName: string;
  readonly roleId: string;
  readonly rolePath?: string;
  readonly sessionName: string;
  /** What the session belongs to (a user ARN, a node id): revoking by subject ends them all. */
  readonly subject: string;
  readonly now: number;
  readonly ttlMs: number;
}

/** Issues and stores temporary credentials of a role session. */
export async function issueSessionCredentials(db: Db, rootKey: RootKey, input: IssueSessionInput): Promise<SessionCredentials> {
  const accessKeyId = newSessionAccessKeyId();
  const secretAccessKey = newSecretAccessKey();
  const sessionToken = crypto.randomBytes(48).toString('base64');
  const principal = assumedRolePrincipal({ ...input, accessKeyId });
  const row: SessionCredentialsTable = {
    access_key_id: accessKeyId,
    account_id: input.accountId,
    secret_sealed: seal(rootKey, secretAccessKey, sessionSealContext(accessKeyId, 'secret')),
    session_token_sealed: seal(rootKey, sessionToken, sessionSealContext(accessKeyId, 'token')),
    principal: JSON.stringify(principal),
    subject: input.subject,
    issued_at: input.now,
    expires_at: input.now + input.ttlMs,
    revoked_at: null,
  };
  await db.insertInto('session_credentials').values(row).execute();
  return { accessKeyId, secretAccessKey, sessionToken, expiration: new Date(row.expires_at), principal };
}

export async function findSessionCredentials(db: Db, accessKeyId: string): Promise<SessionCredentialsTable | undefined> {
  return db.selectFrom('session_credentials').selectAll().where('access_key_id', '=', accessKeyId).executeTakeFirst();
}

/** Ends every session of a subject at once (a deregistered node, a deleted user). */
export async function revokeSessions(db: Db, input: { accountId: string; subject: string; now: number }): Promise<number> {
  const result = await db.updateTable('session_credentials').set({ revoked_at: input.now })
    .where('account_id', '=', input.accountId).where('subject', '=', input.subject).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Removes sessions that expired before `before` (housekeeping). */
export async function deleteExpiredSessions(db: Db, before: number): Promise<number> {
  const result = await db.deleteFrom('session_credentials').where('expires_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
