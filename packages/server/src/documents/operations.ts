import { awsError, type Scope, type ssm } from '@bosun/protocol';
import {
  convertDocumentContent,
  DocumentContentError,
  findBuiltinDocument,
  parseDocument,
  SCHEMA_VERSIONS,
  type DocumentFormat,
  type ParsedDocument,
} from '@bosun/documents';
import { defineOperation, type CallContext, type Operation, type Permission } from '../api/operation.ts';
import type { AuditResource } from '../audit/record.ts';
import { page } from '../nodes/paging.ts';
import { getSettingRow } from '../settings/settings-store.ts';
import type { Db } from '../store/store.ts';
import { AMAZON_OWNER, checkNewDocumentName, documentArn, documentNotFound, parseDocumentReference } from './document-names.ts';
import {
  builtinDocuments,
  countDocuments,
  countPublicDocuments,
  deleteDocumentRows,
  deleteVersionRow,
  findDocument,
  findShare,
  getDocumentRow,
  getPermissions,
  getVersionHashes,
  getVersionRow,
  insertDocument,
  insertVersion,
  listOwnDocuments,
  listSharedDocuments,
  modifyPermissions,
  selectVersion,
  setDefaultVersion,
  versionRow,
  type DocumentRow,
  type FoundDocument,
  type ListedDocument,
  type VersionInfo,
} from './document-store.ts';
import { matchesFilters, ownerScopes, parseListFilters } from './list-filters.ts';

export interface DocumentDeps {
  readonly db: Db;
}

/** AWS's quotas for documents. */
export const DOCUMENT_LIMITS = {
  /** Content size, bytes (MaxDocumentSizeExceeded). */
  maxContentBytes: 64 * 1024,
  /** Documents an account owns (DocumentLimitExceeded). */
  maxDocuments: 500,
  /** Versions of one document (DocumentVersionLimitExceeded). */
  maxVersions: 1000,
  /** Accounts one document is shared with (DocumentPermissionLimit). */
  maxSharedAccounts: 1000,
  /** Public documents an account may have (DocumentLimitExceeded). */
  maxPublicDocuments: 5,
} as const;

const PUBLIC_SHARING_SETTING = '/ssm/documents/console/public-sharing-permission';

