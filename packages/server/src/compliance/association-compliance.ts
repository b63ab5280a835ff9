import type { Scope } from '@bosun/protocol';
import type { Db } from '../store/store.ts';
import { putItemIfNewer, RESOURCE_TYPE } from './compliance-store.ts';
import { isSeverity } from './severity-counts.ts';

/**
 * The `Association` compliance item of one association on one node, written by the association
 * engine after each node's result when the association's SyncCompliance is AUTO. AWS keeps one
 * Association item per association per node: this replaces that association's item on the node
 * and keeps the node's other associations' items, so the node's Association summary reflects
 * the last execution of each. A result older than the stored one (a late or replayed result)
 * changes nothing.
 *
 * `severity` is the association's ComplianceSeverity (CRITICAL, HIGH, MEDIUM, LOW or
 * UNSPECIFIED); `executionTime` is epoch ms.
 */
export async function recordAssociationCompliance(db: Db, scope: Scope, input: {
  instanceId: string;
  associationId: string;
  associationName?: string;
  documentName: string;
  documentVersion: string;
  executionId: string;
  severity: string;
  status: 'COMPLIANT' | 'NON_COMPLIANT';
  executionTime: number;
}): Promise<void> {
  if (!isSeverity(input.severity)) throw new Error(`recordAssociationCompliance: severity ${input.severity} is not a compliance severity`);
  await putItemIfNewer(
    db,
    scope,
    { resourceType: RESOURCE_TYPE, resourceId: input.instanceId, complianceType: 'Association' },
    {
      key: `id:${input.associationId}`,
      id: input.associationId,
      title: input.associationName ?? input.documentName,
      status: input.status,
      severity: input.severity,
      details: { DocumentName: input.documentName, DocumentVersion: input.documentVersion },
    },
    { time: input.executionTime, id: input.executionId, type: 'Command' },
    input.executionTime,
  );
}
