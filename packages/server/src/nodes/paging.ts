import { awsError } from '@bosun/protocol';

/** NextToken of Bosun's list operations: the base64url of the position to continue from. */
export function encodeNextToken(position: string): string {
  return Buffer.from(JSON.stringify({ after: position }), 'utf8').toString('base64url');
}

export function decodeNextToken(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof value.after === 'string') return value.after;
  } catch {
    // falls through to the error below
  }
  throw awsError('InvalidNextToken', 'The specified token isn\'t valid.');
}

/** One page of `items` (sorted by `key`) after the token's position. */
export function page<T>(items: readonly T[], key: (item: T) => string, options: { nextToken?: string; maxResults: number }): { items: T[]; nextToken?: string } {
  const after = decodeNextToken(options.nextToken);
  const start = after === undefined ? 0 : items.findIndex((item) => key(item) > after);
  const rest = start < 0 ? [] : items.slice(start);
  const pageItems = rest.slice(0, options.maxResults);
  return { items: pageItems, nextToken: rest.length > options.maxResults ? encodeNextToken(key(pageItems[pageItems.length - 1])) : undefined };
}
