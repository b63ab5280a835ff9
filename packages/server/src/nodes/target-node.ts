import type { TargetNode } from '../engine/targets.ts';
import type { InstanceRow } from './nodes-store.ts';

const parsed = new WeakMap<InstanceRow, TargetNode>();

/**
 * A node row as target selection sees it. Its tags are parsed once per row read: a scheduling
 * pass hands the same fleet rows to every due association and to each one's SendCommand.
 */
export function targetNodeOf(row: InstanceRow): TargetNode {
  let node = parsed.get(row);
  if (!node) {
    node = { instanceId: row.instance_id, tags: JSON.parse(row.tags) as TargetNode['tags'], platformType: row.platform_type };
    parsed.set(row, node);
  }
  return node;
}
