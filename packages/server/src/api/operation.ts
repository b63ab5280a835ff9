import type { ServiceModel } from '@bosun/protocol';
import type { Principal } from '../accounts/principal.ts';
import type { AuditResource } from '../audit/record.ts';

/** The services whose X-Amz-Target prefixes the API answers. */
export type ServiceName = 'ssm' | 'kms' | 'secretsmanager' | 'cloudtrail';

export interface CallContext {
  readonly principal: Principal;
  /** The request's arrival time, epoch ms: handlers and the store take time from here, never the clock. */
  readonly now: number;
  readonly region: string;
  readonly requestId: string;
  readonly sourceIp: string;
}

/** One IAM action on one resource that a call needs to be allowed. */
export interface Permission {
  readonly action: string;
  readonly resource: string;
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
  permissions(ctx: CallContext, input: I): readonly Permission[];
  /** Resources named in the audit event. */
  resources?(ctx: CallContext, input: I, output: O | undefined): readonly AuditResource[];
  handle(ctx: CallContext, input: I): Promise<O>;
  /**
   * The output as the audit event records it, for secrets the model does not mark sensitive
   * (e.g. CreateActivation's ActivationCode). Default: the output itself.
   */
  auditOutput?(output: O): O;
}

export interface ServiceEntry {
  readonly name: ServiceName;
  readonly model: ServiceModel;
}

/** Declares an operation with its input and output types checked by the compiler. */
export function defineOperation<I, O>(op: Operation<I, O>): Operation {
  return op as unknown as Operation;
}
