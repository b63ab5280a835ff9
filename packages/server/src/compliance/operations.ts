import { awsError, type ssm } from '@bosun/protocol';
import type { AuditResource } from '../audit/record.ts';
import { defineOperation, type CallContext, type Operation, type Permission } from '../api/operation.ts';
import { instanceArn } from '../nodes/instance-operations.ts';
import { findInstance, inScope } from '../nodes/nodes-store.ts';
import { page } from '../nodes/paging.ts';
import type { Db } from '../store/store.ts';
import { compileFilters, type FilterKeys } from './compliance-filters.ts';
import { listItems, listSummaries, putItems, RESOURCE_TYPE, type ItemRow, type NewItem, type SummaryRow } from './compliance-store.ts';
import { complianceLimits, type ComplianceLimits } from './limits.ts';
import { addSeverity, emptySeverityCounts, totalOf } from './severity-counts.ts';

export interface ComplianceDeps {
  readonly db: Db;
  /** Default complianceLimits (tests lower them). */
  readonly limits?: ComplianceLimits;
}

const DEFAULT_MAX_RESULTS = 50;

/** PutComplianceItems, ListComplianceItems, ListComplianceSummaries and ListResourceComplianceSummaries, per account and region. */
export function complianceOperations(deps: ComplianceDeps): Operation[] {
  const { db } = deps;
  const limits = deps.limits ?? complianceLimits;

  /** The node a put is about, when it is a registered node of the caller's account in the request's region. */
  async function nodeOf(ctx: CallContext, resourceId: string) {
    const row = await findInstance(db, resourceId);
    return row && inScope(row, ctx.scope) && row.deregistered_at === null ? row : undefined;
  }

  return [
    defineOperation<ssm.PutComplianceItemsRequest, ssm.PutComplianceItemsResult>({
      service: 'ssm',
      name: 'PutComplianceItems',
      readOnly: false,
      // ssm:PutComplianceItems on the node, with its tags as condition keys (as SendCommand's).
      async permissions(ctx, input): Promise<Permission[]> {
        const conditions: Record<string, string> = {};
        const node = input.ResourceType === RESOURCE_TYPE ? await nodeOf(ctx, input.ResourceId) : undefined;
        for (const tag of node ? (JSON.parse(node.tags) as ssm.Tag[]) : []) {
          conditions[`ssm:resourceTag/${tag.Key}`] = tag.Value;
          conditions[`aws:ResourceTag/${tag.Key}`] = tag.Value;
        }
        return [{ action: 'ssm:PutComplianceItems', resource: instanceArn(ctx, input.ResourceId), conditions }];
      },
      resources: (ctx, input): AuditResource[] => [{ type: 'AWS::SSM::ManagedInstance', name: input.ResourceId, arn: instanceArn(ctx, input.ResourceId) }],
      async handle(ctx, input) {
        checkResourceType(input.ResourceType);
        checkComplianceType(input.ComplianceType);
        const uploadType = input.UploadType ?? 'COMPLETE';
        const items = newItems(input.Items, uploadType, limits);
        if (!(await nodeOf(ctx, input.ResourceId))) throw invalidResourceId(ctx, input.ResourceId);
        const summary = input.ExecutionSummary;
        const result = await putItems(db, ctx.scope, {
          resourceType: RESOURCE_TYPE,
          resourceId: input.ResourceId,
          complianceType: input.ComplianceType,
          execution: { time: summary.ExecutionTime.getTime(), id: summary.ExecutionId, type: summary.ExecutionType },
          items,
          uploadType,
          contentHash: input.ItemContentHash,
          customTypeLimit: limits.customTypesPerResource,
        }, ctx.now);
        if (result.outcome === 'type-limit') {
          throw awsError('ComplianceTypeCountLimitExceededException', `You specified too many custom compliance types. You can specify a maximum of ${limits.customTypesPerResource} different types: ${input.ResourceId} already has ${result.types.join(', ')}.`);
        }
        return {};
      },
    }),
    defineOperation<ssm.ListComplianceItemsRequest, ssm.ListComplianceItemsResult>({
      service: 'ssm',
      name: 'ListComplianceItems',
      readOnly: true,
      permissions: () => [{ action: 'ssm:ListComplianceItems', resource: '*' }],
      async handle(ctx, input) {
        for (const type of input.ResourceTypes ?? []) checkResourceType(type);
        const match = compileFilters(input.Filters, ITEM_KEYS);
        if (input.ResourceIds) {
          for (const id of input.ResourceIds) if (!(await nodeOf(ctx, id))) throw invalidResourceId(ctx, id);
        }
        const rows = (await listItems(db, ctx.scope, { resourceIds: input.ResourceIds })).filter(match);
        rows.sort((a, b) => compareKeys(itemKey(a), itemKey(b)));
        const result = page(rows, itemKey, { nextToken: input.NextToken, maxResults: input.MaxResults ?? DEFAULT_MAX_RESULTS });
        return { ComplianceItems: result.items.map(complianceItem), NextToken: result.nextToken };
      },
    }),
    defineOperation<ssm.ListComplianceSummariesRequest, ssm.ListComplianceSummariesResult>({
      service: 'ssm',
      name: 'ListComplianceSummaries',
      readOnly: true,
      permissions: () => [{ action: 'ssm:ListComplianceSummaries', resource: '*' }],
      async handle(ctx, input) {
        const match = compileFilters(input.Filters, SUMMARY_KEYS);
        const byType = new Map<string, ssm.ComplianceSummaryItem & { CompliantSummary: { CompliantCount: number; SeveritySummary: Required<ssm.SeveritySummary> }; NonCompliantSummary: { NonCompliantCount: number; SeveritySummary: Required<ssm.SeveritySummary> } }>();
        // Resources are counted, each under its overall severity: AWS's "summary count of compliant and non-compliant resources".
        for (const row of (await listSummaries(db, ctx.scope)).filter(match)) {
          let entry = byType.get(row.compliance_type);
          if (!entry) {
            entry = {
              ComplianceType: row.compliance_type,
              CompliantSummary: { CompliantCount: 0, SeveritySummary: emptySeverityCounts() },
              NonCompliantSummary: { NonCompliantCount: 0, SeveritySummary: emptySeverityCounts() },
            };
            byType.set(row.compliance_type, entry);
          }
          if (row.status === 'NON_COMPLIANT') {
            entry.NonCompliantSummary.NonCompliantCount += 1;
            addSeverity(entry.NonCompliantSummary.SeveritySummary, row.overall_severity);
          } else {
            entry.CompliantSummary.CompliantCount += 1;
            addSeverity(entry.CompliantSummary.SeveritySummary, row.overall_severity);
          }
        }
        const entries = [...byType.values()].sort((a, b) => compareKeys(a.ComplianceType!, b.ComplianceType!));
        const result = page(entries, (e) => e.ComplianceType!, { nextToken: input.NextToken, maxResults: input.MaxResults ?? DEFAULT_MAX_RESULTS });
        return { ComplianceSummaryItems: result.items, NextToken: result.nextToken };
      },
    }),
    defineOperation<ssm.ListResourceComplianceSummariesRequest, ssm.ListResourceComplianceSummariesResult>({
      service: 'ssm',
      name: 'ListResourceComplianceSummaries',
      readOnly: true,
      permissions: () => [{ action: 'ssm:ListResourceComplianceSummaries', resource: '*' }],
      async handle(ctx, input) {
        const match = compileFilters(input.Filters, SUMMARY_KEYS);
        const rows = (await listSummaries(db, ctx.scope)).filter(match);
        rows.sort((a, b) => compareKeys(summaryKey(a), summaryKey(b)));
        const result = page(rows, summaryKey, { nextToken: input.NextToken, maxResults: input.MaxResults ?? DEFAULT_MAX_RESULTS });
        return { ResourceComplianceSummaryItems: result.items.map(resourceSummary), NextToken: result.nextToken };
      },
    }),
  ];
}

