import { awsError, type cloudtrail } from '@bosun/protocol';
import { defineOperation, type Operation } from '../api/operation.ts';
import type { Db } from '../store/store.ts';

export interface LookupDeps {
  readonly db: Db;
  /** SQLite's audit file: resource names are found in the folded index (store/audit-file.ts). */
  readonly foldedResourceNames?: boolean;
}

/** CloudTrail event history covers the last 90 days. */
const HISTORY_MS = 90 * 24 * 3600 * 1000;
const DEFAULT_MAX_RESULTS = 50;

const attributeColumns = {
  EventId: 'event_id',
  EventName: 'event_name',
  Username: 'username',
  EventSource: 'event_source',
  AccessKeyId: 'access_key_id',
} as const;

/** CloudTrail's LookupEvents over the audit trail of the caller's account, newest first. */
export function lookupEventsOperation(deps: LookupDeps): Operation {
  return defineOperation<cloudtrail.LookupEventsRequest, cloudtrail.LookupEventsResponse>({
    service: 'cloudtrail',
    name: 'LookupEvents',
    readOnly: true,
    permissions: () => [{ action: 'cloudtrail:LookupEvents', resource: '*' }],
    async handle(ctx, input) {
      const attributes = input.LookupAttributes ?? [];
      if (attributes.length > 1) throw awsError('InvalidLookupAttributesException', 'You cannot specify more than one lookup attribute.');
      const start = input.StartTime?.getTime() ?? ctx.now - HISTORY_MS;
      const end = input.EndTime?.getTime() ?? ctx.now;
      if (start > end) throw awsError('InvalidTimeRangeException', 'Start time must be earlier than or equal to end time.');
      if (input.EventCategory !== undefined) return { Events: [] }; // Insights events are not produced.
      const limit = input.MaxResults ?? DEFAULT_MAX_RESULTS;
      const before = input.NextToken === undefined ? undefined : decodeToken(input.NextToken);

      let query = deps.db
        .selectFrom('audit_events')
        .select(['audit_events.seq', 'event_id', 'event_name', 'read_only', 'access_key_id', 'event_time', 'event_source', 'username', 'record'])
        .where('account_id', '=', ctx.principal.accountId)
        .where('event_time', '>=', start)
        .where('event_time', '<=', end);
      if (before !== undefined) query = query.where('audit_events.seq', '<', before);
      const attribute = attributes[0];
      if (attribute) {
        const value = attribute.AttributeValue;
        if (attribute.AttributeKey === 'ReadOnly') {
          if (value !== 'true' && value !== 'false') throw awsError('InvalidLookupAttributesException', `ReadOnly must be 'true' or 'false', not '${value}'.`);
          query = query.where('read_only', '=', value === 'true' ? 1 : 0);
        } else if (attribute.AttributeKey === 'ResourceName' || attribute.AttributeKey === 'ResourceType') {
          const column = attribute.AttributeKey === 'ResourceName' ? 'resource_name' : 'resource_type';
          if (column === 'resource_name' && deps.foldedResourceNames) {
            // SQLite's audit file: the folded name index, and the events not folded yet (store/audit-file.ts).
            query = query.where('audit_events.seq', 'in', (eb) => eb.selectFrom('audit_resource_names').select('audit_resource_names.seq').where('resource_name', '=', value)
              .unionAll(eb.selectFrom('audit_resources').select('audit_resources.seq').where('resource_name', '=', value)
                .where('audit_resources.seq', '>', eb.selectFrom('audit_resource_fold').select('audit_resource_fold.seq').where('id', '=', 1))));
          } else {
            query = query.where('audit_events.seq', 'in', (eb) => eb.selectFrom('audit_resources').select('audit_resources.seq').where(column, '=', value));
          }
        } else {
          query = query.where(attributeColumns[attribute.AttributeKey], '=', value);
        }
      }
      const rows = await query.orderBy('audit_events.seq', 'desc').limit(limit + 1).execute();
      const page = rows.slice(0, limit);
      const resources = await resourcesOf(deps.db, page.map((r) => Number(r.seq)));
      return {
        Events: page.map((row) => ({
          EventId: row.event_id,
          EventName: row.event_name,
          ReadOnly: row.read_only ? 'true' : 'false',
          AccessKeyId: row.access_key_id ?? undefined,
          EventTime: new Date(Number(row.event_time)),
          EventSource: row.event_source,
          Username: row.username ?? undefined,
          Resources: resources.get(Number(row.seq)) ?? [],
          CloudTrailEvent: row.record,
        })),
        NextToken: rows.length > limit ? encodeToken(Number(page[page.length - 1].seq)) : undefined,
      };
    },
  });
}

async function resourcesOf(db: Db, seqs: number[]): Promise<Map<number, cloudtrail.Resource[]>> {
  const out = new Map<number, cloudtrail.Resource[]>();
  if (seqs.length === 0) return out;
  const rows = await db.selectFrom('audit_resources').selectAll().where('seq', 'in', seqs).execute();
  for (const row of rows) {
    const list = out.get(Number(row.seq)) ?? [];
    list.push({ ResourceType: row.resource_type, ResourceName: row.resource_name });
    out.set(Number(row.seq), list);
  }
  return out;
}

function encodeToken(seq: number): string {
  return Buffer.from(JSON.stringify({ before: seq })).toString('base64url');
}

function decodeToken(token: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { before?: unknown };
    if (typeof parsed.before === 'number' && Number.isInteger(parsed.before)) return parsed.before;
  } catch {
    // fall through to the error below
  }
  throw awsError('InvalidNextTokenException', 'The NextToken is not valid; use the NextToken of a previous LookupEvents response.');
}
