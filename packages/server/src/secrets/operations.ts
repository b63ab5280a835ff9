import crypto from 'node:crypto';
import { awsError, formatArn, isAwsError, type secretsmanager, type ssm } from '@bosun/protocol';
import { handlerCheck, type Authorizer } from '../api/authorize.ts';
import { defineOperation, type CallContext, type Operation } from '../api/operation.ts';
import type { AuditResource } from '../audit/record.ts';
import type { KeyCaller, KeyService } from '../kms/key-service.ts';
import type { SecretReferences } from '../parameters/operations.ts';
import type { Db } from '../store/store.ts';
import type { SecretsTable, SecretVersionsTable } from '../store/schema.ts';
import { randomPassword } from './random-password.ts';
import {
  addSecretVersion, deleteSecretNow, findSecretByArn, findSecretByName, getSecretVersions, insertSecret, listSecrets, updateSecret,
} from './secret-store.ts';

export interface SecretDeps {
  readonly db: Db;
  readonly keys: KeyService;
  readonly authorize: Authorizer;
}

export const DEFAULT_SECRET_KEY = 'alias/aws/secretsmanager';
const DAY = 24 * 60 * 60 * 1000;
const CURRENT = 'AWSCURRENT';
const PREVIOUS = 'AWSPREVIOUS';

