/**
 * Target selection of Run Command: which managed nodes a SendCommand names, from its
 * InstanceIds or its Targets (InstanceIds, tag:KEY, tag-key). Pure: the caller reads the
 * account's nodes in the command's region and passes them in, so that a node of another
 * region is an unknown instance, as on AWS.
 */

export interface TargetNode {
  readonly instanceId: string;
  readonly tags: readonly { readonly Key: string; readonly Value: string }[];
  readonly platformType: string | null;
}

export interface TargetSpec {
  readonly instanceIds?: readonly string[];
  readonly targets?: readonly { readonly Key?: string; readonly Values?: readonly string[] }[];
}

export type TargetSelection =
  | { readonly ok: true; readonly nodes: readonly TargetNode[] }
  | { readonly ok: false; readonly problem: 'missing' | 'both' | 'bad-key' | 'no-values' | 'unknown-instances'; readonly detail: string; readonly instanceIds?: readonly string[] };

/** Target keys Bosun understands; AWS's resource-groups keys need Resource Groups, which Bosun lacks. */
export function targetKeyProblem(key: string | undefined): string | undefined {
  if (key === undefined || key === '') return 'A target needs a Key.';
  if (key === 'InstanceIds' || key === 'tag-key') return undefined;
  if (key.startsWith('tag:') && key.length > 4) return undefined;
  return `Target key ${key} is not supported: use InstanceIds, tag:<key> or tag-key.`;
}

/**
 * The nodes a command runs on, in a stable order (instance id), each once. InstanceIds must
 * all be nodes of the account; tag targets match zero or more nodes. Several Targets must all
 * match (AND); the values of one target are alternatives (OR).
 */
export function selectTargets(nodes: readonly TargetNode[], spec: TargetSpec): TargetSelection {
  const hasIds = spec.instanceIds !== undefined && spec.instanceIds.length > 0;
  const hasTargets = spec.targets !== undefined && spec.targets.length > 0;
  if (hasIds && hasTargets) return { ok: false, problem: 'both', detail: 'InstanceIds and Targets cannot both be specified.' };
  if (!hasIds && !hasTargets) return { ok: false, problem: 'missing', detail: 'Either InstanceIds or Targets must be specified.' };
  const byId = new Map(nodes.map((n) => [n.instanceId, n]));
  if (hasIds) {
    const ids = [...new Set(spec.instanceIds)];
    const unknown = ids.filter((id) => !byId.has(id));
    if (unknown.length > 0) return { ok: false, problem: 'unknown-instances', detail: unknown.join(', '), instanceIds: unknown };
    return { ok: true, nodes: ids.sort().map((id) => byId.get(id)!) };
  }
  const checks: ((n: TargetNode) => boolean)[] = [];
  for (const target of spec.targets!) {
    const problem = targetKeyProblem(target.Key);
    if (problem) return { ok: false, problem: 'bad-key', detail: problem };
    const values = target.Values ?? [];
    if (values.length === 0) return { ok: false, problem: 'no-values', detail: `Target ${target.Key} needs at least one value.` };
    const key = target.Key!;
    if (key === 'InstanceIds') {
      const unknown = values.filter((id) => !byId.has(id));
      if (unknown.length > 0) return { ok: false, problem: 'unknown-instances', detail: unknown.join(', '), instanceIds: unknown };
      const wanted = new Set(values);
      checks.push((n) => wanted.has(n.instanceId));
    } else if (key === 'tag-key') {
      const wanted = new Set(values);
      checks.push((n) => n.tags.some((t) => wanted.has(t.Key)));
    } else {
      const tagKey = key.slice(4);
      const wanted = new Set(values);
      checks.push((n) => n.tags.some((t) => t.Key === tagKey && wanted.has(t.Value)));
    }
  }
  const selected = nodes.filter((n) => checks.every((check) => check(n)));
  return { ok: true, nodes: [...selected].sort((a, b) => (a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0)) };
}
