import { awsError, formatArn, parseArn } from '@bosun/protocol';
import { DocumentParameterError, documentHash, documentPlatformTypes, findBuiltinDocument, parseDocument, resolveParameters, type ParsedDocument } from '@bosun/documents';
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

/** The service's built-in documents only (AWS-RunShellScript…), found by name or ARN. */
export const builtinDocumentSource: DocumentSource = async (_db, input) => {
  const name = parseArn(input.nameOrArn)?.resource.replace(/^document\//, '') ?? input.nameOrArn;
  const builtin = findBuiltinDocument(name);
  if (!builtin) throw awsError('InvalidParameters', `Document ${input.nameOrArn} was not found.`);
  if (input.documentVersion !== undefined && !['1', '$DEFAULT', '$LATEST'].includes(input.documentVersion)) {
    throw awsError('InvalidParameters', `Document ${name} has no version ${input.documentVersion}.`);
  }
  return commandDocument({
    name, arn: formatArn({ service: 'ssm', region: input.region, accountId: '', resource: `document/${name}` }), ownerAccountId: '', documentVersion: '1',
    documentType: builtin.documentType, content: builtin.content, contentJson: builtin.content, hash: documentHash(builtin.content),
    parsed: parseDocument(builtin.content, 'JSON', 'Command'),
  });
};
