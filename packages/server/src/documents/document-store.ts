/**
 * Store queries for documents, and the one resolution every caller uses: which document and
 * version a caller means by a name or ARN and a version selector, among its own documents,
 * the built-in ones and those other accounts share with it.
 *
 * Built-in documents are not rows: they come from @bosun/documents and are shaped here like
 * rows (owner account '', one version), so that every operation reads them the same way. They
 * exist in every region: a built-in read in a region is given that region.
 *
 * Documents live per account and region (scope); a share lets another account use a document
 * in the document's own region only.
 */
import { awsError, type Scope } from '@bosun/protocol';
import {
  BUILTIN_DOCUMENTS,
  describeParameters,
  documentHash,
  documentPlatformTypes,
  parseDocument,
  type DocumentFormat,
  type ParsedDocument,
} from '@bosun/documents';
import type { Db } from '../store/store.ts';
import type { DocumentPermissionsTable, DocumentsTable, DocumentVersionsTable } from '../store/schema.ts';
import { documentArn, documentNotFound, parseDocumentReference, versionNotFound } from './document-names.ts';

export type DocumentRow = DocumentsTable;
export type DocumentVersionRow = DocumentVersionsTable;
export type PermissionRow = DocumentPermissionsTable;
/** A version without its content: what listings and version selection read. */
export type VersionInfo = Omit<DocumentVersionRow, 'content'>;

/** Built-in documents are dated from Bosun's first release that had them. */
export const BUILTIN_CREATED_AT = Date.parse('2026-01-01T00:00:00Z');

interface Builtin {
  doc: DocumentRow;
  version: DocumentVersionRow;
}

/** Built-ins are made once with no region; `inRegion` gives each read the caller's. */
const builtins: ReadonlyMap<string, Builtin> = new Map(BUILTIN_DOCUMENTS.map((builtin) => {
  const parsed = parseDocument(builtin.content, builtin.documentFormat, builtin.documentType);
  return [builtin.name, {
    doc: { account_id: '', region: '', name: builtin.name, document_type: builtin.documentType, default_version: 1, version_counter: 1, created_at: BUILTIN_CREATED_AT, tags: '[]' },
    version: versionRow({
      scope: { accountId: '', region: '' }, name: builtin.name, version: 1, versionName: null, content: builtin.content, format: builtin.documentFormat,
      documentType: builtin.documentType, parsed, targetType: null, now: BUILTIN_CREATED_AT,
    }),
  }];
}));

function inRegion<T extends { region: string }>(row: T, region: string): T {
  return { ...row, region };
}

/** The built-in documents as they are in `region`. */
export function builtinDocuments(region: string): Builtin[] {
  return [...builtins.values()].map((b) => ({ doc: inRegion(b.doc, region), version: inRegion(b.version, region) }));
}

/** A version row for new content: the hash, platforms and parameter list computed once, at write time. */
export function versionRow(input: {
  scope: Scope; name: string; version: number; versionName: string | null; content: string; format: DocumentFormat;
  documentType: string; parsed: ParsedDocument; targetType: string | null; displayName?: string | null; now: number;
}): DocumentVersionRow {
  return {
    account_id: input.scope.accountId,
    region: input.scope.region,
    name: input.name,
    document_version: input.version,
    version_name: input.versionName,
    display_name: input.displayName ?? null,
    content: input.content,
    document_format: input.format,
    hash: documentHash(input.content),
    schema_version: input.parsed.schemaVersion,
    description: input.parsed.description ?? null,
    target_type: input.targetType,
    platform_types: JSON.stringify(documentPlatformTypes(input.parsed, input.documentType)),
    parameters: JSON.stringify(describeParameters(input.parsed)),
    created_at: input.now,
  };
}

const infoColumns = [
  'account_id', 'region', 'name', 'document_version', 'version_name', 'display_name', 'document_format', 'hash', 'schema_version',
  'description', 'target_type', 'platform_types', 'parameters', 'created_at',
] as const;

