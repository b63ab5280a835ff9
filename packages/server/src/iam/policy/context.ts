/**
 * The request context of an authorization: the global condition keys AWS sets for every
 * request (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html)
 * and the keys the operation adds (resource tags, request tags, service keys). Pure.
 */

export interface PrincipalFacts {
  readonly type: 'IAMUser' | 'AssumedRole';
  readonly arn: string;
  readonly accountId: string;
  /** aws:userid: the user id (AIDA…), or `<roleId>:<sessionName>`. */
  readonly userId: string;
  /** Set for IAM users only, as AWS sets aws:username. */
  readonly userName?: string;
  /** For role sessions: the role's ARN (aws:PrincipalArn is the role, not the session). */
  readonly roleArn?: string;
  readonly tags: Readonly<Record<string, string>>;
}

export interface RequestFacts {
  readonly sourceIp: string;
  readonly secureTransport: boolean;
  /** Epoch ms. */
  readonly now: number;
  readonly region: string;
}

export type ConditionValues = Readonly<Record<string, string | readonly string[] | boolean | number>>;

export function buildContext(principal: PrincipalFacts, request: RequestFacts, extra?: ConditionValues): Map<string, readonly string[]> {
  const context = new Map<string, readonly string[]>();
  const set = (key: string, value: string | readonly string[] | boolean | number) => {
    context.set(key.toLowerCase(), Array.isArray(value) ? value.map(String) : [String(value)]);
  };
  set('aws:SourceIp', request.sourceIp);
  set('aws:SecureTransport', request.secureTransport);
  set('aws:CurrentTime', new Date(request.now).toISOString().replace(/\.\d{3}Z$/, 'Z'));
  set('aws:EpochTime', Math.floor(request.now / 1000));
  set('aws:RequestedRegion', request.region);
  set('aws:userid', principal.userId);
  if (principal.userName !== undefined) set('aws:username', principal.userName);
  set('aws:PrincipalArn', principal.roleArn ?? principal.arn);
  set('aws:PrincipalAccount', principal.accountId);
  set('aws:PrincipalType', principal.type === 'IAMUser' ? 'User' : 'AssumedRole');
  for (const [key, value] of Object.entries(principal.tags)) set(`aws:PrincipalTag/${key}`, value);
  if (extra) for (const [key, value] of Object.entries(extra)) set(key, value);
  return context;
}