/** The ten document operations of the SSM API: create, read, version, list, share, delete. */
export function documentOperations(deps: DocumentDeps): Operation[] {
  const { db } = deps;

  const ownArn = (ctx: CallContext, name: string) => documentArn(ctx.region, ctx.principal.accountId, name);

  /** The ARN a name or ARN stands for, as IAM checks it: a built-in has no account, an ARN keeps its own account and region. */
  function resourceArn(ctx: CallContext, nameOrArn: string): string {
    const ref = parseDocumentReference(nameOrArn);
    if (!ref) return nameOrArn;
    if (ref.ownerAccountId !== undefined) return documentArn(ref.region ?? ctx.region, ref.ownerAccountId, ref.name);
    if (findBuiltinDocument(ref.name)) return documentArn(ctx.region, '', ref.name);
    return ownArn(ctx, ref.name);
  }
  /**
   * The action on the document's ARN as IAM sees it: for the caller's own document, its tags as
   * `aws:ResourceTag/…` and `ssm:resourceTag/…`; for another account's document (by ARN), the
   * grant its share gives the caller's account, if any.
   */
  const onDocument = (action: string) => async (ctx: CallContext, input: { Name: string }): Promise<Permission[]> => {
    const resource = resourceArn(ctx, input.Name);
    const ref = parseDocumentReference(input.Name);
    // A document of another region is not found when the call runs; IAM sees no tags or grant for it.
    if (!ref || (ref.region !== undefined && ref.region !== ctx.region)) return [{ action, resource }];
    const owner = ref.ownerAccountId ?? (findBuiltinDocument(ref.name) ? '' : ctx.principal.accountId);
    if (owner === ctx.principal.accountId) {
      const row = await getDocumentRow(db, ctx.scope, ref.name);
      const tags = row ? (JSON.parse(row.tags) as ssm.Tag[]) : [];
      if (tags.length === 0) return [{ action, resource }];
      const conditions: Record<string, string> = {};
      for (const tag of tags) {
        conditions[`aws:ResourceTag/${tag.Key}`] = tag.Value;
        conditions[`ssm:resourceTag/${tag.Key}`] = tag.Value;
      }
      return [{ action, resource, conditions }];
    }
    const ownerScope: Scope = { accountId: owner, region: ctx.region };
    const granted = owner !== '' && (await findShare(db, ownerScope, ref.name, ctx.principal.accountId)) !== undefined;
    return [{ action, resource, ...(granted ? { grantedToCaller: true } : {}) }];
  };
  const documentResource = (ctx: CallContext, input: { Name: string }): AuditResource[] => {
    const ref = parseDocumentReference(input.Name);
    return [{ type: 'AWS::SSM::Document', name: ref?.name ?? input.Name, arn: resourceArn(ctx, input.Name) }];
  };

  function contentError(error: unknown): unknown {
    if (error instanceof DocumentContentError) return awsError(error.code, error.message);
    return error;
  }

  function parseContent(content: string, format: DocumentFormat, documentType: string): ParsedDocument {
    if (Buffer.byteLength(content, 'utf8') > DOCUMENT_LIMITS.maxContentBytes) {
      throw awsError('MaxDocumentSizeExceeded', `The content of the document exceeds the maximum size of ${DOCUMENT_LIMITS.maxContentBytes / 1024} KB.`);
    }
    try {
      return parseDocument(content, format, documentType);
    } catch (error) {
      throw contentError(error);
    }
  }

  const ownerOf = (ownerAccountId: string) => (ownerAccountId === '' ? AMAZON_OWNER : ownerAccountId);
  const tagsOf = (doc: DocumentRow) => JSON.parse(doc.tags) as ssm.Tag[];
  const latestOf = (versions: readonly VersionInfo[]) => versions[versions.length - 1];

  function description(ctx: CallContext, found: { ownerAccountId: string; doc: DocumentRow; latest: VersionInfo }, version: VersionInfo): ssm.DocumentDescription {
    const { doc } = found;
    return {
      Hash: version.hash,
      HashType: 'Sha256',
      Name: doc.name,
      ...(version.display_name ? { DisplayName: version.display_name } : {}),
      ...(version.version_name ? { VersionName: version.version_name } : {}),
      Owner: ownerOf(found.ownerAccountId),
      CreatedDate: new Date(version.created_at),
      Status: 'Active',
      DocumentVersion: String(version.document_version),
      ...(version.description ? { Description: version.description } : {}),
      Parameters: JSON.parse(version.parameters) as ssm.DocumentParameter[],
      PlatformTypes: JSON.parse(version.platform_types) as ssm.PlatformType[],
      DocumentType: doc.document_type as ssm.DocumentType,
      SchemaVersion: version.schema_version,
      LatestVersion: String(found.latest.document_version),
      DefaultVersion: String(doc.default_version),
      DocumentFormat: version.document_format as ssm.DocumentFormat,
      ...(version.target_type ? { TargetType: version.target_type } : {}),
      // Only the owner sees a document's tags.
      Tags: found.ownerAccountId === ctx.principal.accountId ? tagsOf(doc) : [],
    };
  }

  /** One of the caller's own documents, by name; built-ins and other accounts' documents can't be changed. */
  async function ownDocument(ctx: CallContext, name: string, refusal: string): Promise<FoundDocument> {
    if (findBuiltinDocument(name)) throw awsError('InvalidDocumentOperation', refusal);
    const found = await findDocument(db, { scope: ctx.scope, nameOrArn: name });
    if (found.ownerAccountId !== ctx.principal.accountId) throw documentNotFound();
    return found;
  }

  function identifier(item: ListedDocument, ctx: CallContext): ssm.DocumentIdentifier {
    const { doc, version } = item;
    const own = doc.account_id === ctx.principal.accountId;
    const builtin = doc.account_id === '';
    return {
      // Another account's document is used by its ARN, so it is listed by its ARN.
      Name: own || builtin ? doc.name : documentArn(doc.region, doc.account_id, doc.name),
      CreatedDate: new Date(version.created_at),
      ...(version.display_name ? { DisplayName: version.display_name } : {}),
      Owner: ownerOf(doc.account_id),
      ...(version.version_name ? { VersionName: version.version_name } : {}),
      PlatformTypes: JSON.parse(version.platform_types) as ssm.PlatformType[],
      DocumentVersion: String(version.document_version),
      DocumentType: doc.document_type as ssm.DocumentType,
      SchemaVersion: version.schema_version,
      DocumentFormat: version.document_format as ssm.DocumentFormat,
      ...(version.target_type ? { TargetType: version.target_type } : {}),
      Tags: own ? tagsOf(doc) : [],
    };
  }

  return [
    defineOperation<ssm.CreateDocumentRequest, ssm.CreateDocumentResult>({
      service: 'ssm',
      name: 'CreateDocument',
      readOnly: false,
      permissions: (ctx, input) => [{
        action: 'ssm:CreateDocument',
        resource: ownArn(ctx, input.Name),
        conditions: {
          ...Object.fromEntries((input.Tags ?? []).map((t) => [`aws:RequestTag/${t.Key}`, t.Value])),
          ...(input.Tags ? { 'aws:TagKeys': input.Tags.map((t) => t.Key) } : {}),
        },
      }],
      resources: (ctx, input) => [{ type: 'AWS::SSM::Document', name: input.Name, arn: ownArn(ctx, input.Name) }],
      async handle(ctx, input) {
        checkNewDocumentName(input.Name);
        const documentType = input.DocumentType ?? 'Command';
        if (!SCHEMA_VERSIONS[documentType]) {
          throw awsError('ValidationException', `DocumentType ${documentType} is not supported yet; Bosun stores Command and Automation documents.`);
        }
        if (input.Attachments?.length || input.Requires?.length) {
          throw awsError('ValidationException', 'Attachments and Requires are not supported yet: Bosun stores Command and Automation documents without attachments.');
        }
        const format = input.DocumentFormat ?? 'JSON';
        const parsed = parseContent(input.Content, format, documentType);
        const accountId = ctx.principal.accountId;
        if ((await countDocuments(db, ctx.scope)) >= DOCUMENT_LIMITS.maxDocuments) {
          throw awsError('DocumentLimitExceeded', `You have reached the maximum of ${DOCUMENT_LIMITS.maxDocuments} documents. Delete documents you no longer need and try again.`);
        }
        const tags = JSON.stringify((input.Tags ?? []).map((t) => ({ Key: t.Key, Value: t.Value })));
        const doc: DocumentRow = {
          account_id: accountId, region: ctx.region, name: input.Name, document_type: documentType, default_version: 1, version_counter: 1, created_at: ctx.now, tags,
        };
        const version = versionRow({
          scope: ctx.scope, name: input.Name, version: 1, versionName: input.VersionName ?? null, content: input.Content, format, documentType, parsed,
          targetType: input.TargetType ?? null, displayName: input.DisplayName ?? null, now: ctx.now,
        });
        if (!(await insertDocument(db, doc, version))) throw awsError('DocumentAlreadyExists', 'The specified document already exists.');
        return { DocumentDescription: description(ctx, { ownerAccountId: accountId, doc, latest: version }, version) };
      },
    }),

    defineOperation<ssm.GetDocumentRequest, ssm.GetDocumentResult>({
      service: 'ssm',
      name: 'GetDocument',
      readOnly: true,
      permissions: onDocument('ssm:GetDocument'),
      resources: documentResource,
      async handle(ctx, input) {
        const found = await findDocument(db, { scope: ctx.scope, nameOrArn: input.Name });
        const info = selectVersion(found, { documentVersion: input.DocumentVersion, versionName: input.VersionName });
        const row = await getVersionRow(db, found.owner, found.doc.name, info.document_version);
        if (!row) throw documentNotFound();
        const format = (input.DocumentFormat ?? row.document_format) as DocumentFormat;
        let content: string;
        try {
          content = convertDocumentContent(row.content, row.document_format as DocumentFormat, format);
        } catch (error) {
          if (error instanceof DocumentContentError) throw awsError('ValidationException', error.message);
          throw error;
        }
        return {
          Name: found.doc.name,
          CreatedDate: new Date(row.created_at),
          ...(row.display_name ? { DisplayName: row.display_name } : {}),
          ...(row.version_name ? { VersionName: row.version_name } : {}),
          DocumentVersion: String(row.document_version),
          Status: 'Active',
          Content: content,
          DocumentType: found.doc.document_type as ssm.DocumentType,
          DocumentFormat: format,
        };
      },
    }),

    defineOperation<ssm.DescribeDocumentRequest, ssm.DescribeDocumentResult>({
      service: 'ssm',
      name: 'DescribeDocument',
      readOnly: true,
      permissions: onDocument('ssm:DescribeDocument'),
      resources: documentResource,
      async handle(ctx, input) {
        const found = await findDocument(db, { scope: ctx.scope, nameOrArn: input.Name });
        const version = selectVersion(found, { documentVersion: input.DocumentVersion, versionName: input.VersionName });
        return { Document: description(ctx, { ...found, latest: latestOf(found.versions) }, version) };
      },
    }),

    defineOperation<ssm.UpdateDocumentRequest, ssm.UpdateDocumentResult>({
      service: 'ssm',
      name: 'UpdateDocument',
      readOnly: false,
      permissions: onDocument('ssm:UpdateDocument'),
      resources: documentResource,
      async handle(ctx, input) {
        if (input.Attachments?.length) throw awsError('ValidationException', 'Attachments are not supported yet.');
        const found = await ownDocument(ctx, input.Name, `You can't update ${input.Name}: documents that AWS owns can't be changed.`);
        const latest = latestOf(found.versions);
        if (input.DocumentVersion !== undefined && input.DocumentVersion !== '$LATEST' && input.DocumentVersion !== String(latest.document_version)) {
          throw awsError('InvalidDocumentVersion', 'The document version is not valid or does not exist.');
        }
        const format = input.DocumentFormat ?? 'JSON';
        const parsed = parseContent(input.Content, format, found.doc.document_type);
        const accountId = ctx.principal.accountId;
        const candidate = versionRow({
          scope: ctx.scope, name: found.doc.name, version: found.doc.version_counter + 1, versionName: input.VersionName ?? null, content: input.Content, format,
          documentType: found.doc.document_type, parsed, targetType: input.TargetType ?? latest.target_type, displayName: input.DisplayName ?? latest.display_name, now: ctx.now,
        });
        if ((await getVersionHashes(db, ctx.scope, found.doc.name)).includes(candidate.hash)) {
          throw awsError('DuplicateDocumentContent', 'The content of the association document matches another document. Change the content of the document and try again.');
        }
        if (input.VersionName !== undefined && found.versions.some((v) => v.version_name === input.VersionName)) {
          throw awsError('DuplicateDocumentVersionName', 'The specified version name is a duplicate.');
        }
        if (found.versions.length >= DOCUMENT_LIMITS.maxVersions) {
          throw awsError('DocumentVersionLimitExceeded', `The document has reached the maximum of ${DOCUMENT_LIMITS.maxVersions} versions. Delete versions you no longer need and try again.`);
        }
        const result = await insertVersion(db, candidate, found.doc.version_counter);
        if (result === 'gone') throw documentNotFound();
        if (result === 'duplicate-version-name') throw awsError('DuplicateDocumentVersionName', 'The specified version name is a duplicate.');
        if (result === 'conflict') throw awsError('TooManyUpdates', `Document ${found.doc.name} was updated by another call at the same time. Try again.`);
        const doc = { ...found.doc, version_counter: candidate.document_version };
        return { DocumentDescription: description(ctx, { ownerAccountId: accountId, doc, latest: candidate }, candidate) };
      },
    }),

    defineOperation<ssm.UpdateDocumentDefaultVersionRequest, ssm.UpdateDocumentDefaultVersionResult>({
      service: 'ssm',
      name: 'UpdateDocumentDefaultVersion',
      readOnly: false,
      permissions: onDocument('ssm:UpdateDocumentDefaultVersion'),
      resources: documentResource,
      async handle(ctx, input) {
        if (findBuiltinDocument(input.Name)) {
          throw awsError('InvalidDocument', `The default version of ${input.Name} can't be changed: documents that AWS owns can't be changed.`);
        }
        const found = await findDocument(db, { scope: ctx.scope, nameOrArn: input.Name });
        const version = found.versions.find((v) => String(v.document_version) === input.DocumentVersion);
        if (!version) throw awsError('InvalidDocumentVersion', 'The document version is not valid or does not exist.');
        if (!(await setDefaultVersion(db, ctx.scope, found.doc.name, version.document_version))) throw documentNotFound();
        return {
          Description: {
            Name: found.doc.name,
            DefaultVersion: String(version.document_version),
            ...(version.version_name ? { DefaultVersionName: version.version_name } : {}),
          },
        };
      },
    }),

    defineOperation<ssm.ListDocumentsRequest, ssm.ListDocumentsResult>({
      service: 'ssm',
      name: 'ListDocuments',
      readOnly: true,
      permissions: () => [{ action: 'ssm:ListDocuments', resource: '*' }],
      async handle(ctx, input) {
        const filters = parseListFilters(input);
        const scopes = ownerScopes(filters);
        const accountId = ctx.principal.accountId;
        const items = new Map<string, ListedDocument>();
        const add = (list: readonly ListedDocument[]) => {
          for (const item of list) items.set(`${item.doc.account_id}:${item.doc.name}`, item);
        };
        if (scopes.has('Amazon')) add(builtinDocuments(ctx.region).map((b) => ({ doc: b.doc, version: b.version })));
        if (scopes.has('Self')) add(await listOwnDocuments(db, ctx.scope));
        if (scopes.has('Private')) add(await listSharedDocuments(db, ctx.scope, 'private'));
        if (scopes.has('Public')) add(await listSharedDocuments(db, ctx.scope, 'public'));
        const listedItems = [...items.values()]
          .filter((item) => matchesFilters(item, filters, accountId))
          .map((item) => identifier(item, ctx))
          .sort((a, b) => (a.Name! < b.Name! ? -1 : a.Name! > b.Name! ? 1 : 0));
        const result = page(listedItems, (item) => item.Name!, { nextToken: input.NextToken, maxResults: input.MaxResults ?? 50 });
        return { DocumentIdentifiers: result.items, ...(result.nextToken ? { NextToken: result.nextToken } : {}) };
      },
    }),

    defineOperation<ssm.ListDocumentVersionsRequest, ssm.ListDocumentVersionsResult>({
      service: 'ssm',
      name: 'ListDocumentVersions',
      readOnly: true,
      permissions: onDocument('ssm:ListDocumentVersions'),
      resources: documentResource,
      async handle(ctx, input) {
        const found = await findDocument(db, { scope: ctx.scope, nameOrArn: input.Name });
        const versions: ssm.DocumentVersionInfo[] = found.versions.map((v) => ({
          Name: found.doc.name,
          ...(v.display_name ? { DisplayName: v.display_name } : {}),
          DocumentVersion: String(v.document_version),
          ...(v.version_name ? { VersionName: v.version_name } : {}),
          CreatedDate: new Date(v.created_at),
          IsDefaultVersion: v.document_version === found.doc.default_version,
          DocumentFormat: v.document_format as ssm.DocumentFormat,
          Status: 'Active',
        }));
        // Paged by version number, written so that text order is number order.
        const key = (v: ssm.DocumentVersionInfo) => v.DocumentVersion!.padStart(10, '0');
        const result = page(versions, key, { nextToken: input.NextToken, maxResults: input.MaxResults ?? 50 });
        return { DocumentVersions: result.items, ...(result.nextToken ? { NextToken: result.nextToken } : {}) };
      },
    }),

    defineOperation<ssm.DeleteDocumentRequest, ssm.DeleteDocumentResult>({
      service: 'ssm',
      name: 'DeleteDocument',
      readOnly: false,
      permissions: onDocument('ssm:DeleteDocument'),
      resources: documentResource,
      async handle(ctx, input) {
        const found = await ownDocument(ctx, input.Name, `You can't delete ${input.Name}: documents that AWS owns can't be deleted.`);
        if ((await getPermissions(db, ctx.scope, found.doc.name)).length > 0) {
          throw awsError('InvalidDocumentOperation', 'You attempted to delete a document while it is still shared. You must stop sharing the document before you can delete it.');
        }
        if (input.DocumentVersion === undefined && input.VersionName === undefined) {
          if (!(await deleteDocumentRows(db, ctx.scope, found.doc.name))) throw documentNotFound();
          return {};
        }
        const version = selectVersion(found, { documentVersion: input.DocumentVersion, versionName: input.VersionName });
        if (found.versions.length === 1) {
          await deleteDocumentRows(db, ctx.scope, found.doc.name);
          return {};
        }
        if (version.document_version === found.doc.default_version) {
          throw awsError('InvalidDocumentOperation', "Default version of the document can't be deleted.");
        }
        if (!(await deleteVersionRow(db, ctx.scope, found.doc.name, version.document_version))) {
          throw awsError('InvalidDocumentVersion', 'The document version is not valid or does not exist.');
        }
        return {};
      },
    }),

    defineOperation<ssm.ModifyDocumentPermissionRequest, ssm.ModifyDocumentPermissionResponse>({
      service: 'ssm',
      name: 'ModifyDocumentPermission',
      readOnly: false,
      permissions: onDocument('ssm:ModifyDocumentPermission'),
      resources: documentResource,
      async handle(ctx, input) {
        requireSharePermissionType(input.PermissionType);
        const found = await ownDocument(ctx, input.Name, `You can't share ${input.Name}: documents that AWS owns are already available to every account.`);
        const normalize = (ids: readonly string[] | undefined) => [...new Set((ids ?? []).map((id) => (id.toLowerCase() === 'all' ? 'all' : id)))];
        const add = normalize(input.AccountIdsToAdd);
        const remove = normalize(input.AccountIdsToRemove);
        for (const ids of [add, remove]) {
          if (ids.includes('all') && ids.length > 1) {
            throw awsError('DocumentPermissionLimit', 'Accounts can either be all or a group of AWS accounts');
          }
        }
        const accountId = ctx.principal.accountId;
        const current = await getPermissions(db, ctx.scope, found.doc.name);
        const after = new Set(current.map((p) => p.shared_with));
        for (const id of remove) after.delete(id);
        for (const id of add) after.add(id);
        const accounts = [...after].filter((id) => id !== 'all');
        if (accounts.length > DOCUMENT_LIMITS.maxSharedAccounts) {
          throw awsError('DocumentPermissionLimit', `The document can't be shared with more than ${DOCUMENT_LIMITS.maxSharedAccounts} accounts.`);
        }
        if (add.includes('all') && !current.some((p) => p.shared_with === 'all')) {
          const setting = await getSettingRow(db, ctx.scope, PUBLIC_SHARING_SETTING);
          if (setting?.setting_value === 'Disable') {
            throw awsError('InvalidPermissionType', `Public sharing of documents is turned off for this account (service setting ${PUBLIC_SHARING_SETTING} is Disable).`);
          }
          if ((await countPublicDocuments(db, ctx.scope)) >= DOCUMENT_LIMITS.maxPublicDocuments) {
            throw awsError('DocumentLimitExceeded', `You can share at most ${DOCUMENT_LIMITS.maxPublicDocuments} documents publicly.`);
          }
        }
        await modifyPermissions(db, ctx.scope, found.doc.name, {
          add: add.filter((id) => id !== accountId),
          remove,
          sharedVersion: input.SharedDocumentVersion ?? '$DEFAULT',
          now: ctx.now,
        });
        return {};
      },
    }),

    defineOperation<ssm.DescribeDocumentPermissionRequest, ssm.DescribeDocumentPermissionResponse>({
      service: 'ssm',
      name: 'DescribeDocumentPermission',
      readOnly: true,
      permissions: onDocument('ssm:DescribeDocumentPermission'),
      resources: documentResource,
      async handle(ctx, input) {
        requireSharePermissionType(input.PermissionType);
        const found = await ownDocument(ctx, input.Name, `${input.Name} is owned by AWS and available to every account; it has no permissions to describe.`);
        const permissions = await getPermissions(db, ctx.scope, found.doc.name);
        const result = page(permissions, (p) => `${String(p.created_at).padStart(15, '0')}:${p.shared_with}`, { nextToken: input.NextToken, maxResults: input.MaxResults ?? 200 });
        return {
          AccountIds: result.items.map((p) => p.shared_with),
          AccountSharingInfoList: result.items.map((p) => ({ AccountId: p.shared_with, SharedDocumentVersion: p.shared_version })),
          ...(result.nextToken ? { NextToken: result.nextToken } : {}),
        };
      },
    }),
  ];
}

/** `Share` is the only PermissionType of the document permission operations. */
function requireSharePermissionType(type: string | undefined): void {
  if (type !== 'Share') throw awsError('InvalidPermissionType', `PermissionType ${String(type)} is not valid; the only permission type is Share.`);
}
