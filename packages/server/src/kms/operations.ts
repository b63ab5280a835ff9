import crypto from 'node:crypto';
import { awsError, type kms } from '@bosun/protocol';
import { defineOperation, type CallContext, type Operation } from '../api/operation.ts';
import type { AuditResource } from '../audit/record.ts';
import type { Db } from '../store/store.ts';
import type { KmsKeysTable } from '../store/schema.ts';
import { DEFAULT_ROTATION_DAYS, rowScope, type KeyCaller, type KeyService, type ResolvedKey } from './key-service.ts';
import { deleteAlias, getAlias, insertAlias, listAliases, listKeys, updateAlias, updateKey } from './key-store.ts';

export interface KmsDeps {
  readonly db: Db;
  readonly keys: KeyService;
}

const DAY = 24 * 60 * 60 * 1000;

/** The KMS operations (TrentService.*) Bosun answers: symmetric keys, aliases, rotation, deletion, tags. */
export function kmsOperations(deps: KmsDeps): Operation[] {
  const { db, keys } = deps;
  const caller = (ctx: CallContext): KeyCaller => ({ principal: ctx.principal, now: ctx.now, region: ctx.region, sourceIp: ctx.sourceIp });

  /** Resolves the key a call names and checks the call's action on the key itself (an alias resolves first). */
  async function keyFor(ctx: CallContext, identifier: string, action: string): Promise<ResolvedKey> {
    const key = await keys.resolve(ctx.scope, identifier, ctx.now);
    await keys.authorize(caller(ctx), action, key);
    return key;
  }

  const onKey = (action: string) => (ctx: CallContext, input: { KeyId: string }) =>
    [{ action, resource: keys.declaredArn(ctx.scope, input.KeyId) }];
  const keyResource = (ctx: CallContext, input: { KeyId?: string }): AuditResource[] =>
    input.KeyId ? [{ type: 'AWS::KMS::Key', name: input.KeyId, arn: keys.declaredArn(ctx.scope, input.KeyId) }] : [];

  function metadata(row: KmsKeysTable, arn: string): kms.KeyMetadata {
    return {
      AWSAccountId: row.account_id,
      KeyId: row.key_id,
      Arn: arn,
      CreationDate: new Date(Number(row.created_at)),
      Enabled: row.key_state === 'Enabled',
      Description: row.description,
      KeyUsage: row.key_usage as kms.KeyUsageType,
      KeyState: row.key_state,
      ...(row.deletion_at !== null ? { DeletionDate: new Date(Number(row.deletion_at)), PendingDeletionWindowInDays: row.pending_window_days ?? undefined } : {}),
      Origin: 'AWS_KMS',
      KeyManager: row.key_manager,
      CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
      KeySpec: 'SYMMETRIC_DEFAULT',
      EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
      MultiRegion: false,
    };
  }

  async function changeKey(ctx: CallContext, key: ResolvedKey, changes: Partial<KmsKeysTable>): Promise<void> {
    await updateKey(db, ctx.scope, key.row.key_id, changes);
    keys.forget(key.row.key_id);
  }

  function refuseManaged(key: ResolvedKey, what: string): void {
    if (key.row.key_manager === 'AWS') throw awsError('UnsupportedOperationException', `${key.arn} is an AWS managed key: ${what} is not allowed on it.`);
  }

  function notPendingDeletion(key: ResolvedKey): void {
    if (key.row.key_state === 'PendingDeletion') throw awsError('KMSInvalidStateException', `${key.arn} is pending deletion.`);
  }

  function checkAliasName(name: string): void {
    // AWS answers a missing prefix with ValidationException, not InvalidAliasNameException.
    if (!name.startsWith('alias/')) throw awsError('ValidationException', 'Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html');
    if (name.startsWith('alias/aws/')) throw awsError('InvalidAliasNameException', `Alias ${name} cannot begin with alias/aws/: that prefix is reserved for AWS managed keys.`);
  }

  /** An alias targets a key, never another alias. */
  async function aliasTarget(ctx: CallContext, targetKeyId: string, action: string): Promise<ResolvedKey> {
    if (targetKeyId.startsWith('alias/') || /:alias\//.test(targetKeyId)) throw awsError('ValidationException', 'Aliases must refer to keys. Not aliases');
    const key = await keyFor(ctx, targetKeyId, action);
    if (key.row.key_manager === 'AWS') throw awsError('UnsupportedOperationException', `${key.arn} is an AWS managed key: aliases cannot point to it.`);
    notPendingDeletion(key);
    return key;
  }

  const contextOf = (c: Record<string, string> | undefined) => (c && Object.keys(c).length > 0 ? c : undefined);

  function dataKeyBytes(input: { NumberOfBytes?: number; KeySpec?: string }): number {
    if (input.NumberOfBytes !== undefined && input.KeySpec !== undefined) throw awsError('ValidationException', 'Please specify either number of bytes or key spec.');
    if (input.NumberOfBytes !== undefined) return input.NumberOfBytes;
    if (input.KeySpec === 'AES_128') return 16;
    if (input.KeySpec === 'AES_256') return 32;
    throw awsError('ValidationException', 'Please specify either number of bytes or key spec.');
  }

  return [
    defineOperation<kms.CreateKeyRequest, kms.CreateKeyResponse>({
      service: 'kms', name: 'CreateKey', readOnly: false,
      permissions: () => [{ action: 'kms:CreateKey', resource: '*' }],
      resources: (ctx, _input, output) => output?.KeyMetadata ? [{ type: 'AWS::KMS::Key', name: output.KeyMetadata.KeyId, arn: output.KeyMetadata.Arn }] : [],
      async handle(ctx, input) {
        if ((input.KeySpec ?? input.CustomerMasterKeySpec ?? 'SYMMETRIC_DEFAULT') !== 'SYMMETRIC_DEFAULT' || (input.KeyUsage ?? 'ENCRYPT_DECRYPT') !== 'ENCRYPT_DECRYPT') {
          throw awsError('UnsupportedOperationException', 'Bosun supports symmetric encryption keys only: KeySpec SYMMETRIC_DEFAULT with KeyUsage ENCRYPT_DECRYPT.');
        }
        if ((input.Origin ?? 'AWS_KMS') !== 'AWS_KMS' || input.CustomKeyStoreId || input.MultiRegion) {
          throw awsError('UnsupportedOperationException', 'Bosun creates keys with Origin AWS_KMS in its own key store only (no imported material, custom key stores or multi-Region keys).');
        }
        checkTags(input.Tags);
        const row = await keys.createKey({ scope: ctx.scope, keyId: crypto.randomUUID(), now: ctx.now, description: input.Description ?? '', tags: JSON.stringify(input.Tags ?? []) });
        return { KeyMetadata: metadata(row, keys.keyArn(rowScope(row), row.key_id)) };
      },
    }),
    defineOperation<kms.DescribeKeyRequest, kms.DescribeKeyResponse>({
      service: 'kms', name: 'DescribeKey', readOnly: true, permissions: onKey('kms:DescribeKey'), resources: keyResource,
      async handle(ctx, input) {
        const key = await keyFor(ctx, input.KeyId, 'kms:DescribeKey');
        return { KeyMetadata: metadata(key.row, key.arn) };
      },
    }),
    defineOperation<kms.ListKeysRequest, kms.ListKeysResponse>({
      service: 'kms', name: 'ListKeys', readOnly: true,
      permissions: () => [{ action: 'kms:ListKeys', resource: '*' }],
      async handle(ctx, input) {
        const limit = input.Limit ?? 100;
        const rows = await listKeys(db, ctx.scope, { after: decodeMarker(input.Marker), limit: limit + 1 });
        const page = rows.slice(0, limit);
        const truncated = rows.length > limit;
        return {
          Keys: page.map((r) => ({ KeyId: r.key_id, KeyArn: keys.keyArn(rowScope(r), r.key_id) })),
          Truncated: truncated,
          ...(truncated ? { NextMarker: encodeMarker(page[page.length - 1].key_id) } : {}),
        };
      },
    }),
    defineOperation<kms.CreateAliasRequest, Record<string, never>>({
      service: 'kms', name: 'CreateAlias', readOnly: false,
      permissions: (ctx, input) => [
        { action: 'kms:CreateAlias', resource: keys.aliasArn(ctx.scope, input.AliasName) },
        { action: 'kms:CreateAlias', resource: keys.declaredArn(ctx.scope, input.TargetKeyId) },
      ],
      resources: (ctx, input) => [{ type: 'AWS::KMS::Alias', name: input.AliasName, arn: keys.aliasArn(ctx.scope, input.AliasName) }],
      async handle(ctx, input) {
        checkAliasName(input.AliasName);
        const key = await aliasTarget(ctx, input.TargetKeyId, 'kms:CreateAlias');
        const created = await insertAlias(db, { account_id: ctx.scope.accountId, region: ctx.region, alias_name: input.AliasName, target_key_id: key.row.key_id, created_at: ctx.now, updated_at: ctx.now });
        if (!created) throw awsError('AlreadyExistsException', `An alias with the name ${keys.aliasArn(ctx.scope, input.AliasName)} already exists`);
        return {};
      },
    }),
    defineOperation<kms.UpdateAliasRequest, Record<string, never>>({
      service: 'kms', name: 'UpdateAlias', readOnly: false,
      permissions: (ctx, input) => [
        { action: 'kms:UpdateAlias', resource: keys.aliasArn(ctx.scope, input.AliasName) },
        { action: 'kms:UpdateAlias', resource: keys.declaredArn(ctx.scope, input.TargetKeyId) },
      ],
      resources: (ctx, input) => [{ type: 'AWS::KMS::Alias', name: input.AliasName, arn: keys.aliasArn(ctx.scope, input.AliasName) }],
      async handle(ctx, input) {
        checkAliasName(input.AliasName);
        const key = await aliasTarget(ctx, input.TargetKeyId, 'kms:UpdateAlias');
        const updated = await updateAlias(db, ctx.scope, input.AliasName, key.row.key_id, ctx.now);
        if (!updated) throw awsError('NotFoundException', `Alias ${keys.aliasArn(ctx.scope, input.AliasName)} is not found.`);
        keys.forgetAlias(ctx.scope, input.AliasName);
        return {};
      },
    }),
    defineOperation<kms.DeleteAliasRequest, Record<string, never>>({
      service: 'kms', name: 'DeleteAlias', readOnly: false,
      permissions: (ctx, input) => [{ action: 'kms:DeleteAlias', resource: keys.aliasArn(ctx.scope, input.AliasName) }],
      resources: (ctx, input) => [{ type: 'AWS::KMS::Alias', name: input.AliasName, arn: keys.aliasArn(ctx.scope, input.AliasName) }],
      async handle(ctx, input) {
        checkAliasName(input.AliasName);
        const alias = await getAlias(db, ctx.scope, input.AliasName);
        if (!alias) throw awsError('NotFoundException', `Alias ${keys.aliasArn(ctx.scope, input.AliasName)} is not found.`);
        await keys.authorize(caller(ctx), 'kms:DeleteAlias', { row: (await keys.resolve(ctx.scope, alias.target_key_id, ctx.now)).row, arn: keys.keyArn(ctx.scope, alias.target_key_id) });
        await deleteAlias(db, ctx.scope, input.AliasName);
        keys.forgetAlias(ctx.scope, input.AliasName);
        return {};
      },
    }),
    defineOperation<kms.ListAliasesRequest, kms.ListAliasesResponse>({
      service: 'kms', name: 'ListAliases', readOnly: true,
      permissions: () => [{ action: 'kms:ListAliases', resource: '*' }],
      async handle(ctx, input) {
        const keyId = input.KeyId ? (await keys.resolve(ctx.scope, input.KeyId, ctx.now)).row.key_id : undefined;
        // AWS's documented default for ListAliases (ListKeys': 100).
        const limit = input.Limit ?? 50;
        const rows = await listAliases(db, ctx.scope, { keyId, after: decodeMarker(input.Marker), limit: limit + 1 });
        const page = rows.slice(0, limit);
        const truncated = rows.length > limit;
        return {
          Aliases: page.map((a) => ({
            AliasName: a.alias_name, AliasArn: keys.aliasArn(rowScope(a), a.alias_name), TargetKeyId: a.target_key_id,
            CreationDate: new Date(Number(a.created_at)), LastUpdatedDate: new Date(Number(a.updated_at)),
          })),
          Truncated: truncated,
          ...(truncated ? { NextMarker: encodeMarker(page[page.length - 1].alias_name) } : {}),
        };
      },
    }),
    defineOperation<kms.EncryptRequest, kms.EncryptResponse>({
      service: 'kms', name: 'Encrypt', readOnly: true, permissions: onKey('kms:Encrypt'), resources: keyResource,
      async handle(ctx, input) {
        const key = await keyFor(ctx, input.KeyId, 'kms:Encrypt');
        const blob = await keys.encrypt(key, Buffer.from(input.Plaintext), contextOf(input.EncryptionContext));
        return { CiphertextBlob: blob, KeyId: key.arn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
      },
    }),
    defineOperation<kms.DecryptRequest, kms.DecryptResponse>({
      service: 'kms', name: 'Decrypt', readOnly: true,
      // The key is named by the ciphertext itself; Decrypt checks kms:Decrypt on it once it is read.
      permissions: (ctx, input) => [{ action: 'kms:Decrypt', resource: input.KeyId ? keys.declaredArn(ctx.scope, input.KeyId) : '*' }],
      resources: keyResource,
      async handle(ctx, input) {
        if (!input.CiphertextBlob) throw awsError('ValidationException', "1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy constraint: Member must not be null");
        const { plaintext, key } = await keys.decrypt(caller(ctx), input.CiphertextBlob, contextOf(input.EncryptionContext), input.KeyId);
        return { KeyId: key.arn, Plaintext: plaintext, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
      },
    }),
    defineOperation<kms.ReEncryptRequest, kms.ReEncryptResponse>({
      service: 'kms', name: 'ReEncrypt', readOnly: true,
      permissions: (ctx, input) => [
        { action: 'kms:ReEncryptFrom', resource: input.SourceKeyId ? keys.declaredArn(ctx.scope, input.SourceKeyId) : '*' },
        { action: 'kms:ReEncryptTo', resource: keys.declaredArn(ctx.scope, input.DestinationKeyId) },
      ],
      async handle(ctx, input) {
        if (!input.CiphertextBlob) throw awsError('ValidationException', "1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy constraint: Member must not be null");
        const { plaintext, key: source } = await keys.decrypt(caller(ctx), input.CiphertextBlob, contextOf(input.SourceEncryptionContext), input.SourceKeyId);
        const destination = await keyFor(ctx, input.DestinationKeyId, 'kms:ReEncryptTo');
        const blob = await keys.encrypt(destination, plaintext, contextOf(input.DestinationEncryptionContext));
        return { CiphertextBlob: blob, SourceKeyId: source.arn, KeyId: destination.arn, SourceEncryptionAlgorithm: 'SYMMETRIC_DEFAULT', DestinationEncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
      },
    }),
    defineOperation<kms.GenerateDataKeyRequest, kms.GenerateDataKeyResponse>({
      service: 'kms', name: 'GenerateDataKey', readOnly: true, permissions: onKey('kms:GenerateDataKey'), resources: keyResource,
      async handle(ctx, input) {
        const bytes = dataKeyBytes(input);
        const key = await keyFor(ctx, input.KeyId, 'kms:GenerateDataKey');
        const { plaintext, blob } = await keys.generateDataKey(key, bytes, contextOf(input.EncryptionContext));
        return { CiphertextBlob: blob, Plaintext: plaintext, KeyId: key.arn };
      },
    }),
    defineOperation<kms.GenerateDataKeyWithoutPlaintextRequest, kms.GenerateDataKeyWithoutPlaintextResponse>({
      service: 'kms', name: 'GenerateDataKeyWithoutPlaintext', readOnly: true, permissions: onKey('kms:GenerateDataKeyWithoutPlaintext'), resources: keyResource,
      async handle(ctx, input) {
        const bytes = dataKeyBytes(input);
        const key = await keyFor(ctx, input.KeyId, 'kms:GenerateDataKeyWithoutPlaintext');
        const { blob } = await keys.generateDataKey(key, bytes, contextOf(input.EncryptionContext));
        return { CiphertextBlob: blob, KeyId: key.arn };
      },
    }),
    defineOperation<kms.EnableKeyRequest, Record<string, never>>({
      service: 'kms', name: 'EnableKey', readOnly: false, permissions: onKey('kms:EnableKey'), resources: keyResource,
      async handle(ctx, input) {
        const key = await keyFor(ctx, input.KeyId, 'kms:EnableKey');
        notPendingDeletion(key);
        await changeKey(ctx, key, { key_state: 'Enabled' });
        return {};
      },
    }),
    defineOperation<kms.DisableKeyRequest, Record<string, never>>({
      service: 'kms', name: 'DisableKey', readOnly: false, permissions: onKey('kms:DisableKey'), resources: keyResource,
      async handle(ctx, input) {
        const key = await keyFor(ctx, input.KeyId, 'kms:DisableKey');
        if (key.row.key_manager === 'AWS') throw awsError('KMSInvalidStateException', `${key.arn} is an AWS managed key: it cannot be disabled.`);
        notPendingDeletion(key);
        await changeKey(ctx, key, { key_state: 'Disabled' });
        return {};
      },
    }),
    defineOperation<kms.EnableKeyRotationRequest, Record<string, never>>({
      service: 'kms', name: 'EnableKeyRotation', readOnly: false, permissions: onKey('kms:EnableKeyRotation'), resources: keyResource,
      async handle(ctx, input) {
        const key = await keyFor(ctx, input.KeyId, 'kms:EnableKeyRotation');
        refuseManaged(key, 'changing its rotation');
        keys.usable(key);
        const days = input.RotationPeriodInDays ?? key.row.rotation_period_days ?? DEFAULT_ROTATION_DAYS;
        await changeKey(ctx, key, { rotation_enabled: 1, rotation_period_days: days, next_rotation_at: ctx.now + days * DAY });
        return {};
      },
    }),
    defineOperation<kms.DisableKeyRotationRequest, Record<string, never>>({
      service: 'kms', name: 'DisableKeyRotation', readOnly: false, permissions: onKey('kms:DisableKeyRotation'), resources: keyResource,
      async handle(ctx, input) {
        const key = await keyFor(ctx, input.KeyId, 'kms:DisableKeyRotation');
        refuseManaged(key, 'changing its rotation');
        keys.usable(key);
        await changeKey(ctx, key, { rotation_enabled: 0, next_rotation_at: null });
        return {};
      },
    }),
    defineOperation<kms.GetKeyRotationStatusRequest, kms.GetKeyRotationStatusResponse>({
      service: 'kms', name: 'GetKeyRotationStatus', readOnly: true, permissions: onKey('kms:GetKeyRotationStatus'), resources: keyResource,
      async handle(ctx, input) {
        const key = await keyFor(ctx, input.KeyId, 'kms:GetKeyRotationStatus');
        notPendingDeletion(key);
        const enabled = key.row.rotation_enabled === 1;
        return {
          KeyRotationEnabled: enabled,
          KeyId: key.arn,
          ...(enabled ? { RotationPeriodInDays: key.row.rotation_period_days ?? DEFAULT_ROTATION_DAYS, NextRotationDate: new Date(Number(key.row.next_rotation_at)) } : {}),
        };
      },
    }),
    defineOperation<kms.RotateKeyOnDemandRequest, kms.RotateKeyOnDemandResponse>({
      service: 'kms', name: 'RotateKeyOnDemand', readOnly: false, permissions: onKey('kms:RotateKeyOnDemand'), resources: keyResource,
      async handle(ctx, input) {
        const key = await keyFor(ctx, input.KeyId, 'kms:RotateKeyOnDemand');
        refuseManaged(key, 'on-demand rotation');
        keys.usable(key);
        await keys.rotate(key.row, ctx.now, 'ON_DEMAND');
        return { KeyId: key.row.key_id };
      },
    }),
    defineOperation<kms.ScheduleKeyDeletionRequest, kms.ScheduleKeyDeletionResponse>({
      service: 'kms', name: 'ScheduleKeyDeletion', readOnly: false, permissions: onKey('kms:ScheduleKeyDeletion'), resources: keyResource,
      async handle(ctx, input) {
        const days = input.PendingWindowInDays ?? 30;
        if (days < 7 || days > 30) throw awsError('ValidationException', `PendingWindowInDays value ${days} is not in the range 7-30.`);
        const key = await keyFor(ctx, input.KeyId, 'kms:ScheduleKeyDeletion');
        if (key.row.key_manager === 'AWS') throw awsError('KMSInvalidStateException', `${key.arn} is an AWS managed key: it cannot be scheduled for deletion.`);
        notPendingDeletion(key);
        const deletionAt = ctx.now + days * DAY;
        await changeKey(ctx, key, { key_state: 'PendingDeletion', deletion_at: deletionAt, pending_window_days: days });
        return { KeyId: key.arn, DeletionDate: new Date(deletionAt), KeyState: 'PendingDeletion', PendingWindowInDays: days };
      },
    }),
    defineOperation<kms.CancelKeyDeletionRequest, kms.CancelKeyDeletionResponse>({
      service: 'kms', name: 'CancelKeyDeletion', readOnly: false, permissions: onKey('kms:CancelKeyDeletion'), resources: keyResource,
      async handle(ctx, input) {
        const key = await keyFor(ctx, input.KeyId, 'kms:CancelKeyDeletion');
        if (key.row.key_state !== 'PendingDeletion') throw awsError('KMSInvalidStateException', `${key.arn} is not pending deletion.`);
        // AWS leaves a key whose deletion was cancelled disabled.
        await changeKey(ctx, key, { key_state: 'Disabled', deletion_at: null, pending_window_days: null });
        return { KeyId: key.arn };
      },
    }),
    defineOperation<kms.TagResourceRequest, Record<string, never>>({
      service: 'kms', name: 'TagResource', readOnly: false, permissions: onKey('kms:TagResource'), resources: keyResource,
      async handle(ctx, input) {
        const key = await keyFor(ctx, input.KeyId, 'kms:TagResource');
        refuseManaged(key, 'tagging');
        notPendingDeletion(key);
        checkTags(input.Tags);
        const tags = new Map((JSON.parse(key.row.tags) as kms.Tag[]).map((t) => [t.TagKey, t.TagValue]));
        for (const t of input.Tags) tags.set(t.TagKey, t.TagValue);
        if (tags.size > 50) throw awsError('LimitExceededException', `A key can have at most 50 tags; ${key.arn} would have ${tags.size}.`);
        await changeKey(ctx, key, { tags: JSON.stringify([...tags].map(([TagKey, TagValue]) => ({ TagKey, TagValue }))) });
        return {};
      },
    }),
    defineOperation<kms.ListResourceTagsRequest, kms.ListResourceTagsResponse>({
      service: 'kms', name: 'ListResourceTags', readOnly: true, permissions: onKey('kms:ListResourceTags'), resources: keyResource,
      async handle(ctx, input) {
        const key = await keyFor(ctx, input.KeyId, 'kms:ListResourceTags');
        const tags = JSON.parse(key.row.tags) as kms.Tag[];
        const start = Number(decodeMarker(input.Marker) ?? 0);
        const limit = input.Limit ?? 50;
        const page = tags.slice(start, start + limit);
        const truncated = start + limit < tags.length;
        return { Tags: page, Truncated: truncated, ...(truncated ? { NextMarker: encodeMarker(String(start + limit)) } : {}) };
      },
    }),
  ];
}

function checkTags(tags: readonly kms.Tag[] | undefined): void {
  for (const tag of tags ?? []) {
    if (tag.TagKey.startsWith('aws:')) throw awsError('TagException', `Tag keys beginning with 'aws:' are reserved: ${tag.TagKey}`);
  }
}

function encodeMarker(value: string): string {
  return Buffer.from(value, 'utf8').toString('base64url');
}

function decodeMarker(marker: string | undefined): string | undefined {
  return marker === undefined ? undefined : Buffer.from(marker, 'base64url').toString('utf8');
}
