import { formatArn, userArn } from '@bosun/protocol';

/** Who made a request, as CloudTrail's userIdentity and IAM see it. */
export type Principal = UserPrincipal | AssumedRolePrincipal;

export interface UserPrincipal {
  readonly type: 'IAMUser';
  readonly accountId: string;
  readonly userName: string;
  /** The user's unique id (AIDA…): CloudTrail's principalId. */
  readonly userId: string;
  readonly arn: string;
  readonly accessKeyId: string;
}

/** A role session: temporary credentials of a role (a user's AssumeRole, or a managed node). */
export interface AssumedRolePrincipal {
  readonly type: 'AssumedRole';
  readonly accountId: string;
  readonly roleName: string;
  /** The role's unique id (AROA…). */
  readonly roleId: string;
  readonly roleArn: string;
  readonly sessionName: string;
  /** `<roleId>:<sessionName>`: CloudTrail's principalId. */
  readonly userId: string;
  /** arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION */
  readonly arn: string;
  readonly accessKeyId: string;
}

export function userPrincipal(row: { account_id: string; user_name: string; user_id: string; path: string }, accessKeyId: string): UserPrincipal {
  return {
    type: 'IAMUser',
    accountId: row.account_id,
    userName: row.user_name,
    userId: row.user_id,
    arn: userArn(row.account_id, row.user_name, row.path),
    accessKeyId,
  };
}

export function assumedRolePrincipal(input: { accountId: string; roleName: string; roleId: string; rolePath?: string; sessionName: string; accessKeyId: string }): AssumedRolePrincipal {
  return {
    type: 'AssumedRole',
    accountId: input.accountId,
    roleName: input.roleName,
    roleId: input.roleId,
    roleArn: formatArn({ service: 'iam', region: '', accountId: input.accountId, resource: `role${input.rolePath ?? '/'}${input.roleName}` }),
    sessionName: input.sessionName,
    userId: `${input.roleId}:${input.sessionName}`,
    arn: formatArn({ service: 'sts', region: '', accountId: input.accountId, resource: `assumed-role/${input.roleName}/${input.sessionName}` }),
    accessKeyId: input.accessKeyId,
  };
}

/** The name CloudTrail shows as Username: the user name, or the role session name. */
export function principalName(p: Principal): string {
  return p.type === 'IAMUser' ? p.userName : p.sessionName;
}
