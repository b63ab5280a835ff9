import type { FastifyInstance } from 'fastify';
import type { Operation } from '../api/operation.ts';
import type { AssociationsCapability } from '../associations/associations-capability.ts';
import type { CommandsCapability } from '../commands/commands-capability.ts';
import type { DocumentSource } from '../commands/document-source.ts';
import type { Logger } from '../logger.ts';
import type { NodesCapability } from '../nodes/nodes-capability.ts';
import type { Db } from '../store/store.ts';

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface PatchOptions {}

export interface PatchCapability {
  readonly operations: Operation[];
  /** Routes of its own under /bosun/v1/ (JSON for the CLI and the console). */
  plugin(app: FastifyInstance): Promise<void>;
  start(): void;
  stop(): Promise<void>;
}

/** Wires Patch Manager (docs/patching.md). */
export function patchCapability(_deps: {
  db: Db;
  commands: CommandsCapability;
  nodes: NodesCapability;
  associations: AssociationsCapability;
  documents: DocumentSource;
  dataDir?: string;
  usesPostgres: boolean;
  now: () => number;
  logger: Logger;
  options?: PatchOptions;
}): PatchCapability {
  return { operations: [], async plugin() {}, start() {}, async stop() {} };
}
