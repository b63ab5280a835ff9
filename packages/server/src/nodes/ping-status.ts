import type { ssm } from '@bosun/protocol';

/**
 * PingStatus, derived at read time from the last heartbeat (no timer writes rows):
 *   Inactive        the node was deregistered;
 *   Online          a heartbeat (or channel connection) within `connectionLostAfterMs`;
 *   ConnectionLost  otherwise.
 * The agent heartbeats every 60 s by default; the window defaults to 5 minutes (five
 * missed heartbeats, as AWS counts usage in 5-minute windows).
 */
export const DEFAULT_CONNECTION_LOST_AFTER_MS = 5 * 60 * 1000;

export function pingStatus(row: { deregistered_at: number | null; last_ping_at: number | null }, now: number, connectionLostAfterMs: number): ssm.PingStatus {
  if (row.deregistered_at !== null) return 'Inactive';
  if (row.last_ping_at !== null && now - row.last_ping_at <= connectionLostAfterMs) return 'Online';
  return 'ConnectionLost';
}
