import type { Principal } from '../accounts/principal.ts';

/** CloudTrail's record of one API call (eventVersion 1.09 fields that apply). */
export interface CloudTrailRecord {
  eventVersion: string;
  userIdentity: UserIdentity;
  eventTime: string;
  eventSource: string;
  eventName: string;
  awsRegion: string;
  sourceIPAddress: string;
  userAgent: string;
  errorCode?: string;
  errorMessage?: string;
  requestParameters: unknown;
  responseElements: unknown;
  requestID: string;
  eventID: string;
  readOnly: boolean;
  resources?: { ARN?: string; accountId?: string; type: string }[];
  eventType: 'AwsApiCall';
  managementEvent: true;
  recipientAccountId?: string;
  eventCategory: 'Management';
}

export interface UserIdentity {
  type: 'IAMUser' | 'AssumedRole' | 'Unknown';
  principalId?: string;
  arn?: string;
  accountId?: string;
  accessKeyId?: string;
  userName?: string;
  sessionContext?: { sessionIssuer: { type: 'Role'; principalId: string; arn: string; accountId: string; userName: string } };
}

export interface AuditResource {
  readonly type: string;
  readonly name: string;
  readonly arn?: string;
}

export interface CallFacts {
  readonly eventTime: number;
  readonly eventSource: string;
  readonly eventName: string;
  readonly region: string;
  readonly sourceIp: string;
  readonly userAgent: string;
  readonly requestId: string;
  readonly eventId: string;
  readonly readOnly: boolean;
  /** The authenticated caller; absent when authentication failed. */
  readonly principal?: Principal;
  /** The access key id the request presented, even when it was refused. */
  readonly presentedAccessKeyId?: string;
  /** Account the call belongs to (the principal's, or the owner of the presented key). */
  readonly accountId?: string;
  readonly requestParameters: unknown;
  readonly responseElements: unknown;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly resources: readonly AuditResource[];
}

export function buildRecord(facts: CallFacts): CloudTrailRecord {
  const record: CloudTrailRecord = {
    eventVersion: '1.09',
    userIdentity: userIdentity(facts),
    eventTime: new Date(facts.eventTime).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    eventSource: facts.eventSource,
    eventName: facts.eventName,
    awsRegion: facts.region,
    sourceIPAddress: facts.sourceIp,
    userAgent: facts.userAgent,
    requestParameters: facts.requestParameters ?? null,
    responseElements: facts.responseElements ?? null,
    requestID: facts.requestId,
    eventID: facts.eventId,
    readOnly: facts.readOnly,
    eventType: 'AwsApiCall',
    managementEvent: true,
    eventCategory: 'Management',
  };
  if (facts.errorCode) {
    record.errorCode = facts.errorCode;
    record.errorMessage = facts.errorMessage;
  }
  if (facts.resources.length > 0) {
    record.resources = facts.resources.map((r) => ({ ARN: r.arn, accountId: facts.accountId, type: r.type }));
  }
  if (facts.accountId) record.recipientAccountId = facts.accountId;
  return record;
}

function userIdentity(facts: CallFacts): UserIdentity {
  const p = facts.principal;
  if (p?.type === 'IAMUser') {
    return { type: p.type, principalId: p.userId, arn: p.arn, accountId: p.accountId, accessKeyId: p.accessKeyId, userName: p.userName };
  }
  if (p?.type === 'AssumedRole') {
    return {
      type: p.type, principalId: p.userId, arn: p.arn, accountId: p.accountId, accessKeyId: p.accessKeyId,
      sessionContext: { sessionIssuer: { type: 'Role', principalId: p.roleId, arn: p.roleArn, accountId: p.accountId, userName: p.roleName } },
    };
  }
  const identity: UserIdentity = { type: 'Unknown' };
  if (facts.accountId) identity.accountId = facts.accountId;
  if (facts.presentedAccessKeyId) identity.accessKeyId = facts.presentedAccessKeyId;
  return identity;
}

/** The indexed columns of an event row, derived from its record (verify checks they agree). */
export function indexColumns(record: CloudTrailRecord): {
  account_id: string | null; event_source: string; event_name: string; read_only: number;
  username: string | null; access_key_id: string | null; error_code: string | null; event_id: string; event_time: number;
} {
  return {
    account_id: record.recipientAccountId ?? null,
    event_source: record.eventSource,
    event_name: record.eventName,
    read_only: record.readOnly ? 1 : 0,
    // LookupEvents' Username: the user name, or for a role session its session name.
    username: record.userIdentity.userName ?? (record.userIdentity.type === 'AssumedRole' ? record.userIdentity.arn?.split('/').pop() ?? null : null),
    access_key_id: record.userIdentity.accessKeyId ?? null,
    error_code: record.errorCode ?? null,
    event_id: record.eventID,
    event_time: Date.parse(record.eventTime),
  };
}
