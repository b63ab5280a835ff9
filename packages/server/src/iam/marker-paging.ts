import { awsError } from '@bosun/protocol';

/** IAM's page size when MaxItems is absent, as AWS documents for its List* calls. */
export const DEFAULT_MAX_ITEMS = 100;

export interface MarkerPage<T> {
  readonly items: T[];
  readonly IsTruncated: boolean;
  /** Present only when IsTruncated: pass it back as Marker for the next page. */
  readonly Marker?: string;
}

/**
 * One page of an IAM list in the Marker/MaxItems style. The marker is opaque to callers:
 * it encodes the position after the last item returned, so it stays valid for a list in
 * a stable order (every IAM list here is ordered by name or ARN).
 */
export function markerPage<T>(items: readonly T[], input: { readonly Marker?: string; readonly MaxItems?: number }): MarkerPage<T> {
  const start = input.Marker === undefined ? 0 : decodeMarker(input.Marker);
  const size = input.MaxItems ?? DEFAULT_MAX_ITEMS;
  const page = items.slice(start, start + size);
  const next = start + page.length;
  return next < items.length ? { items: page, IsTruncated: true, Marker: encodeMarker(next) } : { items: page, IsTruncated: false };
}

function encodeMarker(position: number): string {
  return Buffer.from(`bosun-iam:${position}`, 'utf8').toString('base64url');
}

function decodeMarker(marker: string): number {
  const match = /^bosun-iam:(\d{1,9})$/.exec(Buffer.from(marker, 'base64url').toString('utf8'));
  if (!match) throw awsError('InvalidInput', 'Invalid Marker: pass the Marker value of the previous response unchanged.');
  return Number(match[1]);
}
