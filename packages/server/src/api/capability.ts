import type { FastifyInstance } from 'fastify';
import type { Operation } from './operation.ts';

/**
 * What a capability gives the server (server.ts wires each): its operations, the routes of its
 * own under /bosun/v1/ (JSON for the CLI and the console), and its background work, started
 * once the server listens and stopped before the store closes.
 */
export interface ServerCapability {
  readonly operations: Operation[];
  plugin(app: FastifyInstance): Promise<void>;
  start(): void;
  stop(): Promise<void>;
}
