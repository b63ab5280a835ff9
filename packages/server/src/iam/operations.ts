import crypto from 'node:crypto';
import { awsError, formatArn, parseArn, userArn, type iam } from '@bosun/protocol';
import { accessKeySealContext } from '../accounts/key-ring.ts';
import { createAccessKey, createUser, findAccessKey, getUser, IdentityConflictError, MAX_ACCESS_KEYS_PER_USER } from '../accounts/identity-store.ts';
import { newAccessKeyId, newSecretAccessKey, newUserId } from '../accounts/ids.ts';
import type { Principal } from '../accounts/principal.ts';
import { defineOperation, type CallContext, type Operation } from '../api/operation.ts';
import { seal, type RootKey } from '../crypto/root-key.ts';
import type { Db } from '../store/store.ts';
import type { IamEntityType } from '../store/schema.ts';
import {
  addGroupMember, addPolicyVersion, attachedPolicies, attachmentCount, attachPolicy, deleteAccessKeyRow, deleteInlinePolicy, deletePolicyRow, deleteRoleRow,
  deleteUserRow, detachPolicy, getGroup, getInlinePolicy, getPolicyRow, getPolicyVersion, getRole, inlinePolicies, insertGroup, insertPolicy, insertRole,
  accessKeyLastUsed, listAccessKeyRows, listPolicyRows, listUserRows, policyVersionCount, putInlinePolicy, putTags, setAccessKeyStatus, tagsOf, userDependents,
} from './iam-store.ts';
import { builtinPolicies, findBuiltinPolicy } from './policy/builtin.ts';
import { buildContext } from './policy/context.ts';
import { parsePolicy } from './policy/document.ts';
import { evaluate } from './policy/evaluate.ts';
import { principalFacts, type PolicyAuthorizer } from './authorizer.ts';
import { markerPage } from './marker-paging.ts';

