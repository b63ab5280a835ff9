import { awsError, formatArn, parseArn } from '@bosun/protocol';
import type { CallContext } from '../api/operation.ts';

/** The owner shown for built-in documents; their ARN has an empty account. */
export const AMAZON_OWNER = 'Amazon';

/** arn:PARTITION:ssm:REGION:ACCOUNT:document/NAME (the partition follows the region); built-ins (ownerAccountId '') have no account. */
export function documentArn(region: string, ownerAccountId: string, name: string): string {
  return formatArn({ service: 'ssm', region, accountId: ownerAccountId, resource: `document/${name}` });
}

/** The ARN a call names a document by: its ARN as given, or by name in the caller's account and region (AWS-owned documents live in no account). */
export function documentArnOf(ctx: CallContext, nameOrArn: string): string {
  if (parseArn(nameOrArn)) return nameOrArn;
  const owner = nameOrArn.startsWith('AWS-') || nameOrArn.startsWith('AWSSupport-') ? '' : ctx.principal.accountId;
  return documentArn(ctx.region, owner, nameOrArn);
}

/** A document named by its name or its ARN: the owner account when an ARN names one ('' for Amazon's). */
export interface DocumentReference {
  readonly name: string;
  /** Set when the reference is an ARN: '' for a built-in (no account), else the owner account. */
  readonly ownerAccountId?: string;
  /** Set when the reference is an ARN: the region it names (a document is used only in its own region). */
  readonly region?: string;
}

export function parseDocumentReference(nameOrArn: string): DocumentReference | undefined {
  if (!nameOrArn.startsWith('arn:')) return { name: nameOrArn };
  const arn = parseArn(nameOrArn);
  if (!arn || arn.service !== 'ssm' || !arn.resource.startsWith('document/')) return undefined;
  return { name: arn.resource.slice('document/'.length), ownerAccountId: arn.accountId, region: arn.region };
}

/** Prefixes of names AWS keeps for its own documents (case-insensitive). */
const RESERVED_PREFIXES = ['aws', 'amazon', 'amzn'];

export function checkNewDocumentName(name: string): void {
  const lower = name.toLowerCase();
  if (RESERVED_PREFIXES.some((prefix) => lower.startsWith(prefix))) {
    throw awsError('ValidationException', `Invalid document name ${name}: a document name can't begin with aws, amazon or amzn (case-insensitive); those are reserved for documents that AWS owns.`);
  }
}

export function documentNotFound(): Error {
  return awsError('InvalidDocument', 'The specified document does not exist.');
}

export function versionNotFound(): Error {
  return awsError('InvalidDocumentVersion', 'The document version is not valid or does not exist.');
}
