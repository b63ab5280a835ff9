import crypto from 'node:crypto';
import { awsError } from '@bosun/protocol';
import type { Authorizer } from '../api/authorize.ts';
import type { ServerCapability } from '../api/capability.ts';
import type { Operation } from '../api/operation.ts';
import type { AssociationsCapability } from '../associations/associations-capability.ts';
import type { CommandsCapability } from '../commands/commands-capability.ts';
import type { DocumentSource } from '../commands/document-source.ts';
import type { Logger } from '../logger.ts';
import type { NodesCapability } from '../nodes/nodes-capability.ts';
import type { Db } from '../store/store.ts';
import { apiInvoker } from './api-invoker.ts';
import { AutomationEngine, type AutomationEngineOptions } from './automation-engine.ts';
import { automationOperations, startAutomationExecution, type AutomationOperationDeps } from './operations.ts';

export interface AutomationOptions extends AutomationEngineOptions {
  /** Executions of an account and region that may be running at once (default 100, AWS's quota). */
  readonly maxRunningExecutions?: number;
}

export interface AutomationCapability extends ServerCapability {
  readonly engine: AutomationEngine;
}

/**
 * Wires Automation (docs/automation.md): the operations, and the engine that runs executions
 * from their recorded history. Steps that call the API (aws:executeAwsApi, aws:runCommand's
 * SendCommand check) go through `apiOperations` and `authorize` as the execution's caller.
 */
export function automationCapability(deps: {
  db: Db;
  commands: Pick<CommandsCapability, 'send'>;
  nodes: NodesCapability;
  associations: AssociationsCapability;
  documents: DocumentSource;
  dataDir?: string;
  usesPostgres: boolean;
  now: () => number;
  logger: Logger;
  /** The server's authorizer (IAM policies). Without it, steps may do nothing that needs a permission. */
  authorize?: Authorizer;
  /** Every operation of the API, read when a step first calls one (they are assembled after this capability). */
  apiOperations?: () => readonly Operation[];
  options?: AutomationOptions;
}): AutomationCapability {
  const api = apiInvoker({
    operations: deps.apiOperations ?? (() => []),
    authorize: deps.authorize ?? ((principal, permissions) => {
      if (permissions.length > 0) throw awsError('AccessDeniedException', `User: ${principal.arn} is not authorized to perform: ${permissions[0].action} (no authorizer given to Automation)`);
    }),
  });
  // The operations wake the engine, and the engine starts child executions through the operations' start.
  const operationDeps: AutomationOperationDeps = {
    db: deps.db, documents: deps.documents, engine: { wake: (id) => engine.wake(id) }, maxRunningExecutions: deps.options?.maxRunningExecutions ?? 100,
  };
  const engine: AutomationEngine = new AutomationEngine({
    db: deps.db, now: deps.now, logger: deps.logger, api, sendCommand: (scope, now, input) => deps.commands.send(scope, now, input), options: deps.options,
    startChild: (principal, scope, now, input, parentId) => startAutomationExecution(operationDeps, {
      principal, now, region: scope.region, scope, requestId: crypto.randomUUID(), sourceIp: '127.0.0.1',
    }, input, parentId),
  });
  return {
    operations: automationOperations(operationDeps),
    engine,
    async plugin() {},
    start() {
      engine.start();
    },
    stop: () => engine.stop(),
  };
}
