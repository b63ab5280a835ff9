import type { ssm } from '@bosun/protocol';
import type { Db } from '../store/store.ts';
import type { TaggableResource } from '../tags/tag-operations.ts';
import { nameFromArn, parameterArn } from './names.ts';
import { getCurrent, getTags, setTags } from './parameter-store.ts';

/** AWS's quota of tags per parameter. */
export const MAX_PARAMETER_TAGS = 50;

/** ResourceType Parameter for the SSM tag operations: ResourceId is the parameter's name (or ARN). */
export function parameterTags(db: Db, region: string): TaggableResource {
  return {
    resourceType: 'Parameter',
    auditType: 'AWS::SSM::Parameter',
    maxTags: MAX_PARAMETER_TAGS,
    arn: (ctx, resourceId) => parameterArn(region, ctx.principal.accountId, nameFromArn(resourceId)),
    async read(ctx, resourceId) {
      const row = await getCurrent(db, ctx.principal.accountId, nameFromArn(resourceId));
      if (!row) return undefined;
      return JSON.parse((await getTags(db, ctx.principal.accountId, [row.name])).get(row.name) ?? '[]') as ssm.Tag[];
    },
    async write(ctx, resourceId, tags) {
      // Tags belong to the parameter whichever form of a top-level name the caller used.
      const name = nameFromArn(resourceId);
      const stored = (await getCurrent(db, ctx.principal.accountId, name))?.name ?? name;
      await setTags(db, ctx.principal.accountId, stored, JSON.stringify(tags));
    },
  };
}
