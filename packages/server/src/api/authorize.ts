import { awsError } from '@bosun/protocol';
import type { Principal } from '../accounts/principal.ts';
import type { Permission } from './operation.ts';

/**
 * Decides whether a principal may do what a call needs. Throws AccessDeniedException.
 *
 * Until IAM policies land (issue "Access control"), every user of an account is an
 * administrator of that account: a principal may act on resources of its own account
 * only. The policy engine replaces this function; the pipeline does not change.
 */
export type Authorizer = (principal: Principal, permissions: readonly Permission[]) => Promise<void> | void;

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
