import { awsError } from '@bosun/protocol';
import { convertDocumentContent, DocumentParameterError, documentPlatformTypes, resolveParameters, type DocumentFormat, type ParsedDocument } from '@bosun/documents';
import { resolveDocumentForUse } from '../documents/document-store.ts';
import type { CommandDocument, DocumentSource } from './document-source.ts';

/** A CommandDocument from a parsed document (the engine checks parameters, AWS's wording). */
export function commandDocument(input: { name: string; arn: string; ownerAccountId: string; documentVersion: string; documentType: string; content: string; contentJson: string; hash: string; parsed: ParsedDocument }): CommandDocument {
  const { parsed } = input;
  return {
    name: input.name,
    arn: input.arn,
    ownerAccountId: input.ownerAccountId,
    documentVersion: input.documentVersion,
    documentType: input.documentType,
    hash: input.hash,
    contentJson: input.contentJson,
    platformTypes: documentPlatformTypes(parsed, input.documentType),
    stepCount: parsed.steps.length,
    resolveParameters(supplied) {
      try {
        return resolveParameters(parsed, supplied as Record<string, readonly string[]> | undefined);
      } catch (error) {
        if (error instanceof DocumentParameterError) throw awsError('InvalidParameters', error.message);
        throw error;
      }
    },
  };
}

/**
 * Documents as the documents capability finds them for a caller: own, built-in (Amazon) or
 * shared with the caller's account, by name or ARN and version. YAML content is converted
 * to JSON for the nodes.
 */
export const storeDocumentSource: DocumentSource = async (db, input) => {
  const found = await resolveDocumentForUse(db, input);
  const contentJson = found.documentFormat === 'JSON' ? found.content : convertDocumentContent(found.content, found.documentFormat as DocumentFormat, 'JSON');
  return commandDocument({ ...found, contentJson });
};
