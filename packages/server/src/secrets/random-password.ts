import crypto from 'node:crypto';
import { awsError, type secretsmanager } from '@bosun/protocol';

/** GetRandomPassword's character classes and rules (Secrets Manager API reference). */
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

/** GetRandomPassword's input, as the model defines it. */
export type PasswordOptions = secretsmanager.GetRandomPasswordRequest;

export function randomPassword(options: PasswordOptions): string {
  const length = options.PasswordLength ?? 32;
  const exclude = new Set(options.ExcludeCharacters ?? '');
  const classes = [
    options.ExcludeLowercase ? '' : LOWER,
    options.ExcludeUppercase ? '' : UPPER,
    options.ExcludeNumbers ? '' : DIGITS,
    options.ExcludePunctuation ? '' : PUNCTUATION,
    options.IncludeSpace ? ' ' : '',
  ].map((c) => [...c].filter((ch) => !exclude.has(ch)).join('')).filter((c) => c.length > 0);
  if (classes.length === 0) throw awsError('InvalidParameterException', 'The password cannot be generated: every character is excluded.');
  const requireEach = options.RequireEachIncludedType ?? true;
  if (requireEach && length < classes.length) throw awsError('InvalidParameterException', `PasswordLength ${length} is too short to include a character of each of the ${classes.length} included types.`);
  const all = classes.join('');
  const pick = (set: string) => set[crypto.randomInt(set.length)];
  const chars = Array.from({ length }, () => pick(all));
  if (requireEach) {
    // Put one character of each class at distinct random positions.
    const positions = new Set<number>();
    while (positions.size < classes.length) positions.add(crypto.randomInt(length));
    [...positions].forEach((pos, i) => { chars[pos] = pick(classes[i]); });
  }
  return chars.join('');
}
