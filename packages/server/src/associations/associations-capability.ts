import type { Operation } from '../api/operation.ts';
import type { CommandsCapability } from '../commands/commands-capability.ts';
import type { DocumentSource } from '../commands/document-source.ts';
import type { Logger } from '../logger.ts';
import type { NodesCapability } from '../nodes/nodes-capability.ts';
import type { Db } from '../store/store.ts';
import { AssociationEngine, type AssociationEngineOptions } from './association-engine.ts';
import { recordAssociationCompliance } from '../compliance/association-compliance.ts';
import { associationOperations } from './operations.ts';

export interface AssociationsCapability {
  readonly operations: Operation[];
  readonly engine: AssociationEngine;
  start(): void;
  stop(): Promise<void>;
}

/**
 * Wires State Manager: the association operations, and the engine that applies them through
 * Run Command (`commands.send`) and hears of new and newly tagged nodes (`nodes.onNodeChange`).
 */
export function associationsCapability(deps: {
  db: Db;
  commands: Pick<CommandsCapability, 'send' | 'dispatcher'>;
  nodes: Pick<NodesCapability, 'onNodeChange'>;
  documents: DocumentSource;
  now: () => number;
  logger: Logger;
  options?: AssociationEngineOptions;
}): AssociationsCapability {
  const engine = new AssociationEngine({
    db: deps.db, send: deps.commands.send, holdDispatch: (work) => deps.commands.dispatcher.holding(work), now: deps.now, logger: deps.logger, recordCompliance: recordAssociationCompliance, options: deps.options,
  });
  let unsubscribe: (() => void) | undefined;
  return {
    operations: associationOperations({ db: deps.db, documents: deps.documents, engine }),
    engine,
    start() {
      unsubscribe = deps.nodes.onNodeChange((change) => engine.nodeChanged(change));
      engine.start();
    },
    async stop() {
      unsubscribe?.();
      await engine.stop();
    },
  };
}