function withoutContent(row: DocumentVersionRow): VersionInfo {
  const info: Partial<DocumentVersionRow> = { ...row };
  delete info.content;
  return info as VersionInfo;
}

function normalizeDoc(row: DocumentRow): DocumentRow {
  // PostgreSQL returns bigint as text.
  return { ...row, created_at: Number(row.created_at), default_version: Number(row.default_version), version_counter: Number(row.version_counter) };
}

function normalizeVersion<T extends VersionInfo>(row: T): T {
  return { ...row, created_at: Number(row.created_at), document_version: Number(row.document_version) };
}

/** A document of `scope` (account '' for a built-in) by name. */
export async function getDocumentRow(db: Db, scope: Scope, name: string): Promise<DocumentRow | undefined> {
  if (scope.accountId === '') {
    const builtin = builtins.get(name);
    return builtin && inRegion(builtin.doc, scope.region);
  }
  const row = await db.selectFrom('documents').selectAll()
    .where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('name', '=', name).executeTakeFirst();
  return row && normalizeDoc(row);
}

/** Every version of a document, oldest first, without content. */
export async function getVersionInfos(db: Db, scope: Scope, name: string): Promise<VersionInfo[]> {
  if (scope.accountId === '') {
    const builtin = builtins.get(name);
    return builtin ? [withoutContent(inRegion(builtin.version, scope.region))] : [];
  }
  const rows = await db.selectFrom('document_versions').select(infoColumns)
    .where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('name', '=', name).orderBy('document_version').execute();
  return rows.map(normalizeVersion);
}

export async function getVersionRow(db: Db, scope: Scope, name: string, version: number): Promise<DocumentVersionRow | undefined> {
  if (scope.accountId === '') {
    const builtin = builtins.get(name);
    return builtin && builtin.version.document_version === version ? inRegion(builtin.version, scope.region) : undefined;
  }
  const row = await db.selectFrom('document_versions').selectAll()
    .where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('name', '=', name).where('document_version', '=', version)
    .executeTakeFirst();
  return row && normalizeVersion(row);
}

/** The content hashes of every version of a document (DuplicateDocumentContent compares them). */
export async function getVersionHashes(db: Db, scope: Scope, name: string): Promise<string[]> {
  const rows = await db.selectFrom('document_versions').select('hash')
    .where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('name', '=', name).execute();
  return rows.map((row) => row.hash);
}

/** Documents the account owns in the region (AWS's quota is per account and region). */
export async function countDocuments(db: Db, scope: Scope): Promise<number> {
  const row = await db.selectFrom('documents').select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('account_id', '=', scope.accountId).where('region', '=', scope.region).executeTakeFirst();
  return Number(row?.n ?? 0);
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string })?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/** Creates a document with its first version; false when the name is taken. */
export async function insertDocument(db: Db, doc: DocumentRow, version: DocumentVersionRow): Promise<boolean> {
  try {
    await db.transaction().execute(async (tx) => {
      await tx.insertInto('documents').values(doc).execute();
      await tx.insertInto('document_versions').values(version).execute();
    });
    return true;
  } catch (error) {
    if (isUniqueViolation(error)) return false;
    throw error;
  }
}

export type AddVersionResult = 'added' | 'gone' | 'conflict' | 'duplicate-version-name';

/**
 * Adds a version numbered `version.document_version`, which must be one more than the counter
 * the caller read (`previousCounter`): a concurrent update makes this 'conflict'.
 */