/** Filter keys of ListComplianceItems. */
const ITEM_KEYS: FilterKeys<ItemRow> = {
  ComplianceType: { kind: 'text', read: (r) => r.compliance_type },
  Status: { kind: 'text', read: (r) => r.status },
  Severity: { kind: 'severity', read: (r) => r.severity },
  Id: { kind: 'text', read: (r) => r.item_id ?? undefined },
  Title: { kind: 'text', read: (r) => r.title ?? undefined },
  ResourceId: { kind: 'text', read: (r) => r.resource_id },
  ResourceType: { kind: 'text', read: (r) => r.resource_type },
  ExecutionId: { kind: 'text', read: (r) => r.execution_id ?? undefined },
  ExecutionType: { kind: 'text', read: (r) => r.execution_type ?? undefined },
  ExecutionTime: { kind: 'time', read: (r) => r.execution_time },
  DocumentName: { kind: 'text', read: (r) => detailOf(r, 'DocumentName') },
  DocumentVersion: { kind: 'text', read: (r) => detailOf(r, 'DocumentVersion') },
};

/** Filter keys of ListComplianceSummaries and ListResourceComplianceSummaries (both read the resource summaries). */
const SUMMARY_KEYS: FilterKeys<SummaryRow> = {
  ComplianceType: { kind: 'text', read: (r) => r.compliance_type },
  Status: { kind: 'text', read: (r) => r.status },
  OverallSeverity: { kind: 'severity', read: (r) => r.overall_severity },
  ResourceId: { kind: 'text', read: (r) => r.resource_id },
  ResourceType: { kind: 'text', read: (r) => r.resource_type },
  ExecutionId: { kind: 'text', read: (r) => r.execution_id ?? undefined },
  ExecutionType: { kind: 'text', read: (r) => r.execution_type ?? undefined },
  ExecutionTime: { kind: 'time', read: (r) => r.execution_time },
};

