import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { awsError, errorCatalogue, isAwsError, type Scope } from '@bosun/protocol';
import type { Principal } from '../accounts/principal.ts';
import type { Authorizer } from '../api/authorize.ts';
import type { ServerCapability } from '../api/capability.ts';
import type { SignedRequest, VerifiedRequest } from '../api/sigv4.ts';
import type { AssociationsCapability } from '../associations/associations-capability.ts';
import type { CommandsCapability } from '../commands/commands-capability.ts';
import type { DocumentSource } from '../commands/document-source.ts';
import { PeriodicTask } from '../engine/periodic-task.ts';
import type { Logger } from '../logger.ts';
import type { NodesCapability } from '../nodes/nodes-capability.ts';
import { findInstance, inScope } from '../nodes/nodes-store.ts';
import type { Db } from '../store/store.ts';
import { fleetEntriesAt, inventoryAt, inventoryDiff, parseTime } from './history.ts';
import { inventoryNodes, pruneHistory } from './inventory-store.ts';
import type { InventoryLimits } from './limits.ts';
import { inventoryOperations } from './operations.ts';

export interface InventoryOptions {
  /** How long every change is kept, days. Default 365. */
  readonly retentionDays?: number;
  /** How often the history older than the retention is pruned, ms. Default 1 hour. */
  readonly pruneIntervalMs?: number;
  /** AWS's limits (tests lower them). */
  readonly limits?: InventoryLimits;
}

export interface InventoryCapability extends ServerCapability {
  /** One pass of the retention prune (the loop's work); answers how many changes went. */
  prune(): Promise<number>;
}

export const INVENTORY_ROUTE_PREFIX = '/bosun/v1/inventory';
const DAY_MS = 86_400_000;

/** Wires Inventory and its history (docs/inventory.md). */
export function inventoryCapability(deps: {
  db: Db;
  commands: CommandsCapability;
  nodes: NodesCapability;
  associations: AssociationsCapability;
  documents: DocumentSource;
  dataDir?: string;
  usesPostgres: boolean;
  now: () => number;
  logger: Logger;
  verify?: (req: SignedRequest) => Promise<VerifiedRequest<Principal>>;
  authorize?: Authorizer;
  options?: InventoryOptions;
}): InventoryCapability {
  const { db, now, logger } = deps;
  const retentionMs = (deps.options?.retentionDays ?? 365) * DAY_MS;
  const prune = async () => {
    const removed = await pruneHistory(db, now() - retentionMs);
    if (removed > 0) logger.info({ removed }, 'inventory history pruned');
    return removed;
  };
  const pruner = new PeriodicTask({ name: 'inventory history prune', intervalMs: deps.options?.pruneIntervalMs ?? 3_600_000, run: async () => void (await prune()), logger });

  /** The caller's scope, once its signature and its IAM policies allow `action`. */
  async function authorised(req: FastifyRequest, action: string, resource = '*'): Promise<Scope> {
    if (!deps.verify || !deps.authorize) throw awsError('AccessDeniedException', 'this server does not verify signatures on the inventory routes');
    const [path, query = ''] = (req.raw.url ?? '/').split('?');
    const verified = await deps.verify({ method: req.method, path, query, headers: req.headers, body: Buffer.alloc(0) });
    await deps.authorize(verified.principal, [{ action, resource }], {
      sourceIp: req.socket.remoteAddress ?? '', secureTransport: false, now: now(), region: verified.region, service: 'ssm',
    });
    return { accountId: verified.principal.accountId, region: verified.region };
  }

  async function ownNode(scope: Scope, instanceId: string): Promise<void> {
    const row = await findInstance(db, instanceId);
    if (!row || !inScope(row, scope)) throw awsError('InvalidInstanceId', `The instance ID ${instanceId} isn't valid: it is not a managed node of account ${scope.accountId} in ${scope.region}.`);
  }

  function fail(reply: FastifyReply, error: unknown): FastifyReply {
    if (isAwsError(error)) {
      return reply.code(errorCatalogue[error.code].status).header('content-type', 'application/json').send(JSON.stringify({ __type: error.code, message: error.message }));
    }
    logger.error({ err: error }, 'inventory route failed');
    return reply.code(500).header('content-type', 'application/json').send(JSON.stringify({ __type: 'InternalServerError', message: 'internal error' }));
  }

  const send = (reply: FastifyReply, body: unknown) => reply.code(200).header('content-type', 'application/json').send(JSON.stringify(body));
  const typesOf = (text: string | undefined) => (text === undefined || text === '' ? undefined : text.split(','));

  type NodeQuery = { Params: { instanceId: string }; Querystring: { at?: string; from?: string; to?: string; type?: string } };

  return {
    operations: inventoryOperations({ db, limits: deps.options?.limits }),
    prune,
    async plugin(app: FastifyInstance) {
      // The nodes with inventory: types, entries and when each last changed.
      app.get(`${INVENTORY_ROUTE_PREFIX}/nodes`, async (req, reply) => {
        try {
          const scope = await authorised(req, 'ssm:GetInventory');
          return send(reply, { nodes: await inventoryNodes(db, scope) });
        } catch (error) {
          return fail(reply, error);
        }
      });
      // A node's inventory now or `at` a time.
      app.get<NodeQuery>(`${INVENTORY_ROUTE_PREFIX}/nodes/:instanceId`, async (req, reply) => {
        try {
          const scope = await authorised(req, 'ssm:ListInventoryEntries');
          await ownNode(scope, req.params.instanceId);
          return send(reply, await inventoryAt(db, scope, req.params.instanceId, parseTime(req.query.at, 'at', now()), typesOf(req.query.type)));
        } catch (error) {
          return fail(reply, error);
        }
      });
      // What changed on a node between two times.
      app.get<NodeQuery>(`${INVENTORY_ROUTE_PREFIX}/nodes/:instanceId/diff`, async (req, reply) => {
        try {
          const scope = await authorised(req, 'ssm:ListInventoryEntries');
          await ownNode(scope, req.params.instanceId);
          const from = parseTime(req.query.from, 'from');
          return send(reply, await inventoryDiff(db, scope, req.params.instanceId, from, parseTime(req.query.to, 'to', now()), typesOf(req.query.type)));
        } catch (error) {
          return fail(reply, error);
        }
      });
      // Which nodes had an entry (a package) named `name`, optionally below a version, at a time.
      app.get<{ Querystring: { type?: string; name?: string; at?: string; below?: string; attribute?: string } }>(`${INVENTORY_ROUTE_PREFIX}/fleet/entries`, async (req, reply) => {
        try {
          const scope = await authorised(req, 'ssm:GetInventory');
          const { name } = req.query;
          if (!name) throw awsError('ValidationException', 'name is required: the Name of the entry (an application, a service…) to look for.');
          const at = parseTime(req.query.at, 'at', now());
          const nodes = await fleetEntriesAt(db, scope, { typeName: req.query.type ?? 'AWS:Application', name, at, below: req.query.below, attribute: req.query.attribute });
          return send(reply, { typeName: req.query.type ?? 'AWS:Application', name, at: new Date(at).toISOString(), ...(req.query.below !== undefined ? { below: req.query.below } : {}), nodes });
        } catch (error) {
          return fail(reply, error);
        }
      });
    },
    start() {
      pruner.start();
    },
    async stop() {
      await pruner.stop();
    },
  };
}
