import { userArn } from '@bosun/protocol';

/** Who made a request, as CloudTrail's userIdentity and IAM see it. */
export interface Principal {
  readonly type: 'IAMUser';
  readonly accountId: string;
  readonly userName: string;
  readonly userId: string;
  readonly arn: string;
  readonly accessKeyId: string;
}

export function userPrincipal(row: { account_id: string; user_name: string; user_id: string; path: string }, accessKeyId: string): Principal {
  return {
    type: 'IAMUser',
    accountId: row.account_id,
    userName: row.user_name,
    userId: row.user_id,
    arn: userArn(row.account_id, row.user_name, row.path),
    accessKeyId,
  };
}
