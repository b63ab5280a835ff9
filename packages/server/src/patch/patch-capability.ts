import type { ServerCapability } from '../api/capability.ts';
import type { AssociationsCapability } from '../associations/associations-capability.ts';
import type { CommandsCapability } from '../commands/commands-capability.ts';
import type { DocumentSource } from '../commands/document-source.ts';
import type { Logger } from '../logger.ts';
import type { NodesCapability } from '../nodes/nodes-capability.ts';
import type { Db } from '../store/store.ts';
import { patchOperations, type PatchLimits } from './operations.ts';

export interface PatchOptions {
  /** Quotas (AWS's by default: 50 custom baselines per account and Region, 25 patch groups per baseline). */
  readonly limits?: PatchLimits;
}

export type PatchCapability = ServerCapability;

/**
 * Wires Patch Manager (docs/patching.md). This slice: baselines, defaults and patch groups.
 * Scans and installs (AWS-RunPatchBaseline through Run Command) come later and will use the
 * other dependencies, which server.ts passes already.
 */
export function patchCapability(deps: {
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
  return {
    operations: patchOperations({ db: deps.db, limits: deps.options?.limits }),
    // The CLI reads baselines through the AWS API; nothing of Bosun's own is needed yet.
    async plugin() {},
    start() {},
    async stop() {},
  };
}
