import type { ServerCapability } from '../api/capability.ts';
import type { AssociationsCapability } from '../associations/associations-capability.ts';
import type { CommandsCapability } from '../commands/commands-capability.ts';
import { findCommand, TERMINAL_STATUSES } from '../commands/command-store.ts';
import type { DocumentSource } from '../commands/document-source.ts';
import type { Logger } from '../logger.ts';
import type { NodesCapability } from '../nodes/nodes-capability.ts';
import type { Db } from '../store/store.ts';
import { maintenanceWindowOperations, type WindowLimits } from './operations.ts';
import { WindowEngine, type WindowEngineOptions } from './window-engine.ts';

export interface MaintenanceWindowsOptions extends WindowEngineOptions {
  /** Quotas (AWS's by default: 50 windows per account and Region, 100 targets and 20 tasks per window). */
  readonly limits?: WindowLimits;
}

export interface MaintenanceWindowsCapability extends ServerCapability {
  readonly engine: WindowEngine;
}

/**
 * Wires Maintenance windows (docs/maintenance-windows.md): the 23 operations, and the engine
 * that runs due windows' tasks through Run Command (`commands.send`, `commands.dispatcher.cancel`).
 */
export function maintenanceWindowsCapability(deps: {
  db: Db;
  commands: Pick<CommandsCapability, 'send' | 'dispatcher'>;
  nodes: NodesCapability;
  associations: AssociationsCapability;
  documents: DocumentSource;
  dataDir?: string;
  usesPostgres: boolean;
  now: () => number;
  logger: Logger;
  options?: MaintenanceWindowsOptions;
}): MaintenanceWindowsCapability {
  const engine = new WindowEngine({
    db: deps.db, send: deps.commands.send, now: deps.now, logger: deps.logger, options: deps.options,
    async cancel(commandId, now) {
      const command = await findCommand(deps.db, commandId);
      if (command && !TERMINAL_STATUSES.includes(command.status)) await deps.commands.dispatcher.cancel(command, undefined, now);
    },
  });
  return {
    operations: maintenanceWindowOperations({ db: deps.db, documents: deps.documents, limits: deps.options?.limits }),
    engine,
    // The CLI reads windows through the AWS API (bosun windows); nothing of Bosun's own is needed yet.
    async plugin() {},
    start: () => engine.start(),
    stop: () => engine.stop(),
  };
}
