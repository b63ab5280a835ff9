/**
 * Policies Bosun provides itself, as AWS managed policies are provided by AWS: their ARNs
 * live in the `aws` account (arn:aws:iam::aws:policy/...) and they cannot be changed.
 */

export interface BuiltinPolicy {
  readonly arn: string;
  readonly name: string;
  readonly id: string;
  readonly description: string;
  readonly document: string;
}

/** AWS's AdministratorAccess: every action on every resource. `bosun dev`'s admin holds it. */
export const AdministratorAccess: BuiltinPolicy = {
  arn: 'arn:aws:iam::aws:policy/AdministratorAccess',
  name: 'AdministratorAccess',
  id: 'ANPAIWMBCKSKIEE64ZLYK',
  description: 'Provides full access to AWS services and resources.',
  document: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
};

/**
 * The narrow role of managed nodes: what the agent needs and nothing more, modelled on
 * AWS's AmazonSSMManagedInstanceCore (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonSSMManagedInstanceCore.html):
 * the node-facing ssm, ssmmessages and ec2messages actions, reading parameters and
 * documents, and nothing that manages other nodes, users or keys.
 */
export const BosunManagedNodeRolePolicy: BuiltinPolicy = {
  arn: 'arn:aws:iam::aws:policy/BosunManagedNodeRolePolicy',
  name: 'BosunManagedNodeRolePolicy',
  id: 'ANPABOSUNMANAGEDNODE01',
  description: 'The permissions a Bosun managed node (agent) needs.',
  document: JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'NodeAgent',
        Effect: 'Allow',
        Action: [
          'ssm:DescribeAssociation', 'ssm:GetDeployablePatchSnapshotForInstance', 'ssm:GetDocument', 'ssm:DescribeDocument',
          'ssm:GetManifest', 'ssm:GetParameter', 'ssm:GetParameters', 'ssm:ListAssociations', 'ssm:ListInstanceAssociations',
          'ssm:PutInventory', 'ssm:PutComplianceItems', 'ssm:PutConfigurePackageResult', 'ssm:UpdateAssociationStatus',
          'ssm:UpdateInstanceAssociationStatus', 'ssm:UpdateInstanceInformation',
        ],
        Resource: '*',
      },
      {
        Sid: 'NodeChannels',
        Effect: 'Allow',
        Action: ['ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel'],
        Resource: '*',
      },
      {
        Sid: 'NodeMessages',
        Effect: 'Allow',
        Action: ['ec2messages:AcknowledgeMessage', 'ec2messages:DeleteMessage', 'ec2messages:FailMessage', 'ec2messages:GetEndpoint', 'ec2messages:GetMessages', 'ec2messages:SendReply'],
        Resource: '*',
      },
    ],
  }),
};

export const builtinPolicies: readonly BuiltinPolicy[] = [AdministratorAccess, BosunManagedNodeRolePolicy];

export function findBuiltinPolicy(arn: string): BuiltinPolicy | undefined {
  return builtinPolicies.find((p) => p.arn === arn);
}