function detailOf(row: ItemRow, name: string): string | undefined {
  return row.details ? (JSON.parse(row.details) as Record<string, string>)[name] : undefined;
}

// Keys of the list order; NUL sorts before every character of ids and type names.
const itemKey = (r: ItemRow) => `${r.resource_id}\u0000${r.compliance_type}\u0000${r.item_key}`;
const summaryKey = (r: SummaryRow) => `${r.resource_id}\u0000${r.compliance_type}`;
const compareKeys = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function checkResourceType(type: string): void {
  if (type !== RESOURCE_TYPE) throw awsError('InvalidResourceType', `The resource type ${type} isn't valid: ${RESOURCE_TYPE} is the only resource type compliance supports.`);
}

function checkComplianceType(type: string): void {
  if (type === 'Association' || type === 'Patch' || type.startsWith('Custom:')) return;
  throw awsError('ValidationException', `The compliance type ${type} isn't valid: use Association, Patch or Custom:<name>.`);
}

function invalidResourceId(ctx: CallContext, id: string) {
  return awsError('InvalidResourceId', `The resource ID ${id} isn't valid: it is not a registered managed node of account ${ctx.scope.accountId} in ${ctx.scope.region}. Verify that you entered the correct ID and try again.`);
}

/** A put's items with their keys, checked: unique Ids, an Id on each PARTIAL item, sizes within the limits. */
function newItems(entries: readonly ssm.ComplianceItemEntry[], uploadType: 'COMPLETE' | 'PARTIAL', limits: ComplianceLimits): NewItem[] {
  const seen = new Set<string>();
  let total = 0;
  return entries.map((entry, index) => {
    if (entry.Id === undefined && uploadType === 'PARTIAL') {
      throw awsError('InvalidItemContentException', `Item ${index} has no Id: a PARTIAL upload replaces items by their Id, so each item needs one.`);
    }
    if (entry.Id !== undefined) {
      if (seen.has(entry.Id)) throw awsError('InvalidItemContentException', `The item Id ${entry.Id} appears more than once in Items: each Id names one item.`);
      seen.add(entry.Id);
    }
    const size = Buffer.byteLength(JSON.stringify({ Id: entry.Id, Title: entry.Title, Details: entry.Details }), 'utf8');
    if (size > limits.itemBytes) {
      throw awsError('ItemSizeLimitExceededException', `The compliance item ${entry.Id ?? `at index ${index}`} is ${size} bytes, over the limit of ${limits.itemBytes} bytes per item.`);
    }
    total += size;
    if (total > limits.totalBytes) {
      throw awsError('TotalSizeLimitExceededException', `The compliance items of this request exceed the total size limit of ${limits.totalBytes} bytes.`);
    }
    return { key: entry.Id !== undefined ? `id:${entry.Id}` : `#${index}`, id: entry.Id, title: entry.Title, status: entry.Status, severity: entry.Severity, details: entry.Details };
  });
}

function executionSummary(row: { execution_time: number; execution_id: string | null; execution_type: string | null }): ssm.ComplianceExecutionSummary {
  return {
    ExecutionTime: new Date(row.execution_time),
    ...(row.execution_id !== null ? { ExecutionId: row.execution_id } : {}),
    ...(row.execution_type !== null ? { ExecutionType: row.execution_type } : {}),
  };
}

function complianceItem(row: ItemRow): ssm.ComplianceItem {
  return {
    ComplianceType: row.compliance_type,
    ResourceType: row.resource_type,
    ResourceId: row.resource_id,
    ...(row.item_id !== null ? { Id: row.item_id } : {}),
    ...(row.title !== null ? { Title: row.title } : {}),
    Status: row.status as ssm.ComplianceStatus,
    Severity: row.severity as ssm.ComplianceSeverity,
    ExecutionSummary: executionSummary(row),
    Details: row.details ? (JSON.parse(row.details) as Record<string, string>) : {},
  };
}

function resourceSummary(row: SummaryRow): ssm.ResourceComplianceSummaryItem {
  const compliant = JSON.parse(row.compliant_counts) as Required<ssm.SeveritySummary>;
  const nonCompliant = JSON.parse(row.non_compliant_counts) as Required<ssm.SeveritySummary>;
  return {
    ComplianceType: row.compliance_type,
    ResourceType: row.resource_type,
    ResourceId: row.resource_id,
    Status: row.status as ssm.ComplianceStatus,
    OverallSeverity: row.overall_severity as ssm.ComplianceSeverity,
    ExecutionSummary: executionSummary(row),
    CompliantSummary: { CompliantCount: totalOf(compliant), SeveritySummary: compliant },
    NonCompliantSummary: { NonCompliantCount: totalOf(nonCompliant), SeveritySummary: nonCompliant },
  };
}