export async function insertVersion(db: Db, version: DocumentVersionRow, previousCounter: number): Promise<AddVersionResult> {
  try {
    return await db.transaction().execute(async (tx) => {
      const updated = await tx.updateTable('documents').set({ version_counter: version.document_version })
        .where('account_id', '=', version.account_id).where('region', '=', version.region).where('name', '=', version.name)
        .where('version_counter', '=', previousCounter)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) {
        const exists = await tx.selectFrom('documents').select('name')
          .where('account_id', '=', version.account_id).where('region', '=', version.region).where('name', '=', version.name).executeTakeFirst();
        return exists ? 'conflict' : 'gone';
      }
      await tx.insertInto('document_versions').values(version).execute();
      return 'added';
    });
  } catch (error) {
    if (isUniqueViolation(error)) return version.version_name === null ? 'conflict' : 'duplicate-version-name';
    throw error;
  }
}

export async function setDefaultVersion(db: Db, scope: Scope, name: string, version: number): Promise<boolean> {
  const updated = await db.updateTable('documents').set({ default_version: version })
    .where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('name', '=', name).executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
}

/** Deletes a document, its versions and its permissions. */
export async function deleteDocumentRows(db: Db, scope: Scope, name: string): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    await tx.deleteFrom('document_permissions').where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('name', '=', name).execute();
    await tx.deleteFrom('document_versions').where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('name', '=', name).execute();
    const deleted = await tx.deleteFrom('documents').where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('name', '=', name)
      .executeTakeFirst();
    return Number(deleted.numDeletedRows) === 1;
  });
}

/** Deletes one version (never the default: the caller checks, and the default is re-checked here). */
export async function deleteVersionRow(db: Db, scope: Scope, name: string, version: number): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const doc = await tx.selectFrom('documents').select('default_version')
      .where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('name', '=', name).executeTakeFirst();
    if (!doc || Number(doc.default_version) === version) return false;
    const deleted = await tx.deleteFrom('document_versions')
      .where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('name', '=', name).where('document_version', '=', version)
      .executeTakeFirst();
    return Number(deleted.numDeletedRows) === 1;
  });
}

export async function setDocumentTags(db: Db, scope: Scope, name: string, tags: string): Promise<void> {
  await db.updateTable('documents').set({ tags }).where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('name', '=', name).execute();
}

/** A document with its default version, for listings. */
export interface ListedDocument {
  doc: DocumentRow;
  version: VersionInfo;
}

function listed(row: DocumentRow & VersionInfo): ListedDocument {
  const doc: DocumentRow = { account_id: row.account_id, region: row.region, name: row.name, document_type: row.document_type, default_version: row.default_version, version_counter: row.version_counter, created_at: row.created_at, tags: row.tags };
  const version: VersionInfo = {
    account_id: row.account_id, region: row.region, name: row.name, document_version: row.document_version, version_name: row.version_name, display_name: row.display_name, document_format: row.document_format,
    hash: row.hash, schema_version: row.schema_version, description: row.description, target_type: row.target_type, platform_types: row.platform_types,
    parameters: row.parameters, created_at: row.created_at,
  };
  return { doc: normalizeDoc(doc), version: normalizeVersion(version) };
}

function defaultVersionsQuery(db: Db) {
  return db.selectFrom('documents as d')
    .innerJoin('document_versions as v', (join) => join
      .onRef('v.account_id', '=', 'd.account_id').onRef('v.region', '=', 'd.region').onRef('v.name', '=', 'd.name')
      .onRef('v.document_version', '=', 'd.default_version'))
    .select([
      'd.account_id', 'd.region', 'd.name', 'd.document_type', 'd.default_version', 'd.version_counter', 'd.tags',
      'v.document_version', 'v.version_name', 'v.display_name', 'v.document_format', 'v.hash', 'v.schema_version', 'v.description', 'v.target_type',
      'v.platform_types', 'v.parameters', 'v.created_at',
    ]);
}

/** The account's own documents in the region with their default versions, by name. */
export async function listOwnDocuments(db: Db, scope: Scope): Promise<ListedDocument[]> {
  const rows = await defaultVersionsQuery(db).where('d.account_id', '=', scope.accountId).where('d.region', '=', scope.region).orderBy('d.name').execute();
  return rows.map((row) => listed(row as DocumentRow & VersionInfo));
}

