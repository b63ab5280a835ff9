/**
 * Replaces every occurrence of each secret in `text` by `***`. Longer secrets go first, so a
 * secret that contains a shorter one is masked whole rather than leaving its remainder visible.
 */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  const ordered = [...new Set(secrets.filter((secret) => secret.length > 0))].sort((a, b) => b.length - a.length);
  let masked = text;
  for (const secret of ordered) masked = masked.split(secret).join('***');
  return masked;
}
