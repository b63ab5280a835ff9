import crypto from 'node:crypto';

// Random ids in AWS's formats, so that tools which check their shape accept them.
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function randomChars(alphabet: string, count: number): string {
  const bytes = crypto.randomBytes(count);
  let out = '';
  for (let i = 0; i < count; i++) out += alphabet[bytes[i] % alphabet.length];
  return out;
}

/** A 12-digit account id that does not start with 0. */
export function newAccountId(): string {
  return randomChars('123456789', 1) + randomChars('0123456789', 11);
}

/** AKIA + 16 characters, like a long-term IAM user access key id. */
export function newAccessKeyId(): string {
  return 'AKIA' + randomChars(BASE32, 16);
}

/** 40 characters of the base64 alphabet, like an AWS secret access key. */
export function newSecretAccessKey(): string {
  return crypto.randomBytes(30).toString('base64');
}

/** AIDA + 17 characters, like an IAM user's unique id. */
export function newUserId(): string {
  return 'AIDA' + randomChars(BASE32, 17);
}

export function isAccountId(text: string): boolean {
  return /^\d{12}$/.test(text);
}