export interface IamDeps {
  readonly db: Db;
  readonly rootKey: RootKey;
  readonly authorizer: PolicyAuthorizer;
  /** Drops a key from the SigV4 key cache, so that deactivating or deleting it takes effect at once here. */
  readonly forgetKey?: (accessKeyId: string) => void;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** IAM unique ids: a four-letter prefix (AGPA groups, AROA roles, ANPA policies) and 17 characters. */
function uniqueId(prefix: string): string {
  const bytes = crypto.randomBytes(17);
  let out = prefix;
  for (const b of bytes) out += BASE32[b % 32];
  return out;
}

const iamArn = (accountId: string, resource: string) => formatArn({ service: 'iam', region: '', accountId, resource });
const noSuchEntity = (message: string) => awsError('NoSuchEntity', message);
const MAX_POLICY_VERSIONS = 5;

/** The resource of a call and the condition keys it brings (its tags). */
interface Target {
  readonly resource: string;
  readonly conditions: Readonly<Record<string, string | readonly string[]>>;
}
const withConditions = (target: Target, extra: Readonly<Record<string, string | readonly string[]>>): Target =>
  ({ resource: target.resource, conditions: { ...target.conditions, ...extra } });

/**
 * IAM quotas (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html):
 * policy sizes count characters other than whitespace; inline policies are counted together
 * per entity; managed policies attached per user, group or role.
 */
const MANAGED_POLICY_SIZE = 6144;
const INLINE_POLICY_SIZE: Record<IamEntityType, number> = { user: 2048, group: 5120, role: 10240 };
const ATTACHED_POLICIES: Record<IamEntityType, number> = { user: 10, group: 10, role: 10 };
const policySize = (text: string) => text.replace(/\s/g, '').length;

/**
 * The IAM operations (AWS Query protocol). Resources and actions as the Service
 * Authorization Reference lists them for IAM (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html):
 * user/…, group/…, role/…, policy/… ARNs without region, with the entity's path.
 */
export function iamOperations(deps: IamDeps): Operation[] {
  const { db, rootKey, authorizer, forgetKey } = deps;
  const account = (ctx: CallContext) => ctx.principal.accountId;
  const userRes = (ctx: CallContext, name: string, path = '/') => userArn(account(ctx), name, path);
  const roleRes = (ctx: CallContext, name: string, path = '/') => iamArn(account(ctx), `role${path}${name}`);
  const groupRes = (ctx: CallContext, name: string, path = '/') => iamArn(account(ctx), `group${path}${name}`);
  // Calls on existing entities are authorised on their ARN with its real path, as on AWS
  // (a policy on user/engineering/* covers users made with --path /engineering/).
  // Users and roles also bring their tags as aws:ResourceTag/ and iam:ResourceTag/ keys.
  const resourceTags = async (ctx: CallContext, type: IamEntityType, name: string): Promise<Record<string, string>> =>
    Object.fromEntries((await tagsOf(db, account(ctx), type, name)).flatMap((t) => [[`aws:ResourceTag/${t.Key}`, t.Value], [`iam:ResourceTag/${t.Key}`, t.Value]]));
  const existingUserArn = async (ctx: CallContext, name: string): Promise<Target> =>
    ({ resource: userRes(ctx, name, (await getUser(db, account(ctx), name))?.path), conditions: await resourceTags(ctx, 'user', name) });
  const existingGroupArn = async (ctx: CallContext, name: string): Promise<Target> =>
    ({ resource: groupRes(ctx, name, (await getGroup(db, account(ctx), name))?.path), conditions: {} });
  const existingRoleArn = async (ctx: CallContext, name: string): Promise<Target> =>
    ({ resource: roleRes(ctx, name, (await getRole(db, account(ctx), name))?.path), conditions: await resourceTags(ctx, 'role', name) });
  const requestTags = (tags: readonly iam.Tag[]) => ({ ...Object.fromEntries(tags.map((t) => [`aws:RequestTag/${t.Key}`, t.Value])), 'aws:TagKeys': tags.map((t) => t.Key) });
  /** The caller's own user name when a user operation leaves UserName out (AWS: the caller's user). */
  const selfUser = (ctx: CallContext, name: string | undefined): string => {
    if (name) return name;
    if (ctx.principal.type === 'IAMUser') return ctx.principal.userName;
    throw awsError('ValidationException', 'Must specify userName when calling with non-User credentials');
  };
  const changed = <T>(value: T): T => {
    authorizer.invalidate();
    return value;
  };

  async function requireUser(ctx: CallContext, name: string) {
    const user = await getUser(db, account(ctx), name);
    if (!user) throw noSuchEntity(`The user with name ${name} cannot be found.`);
    return user;
  }
  async function requireRole(ctx: CallContext, name: string) {
    const role = await getRole(db, account(ctx), name);
    if (!role) throw noSuchEntity(`The role with name ${name} cannot be found.`);
    return role;
  }
  async function requireGroup(ctx: CallContext, name: string) {
    const group = await getGroup(db, account(ctx), name);
    if (!group) throw noSuchEntity(`The group with name ${name} cannot be found.`);
    return group;
  }
  async function requireEntity(ctx: CallContext, type: IamEntityType, name: string): Promise<void> {
    if (type === 'user') await requireUser(ctx, name);
    else if (type === 'role') await requireRole(ctx, name);
    else await requireGroup(ctx, name);
  }
  /** A managed policy by ARN: a built-in one or a customer managed one of this account. */
  /** `missing` ends AWS's NoSuchEntity message: DeletePolicy says "was not found.", the others "does not exist or is not attachable." */
  async function requirePolicy(ctx: CallContext, arn: string, missing = 'does not exist or is not attachable.') {
    const builtin = findBuiltinPolicy(arn);
    if (builtin) return { builtin, row: undefined };
    const row = await getPolicyRow(db, arn);
    if (!row || row.account_id !== account(ctx)) throw noSuchEntity(`Policy ${arn} ${missing}`);
    return { builtin: undefined, row };
  }
  async function describePolicy(arn: string): Promise<iam.Policy> {
    const builtin = findBuiltinPolicy(arn);
    if (builtin) {
      return { PolicyName: builtin.name, PolicyId: builtin.id, Arn: builtin.arn, Path: '/', DefaultVersionId: 'v1', AttachmentCount: await attachmentCount(db, arn),
        PermissionsBoundaryUsageCount: 0, IsAttachable: true, Description: builtin.description, CreateDate: new Date(0), UpdateDate: new Date(0) };
    }
    const row = (await getPolicyRow(db, arn))!;
    return {
      PolicyName: row.policy_name, PolicyId: row.policy_id, Arn: row.policy_arn, Path: row.path, DefaultVersionId: row.default_version,
      AttachmentCount: await attachmentCount(db, arn), PermissionsBoundaryUsageCount: 0, IsAttachable: true,
      ...(row.description ? { Description: row.description } : {}), CreateDate: new Date(Number(row.created_at)), UpdateDate: new Date(Number(row.updated_at)),
    };
  }
  function validDocument(text: string, kind: 'identity' | 'trust' = 'identity'): string {
    parsePolicy(text, kind);
    return text;
  }
  function validManagedDocument(text: string): string {
    if (policySize(text) > MANAGED_POLICY_SIZE) throw awsError('LimitExceeded', `Cannot exceed quota for PolicySize: ${MANAGED_POLICY_SIZE}`);
    return validDocument(text);
  }
  const userOut = (row: { user_name: string; user_id: string; path: string; created_at: number; account_id: string }, tags?: iam.Tag[]): iam.User => ({
    Path: row.path, UserName: row.user_name, UserId: row.user_id, Arn: userArn(row.account_id, row.user_name, row.path), CreateDate: new Date(Number(row.created_at)),
    ...(tags && tags.length > 0 ? { Tags: tags } : {}),
  });
  const roleOut = (row: Awaited<ReturnType<typeof requireRole>>, tags?: iam.Tag[]): iam.Role => ({
    Path: row.path, RoleName: row.role_name, RoleId: row.role_id, Arn: iamArn(row.account_id, `role${row.path}${row.role_name}`),
    CreateDate: new Date(Number(row.created_at)), AssumeRolePolicyDocument: encodeURIComponent(row.trust_policy),
    ...(row.description ? { Description: row.description } : {}), MaxSessionDuration: Number(row.max_session_duration),
    ...(tags && tags.length > 0 ? { Tags: tags } : {}),
  });

  // Attach / detach / list attached, for users, groups and roles alike.
  const entityFamilies: { type: IamEntityType; noun: 'User' | 'Group' | 'Role'; res: (ctx: CallContext, name: string) => Promise<Target> }[] = [
    { type: 'user', noun: 'User', res: existingUserArn },
    { type: 'group', noun: 'Group', res: existingGroupArn },
    { type: 'role', noun: 'Role', res: existingRoleArn },
  ];
  type Named = Record<string, string>;
  const attachmentOps = entityFamilies.flatMap(({ type, noun, res }) => {
    const nameOf = (input: Named) => input[`${noun}Name`];
    return [
      defineOperation<Named & { PolicyArn: string }, Record<string, never>>({
        service: 'iam', name: `Attach${noun}Policy`, readOnly: false,
        permissions: async (ctx, input) => [{ action: `iam:Attach${noun}Policy`, ...withConditions(await res(ctx, nameOf(input)), { 'iam:PolicyARN': input.PolicyArn }) }],
        async handle(ctx, input) {
          // AWS's words, two spaces included, for a PolicyArn that is not an ARN at all.
          if (!parseArn(input.PolicyArn)) throw awsError('ValidationException', 'Invalid ARN:  Could not be parsed!');
          await requireEntity(ctx, type, nameOf(input));
          await requirePolicy(ctx, input.PolicyArn);
          const attached = await attachedPolicies(db, account(ctx), type, nameOf(input));
          if (!attached.includes(input.PolicyArn) && attached.length >= ATTACHED_POLICIES[type]) {
            throw awsError('LimitExceeded', `Cannot exceed quota for PoliciesPer${noun}: ${ATTACHED_POLICIES[type]}`);
          }
          await attachPolicy(db, { accountId: account(ctx), entityType: type, entityName: nameOf(input), policyArn: input.PolicyArn, now: ctx.now });
          return changed({});
        },
      }),
      defineOperation<Named & { PolicyArn: string }, Record<string, never>>({
        service: 'iam', name: `Detach${noun}Policy`, readOnly: false,
        permissions: async (ctx, input) => [{ action: `iam:Detach${noun}Policy`, ...withConditions(await res(ctx, nameOf(input)), { 'iam:PolicyARN': input.PolicyArn }) }],
        async handle(ctx, input) {
          await requireEntity(ctx, type, nameOf(input));
          if (!await detachPolicy(db, { accountId: account(ctx), entityType: type, entityName: nameOf(input), policyArn: input.PolicyArn })) {
            throw noSuchEntity(`Policy ${input.PolicyArn} was not found.`);
          }
          return changed({});
        },
      }),
      defineOperation<Named, { AttachedPolicies: iam.AttachedPolicy[]; IsTruncated: boolean; Marker?: string }>({
        service: 'iam', name: `ListAttached${noun}Policies`, readOnly: true,
        permissions: async (ctx, input) => [{ action: `iam:ListAttached${noun}Policies`, ...await res(ctx, nameOf(input)) }],
        async handle(ctx, input) {
          await requireEntity(ctx, type, nameOf(input));
          const arns = await attachedPolicies(db, account(ctx), type, nameOf(input));
          const page = markerPage(arns, input);
          return { AttachedPolicies: page.items.map((arn) => ({ PolicyArn: arn, PolicyName: arn.slice(arn.lastIndexOf('/') + 1) })), IsTruncated: page.IsTruncated, Marker: page.Marker };
        },
      }),
    ];
  });

  // Inline policies of users and roles.
  const inlineOps = entityFamilies.filter((f) => f.type !== 'group').flatMap(({ type, noun, res }) => {
    const nameOf = (input: Named) => input[`${noun}Name`];
    return [
      defineOperation<Named & { PolicyName: string; PolicyDocument: string }, Record<string, never>>({
        service: 'iam', name: `Put${noun}Policy`, readOnly: false,
        permissions: async (ctx, input) => [{ action: `iam:Put${noun}Policy`, ...await res(ctx, nameOf(input)) }],
        async handle(ctx, input) {
          await requireEntity(ctx, type, nameOf(input));
          const document = validDocument(input.PolicyDocument);
          const others = (await inlinePolicies(db, account(ctx), type, nameOf(input))).filter((p) => p.policy_name !== input.PolicyName);
          if (others.reduce((sum, p) => sum + policySize(p.document), policySize(document)) > INLINE_POLICY_SIZE[type]) {
            throw awsError('LimitExceeded', `Maximum policy size of ${INLINE_POLICY_SIZE[type]} bytes exceeded for ${type} ${nameOf(input)}`);
          }
          await putInlinePolicy(db, { accountId: account(ctx), entityType: type, entityName: nameOf(input), policyName: input.PolicyName, document });
          return changed({});
        },
      }),
      defineOperation<Named & { PolicyName: string }, Named>({
        service: 'iam', name: `Get${noun}Policy`, readOnly: true,
        permissions: async (ctx, input) => [{ action: `iam:Get${noun}Policy`, ...await res(ctx, nameOf(input)) }],
        async handle(ctx, input) {
          await requireEntity(ctx, type, nameOf(input));
          const document = await getInlinePolicy(db, account(ctx), type, nameOf(input), input.PolicyName);
          if (document === undefined) throw noSuchEntity(`The ${type} policy with name ${input.PolicyName} cannot be found.`);
          return { [`${noun}Name`]: nameOf(input), PolicyName: input.PolicyName, PolicyDocument: encodeURIComponent(document) };
        },
      }),
      defineOperation<Named & { PolicyName: string }, Record<string, never>>({
        service: 'iam', name: `Delete${noun}Policy`, readOnly: false,
        permissions: async (ctx, input) => [{ action: `iam:Delete${noun}Policy`, ...await res(ctx, nameOf(input)) }],
        async handle(ctx, input) {
          await requireEntity(ctx, type, nameOf(input));
          if (!await deleteInlinePolicy(db, account(ctx), type, nameOf(input), input.PolicyName)) {
            throw noSuchEntity(`The ${type} policy with name ${input.PolicyName} cannot be found.`);
          }
          return changed({});
        },
      }),
    ];
  });

  return [
    defineOperation<iam.CreateUserRequest, iam.CreateUserResponse>({
      service: 'iam', name: 'CreateUser', readOnly: false,
      permissions: (ctx, input) => [{ action: 'iam:CreateUser', resource: userRes(ctx, input.UserName, input.Path),
        conditions: input.Tags ? { ...Object.fromEntries(input.Tags.map((t) => [`aws:RequestTag/${t.Key}`, t.Value])), 'aws:TagKeys': input.Tags.map((t) => t.Key) } : undefined }],
      async handle(ctx, input) {
        try {
          const row = await createUser(db, { accountId: account(ctx), userName: input.UserName, userId: newUserId(), now: ctx.now, path: input.Path ?? '/' });
          if (input.Tags) await putTags(db, account(ctx), 'user', input.UserName, input.Tags);
          return { User: userOut(row, input.Tags) };
        } catch (error) {
          if (error instanceof IdentityConflictError) throw awsError('EntityAlreadyExists', `User with name ${input.UserName} already exists.`);
          throw error;
        }
      },
    }),
    defineOperation<iam.GetUserRequest, iam.GetUserResponse>({
      service: 'iam', name: 'GetUser', readOnly: true,
      permissions: async (ctx, input) => [{ action: 'iam:GetUser', ...await existingUserArn(ctx, selfUser(ctx, input.UserName)) }],
      async handle(ctx, input) {
        const name = selfUser(ctx, input.UserName);
        const user = await requireUser(ctx, name);
        return { User: userOut(user, await tagsOf(db, account(ctx), 'user', name)) };
      },
    }),
    defineOperation<iam.ListUsersRequest, iam.ListUsersResponse>({
      service: 'iam', name: 'ListUsers', readOnly: true,
      permissions: (ctx) => [{ action: 'iam:ListUsers', resource: iamArn(account(ctx), 'user/') }],
      async handle(ctx, input) {
        const rows = await listUserRows(db, account(ctx));
        const page = markerPage(rows.filter((r) => r.path.startsWith(input.PathPrefix ?? '/')), input);
        return { Users: page.items.map((r) => userOut(r)), IsTruncated: page.IsTruncated, Marker: page.Marker };
      },
    }),
    defineOperation<iam.DeleteUserRequest, Record<string, never>>({
      service: 'iam', name: 'DeleteUser', readOnly: false,
      permissions: async (ctx, input) => [{ action: 'iam:DeleteUser', ...await existingUserArn(ctx, input.UserName) }],
      async handle(ctx, input) {
        await requireUser(ctx, input.UserName);
        const blocking = await userDependents(db, account(ctx), input.UserName);
        if (blocking) throw awsError('DeleteConflict', `Cannot delete entity, must ${blocking} first.`);
        await deleteUserRow(db, account(ctx), input.UserName);
        return changed({});
      },
    }),
    defineOperation<iam.TagUserRequest, Record<string, never>>({
      service: 'iam', name: 'TagUser', readOnly: false,
      permissions: async (ctx, input) => [{ action: 'iam:TagUser', ...withConditions(await existingUserArn(ctx, input.UserName), requestTags(input.Tags)) }],
      async handle(ctx, input) {
        await requireUser(ctx, input.UserName);
        await putTags(db, account(ctx), 'user', input.UserName, input.Tags);
        return changed({});
      },
    }),
    defineOperation<iam.CreateAccessKeyRequest, iam.CreateAccessKeyResponse>({
      service: 'iam', name: 'CreateAccessKey', readOnly: false,
      permissions: async (ctx, input) => [{ action: 'iam:CreateAccessKey', ...await existingUserArn(ctx, selfUser(ctx, input.UserName)) }],
      async handle(ctx, input) {
        const name = selfUser(ctx, input.UserName);
        await requireUser(ctx, name);
        const accessKeyId = newAccessKeyId();
        const secret = newSecretAccessKey();
        try {
          await createAccessKey(db, { accountId: account(ctx), userName: name, accessKeyId, secretSealed: seal(rootKey, secret, accessKeySealContext(accessKeyId)), now: ctx.now });
        } catch (error) {
          if (error instanceof IdentityConflictError) throw awsError('LimitExceeded', `Cannot exceed quota for AccessKeysPerUser: ${MAX_ACCESS_KEYS_PER_USER}`);
          throw error;
        }
        return { AccessKey: { UserName: name, AccessKeyId: accessKeyId, Status: 'Active', SecretAccessKey: secret, CreateDate: new Date(ctx.now) } };
      },
    }),
    defineOperation<iam.ListAccessKeysRequest, iam.ListAccessKeysResponse>({
      service: 'iam', name: 'ListAccessKeys', readOnly: true,
      permissions: async (ctx, input) => [{ action: 'iam:ListAccessKeys', ...await existingUserArn(ctx, selfUser(ctx, input.UserName)) }],
      async handle(ctx, input) {
        const name = selfUser(ctx, input.UserName);
        await requireUser(ctx, name);
        const rows = await listAccessKeyRows(db, account(ctx), name);
        const page = markerPage(rows, input);
        return { AccessKeyMetadata: page.items.map((r) => ({ UserName: r.user_name, AccessKeyId: r.access_key_id, Status: r.status, CreateDate: new Date(Number(r.created_at)) })), IsTruncated: page.IsTruncated, Marker: page.Marker };
      },
    }),
    defineOperation<iam.GetAccessKeyLastUsedRequest, iam.GetAccessKeyLastUsedResponse>({
      service: 'iam', name: 'GetAccessKeyLastUsed', readOnly: true,
      // The resource is the key's user, known only from the store.
      async permissions(ctx, input) {
        const key = await findAccessKey(db, input.AccessKeyId);
        const mine = key && key.key.account_id === account(ctx);
        return [{ action: 'iam:GetAccessKeyLastUsed', resource: mine ? userArn(key.key.account_id, key.key.user_name, key.user.path) : `arn:aws:iam::${account(ctx)}:user/*` }];
      },
      async handle(ctx, input) {
        const key = await findAccessKey(db, input.AccessKeyId);
        if (!key || key.key.account_id !== account(ctx)) throw noSuchEntity(`The Access Key with id ${input.AccessKeyId} cannot be found.`);
        const used = await accessKeyLastUsed(db, input.AccessKeyId);
        return {
          UserName: key.key.user_name,
          // AWS answers N/A for a key never used.
          AccessKeyLastUsed: used ? { LastUsedDate: new Date(Number(used.used_at)), ServiceName: used.service_name, Region: used.region } : { ServiceName: 'N/A', Region: 'N/A' },
        };
      },
    }),
    defineOperation<iam.UpdateAccessKeyRequest, Record<string, never>>({
      service: 'iam', name: 'UpdateAccessKey', readOnly: false,
      permissions: async (ctx, input) => [{ action: 'iam:UpdateAccessKey', ...await existingUserArn(ctx, selfUser(ctx, input.UserName)) }],
      async handle(ctx, input) {
        const name = selfUser(ctx, input.UserName);
        if (input.Status === 'Expired') throw awsError('InvalidInput', 'Status must be Active or Inactive.');
        if (!await setAccessKeyStatus(db, account(ctx), name, input.AccessKeyId, input.Status)) throw noSuchEntity(`The Access Key with id ${input.AccessKeyId} cannot be found.`);
        forgetKey?.(input.AccessKeyId);
        return {};
      },
    }),
    defineOperation<iam.DeleteAccessKeyRequest, Record<string, never>>({
      service: 'iam', name: 'DeleteAccessKey', readOnly: false,
      permissions: async (ctx, input) => [{ action: 'iam:DeleteAccessKey', ...await existingUserArn(ctx, selfUser(ctx, input.UserName)) }],
      async handle(ctx, input) {
        const name = selfUser(ctx, input.UserName);
        if (!await deleteAccessKeyRow(db, account(ctx), name, input.AccessKeyId)) throw noSuchEntity(`The Access Key with id ${input.AccessKeyId} cannot be found.`);
        forgetKey?.(input.AccessKeyId);
        return {};
      },
    }),
    defineOperation<iam.CreateGroupRequest, iam.CreateGroupResponse>({
      service: 'iam', name: 'CreateGroup', readOnly: false,
      permissions: (ctx, input) => [{ action: 'iam:CreateGroup', resource: groupRes(ctx, input.GroupName, input.Path) }],
      async handle(ctx, input) {
        if (await getGroup(db, account(ctx), input.GroupName)) throw awsError('EntityAlreadyExists', `Group with name ${input.GroupName} already exists.`);
        const row = { account_id: account(ctx), group_name: input.GroupName, group_id: uniqueId('AGPA'), path: input.Path ?? '/', created_at: ctx.now };
        await insertGroup(db, row);
        return { Group: { Path: row.path, GroupName: row.group_name, GroupId: row.group_id, Arn: groupRes(ctx, row.group_name, row.path), CreateDate: new Date(ctx.now) } };
      },
    }),
    defineOperation<iam.AddUserToGroupRequest, Record<string, never>>({
      service: 'iam', name: 'AddUserToGroup', readOnly: false,
      permissions: async (ctx, input) => [{ action: 'iam:AddUserToGroup', ...await existingGroupArn(ctx, input.GroupName) }],
      async handle(ctx, input) {
        await requireGroup(ctx, input.GroupName);
        await requireUser(ctx, input.UserName);
        await addGroupMember(db, account(ctx), input.GroupName, input.UserName);
        return changed({});
      },
    }),
    defineOperation<iam.CreateRoleRequest, iam.CreateRoleResponse>({
      service: 'iam', name: 'CreateRole', readOnly: false,
      permissions: (ctx, input) => [{ action: 'iam:CreateRole', resource: roleRes(ctx, input.RoleName, input.Path) }],
      async handle(ctx, input) {
        if (await getRole(db, account(ctx), input.RoleName)) throw awsError('EntityAlreadyExists', `Role with name ${input.RoleName} already exists.`);
        const row = {
          account_id: account(ctx), role_name: input.RoleName, role_id: uniqueId('AROA'), path: input.Path ?? '/',
          trust_policy: validDocument(input.AssumeRolePolicyDocument, 'trust'), description: input.Description ?? null,
          max_session_duration: input.MaxSessionDuration ?? 3600, created_at: ctx.now,
        };
        await insertRole(db, row);
        if (input.Tags) await putTags(db, account(ctx), 'role', input.RoleName, input.Tags);
        return { Role: roleOut(row, input.Tags) };
      },
    }),
    defineOperation<iam.GetRoleRequest, iam.GetRoleResponse>({
      service: 'iam', name: 'GetRole', readOnly: true,
      permissions: async (ctx, input) => [{ action: 'iam:GetRole', ...await existingRoleArn(ctx, input.RoleName) }],
      async handle(ctx, input) {
        return { Role: roleOut(await requireRole(ctx, input.RoleName), await tagsOf(db, account(ctx), 'role', input.RoleName)) };
      },
    }),
    defineOperation<iam.DeleteRoleRequest, Record<string, never>>({
      service: 'iam', name: 'DeleteRole', readOnly: false,
      permissions: async (ctx, input) => [{ action: 'iam:DeleteRole', ...await existingRoleArn(ctx, input.RoleName) }],
      async handle(ctx, input) {
        await requireRole(ctx, input.RoleName);
        if ((await attachedPolicies(db, account(ctx), 'role', input.RoleName)).length > 0) throw awsError('DeleteConflict', 'Cannot delete entity, must detach all policies first.');
        if ((await inlinePolicies(db, account(ctx), 'role', input.RoleName)).length > 0) throw awsError('DeleteConflict', 'Cannot delete entity, must delete policies first.');
        await deleteRoleRow(db, account(ctx), input.RoleName);
        return changed({});
      },
    }),
    defineOperation<iam.TagRoleRequest, Record<string, never>>({
      service: 'iam', name: 'TagRole', readOnly: false,
      permissions: async (ctx, input) => [{ action: 'iam:TagRole', ...withConditions(await existingRoleArn(ctx, input.RoleName), requestTags(input.Tags)) }],
      async handle(ctx, input) {
        await requireRole(ctx, input.RoleName);
        await putTags(db, account(ctx), 'role', input.RoleName, input.Tags);
        return changed({});
      },
    }),
    defineOperation<iam.CreatePolicyRequest, iam.CreatePolicyResponse>({
      service: 'iam', name: 'CreatePolicy', readOnly: false,
      permissions: (ctx, input) => [{ action: 'iam:CreatePolicy', resource: iamArn(account(ctx), `policy${input.Path ?? '/'}${input.PolicyName}`) }],
      async handle(ctx, input) {
        const path = input.Path ?? '/';
        const arn = iamArn(account(ctx), `policy${path}${input.PolicyName}`);
        if ((await listPolicyRows(db, account(ctx))).some((p) => p.policy_name === input.PolicyName)) {
          throw awsError('EntityAlreadyExists', `A policy called ${input.PolicyName} already exists. Duplicate names are not allowed.`);
        }
        const row = {
          policy_arn: arn, account_id: account(ctx), policy_name: input.PolicyName, policy_id: uniqueId('ANPA'), path, description: input.Description ?? null,
          default_version: 'v1', next_version: 2, created_at: ctx.now, updated_at: ctx.now,
        };
        await insertPolicy(db, row, validManagedDocument(input.PolicyDocument));
        return { Policy: await describePolicy(arn) };
      },
    }),
    defineOperation<iam.GetPolicyRequest, iam.GetPolicyResponse>({
      service: 'iam', name: 'GetPolicy', readOnly: true,
      permissions: (_ctx, input) => [{ action: 'iam:GetPolicy', resource: input.PolicyArn }],
      async handle(ctx, input) {
        await requirePolicy(ctx, input.PolicyArn);
        return { Policy: await describePolicy(input.PolicyArn) };
      },
    }),
    defineOperation<iam.GetPolicyVersionRequest, iam.GetPolicyVersionResponse>({
      service: 'iam', name: 'GetPolicyVersion', readOnly: true,
      permissions: (_ctx, input) => [{ action: 'iam:GetPolicyVersion', resource: input.PolicyArn }],
      async handle(ctx, input) {
        const { builtin, row } = await requirePolicy(ctx, input.PolicyArn);
        if (builtin) {
          if (input.VersionId !== 'v1') throw noSuchEntity(`Policy ${input.PolicyArn} version ${input.VersionId} does not exist or is not attachable.`);
          return { PolicyVersion: { Document: encodeURIComponent(builtin.document), VersionId: 'v1', IsDefaultVersion: true, CreateDate: new Date(0) } };
        }
        const version = await getPolicyVersion(db, input.PolicyArn, input.VersionId);
        if (!version) throw noSuchEntity(`Policy ${input.PolicyArn} version ${input.VersionId} does not exist or is not attachable.`);
        return { PolicyVersion: { Document: encodeURIComponent(version.document), VersionId: version.version_id, IsDefaultVersion: version.version_id === row!.default_version, CreateDate: new Date(Number(version.created_at)) } };
      },
    }),
    defineOperation<iam.CreatePolicyVersionRequest, iam.CreatePolicyVersionResponse>({
      service: 'iam', name: 'CreatePolicyVersion', readOnly: false,
      permissions: (_ctx, input) => [{ action: 'iam:CreatePolicyVersion', resource: input.PolicyArn }],
      async handle(ctx, input) {
        const { builtin } = await requirePolicy(ctx, input.PolicyArn);
        if (builtin) throw awsError('InvalidInput', `Policy ${input.PolicyArn} is an AWS managed policy and cannot be changed.`);
        if (await policyVersionCount(db, input.PolicyArn) >= MAX_POLICY_VERSIONS) {
          throw awsError('LimitExceeded', `A managed policy can have up to ${MAX_POLICY_VERSIONS} versions. Before you create a new version, you must delete an existing version.`);
        }
        const versionId = await addPolicyVersion(db, { policyArn: input.PolicyArn, document: validManagedDocument(input.PolicyDocument), setAsDefault: input.SetAsDefault === true, now: ctx.now });
        return changed({ PolicyVersion: { VersionId: versionId, IsDefaultVersion: input.SetAsDefault === true, CreateDate: new Date(ctx.now) } });
      },
    }),
    defineOperation<iam.ListPoliciesRequest, iam.ListPoliciesResponse>({
      service: 'iam', name: 'ListPolicies', readOnly: true,
      permissions: (ctx) => [{ action: 'iam:ListPolicies', resource: iamArn(account(ctx), 'policy/') }],
      async handle(ctx, input) {
        const local = input.Scope === 'AWS' ? [] : (await listPolicyRows(db, account(ctx))).map((r) => r.policy_arn);
        const aws = input.Scope === 'Local' ? [] : builtinPolicies.map((p) => p.arn);
        const all = await Promise.all([...aws, ...local].map((arn) => describePolicy(arn)));
        const page = markerPage(all.filter((p) => !input.OnlyAttached || (p.AttachmentCount ?? 0) > 0), input);
        return { Policies: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker };
      },
    }),
    defineOperation<iam.DeletePolicyRequest, Record<string, never>>({
      service: 'iam', name: 'DeletePolicy', readOnly: false,
      permissions: (_ctx, input) => [{ action: 'iam:DeletePolicy', resource: input.PolicyArn }],
      async handle(ctx, input) {
        const { builtin } = await requirePolicy(ctx, input.PolicyArn, 'was not found.');
        if (builtin) throw awsError('InvalidInput', `Policy ${input.PolicyArn} is an AWS managed policy and cannot be deleted.`);
        if (await attachmentCount(db, input.PolicyArn) > 0) throw awsError('DeleteConflict', 'Cannot delete a policy attached to entities.');
        if (await policyVersionCount(db, input.PolicyArn) > 1) {
          throw awsError('DeleteConflict', "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.");
        }
        await deletePolicyRow(db, input.PolicyArn);
        return changed({});
      },
    }),
    ...attachmentOps,
    ...inlineOps,
    defineOperation<iam.SimulatePrincipalPolicyRequest, iam.SimulatePolicyResponse>({
      service: 'iam', name: 'SimulatePrincipalPolicy', readOnly: true,
      permissions: (_ctx, input) => [{ action: 'iam:SimulatePrincipalPolicy', resource: input.PolicySourceArn }],
      async handle(ctx, input) {
        const subject = await simulationSubject(ctx, input.PolicySourceArn);
        const policies = await authorizer.policiesOf(subject);
        const extra = [...(input.PolicyInputList ?? [])].map((text) => parsePolicy(text));
        const documents = [...policies.documents, ...extra];
        const contextValues = Object.fromEntries((input.ContextEntries ?? []).map((e) => [e.ContextKeyName ?? '', e.ContextKeyValues ?? []]));
        const resources = input.ResourceArns && input.ResourceArns.length > 0 ? input.ResourceArns : ['*'];
        const results: iam.EvaluationResult[] = [];
        for (const action of input.ActionNames) {
          for (const resource of resources) {
            const context = buildContext(principalFacts(subject, policies.tags), { sourceIp: ctx.sourceIp, secureTransport: false, now: ctx.now, region: ctx.region }, contextValues);
            const result = evaluate(documents, { action, resource, context });
            results.push({ EvalActionName: action, EvalResourceName: resource, EvalDecision: result.decision === 'Allow' ? 'allowed' : result.decision === 'ExplicitDeny' ? 'explicitDeny' : 'implicitDeny', MatchedStatements: [], MissingContextValues: [] });
          }
        }
        const page = markerPage(results, input);
        return { EvaluationResults: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker };
      },
    }),
  ];

  /** The principal a simulation is about: a user or a role of this account (roles as a session of themselves). */
  async function simulationSubject(ctx: CallContext, arn: string): Promise<Principal> {
    const parsed = parseArn(arn);
    if (!parsed || parsed.service !== 'iam' || parsed.accountId !== account(ctx)) throw awsError('InvalidInput', `Invalid Entity Arn: ${arn} does not clearly define entity type and name.`);
    const name = parsed.resource.slice(parsed.resource.lastIndexOf('/') + 1);
    if (parsed.resource.startsWith('user/')) {
      const user = await requireUser(ctx, name);
      return { type: 'IAMUser', accountId: user.account_id, userName: user.user_name, userId: user.user_id, arn: userArn(user.account_id, user.user_name, user.path), accessKeyId: '' };
    }
    if (parsed.resource.startsWith('role/')) {
      const role = await requireRole(ctx, name);
      return { type: 'AssumedRole', accountId: role.account_id, roleName: role.role_name, roleId: role.role_id, roleArn: arn, sessionName: 'simulation', userId: `${role.role_id}:simulation`, arn, accessKeyId: '' };
    }
    throw awsError('InvalidInput', `Invalid Entity Arn: ${arn} does not clearly define entity type and name.`);
  }
}
