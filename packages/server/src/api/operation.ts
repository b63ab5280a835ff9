import type { Scope, ServiceModel } from '@bosun/protocol';
import type { Principal } from '../accounts/principal.ts';
import type { AuditResource } from '../audit/record.ts';

/** The services whose X-Amz-Target prefixes the API answers. */
export type ServiceName = 'ssm' | 'kms' | 'secretsmanager' | 'cloudtrail' | 'iam' | 'sts';

export interface CallContext {
  readonly principal: Principal;
  /** The request's arrival time, epoch ms: handlers and the store take time from here, never the clock. */
  readonly now: number;
  /** The region the request is signed for: regional resources are read and written there. */
  readonly region: string;
  /** The caller's account and the request's region: where its regional resources live. */
  readonly scope: Scope;
  readonly requestId: string;
  readonly sourceIp: string;
}

/** One IAM action on one resource that a call needs to be allowed. */
export interface Permission {
  readonly action: string;
  readonly resource: string;
  /**
   * Condition keys this call sets for this action, beyond the global ones the authorizer
   * fills in: resource tags (`aws:ResourceTag/Env`, `ssm:resourceTag/Env`), request tags
   * (`aws:RequestTag/k`, `aws:TagKeys`), service keys (`ssm:Overwrite`, `ssm:Recursive`,
   * `kms:EncryptionContext:k`). Values are strings, lists of strings, booleans or numbers.
   */
  readonly conditions?: Readonly<Record<string, string | readonly string[] | boolean | number>>;
  /**
   * Set when the resource's owner has granted the caller's account access to it (a document
   * shared with the account or with All): another account's resource is then decided by the
   * caller's identity policies, as AWS decides it when the resource side allows.
   */
  readonly grantedToCaller?: boolean;
}

/**
 * One API operation. Every handler has the same skeleton, run by the pipeline:
 * decode → validate (generated constraints) → authorise (`permissions`) → `handle`
 * → audit (`resources`, redacted parameters) → encode.
 */
export interface Operation<I = unknown, O = unknown> {
  readonly service: ServiceName;
  readonly name: string;
  /** CloudTrail's readOnly: true for calls that change nothing. */
  readonly readOnly: boolean;
  /**
   * What the call needs to be allowed. May be async when the resources or their condition
   * keys (e.g. a node's tags for `ssm:resourceTag/Env`) must be read from the store first.
   */
  permissions(ctx: CallContext, input: I): readonly Permission[] | Promise<readonly Permission[]>;
  /** Resources named in the audit event. */
  resources?(ctx: CallContext, input: I, output: O | undefined): readonly AuditResource[];
  handle(ctx: CallContext, input: I): Promise<O>;
  /**
   * The output as the audit event records it, when the model's sensitive marks are not
   * enough (STS session tokens are not marked sensitive in the model, yet must never be stored).
   */
  auditOutput?(output: O): unknown;
}

export interface ServiceEntry {
  readonly name: ServiceName;
  readonly model: ServiceModel;
}

/** Declares an operation with its input and output types checked by the compiler. */
export function defineOperation<I, O>(op: Operation<I, O>): Operation {
  return op as unknown as Operation;
}