/** Secrets Manager operations, and the secret references Parameter Store resolves. */
export function secretService(deps: SecretDeps): { operations: Operation[]; references: SecretReferences } {
  const { db, keys } = deps;
  const caller = (ctx: CallContext): KeyCaller => ({ principal: ctx.principal, now: ctx.now, region: ctx.region, sourceIp: ctx.sourceIp });
  const secretArn = (ctx: CallContext, resource: string) => formatArn({ service: 'secretsmanager', region: ctx.region, accountId: ctx.scope.accountId, resource });
  const declared = (ctx: CallContext, id: string) => (id.startsWith('arn:') ? id : secretArn(ctx, `secret:${id}-??????`));
  const onSecret = (action: string) => (ctx: CallContext, input: { SecretId: string }) => [{ action, resource: declared(ctx, input.SecretId) }];
  const secretResource = (ctx: CallContext, input: { SecretId?: string; Name?: string }): AuditResource[] => {
    const id = input.SecretId ?? input.Name;
    return id ? [{ type: 'AWS::SecretsManager::Secret', name: id, arn: declared(ctx, id) }] : [];
  };
  const stagesOf = (v: SecretVersionsTable) => JSON.parse(v.stages) as string[];
  const contextOf = (arn: string, versionId: string) => ({ SecretARN: arn, SecretVersionId: versionId });

  /** Finds a secret by name, full ARN or partial ARN (without the random suffix), and checks `action` on its ARN. */
  async function resolve(ctx: CallContext, id: string, action: string, options: { allowDeleted?: boolean } = {}): Promise<SecretsTable> {
    let secret: SecretsTable | undefined;
    if (id.startsWith('arn:')) {
      secret = await findSecretByArn(db, ctx.scope, id);
      if (!secret) {
        const match = /^arn:aws[\w-]*:secretsmanager:[\w-]+:\d{12}:secret:(.+)$/.exec(id);
        if (match) {
          const candidate = await findSecretByName(db, ctx.scope, match[1]);
          if (candidate && candidate.arn.startsWith(id)) secret = candidate;
        }
      }
    } else {
      secret = await findSecretByName(db, ctx.scope, id);
    }
    if (secret && secret.deletion_at !== null && Number(secret.deletion_at) <= ctx.now) {
      await deleteSecretNow(db, secret.arn);
      secret = undefined;
    }
    if (!secret) throw awsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    await deps.authorize(ctx.principal, [{ action, resource: secret.arn }], handlerCheck(ctx));
    if (secret.deleted_at !== null && !options.allowDeleted) {
      throw awsError('InvalidRequestException', "You can't perform this operation on the secret because it was marked for deletion.");
    }
    return secret;
  }

  async function seal(ctx: CallContext, secret: { arn: string; kms_key_id: string | null }, versionId: string, input: { SecretString?: string; SecretBinary?: Uint8Array }) {
    const key = secret.kms_key_id ?? DEFAULT_SECRET_KEY;
    const context = contextOf(secret.arn, versionId);
    try {
      const secretString = input.SecretString !== undefined ? (await keys.sealValue(caller(ctx), key, input.SecretString, context)).envelope : null;
      const secretBinary = input.SecretBinary !== undefined ? (await keys.sealValue(caller(ctx), key, Buffer.from(input.SecretBinary).toString('base64'), context)).envelope : null;
      return { secretString, secretBinary, key };
    } catch (error) {
      if (isAwsError(error) && error.code !== 'AccessDeniedException') throw awsError('EncryptionFailure', `Secrets Manager can't encrypt the protected secret text using the provided KMS key. Check that the KMS key is available, enabled, and not in an invalid state. ${error.message}`);
      throw error;
    }
  }

  async function open(ctx: CallContext, secret: SecretsTable, version: SecretVersionsTable): Promise<{ SecretString?: string; SecretBinary?: Buffer }> {
    const context = contextOf(secret.arn, version.version_id);
    try {
      return {
        ...(version.secret_string !== null ? { SecretString: await keys.openValue(caller(ctx), version.secret_string, context) } : {}),
        ...(version.secret_binary !== null ? { SecretBinary: Buffer.from(await keys.openValue(caller(ctx), version.secret_binary, context), 'base64') } : {}),
      };
    } catch (error) {
      if (isAwsError(error) && error.code !== 'AccessDeniedException') throw awsError('DecryptionFailure', `Secrets Manager can't decrypt the protected secret text using the provided KMS key. ${error.message}`);
      throw error;
    }
  }

  function checkValue(input: { SecretString?: string; SecretBinary?: Uint8Array }): void {
    if (input.SecretString !== undefined && input.SecretBinary !== undefined) {
      throw awsError('InvalidParameterException', "You can't specify both a binary secret value and a string secret value in the same secret.");
    }
  }

  /**
   * A new version takes the stages asked for (AWSCURRENT by default); the stages move off
   * the versions that had them, and the version that loses AWSCURRENT gets AWSPREVIOUS.
   */
  function stageMoves(versions: SecretVersionsTable[], newStages: readonly string[]): { versionId: string; stages: string[] }[] {
    const changes: { versionId: string; stages: string[] }[] = [];
    const movesCurrent = newStages.includes(CURRENT);
    for (const v of versions) {
      const before = stagesOf(v);
      let after = before.filter((s) => !newStages.includes(s));
      if (movesCurrent) {
        after = after.filter((s) => s !== PREVIOUS);
        if (before.includes(CURRENT)) after.push(PREVIOUS);
      }
      if (JSON.stringify(after) !== JSON.stringify(before)) changes.push({ versionId: v.version_id, stages: after });
    }
    return changes;
  }

  async function newVersion(ctx: CallContext, secret: SecretsTable, input: { ClientRequestToken?: string; SecretString?: string; SecretBinary?: Uint8Array; VersionStages?: string[] }, secretChanges: Partial<SecretsTable> = {}) {
    checkValue(input);
    const versionId = input.ClientRequestToken ?? crypto.randomUUID();
    const versions = await getSecretVersions(db, secret.arn);
    const existing = versions.find((v) => v.version_id === versionId);
    if (existing) {
      const same = await open(ctx, secret, existing);
      const sameValue = same.SecretString === input.SecretString && (same.SecretBinary?.toString('base64') ?? undefined) === (input.SecretBinary ? Buffer.from(input.SecretBinary).toString('base64') : undefined);
      if (sameValue) return { versionId, stages: stagesOf(existing) };
      throw awsError('ResourceExistsException', "You can't modify an existing version, you can only create a new version.");
    }
    const stages = input.VersionStages ?? [CURRENT];
    const sealed = await seal(ctx, secret, versionId, input);
    await addSecretVersion(db, {
      secret_arn: secret.arn, version_id: versionId, stages: JSON.stringify(stages), secret_string: sealed.secretString, secret_binary: sealed.secretBinary, kms_key_id: sealed.key, created_at: ctx.now,
    }, stageMoves(versions, stages), { last_changed_at: ctx.now, ...secretChanges }, secret.arn);
    return { versionId, stages };
  }

  async function versionFor(secret: SecretsTable, selector: { versionId?: string; stage?: string }): Promise<SecretVersionsTable> {
    const versions = await getSecretVersions(db, secret.arn);
    if (selector.versionId) {
      const v = versions.find((x) => x.version_id === selector.versionId && (!selector.stage || stagesOf(x).includes(selector.stage)));
      if (!v) throw awsError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for VersionId: ${selector.versionId}`);
      return v;
    }
    const stage = selector.stage ?? CURRENT;
    const v = versions.find((x) => stagesOf(x).includes(stage));
    if (!v) throw awsError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for staging label: ${stage}`);
    return v;
  }

  async function describe(secret: SecretsTable): Promise<secretsmanager.DescribeSecretResponse> {
    const versions = await getSecretVersions(db, secret.arn);
    const tags = JSON.parse(secret.tags) as secretsmanager.Tag[];
    return {
      ARN: secret.arn,
      Name: secret.name,
      ...(secret.description !== null ? { Description: secret.description } : {}),
      ...(secret.kms_key_id !== null ? { KmsKeyId: secret.kms_key_id } : {}),
      RotationEnabled: false,
      LastChangedDate: new Date(Number(secret.last_changed_at)),
      ...(secret.last_accessed_at !== null ? { LastAccessedDate: new Date(Number(secret.last_accessed_at)) } : {}),
      ...(secret.deleted_at !== null ? { DeletedDate: new Date(Number(secret.deleted_at)) } : {}),
      ...(tags.length > 0 ? { Tags: tags } : {}),
      VersionIdsToStages: Object.fromEntries(versions.filter((v) => stagesOf(v).length > 0).map((v) => [v.version_id, stagesOf(v)])),
      CreatedDate: new Date(Number(secret.created_at)),
    };
  }

  /** AWS records the day a secret was last read (a date, without the time). */
  async function touch(ctx: CallContext, secret: SecretsTable): Promise<void> {
    const day = Math.floor(ctx.now / DAY) * DAY;
    if (secret.last_accessed_at === null || Number(secret.last_accessed_at) !== day) await updateSecret(db, secret.arn, { last_accessed_at: day });
  }

  const references: SecretReferences = {
    async reference(ctx, secretId, selector): Promise<ssm.Parameter> {
      let secret: SecretsTable;
      try {
        secret = await resolve(ctx, secretId, 'secretsmanager:GetSecretValue');
      } catch (error) {
        if (isAwsError(error) && error.code === 'ResourceNotFoundException') {
          throw awsError('ParameterNotFound', `An error occurred (ParameterNotFound) when referencing Secrets Manager: Secret /aws/reference/secretsmanager/${secretId} not found.`);
        }
        throw error;
      }
      let version: SecretVersionsTable;
      try {
        version = await versionFor(secret, selector);
      } catch (error) {
        if (isAwsError(error) && error.code === 'ResourceNotFoundException') throw awsError('ParameterVersionNotFound', error.message);
        throw error;
      }
      const value = await open(ctx, secret, version);
      await touch(ctx, secret);
      const source = await describe(secret);
      return {
        Name: `/aws/reference/secretsmanager/${secretId}`,
        Type: 'SecureString',
        Value: value.SecretString ?? value.SecretBinary?.toString('base64') ?? '',
        Version: 0,
        ...(selector.versionId ? { Selector: `:${selector.versionId}` } : selector.stage ? { Selector: `:${selector.stage}` } : {}),
        SourceResult: JSON.stringify({ ...source, LastChangedDate: source.LastChangedDate?.toISOString(), CreatedDate: source.CreatedDate?.toISOString(), LastAccessedDate: source.LastAccessedDate?.toISOString() }),
        LastModifiedDate: new Date(Number(version.created_at)),
        ARN: secret.arn,
        DataType: 'text',
      };
    },
  };

  const operations: Operation[] = [
    defineOperation<secretsmanager.CreateSecretRequest, secretsmanager.CreateSecretResponse>({
      service: 'secretsmanager', name: 'CreateSecret', readOnly: false,
      permissions: (ctx, input) => [{ action: 'secretsmanager:CreateSecret', resource: declared(ctx, input.Name) }],
      resources: secretResource,
      async handle(ctx, input) {
        checkValue(input);
        if (input.AddReplicaRegions?.length) throw awsError('InvalidRequestException', 'Bosun does not replicate secrets to other Regions.');
        const existing = await findSecretByName(db, ctx.scope, input.Name);
        if (existing) {
          if (existing.deleted_at !== null) throw awsError('InvalidRequestException', "You can't create this secret because a secret with this name is already scheduled for deletion.");
          throw awsError('ResourceExistsException', `The operation failed because the secret ${input.Name} already exists.`);
        }
        const arn = secretArn(ctx, `secret:${input.Name}-${suffix()}`);
        const secret: SecretsTable = {
          arn, account_id: ctx.scope.accountId, region: ctx.region, name: input.Name, description: input.Description ?? null, kms_key_id: input.KmsKeyId ?? null,
          created_at: ctx.now, last_changed_at: ctx.now, last_accessed_at: null, deleted_at: null, deletion_at: null, tags: JSON.stringify(input.Tags ?? []),
        };
        const hasValue = input.SecretString !== undefined || input.SecretBinary !== undefined;
        const versionId = input.ClientRequestToken ?? crypto.randomUUID();
        let version: SecretVersionsTable | undefined;
        if (hasValue) {
          const sealed = await seal(ctx, secret, versionId, input);
          version = { secret_arn: arn, version_id: versionId, stages: JSON.stringify([CURRENT]), secret_string: sealed.secretString, secret_binary: sealed.secretBinary, kms_key_id: sealed.key, created_at: ctx.now };
        }
        if (!(await insertSecret(db, secret, version))) throw awsError('ResourceExistsException', `The operation failed because the secret ${input.Name} already exists.`);
        return { ARN: arn, Name: input.Name, ...(hasValue ? { VersionId: versionId } : {}) };
      },
    }),
    defineOperation<secretsmanager.GetSecretValueRequest, secretsmanager.GetSecretValueResponse>({
      service: 'secretsmanager', name: 'GetSecretValue', readOnly: true, permissions: onSecret('secretsmanager:GetSecretValue'), resources: secretResource,
      async handle(ctx, input) {
        const secret = await resolve(ctx, input.SecretId, 'secretsmanager:GetSecretValue');
        const version = await versionFor(secret, { versionId: input.VersionId, stage: input.VersionStage });
        const value = await open(ctx, secret, version);
        await touch(ctx, secret);
        return { ARN: secret.arn, Name: secret.name, VersionId: version.version_id, ...value, VersionStages: stagesOf(version), CreatedDate: new Date(Number(version.created_at)) };
      },
    }),
    defineOperation<secretsmanager.PutSecretValueRequest, secretsmanager.PutSecretValueResponse>({
      service: 'secretsmanager', name: 'PutSecretValue', readOnly: false, permissions: onSecret('secretsmanager:PutSecretValue'), resources: secretResource,
      async handle(ctx, input) {
        if (input.SecretString === undefined && input.SecretBinary === undefined) throw awsError('InvalidRequestException', 'You must provide either SecretString or SecretBinary.');
        const secret = await resolve(ctx, input.SecretId, 'secretsmanager:PutSecretValue');
        const { versionId, stages } = await newVersion(ctx, secret, input);
        return { ARN: secret.arn, Name: secret.name, VersionId: versionId, VersionStages: stages };
      },
    }),
    defineOperation<secretsmanager.UpdateSecretRequest, secretsmanager.UpdateSecretResponse>({
      service: 'secretsmanager', name: 'UpdateSecret', readOnly: false, permissions: onSecret('secretsmanager:UpdateSecret'), resources: secretResource,
      async handle(ctx, input) {
        const secret = await resolve(ctx, input.SecretId, 'secretsmanager:UpdateSecret');
        const changes: Partial<SecretsTable> = {};
        if (input.Description !== undefined) changes.description = input.Description;
        if (input.KmsKeyId !== undefined) changes.kms_key_id = input.KmsKeyId;
        if (input.SecretString !== undefined || input.SecretBinary !== undefined) {
          const { versionId } = await newVersion(ctx, { ...secret, ...changes }, input, changes);
          return { ARN: secret.arn, Name: secret.name, VersionId: versionId };
        }
        await updateSecret(db, secret.arn, { ...changes, last_changed_at: ctx.now });
        return { ARN: secret.arn, Name: secret.name };
      },
    }),
    defineOperation<secretsmanager.DescribeSecretRequest, secretsmanager.DescribeSecretResponse>({
      service: 'secretsmanager', name: 'DescribeSecret', readOnly: true, permissions: onSecret('secretsmanager:DescribeSecret'), resources: secretResource,
      async handle(ctx, input) {
        return describe(await resolve(ctx, input.SecretId, 'secretsmanager:DescribeSecret', { allowDeleted: true }));
      },
    }),
    defineOperation<secretsmanager.ListSecretsRequest, secretsmanager.ListSecretsResponse>({
      service: 'secretsmanager', name: 'ListSecrets', readOnly: true,
      permissions: () => [{ action: 'secretsmanager:ListSecrets', resource: '*' }],
      async handle(ctx, input) {
        let secrets = (await listSecrets(db, ctx.scope)).filter((s) => (input.IncludePlannedDeletion || s.deleted_at === null) && !(s.deletion_at !== null && Number(s.deletion_at) <= ctx.now));
        for (const filter of input.Filters ?? []) secrets = secrets.filter((s) => filterMatches(s, filter));
        const sortBy = input.SortBy ?? 'created-date';
        const keyOf = (s: SecretsTable): string | number => sortBy === 'name' ? s.name : sortBy === 'last-changed-date' ? Number(s.last_changed_at) : sortBy === 'last-accessed-date' ? Number(s.last_accessed_at ?? 0) : Number(s.created_at);
        secrets.sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : a.arn < b.arn ? -1 : 1));
        if ((input.SortOrder ?? 'desc') === 'desc') secrets.reverse();
        const start = input.NextToken ? decodeOffset(input.NextToken) : 0;
        const limit = input.MaxResults ?? 100;
        const page = secrets.slice(start, start + limit);
        const list: secretsmanager.SecretListEntry[] = [];
        for (const s of page) {
          const d = await describe(s);
          list.push({ ...d, SecretVersionsToStages: d.VersionIdsToStages, VersionIdsToStages: undefined } as secretsmanager.SecretListEntry);
        }
        return { SecretList: list, ...(start + limit < secrets.length ? { NextToken: encodeOffset(start + limit) } : {}) };
      },
    }),
    defineOperation<secretsmanager.DeleteSecretRequest, secretsmanager.DeleteSecretResponse>({
      service: 'secretsmanager', name: 'DeleteSecret', readOnly: false, permissions: onSecret('secretsmanager:DeleteSecret'), resources: secretResource,
      async handle(ctx, input) {
        if (input.ForceDeleteWithoutRecovery && input.RecoveryWindowInDays !== undefined) {
          throw awsError('InvalidParameterException', "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
        }
        const days = input.RecoveryWindowInDays ?? 30;
        if (!input.ForceDeleteWithoutRecovery && (days < 7 || days > 30)) throw awsError('InvalidParameterException', 'The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).');
        const secret = await resolve(ctx, input.SecretId, 'secretsmanager:DeleteSecret', { allowDeleted: true });
        if (input.ForceDeleteWithoutRecovery) {
          await deleteSecretNow(db, secret.arn);
          return { ARN: secret.arn, Name: secret.name, DeletionDate: new Date(ctx.now) };
        }
        if (secret.deleted_at !== null) return { ARN: secret.arn, Name: secret.name, DeletionDate: new Date(Number(secret.deletion_at)) };
        const deletionAt = ctx.now + days * DAY;
        await updateSecret(db, secret.arn, { deleted_at: ctx.now, deletion_at: deletionAt });
        return { ARN: secret.arn, Name: secret.name, DeletionDate: new Date(deletionAt) };
      },
    }),
    defineOperation<secretsmanager.RestoreSecretRequest, secretsmanager.RestoreSecretResponse>({
      service: 'secretsmanager', name: 'RestoreSecret', readOnly: false, permissions: onSecret('secretsmanager:RestoreSecret'), resources: secretResource,
      async handle(ctx, input) {
        const secret = await resolve(ctx, input.SecretId, 'secretsmanager:RestoreSecret', { allowDeleted: true });
        await updateSecret(db, secret.arn, { deleted_at: null, deletion_at: null });
        return { ARN: secret.arn, Name: secret.name };
      },
    }),
    defineOperation<secretsmanager.ListSecretVersionIdsRequest, secretsmanager.ListSecretVersionIdsResponse>({
      service: 'secretsmanager', name: 'ListSecretVersionIds', readOnly: true, permissions: onSecret('secretsmanager:ListSecretVersionIds'), resources: secretResource,
      async handle(ctx, input) {
        const secret = await resolve(ctx, input.SecretId, 'secretsmanager:ListSecretVersionIds', { allowDeleted: true });
        const versions = (await getSecretVersions(db, secret.arn)).filter((v) => input.IncludeDeprecated || stagesOf(v).length > 0);
        const start = input.NextToken ? decodeOffset(input.NextToken) : 0;
        const limit = input.MaxResults ?? 100;
        return {
          Versions: versions.slice(start, start + limit).map((v) => ({ VersionId: v.version_id, VersionStages: stagesOf(v), CreatedDate: new Date(Number(v.created_at)), KmsKeyIds: [v.kms_key_id] })),
          ARN: secret.arn, Name: secret.name,
          ...(start + limit < versions.length ? { NextToken: encodeOffset(start + limit) } : {}),
        };
      },
    }),
    defineOperation<secretsmanager.UpdateSecretVersionStageRequest, secretsmanager.UpdateSecretVersionStageResponse>({
      service: 'secretsmanager', name: 'UpdateSecretVersionStage', readOnly: false, permissions: onSecret('secretsmanager:UpdateSecretVersionStage'), resources: secretResource,
      async handle(ctx, input) {
        const secret = await resolve(ctx, input.SecretId, 'secretsmanager:UpdateSecretVersionStage');
        const versions = await getSecretVersions(db, secret.arn);
        const holder = versions.find((v) => stagesOf(v).includes(input.VersionStage));
        if (holder && holder.version_id !== input.MoveToVersionId && holder.version_id !== input.RemoveFromVersionId) {
          if (!input.RemoveFromVersionId) {
            throw awsError('InvalidParameterException', `The parameter RemoveFromVersionId can't be empty. Staging label ${input.VersionStage} is currently attached to version ${holder.version_id}, so you must explicitly reference that version in RemoveFromVersionId.`);
          }
          throw awsError('InvalidParameterException', `The staging label ${input.VersionStage} is currently attached to version ${holder.version_id}, but you have attempted to remove it from version ${input.RemoveFromVersionId}.`);
        }
        if (input.RemoveFromVersionId && !versions.some((v) => v.version_id === input.RemoveFromVersionId)) throw awsError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for VersionId: ${input.RemoveFromVersionId}`);
        if (input.MoveToVersionId && !versions.some((v) => v.version_id === input.MoveToVersionId)) throw awsError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for VersionId: ${input.MoveToVersionId}`);
        const next = new Map(versions.map((v) => [v.version_id, stagesOf(v)]));
        const current = versions.find((v) => stagesOf(v).includes(CURRENT));
        if (input.RemoveFromVersionId) next.set(input.RemoveFromVersionId, next.get(input.RemoveFromVersionId)!.filter((s) => s !== input.VersionStage));
        if (input.MoveToVersionId) {
          for (const [id, stages] of next) if (id !== input.MoveToVersionId) next.set(id, stages.filter((s) => s !== input.VersionStage));
          next.set(input.MoveToVersionId, [...new Set([...next.get(input.MoveToVersionId)!, input.VersionStage])]);
          if (input.VersionStage === CURRENT && current && current.version_id !== input.MoveToVersionId) {
            for (const [id, stages] of next) next.set(id, stages.filter((s) => s !== PREVIOUS));
            next.set(current.version_id, [...next.get(current.version_id)!, PREVIOUS]);
          }
        }
        const changes = [...next].filter(([id, stages]) => JSON.stringify(stages) !== versions.find((v) => v.version_id === id)!.stages).map(([versionId, stages]) => ({ versionId, stages }));
        await addSecretVersion(db, undefined, changes, {}, secret.arn);
        return { ARN: secret.arn, Name: secret.name };
      },
    }),
    defineOperation<secretsmanager.TagResourceRequest, Record<string, never>>({
      service: 'secretsmanager', name: 'TagResource', readOnly: false, permissions: onSecret('secretsmanager:TagResource'), resources: secretResource,
      async handle(ctx, input) {
        const secret = await resolve(ctx, input.SecretId, 'secretsmanager:TagResource', { allowDeleted: true });
        const tags = new Map((JSON.parse(secret.tags) as secretsmanager.Tag[]).map((t) => [t.Key, t.Value]));
        for (const t of input.Tags) tags.set(t.Key, t.Value);
        await updateSecret(db, secret.arn, { tags: JSON.stringify([...tags].map(([Key, Value]) => ({ Key, Value }))) });
        return {};
      },
    }),
    defineOperation<secretsmanager.UntagResourceRequest, Record<string, never>>({
      service: 'secretsmanager', name: 'UntagResource', readOnly: false, permissions: onSecret('secretsmanager:UntagResource'), resources: secretResource,
      async handle(ctx, input) {
        const secret = await resolve(ctx, input.SecretId, 'secretsmanager:UntagResource', { allowDeleted: true });
        const tags = (JSON.parse(secret.tags) as secretsmanager.Tag[]).filter((t) => !input.TagKeys.includes(t.Key!));
        await updateSecret(db, secret.arn, { tags: JSON.stringify(tags) });
        return {};
      },
    }),
    defineOperation<secretsmanager.GetRandomPasswordRequest, secretsmanager.GetRandomPasswordResponse>({
      service: 'secretsmanager', name: 'GetRandomPassword', readOnly: true,
      permissions: () => [{ action: 'secretsmanager:GetRandomPassword', resource: '*' }],
      async handle(_ctx, input) {
        return { RandomPassword: randomPassword(input) };
      },
    }),
  ];
  return { operations, references };
}

