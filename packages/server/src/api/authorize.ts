import { awsError } from '@bosun/protocol';
import type { Principal } from '../accounts/principal.ts';
import type { Permission } from './operation.ts';

/** What the request itself brings to authorization (global condition keys such as aws:SourceIp). */
export interface AuthorizationRequest {
  readonly sourceIp: string;
  readonly secureTransport: boolean;
  /** Epoch ms: the request's arrival time (aws:CurrentTime). */
  readonly now: number;
  readonly region: string;
  /** The called service's signing name (ssm, iam...), e.g. for an access key's last use. */
  readonly service?: string;
}

/**
 * Decides whether a principal may do what a call needs. Throws AccessDeniedException.
 * The server uses the IAM policy engine (iam/authorizer.ts).
 */
export type Authorizer = (principal: Principal, permissions: readonly Permission[], request?: AuthorizationRequest) => Promise<void> | void;

/** The authorizer of the foundation: any principal may act on its own account's resources (tests, tools). */

export const accountAdminAuthorizer: Authorizer = (principal, permissions) => {
  for (const p of permissions) {
    const account = p.resource.split(':')[4];
    if (p.resource !== '*' && account !== '' && account !== undefined && account !== principal.accountId) {
      throw awsError(
        'AccessDeniedException',
        `User: ${principal.arn} is not authorized to perform: ${p.action} on resource: ${p.resource} because no identity-based policy allows the ${p.action} action`,
      );
    }
  }
};

/**
 * The request's facts for a check a handler makes itself, on a resource it found during the call
 * (a secret, the key an alias names): the region, time and address the pipeline's check saw, so
 * that aws:RequestedRegion is the request's region there too. No service: the pipeline alone
 * notes an access key's use. Without an address (a caller that has none), the loopback one.
 */
export function handlerCheck(call: { readonly now: number; readonly region: string; readonly sourceIp?: string }): AuthorizationRequest {
  return { sourceIp: call.sourceIp ?? '127.0.0.1', secureTransport: false, now: call.now, region: call.region };
}
