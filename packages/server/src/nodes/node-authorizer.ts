import { awsError, INSTANCE_ID_PATTERN } from '@bosun/protocol';
import type { Principal } from '../accounts/principal.ts';
import type { Authorizer } from '../api/authorize.ts';

/**
 * What a managed node's credentials may do until the policy engine lands (then the node's
 * role policy decides). The fixed rule set is the actions of AWS's managed policy
 * AmazonSSMManagedInstanceCore that a node calls, on resources of its own account only.
 * Documented in docs/nodes.md.
 */
export const NODE_ALLOWED_ACTIONS: ReadonlySet<string> = new Set([
  'ssm:DescribeAssociation',
  'ssm:GetDeployablePatchSnapshotForInstance',
  'ssm:GetDocument',
  'ssm:DescribeDocument',
  'ssm:GetManifest',
  'ssm:GetParameter',
  'ssm:GetParameters',
  'ssm:ListAssociations',
  'ssm:ListInstanceAssociations',
  'ssm:PutInventory',
  'ssm:PutComplianceItems',
  'ssm:PutConfigurePackageResult',
  'ssm:UpdateAssociationStatus',
  'ssm:UpdateInstanceAssociationStatus',
  'ssm:UpdateInstanceInformation',
]);

/**
 * Actions a node session may be checked for only inside a call already authorised (no request
 * of its own): Parameter Store decrypting a SecureString under a customer managed key for the
 * node's GetParameters (`{{ssm-secure:}}` references), as AWS's kms:ViaService condition
 * allows. A direct KMS `Decrypt` call by a node is still refused at the pipeline.
 */
/**
 * Actions a node may call on its own managed-instance ARN only: reading its tags, which the
 * inventory plugin reports as AWS:Tag (on AWS the agent reads EC2's instance metadata instead).
 */
export const NODE_SELF_ACTIONS: ReadonlySet<string> = new Set(['ssm:ListTagsForResource']);

export const NODE_VIA_SERVICE_ACTIONS: ReadonlySet<string> = new Set(['kms:Decrypt']);

/** The node id a principal acts for, when it is a managed node's role session. */
export function nodeOf(principal: Principal): string | undefined {
  return principal.type === 'AssumedRole' && INSTANCE_ID_PATTERN.test(principal.sessionName) ? principal.sessionName : undefined;
}

/**
 * Wraps the policy authoriser: a node session is decided by the fixed rule set above (its
 * actions, on resources of its own account); everyone else by `base`. Node roles are not
 * yet IAM roles with BosunManagedNodeRolePolicy attached: when they are, this wrapper goes.
 */
export function withNodeRules(base: Authorizer): Authorizer {
  // Not async: users' calls go straight to `base`, which answers synchronously when it can.
  return (principal, permissions, request) => {
    if (!nodeOf(principal)) return base(principal, permissions, request);
    for (const p of permissions) {
      const account = p.resource.split(':')[4];
      const foreign = p.resource !== '*' && account !== undefined && account !== '' && account !== principal.accountId;
      const self = NODE_SELF_ACTIONS.has(p.action) && p.resource.endsWith(`:managed-instance/${nodeOf(principal)}`);
      const allowed = NODE_ALLOWED_ACTIONS.has(p.action) || self || (request === undefined && NODE_VIA_SERVICE_ACTIONS.has(p.action));
      if (!allowed || foreign) {
        // A refusal is a rejected promise, as from every authorizer, never a synchronous throw.
        return Promise.reject(awsError('AccessDeniedException', `User: ${principal.arn} is not authorized to perform: ${p.action} on resource: ${p.resource} because managed nodes may only call the actions of AmazonSSMManagedInstanceCore on their own account`));
      }
    }
    return undefined;
  };
}
