import type { Scope } from '@bosun/protocol';
import type { Db } from '../store/store.ts';

/**
 * What Run Command needs of a document: found for the caller (own, built-in or shared),
 * its content as JSON for the nodes, and its parameters checked. The documents capability
 * provides it (documents/document-store.ts `resolveDocumentForUse` and @bosun/documents);
 * `document-adapter.ts` wires the two, and tests may pass a small fake.
 */
export interface CommandDocument {
  readonly name: string;
  readonly arn: string;
  /** '' for a document owned by the service (Amazon). */
  readonly ownerAccountId: string;
  readonly documentVersion: string;
  readonly documentType: string;
  /** SHA-256 (hex) of the content as stored. */
  readonly hash: string;
  /** The content as JSON text (YAML converted), as the nodes receive it. */
  readonly contentJson: string;
  /** Platforms the document supports (Linux, Windows, MacOS). */
  readonly platformTypes: readonly string[];
  /** Number of plugin steps (the execution backstop allows each its executionTimeout). */
  readonly stepCount: number;
  /**
   * SendCommand's Parameters → typed values after defaults and every constraint. Throws
   * awsError InvalidParameters naming the parameter.
   */
  resolveParameters(supplied: Readonly<Record<string, readonly string[]>> | undefined): Record<string, unknown>;
}

/** Finds the document for a caller in its scope: the region a command is sent in is the region its document is taken from. */
export type DocumentSource = (db: Db, input: { scope: Scope; nameOrArn: string; documentVersion?: string }) => Promise<CommandDocument>;
