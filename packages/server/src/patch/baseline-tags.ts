import type { ssm } from '@bosun/protocol';
import type { Db } from '../store/store.ts';
import type { TaggableResource } from '../tags/tag-operations.ts';
import { baselineArn } from './operations.ts';
import { findBaseline, setBaselineTags } from './patch-store.ts';

/** AWS's quota of tags per patch baseline. */
export const MAX_BASELINE_TAGS = 50;

/** ResourceType PatchBaseline for the SSM tag operations: ResourceId is a custom baseline's pb- id (AWS's predefined ones are not the caller's). */
export function baselineTags(db: Db): TaggableResource {
  return {
    resourceType: 'PatchBaseline',
    auditType: 'AWS::SSM::PatchBaseline',
    maxTags: MAX_BASELINE_TAGS,
    arn: baselineArn,
    async read(ctx, resourceId) {
      const row = await findBaseline(db, ctx.scope, resourceId);
      return row ? (JSON.parse(row.tags) as ssm.Tag[]) : undefined;
    },
    async write(ctx, resourceId, tags) {
      await setBaselineTags(db, ctx.scope, resourceId, JSON.stringify(tags));
    },
  };
}
