import type { ssm } from '@bosun/protocol';
import type { Db } from '../store/store.ts';
import type { TaggableResource } from '../tags/tag-operations.ts';
import { documentArn, parseDocumentReference } from './document-names.ts';
import { getDocumentRow, setDocumentTags } from './document-store.ts';

/** AWS's quota of tags per document. */
export const MAX_DOCUMENT_TAGS = 50;

/**
 * ResourceType Document for the SSM tag operations: ResourceId is one of the caller's own
 * documents in the request's region, by name.
 */
export function documentTags(db: Db): TaggableResource {
  const nameOf = (resourceId: string) => parseDocumentReference(resourceId)?.name ?? resourceId;
  return {
    resourceType: 'Document',
    auditType: 'AWS::SSM::Document',
    maxTags: MAX_DOCUMENT_TAGS,
    arn: (ctx, resourceId) => documentArn(ctx.region, ctx.principal.accountId, nameOf(resourceId)),
    async read(ctx, resourceId) {
      const ref = parseDocumentReference(resourceId);
      // Only the owner tags a document: built-ins, other accounts' and other regions' documents are not the caller's here.
      if (!ref || (ref.ownerAccountId !== undefined && ref.ownerAccountId !== ctx.principal.accountId)) return undefined;
      if (ref.region !== undefined && ref.region !== ctx.region) return undefined;
      const row = await getDocumentRow(db, ctx.scope, ref.name);
      return row ? (JSON.parse(row.tags) as ssm.Tag[]) : undefined;
    },
    async write(ctx, resourceId, tags) {
      await setDocumentTags(db, ctx.scope, nameOf(resourceId), JSON.stringify(tags));
    },
  };
}
