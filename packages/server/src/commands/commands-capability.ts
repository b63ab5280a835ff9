import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Scope, ssm } from '@bosun/protocol';
import type { Principal } from '../accounts/principal.ts';
import type { Authorizer } from '../api/authorize.ts';
import type { Operation } from '../api/operation.ts';
import type { SignedRequest, VerifiedRequest } from '../api/sigv4.ts';
import type { Logger } from '../logger.ts';
import type { ChannelHub } from '../nodes/channel-hub.ts';
import type { InstanceRow } from '../nodes/nodes-store.ts';
import { databaseObjectStore } from '../object-store/database-object-store.ts';
import { fileObjectStore } from '../object-store/file-object-store.ts';
import type { ObjectStore } from '../object-store/object-store.ts';
import type { Db } from '../store/store.ts';
import type { CommandRow } from './command-store.ts';
import { CommandEvents } from './command-events.ts';
import { commandRoutes } from './command-routes.ts';
import { CommandDispatcher, type DispatcherOptions } from './dispatcher.ts';
import type { DocumentSource } from './document-source.ts';
import { commandOperations, sendCommandAs } from './operations.ts';

export interface CommandsOptions extends DispatcherOptions {
  /** Extra time past a document's execution timeout before the server gives up on a silent node (ms). Default 5 minutes. */
  readonly executionGraceMs?: number;
  /** How often a live stream re-reads its command from the store. Default 1 s. */
  readonly streamPollMs?: number;
}

export interface CommandsCapability {
  readonly operations: Operation[];
  /** SendCommand on the server's own behalf (State Manager, Maintenance Windows): no IAM check; throws SendCommand's refusals. */
  send(scope: Scope, now: number, input: ssm.SendCommandRequest, known?: readonly InstanceRow[]): Promise<CommandRow>;
  readonly dispatcher: CommandDispatcher;
  readonly objects: ObjectStore;
  plugin(app: FastifyInstance): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Wires Run Command: the operations, the dispatcher on the node channel, the live output
 * routes, and where output is kept (files under the data directory with SQLite; the
 * database with PostgreSQL, which replicas share).
 */
export function commandsCapability(deps: {
  db: Db;
  hub: ChannelHub;
  documents: DocumentSource;
  dataDir?: string;
  usesPostgres: boolean;
  verify: (req: SignedRequest) => Promise<VerifiedRequest<Principal>>;
  authorize: Authorizer;
  now: () => number;
  logger: Logger;
  options?: CommandsOptions;
}): CommandsCapability {
  const objects = !deps.usesPostgres && deps.dataDir ? fileObjectStore(path.join(deps.dataDir, 'objects')) : databaseObjectStore(deps.db, deps.now);
  const events = new CommandEvents();
  const dispatcher = new CommandDispatcher({ db: deps.db, hub: deps.hub, objects, events, logger: deps.logger, now: deps.now, options: deps.options });
  const routes = commandRoutes({
    db: deps.db, objects, events, verify: deps.verify, authorize: deps.authorize, now: deps.now, logger: deps.logger, pollMs: deps.options?.streamPollMs,
  });
  const operationDeps = { db: deps.db, documents: deps.documents, dispatcher, executionGraceMs: deps.options?.executionGraceMs };
  return {
    operations: commandOperations(operationDeps),
    send: (scope, now, input, known) => sendCommandAs(operationDeps, scope, now, input, known),
    dispatcher,
    objects,
    plugin: routes,
    start: () => dispatcher.start(),
    async stop() {
      events.shutdown();
      await dispatcher.stop();
    },
  };
}
