import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * Temporary credentials (ASIA… key, secret, session token) of role sessions: issued by
 * STS AssumeRole to users and by node registration to managed nodes.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('session_credentials')
    .addColumn('access_key_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('secret_sealed', 'text', (c) => c.notNull())
    .addColumn('session_token_sealed', 'text', (c) => c.notNull())
    /** The AssumedRolePrincipal the credentials act as, as JSON. */
    .addColumn('principal', 'text', (c) => c.notNull())
    /** What the session was issued to (e.g. a node id), so it can be revoked with it. */
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('issued_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('session_credentials_subject').on('session_credentials').columns(['account_id', 'subject']).execute();
  await db.schema.createIndex('session_credentials_expiry').on('session_credentials').columns(['expires_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('session_credentials').execute();
}
