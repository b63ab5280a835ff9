/**
 * The document engine, shared by the server and the agent: parse and validate documents, resolve
 * parameter values, find and substitute Parameter Store references, plan the steps a node runs,
 * mask secrets in output. Pure: no I/O (docs/documents.md).
 */
export type {
  AutomationParameterType,
  DocumentFormat,
  DocumentStep,
  ParameterDefinition,
  ParameterType,
  ParsedDocument,
  PlannedStep,
  PlatformType,
} from './types.ts';
export { DocumentContentError, DocumentParameterError } from './document-errors.ts';
export { parseDocument, SCHEMA_VERSIONS } from './parse-document.ts';
export { convertDocumentContent } from './content-format.ts';
export { documentHash } from './document-hash.ts';
export { resolveParameters, checkParameterValues } from './resolve-parameters.ts';
export { findParameterReferences, substituteReferences } from './references.ts';
export { planSteps, envVarName } from './plan-steps.ts';
export { documentPlatformTypes, PLATFORM_TYPES } from './preconditions.ts';
export { describeParameters } from './describe-parameters.ts';
export { maskSecrets } from './mask-secrets.ts';
export { BUILTIN_DOCUMENTS, findBuiltinDocument, type BuiltinDocument } from './builtin-documents.ts';
