import crypto from 'node:crypto';

/** `mi-` + 17 hex digits, like a hybrid managed node's id. */
export function newInstanceId(): string {
  return 'mi-' + crypto.randomBytes(9).toString('hex').slice(0, 17);
}

/** A random activation code: 20 characters of base62-ish text, returned once. */
export function newActivationCode(): string {
  return crypto.randomBytes(15).toString('base64url').replace(/[-_]/g, 'x');
}

export function hashActivationCode(code: string): string {
  return crypto.createHash('sha256').update(code, 'utf8').digest('hex');
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * A stable synthetic role id (AROA + 17 base32 characters) derived from account and role
 * name, used until IAM roles exist as rows of their own.
 */
export function syntheticRoleId(accountId: string, roleName: string): string {
  const digest = crypto.createHash('sha256').update(`${accountId}:${roleName}`).digest();
  let out = 'AROA';
  for (let i = 0; i < 17; i++) out += BASE32[digest[i] % 32];
  return out;
}