/** Documents of other accounts in the region shared with this account ('private') or with everyone ('public'). */
export async function listSharedDocuments(db: Db, scope: Scope, audience: 'private' | 'public'): Promise<ListedDocument[]> {
  const rows = await defaultVersionsQuery(db)
    .innerJoin('document_permissions as p', (join) => join.onRef('p.account_id', '=', 'd.account_id').onRef('p.region', '=', 'd.region').onRef('p.name', '=', 'd.name'))
    .where('p.shared_with', '=', audience === 'public' ? 'all' : scope.accountId)
    .where('d.region', '=', scope.region)
    .where('d.account_id', '!=', scope.accountId)
    .orderBy('d.account_id').orderBy('d.name')
    .execute();
  return rows.map((row) => listed(row as DocumentRow & VersionInfo));
}

export async function getPermissions(db: Db, scope: Scope, name: string): Promise<PermissionRow[]> {
  const rows = await db.selectFrom('document_permissions').selectAll()
    .where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('name', '=', name).orderBy('created_at').orderBy('shared_with').execute();
  return rows.map((row) => ({ ...row, created_at: Number(row.created_at) }));
}

/** The share that lets `readerAccountId` use another account's document (of `owner`): its own, or the public one. */
export async function findShare(db: Db, owner: Scope, name: string, readerAccountId: string): Promise<PermissionRow | undefined> {
  const rows = await db.selectFrom('document_permissions').selectAll()
    .where('account_id', '=', owner.accountId).where('region', '=', owner.region).where('name', '=', name)
    .where('shared_with', 'in', [readerAccountId, 'all']).execute();
  // A share with the account itself wins over the public one (its version setting is the specific one).
  return rows.find((row) => row.shared_with === readerAccountId) ?? rows[0];
}

export async function countPublicDocuments(db: Db, scope: Scope): Promise<number> {
  const row = await db.selectFrom('document_permissions').select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('shared_with', '=', 'all').executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Adds and removes shares in one transaction; adding an existing share updates its version. */
export async function modifyPermissions(
  db: Db, scope: Scope, name: string,
  change: { add: readonly string[]; remove: readonly string[]; sharedVersion: string; now: number },
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    if (change.remove.length > 0) {
      await tx.deleteFrom('document_permissions')
        .where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('name', '=', name).where('shared_with', 'in', [...change.remove])
        .execute();
    }
    for (const sharedWith of change.add) {
      await tx.insertInto('document_permissions')
        .values({ account_id: scope.accountId, region: scope.region, name, shared_with: sharedWith, shared_version: change.sharedVersion, created_at: change.now })
        .onConflict((oc) => oc.columns(['account_id', 'region', 'name', 'shared_with']).doUpdateSet({ shared_version: change.sharedVersion }))
        .execute();
    }
  });
}

/** A document a caller may read, with the share that lets it when another account owns it. */
export interface FoundDocument {
  /** '' for a built-in document. */
  readonly ownerAccountId: string;
  /** Where the document's rows are: its owner (account '' for a built-in) in the caller's region. */
  readonly owner: Scope;
  readonly doc: DocumentRow;
  readonly versions: VersionInfo[];
  /** Set when the document belongs to another account and is shared with the caller. */
  readonly share?: PermissionRow;
}

/**
 * The document a caller means, in the caller's region: a plain name is one of its own documents
 * or a built-in; another account's document is reached only by its ARN, and only when shared
 * with the caller or with everyone. An ARN of another region names nothing here. Throws
 * InvalidDocument otherwise.
 */
