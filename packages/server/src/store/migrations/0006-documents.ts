import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * SSM documents: one row per document (its default version and version counter), one per
 * version (the content exactly as given, so its SHA-256 hash stays true), and one per account
 * a document is shared with ('all' for public). Built-in documents are not stored: they are
 * data in @bosun/documents.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('documents')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('document_type', 'text', (c) => c.notNull())
    .addColumn('default_version', 'integer', (c) => c.notNull())
    /** The highest version number ever given: numbers of deleted versions are not reused. */
    .addColumn('version_counter', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    /** [{Key, Value}] as JSON */
    .addColumn('tags', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('documents_pk', ['account_id', 'name'])
    .execute();

  await db.schema
    .createTable('document_versions')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('document_version', 'integer', (c) => c.notNull())
    .addColumn('version_name', 'text')
    .addColumn('display_name', 'text')
    .addColumn('content', 'text', (c) => c.notNull())
    /** JSON or YAML, as given. */
    .addColumn('document_format', 'text', (c) => c.notNull())
    /** SHA-256 of content, hex. */
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('schema_version', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('target_type', 'text')
    /** JSON ["Linux", …] */
    .addColumn('platform_types', 'text', (c) => c.notNull())
    /** JSON [{Name, Type, Description, DefaultValue}] as DescribeDocument returns them. */
    .addColumn('parameters', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('document_versions_pk', ['account_id', 'name', 'document_version'])
    .execute();
  // A version name names one version of a document (NULLs are distinct on both engines).
  await db.schema.createIndex('document_versions_version_name').unique().on('document_versions').columns(['account_id', 'name', 'version_name']).execute();

  await db.schema
    .createTable('document_permissions')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    /** A 12-digit account id, or 'all' for public. */
    .addColumn('shared_with', 'text', (c) => c.notNull())
    /** $DEFAULT, $LATEST or $ALL */
    .addColumn('shared_version', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('document_permissions_pk', ['account_id', 'name', 'shared_with'])
    .execute();
  await db.schema.createIndex('document_permissions_shared_with').on('document_permissions').columns(['shared_with']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('document_permissions').execute();
  await db.schema.dropTable('document_versions').execute();
  await db.schema.dropTable('documents').execute();
}
