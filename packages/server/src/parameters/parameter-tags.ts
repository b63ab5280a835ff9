import type { ssm } from '@bosun/protocol';
import type { Db } from '../store/store.ts';
import type { TaggableResource } from '../tags/tag-operations.ts';
import { nameFromArn, namesOtherRegion, parameterArn } from './names.ts';
import { getCurrent, getTags, setTags } from './parameter-store.ts';

/** AWS's quota of tags per parameter. */
export const MAX_PARAMETER_TAGS = 50;

/**
 * ResourceType Parameter for the SSM tag operations: ResourceId is the parameter's name (or ARN),
 * in the request's region.
 */
export function parameterTags(db: Db): TaggableResource {
  return {
    resourceType: 'Parameter',
    auditType: 'AWS::SSM::Parameter',
    maxTags: MAX_PARAMETER_TAGS,
    arn: (ctx, resourceId) => parameterArn(ctx.region, ctx.principal.accountId, nameFromArn(resourceId)),
    async read(ctx, resourceId) {
      if (namesOtherRegion(resourceId, ctx.region)) return undefined;
      const row = await getCurrent(db, ctx.scope, nameFromArn(resourceId));
      if (!row) return undefined;
      return JSON.parse((await getTags(db, ctx.scope, [row.name])).get(row.name) ?? '[]') as ssm.Tag[];
    },
    async write(ctx, resourceId, tags) {
      // Tags belong to the parameter whichever form of a top-level name the caller used.
      const name = nameFromArn(resourceId);
      const stored = (await getCurrent(db, ctx.scope, name))?.name ?? name;
      await setTags(db, ctx.scope, stored, JSON.stringify(tags));
    },
  };
}
