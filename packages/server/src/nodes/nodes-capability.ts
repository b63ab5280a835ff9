import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Principal } from '../accounts/principal.ts';
import type { KeyRing } from '../accounts/key-ring.ts';
import { revokeSessions } from '../accounts/session-credentials.ts';
import type { Operation } from '../api/operation.ts';
import type { SignedRequest, VerifiedRequest } from '../api/sigv4.ts';
import type { RootKey } from '../crypto/root-key.ts';
import type { Logger } from '../logger.ts';
import type { Db } from '../store/store.ts';
import { activationOperations } from './activation-operations.ts';
import { agentRoutes } from './agent-routes.ts';
import { ChannelHub, CLOSE } from './channel-hub.ts';
import type { TaggableResource } from '../tags/tag-operations.ts';
import { instanceOperations, managedInstanceTags } from './instance-operations.ts';
import { NodeChanges, type NodeChangeListener } from './node-changes.ts';
import { nodeRoutes } from './node-routes.ts';
import { DEFAULT_CONNECTION_LOST_AFTER_MS } from './ping-status.ts';

export interface NodesOptions {
  /** No heartbeat for this long makes a node ConnectionLost. Default 5 minutes. */
  readonly connectionLostAfterMs?: number;
  /** Lifetime of node credentials. Default 1 hour. */
  readonly credentialsTtlMs?: number;
  /** Other agent versions offered to aws:updateSsmAgent, as `<dir>/<version>/bosun-agent.cjs`. Default `<data-dir>/agent-bundles`. */
  readonly agentBundlesDir?: string;
}

export interface NodesCapability {
  readonly operations: Operation[];
  readonly hub: ChannelHub;
  readonly connectionLostAfterMs: number;
  /** ResourceType ManagedInstance for the SSM tag operations. */
  readonly taggable: TaggableResource;
  /** Called after a node registers or its tags change (committed). */
  onNodeChange(listener: NodeChangeListener): () => void;
  plugin(app: FastifyInstance): Promise<void>;
}

/** Wires managed nodes: operations, the registration and channel routes, the agent download. */
export function nodesCapability(deps: {
  db: Db;
  rootKey: RootKey;
  keyRing: KeyRing;
  verify: (req: SignedRequest) => Promise<VerifiedRequest<Principal>>;
  now: () => number;
  logger: Logger;
  /** The server's data directory (the default place of the agent bundles directory). */
  dataDir?: string;
  options?: NodesOptions;
}): NodesCapability {
  const connectionLostAfterMs = deps.options?.connectionLostAfterMs ?? DEFAULT_CONNECTION_LOST_AFTER_MS;
  const hub = new ChannelHub({ db: deps.db, logger: deps.logger, now: deps.now });
  const changes = new NodeChanges();
  const routes = nodeRoutes({ ...deps, hub, changes, credentialsTtlMs: deps.options?.credentialsTtlMs ?? 60 * 60 * 1000 });
  const agent = agentRoutes({
    logger: deps.logger,
    verify: deps.verify,
    bundlesDir: deps.options?.agentBundlesDir ?? (deps.dataDir ? path.join(deps.dataDir, 'agent-bundles') : undefined),
  });
  return {
    hub,
    connectionLostAfterMs,
    taggable: managedInstanceTags(deps.db, changes),
    onNodeChange: (listener) => changes.on(listener),
    operations: [
      ...activationOperations({ db: deps.db }),
      ...instanceOperations({
        db: deps.db,
        connectionLostAfterMs,
        async onDeregistered(accountId, instanceId) {
          // The node's credentials stop working at once: revoked in the store (other
          // replicas ask it again within their key-ring TTL) and forgotten here now.
          await revokeSessions(deps.db, { accountId, subject: instanceId, now: deps.now() });
          deps.keyRing.forgetSubject(instanceId);
          hub.disconnect(instanceId, CLOSE.deregistered, 'the node was deregistered');
        },
      }),
    ],
    async plugin(app) {
      await routes(app);
      await agent(app);
    },
  };
}
