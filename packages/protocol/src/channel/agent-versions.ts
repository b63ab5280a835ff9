/**
 * The agent bundles a server offers (routes under /bosun/v1/agent/), shared by the server and
 * the agent's updater (aws:updateSsmAgent). Never an AWS shape: AWS's agent reads a manifest
 * from S3 instead.
 *
 *   GET AGENT_VERSIONS_PATH                       → AgentVersionsResponse   (SigV4-signed)
 *   GET agentBundlePath(version)                  → the bundle's bytes, header x-bosun-sha256
 */

export const AGENT_VERSIONS_PATH = '/bosun/v1/agent/versions';

export function agentBundlePath(version: string): string {
  return `${AGENT_VERSIONS_PATH}/${encodeURIComponent(version)}/bosun-agent.cjs`;
}

/** A version as bundles are named: numbers separated by dots (0.1.0, 3.3.40.0). */
export const AGENT_VERSION_PATTERN = /^[0-9]{1,9}(\.[0-9]{1,9}){0,3}$/;

export interface AgentBundleInfo {
  readonly version: string;
  /** Hex SHA-256 of the bundle's bytes. */
  readonly sha256: string;
  readonly bytes: number;
}

export interface AgentVersionsResponse {
  /** The version of the bundle built from the server's own sources (what install.sh installs). */
  readonly current: string;
  /** The highest version offered: what "update to the latest" means. */
  readonly latest: string;
  /** Every version offered, highest first. */
  readonly versions: readonly AgentBundleInfo[];
}

/** Orders two versions part by part, numerically (1.10 > 1.9; 1.0 = 1.0.0). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}
