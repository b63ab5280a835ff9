import { createHash } from 'node:crypto';

/** SHA-256 of the content exactly as stored (UTF-8), in hex: the `Hash` AWS reports with HashType Sha256. */
export function documentHash(content: string): string {
  return createHash('sha256').update(content, 'utf8').digest('hex');
}