export async function findDocument(db: Db, input: { scope: Scope; nameOrArn: string }): Promise<FoundDocument> {
  const { scope } = input;
  const ref = parseDocumentReference(input.nameOrArn);
  if (!ref || (ref.region !== undefined && ref.region !== scope.region)) throw documentNotFound();
  const ownerAccountId = ref.ownerAccountId ?? (builtins.has(ref.name) ? '' : scope.accountId);
  const owner: Scope = { accountId: ownerAccountId, region: scope.region };
  const doc = await getDocumentRow(db, owner, ref.name);
  if (!doc) throw documentNotFound();
  let share: PermissionRow | undefined;
  if (ownerAccountId !== '' && ownerAccountId !== scope.accountId) {
    share = await findShare(db, owner, ref.name, scope.accountId);
    if (!share) throw documentNotFound();
  }
  const versions = await getVersionInfos(db, owner, ref.name);
  if (versions.length === 0) throw documentNotFound();
  return { ownerAccountId, owner, doc, versions, share };
}

/**
 * The version a selector names: '$DEFAULT' (also when absent), '$LATEST', a number, or a
 * version name (both given must agree). For a shared document, only the versions the share
 * allows. Throws InvalidDocumentVersion.
 */
export function selectVersion(found: FoundDocument, selector: { documentVersion?: string; versionName?: string }): VersionInfo {
  const { doc, versions } = found;
  const latest = versions[versions.length - 1];
  const byNumber = (n: number) => versions.find((v) => v.document_version === n);
  let chosen: VersionInfo | undefined;
  const requested = selector.documentVersion;
  if (requested === undefined || requested === '$DEFAULT') {
    chosen = selector.versionName !== undefined ? versions.find((v) => v.version_name === selector.versionName) : byNumber(doc.default_version);
    if (requested === '$DEFAULT' && selector.versionName !== undefined && chosen?.document_version !== doc.default_version) chosen = undefined;
  } else if (requested === '$LATEST') {
    chosen = latest;
  } else if (/^[1-9][0-9]*$/.test(requested)) {
    chosen = byNumber(Number(requested));
  }
  if (chosen && requested !== undefined && selector.versionName !== undefined && chosen.version_name !== selector.versionName) chosen = undefined;
  if (!chosen) throw versionNotFound();
  if (found.share) {
    const allowed = found.share.shared_version;
    if ((allowed === '$DEFAULT' && chosen.document_version !== doc.default_version) || (allowed === '$LATEST' && chosen !== latest)) {
      throw versionNotFound();
    }
  }
  return chosen;
}

/** What Run Command (and later State Manager, Automation) needs of the document it runs. */
export interface DocumentForUse {
  name: string;
  arn: string;
  /** '' for Amazon's built-in documents. */
  ownerAccountId: string;
  documentVersion: string;
  documentType: string;
  documentFormat: string;
  content: string;
  hash: string;
  parsed: ParsedDocument;
}

/**
 * Finds the document version a caller may use (own, built-in, or shared with its account or
 * with All), by name or ARN; version '$DEFAULT' (when absent), '$LATEST', a number, or
 * versionName. Throws awsError InvalidDocument / InvalidDocumentVersion in AWS's wording.
 */
export async function resolveDocumentForUse(
  db: Db,
  input: { scope: Scope; nameOrArn: string; documentVersion?: string; versionName?: string },
): Promise<DocumentForUse> {
  const found = await findDocument(db, input);
  const info = selectVersion(found, input);
  const version = await getVersionRow(db, found.owner, found.doc.name, info.document_version);
  if (!version) throw versionNotFound();
  let parsed: ParsedDocument;
  try {
    parsed = parseDocument(version.content, version.document_format as DocumentFormat, found.doc.document_type);
  } catch (error) {
    // Stored content was valid when written; a stricter engine since then makes it unusable, not a server fault.
    throw awsError('InvalidDocumentContent', `Document ${found.doc.name} version ${version.document_version} can't be used: ${(error as Error).message}`);
  }
  return {
    name: found.doc.name,
    arn: documentArn(found.owner.region, found.ownerAccountId, found.doc.name),
    ownerAccountId: found.ownerAccountId,
    documentVersion: String(version.document_version),
    documentType: found.doc.document_type,
    documentFormat: version.document_format,
    content: version.content,
    hash: version.hash,
    parsed,
  };
}
