import { formatArn, type ssm } from '@bosun/protocol';
import type { CallContext } from '../api/operation.ts';
import type { Db } from '../store/store.ts';
import type { TaggableResource } from '../tags/tag-operations.ts';
import { findWindow, updateWindowRow } from './window-store.ts';

/** AWS's quota of tags per maintenance window. */
export const MAX_WINDOW_TAGS = 50;

/** The ARN of a maintenance window (IAM resources, tags). */
export function windowArn(ctx: Pick<CallContext, 'region' | 'principal'>, windowId: string): string {
  return formatArn({ service: 'ssm', region: ctx.region, accountId: ctx.principal.accountId, resource: `maintenancewindow/${windowId}` });
}

/** ResourceType MaintenanceWindow for the SSM tag operations: ResourceId is a window id of the caller's account in the request's region. */
export function windowTags(db: Db): TaggableResource {
  return {
    resourceType: 'MaintenanceWindow',
    auditType: 'AWS::SSM::MaintenanceWindow',
    maxTags: MAX_WINDOW_TAGS,
    arn: windowArn,
    async read(ctx, resourceId) {
      const row = await findWindow(db, ctx.scope, resourceId);
      return row ? (JSON.parse(row.tags) as ssm.Tag[]) : undefined;
    },
    async write(ctx, resourceId, tags) {
      await updateWindowRow(db, ctx.scope, resourceId, { tags: JSON.stringify(tags) });
    },
  };
}