function filterMatches(secret: SecretsTable, filter: secretsmanager.Filter): boolean {
  const tags = JSON.parse(secret.tags) as secretsmanager.Tag[];
  const test = (value: string) => {
    const negate = value.startsWith('!');
    const wanted = (negate ? value.slice(1) : value).toLowerCase();
    const fields = filter.Key === 'name' ? [secret.name]
      : filter.Key === 'description' ? [secret.description ?? '']
      : filter.Key === 'tag-key' ? tags.map((t) => t.Key ?? '')
      : filter.Key === 'tag-value' ? tags.map((t) => t.Value ?? '')
      : filter.Key === 'all' ? [secret.name, secret.description ?? '', ...tags.flatMap((t) => [t.Key ?? '', t.Value ?? ''])]
      : [];
    const hit = fields.some((f) => f.toLowerCase().startsWith(wanted));
    return negate ? !hit : hit;
  };
  return (filter.Values ?? []).some(test);
}

function suffix(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return Array.from(crypto.randomBytes(6), (b) => alphabet[b % alphabet.length]).join('');
}

function encodeOffset(n: number): string {
  return Buffer.from(String(n)).toString('base64url');
}

function decodeOffset(token: string): number {
  const n = Number(Buffer.from(token, 'base64url').toString('utf8'));
  if (!Number.isInteger(n) || n < 0) throw awsError('InvalidNextTokenException', 'The NextToken value is invalid.');
  return n;
}
