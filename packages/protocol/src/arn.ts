/** ARNs as AWS writes them: arn:aws:<service>:<region>:<account>:<resource>. */

export interface Arn {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly accountId: string;
  readonly resource: string;
}

export function formatArn(arn: Omit<Arn, 'partition'> & { partition?: string }): string {
  return `arn:${arn.partition ?? 'aws'}:${arn.service}:${arn.region}:${arn.accountId}:${arn.resource}`;
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
