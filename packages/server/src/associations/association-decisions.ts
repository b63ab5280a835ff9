/**
 * State Manager's pure decisions: which nodes an association's targets match, which of them
 * an application goes to, what a Run Command invocation means for the association, and the
 * statuses shown. No I/O: the engine reads the rows and applies what these return.
 */
import type { TargetNode } from '../engine/targets.ts';

export interface AssociationTargets {
  /** Legacy associations of one node. */
  readonly instanceId: string | null;
  readonly targets: readonly { readonly Key?: string; readonly Values?: readonly string[] }[];
}

/**
 * The nodes an association's targets match now, sorted by id: `InstanceIds` (`*` is every
 * node of the scope), `tag:KEY` (one of the values), `tag-key`. Several targets must all
 * match; an instance id that is not a node matches nothing (it may register later).
 */
export function matchNodes(nodes: readonly TargetNode[], spec: AssociationTargets): TargetNode[] {
  const checks: ((n: TargetNode) => boolean)[] = [];
  if (spec.instanceId !== null) checks.push((n) => n.instanceId === spec.instanceId);
  for (const target of spec.targets) {
    const key = target.Key ?? '';
    const values = new Set(target.Values ?? []);
    if (key.toLowerCase() === 'instanceids') checks.push(values.has('*') ? () => true : (n) => values.has(n.instanceId));
    else if (key === 'tag-key') checks.push((n) => n.tags.some((t) => values.has(t.Key)));
    else if (key.startsWith('tag:')) checks.push((n) => n.tags.some((t) => t.Key === key.slice(4) && values.has(t.Value)));
    else checks.push(() => false);
  }
  if (checks.length === 0) return [];
  return nodes.filter((n) => checks.every((c) => c(n))).sort((a, b) => (a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0));
}

export interface NodeState {
  readonly instanceId: string;
  readonly associationVersion: number;
  readonly status: string;
}

/**
 * Which matched nodes get an application. `all` (create, update, schedule, StartAssociationsOnce):
 * every matched node. `missing` (a new node or tag, the reconcile pass): the nodes that never
 * had this version. Either way a node whose previous application is still pending gets none:
 * an offline node runs its missed application once when it returns, not once per trigger.
 */
export function nodesToApply(matched: readonly string[], states: readonly NodeState[], mode: 'all' | 'missing', version: number): string[] {
  const byId = new Map(states.map((s) => [s.instanceId, s]));
  return matched.filter((id) => {
    const state = byId.get(id);
    if (state?.status === 'Pending') return false;
    if (mode === 'all') return true;
    return state === undefined || state.associationVersion < version;
  });
}

/** A node's association status from its Run Command invocation; undefined while it has not ended. */
export function resultOf(invocation: { status: string; statusDetails: string; responseCode: number }): { status: 'Success' | 'Failed'; detailedStatus: string; errorCode: string } | undefined {
  switch (invocation.status) {
    case 'Success':
      return { status: 'Success', detailedStatus: 'Success', errorCode: '' };
    case 'Failed':
    case 'TimedOut':
    case 'Cancelled':
      return { status: 'Failed', detailedStatus: invocation.statusDetails || invocation.status, errorCode: invocation.responseCode >= 0 ? String(invocation.responseCode) : '' };
    default:
      return undefined;
  }
}

/** The status of a target while its invocation runs (DescribeAssociationExecutionTargets). */
export function liveStatusOf(invocationStatus: string | undefined): string {
  if (invocationStatus === undefined || invocationStatus === 'Pending' || invocationStatus === 'Delayed') return 'Pending';
  return resultOf({ status: invocationStatus, statusDetails: invocationStatus, responseCode: -1 })?.status ?? 'InProgress';
}

/** Counts by status, AWS's AssociationStatusAggregatedCount / ResourceCountByStatus. */
export function countByStatus(statuses: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1;
  return counts;
}

/** The association's Overview from its node states: Pending while any is, Failed if any failed, else Success. */
export function overviewOf(states: readonly { status: string }[]): { status: string; detailedStatus: string; counts: Record<string, number> } {
  const counts = countByStatus(states.map((s) => s.status));
  const status = counts.Pending ? 'Pending' : counts.Failed ? 'Failed' : states.length > 0 ? 'Success' : 'Pending';
  return { status, detailedStatus: status, counts };
}

/** An execution's end from its nodes' results: Success when every node succeeded. */
export function executionEndOf(results: readonly string[]): { status: string; detailedStatus: string; resourceCounts: Record<string, number> } {
  const resourceCounts = countByStatus(results);
  const status = results.every((r) => r === 'Success') ? 'Success' : 'Failed';
  return { status, detailedStatus: status, resourceCounts };
}

/** The nodes of an execution split into lists of at most `size` (sorted, so a resumed execution finds the same lists). */
export function chunksOf(instanceIds: readonly string[], size: number): string[][] {
  const sorted = [...instanceIds].sort();
  const out: string[][] = [];
  for (let i = 0; i < sorted.length; i += size) out.push(sorted.slice(i, i + size));
  return out;
}

/** The Comment of the commands of an execution: ListCommands shows which association made them. */
export function commandComment(associationId: string, executionId: string): string {
  return `association:${associationId}:${executionId}`;
}
