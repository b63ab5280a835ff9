import { partitionOf } from './regions.ts';

/** ARNs as AWS writes them: arn:<partition>:<service>:<region>:<account>:<resource>. */

export interface Arn {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly accountId: string;
  readonly resource: string;
}

/** The partition follows the region (arn:aws-cn:ssm:cn-north-1:...) unless given. */
export function formatArn(arn: Omit<Arn, 'partition'> & { partition?: string }): string {
  return `arn:${arn.partition ?? partitionOf(arn.region)}:${arn.service}:${arn.region}:${arn.accountId}:${arn.resource}`;
}

export function parseArn(text: string): Arn | undefined {
  const parts = text.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  const [, partition, service, region, accountId] = parts;
  return { partition, service, region, accountId, resource: parts.slice(5).join(':') };
}

/** The ARN of an IAM user, e.g. arn:aws:iam::123456789012:user/admin (IAM is global: no region). */
export function userArn(accountId: string, userName: string, path = '/'): string {
  return formatArn({ service: 'iam', region: '', accountId, resource: `user${path}${userName}` });
}
