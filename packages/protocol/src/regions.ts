import { REGION_PARTITIONS } from './generated/regions.ts';

/**
 * The regions Bosun serves on its one endpoint: every region of the aws, aws-cn and aws-us-gov
 * partitions (generated/regions.ts). Regional resources live per account and region, as on AWS.
 */
export function isKnownRegion(region: string): boolean {
  return Object.hasOwn(REGION_PARTITIONS, region);
}

/** The partition an ARN names for a region (`aws-cn` for `cn-north-1`); `aws` for global services (region ''). */
export function partitionOf(region: string): string {
  return (Object.hasOwn(REGION_PARTITIONS, region) ? REGION_PARTITIONS[region] : undefined) ?? 'aws';
}

export const knownRegions: readonly string[] = Object.keys(REGION_PARTITIONS);

/** Where a regional resource lives: the account that owns it and the region it was made in. */
export interface Scope {
  readonly accountId: string;
  readonly region: string;
}
