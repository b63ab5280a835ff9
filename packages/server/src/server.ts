import type { FastifyInstance } from 'fastify';
import { isKnownRegion, models } from '@bosun/protocol';
import { KeyRing } from './accounts/key-ring.ts';
import { checkRootKey } from './accounts/admin.ts';
import { findAccessKey } from './accounts/identity-store.ts';
import type { Principal } from './accounts/principal.ts';
import type { Authorizer } from './api/authorize.ts';
import { createHttpServer } from './api/http-server.ts';
import { withNodeRules } from './nodes/node-authorizer.ts';
import type { Operation, ServiceEntry } from './api/operation.ts';
import { ApiPipeline } from './api/pipeline.ts';
import { sigv4 } from './api/sigv4.ts';
import { chainKey } from './audit/chain.ts';
import { lookupEventsOperation } from './audit/lookup-events.ts';
import { WebhookDelivery } from './events/webhook-delivery.ts';
import { KeyService } from './kms/key-service.ts';
import { PolicyScheduler } from './parameters/policy-scheduler.ts';
import { kmsOperations } from './kms/operations.ts';
import { parameterOperations } from './parameters/operations.ts';
import { parameterTags } from './parameters/parameter-tags.ts';
import { tagOperations } from './tags/tag-operations.ts';
import { secretService } from './secrets/operations.ts';
import { AuditWriter } from './audit/writer.ts';
import type { RootKey } from './crypto/root-key.ts';
import { createLogger, type Logger } from './logger.ts';
import { settingsOperations } from './settings/operations.ts';
import { PolicyAuthorizer } from './iam/authorizer.ts';
import { iamOperations } from './iam/operations.ts';
import { stsOperations } from './iam/sts-operations.ts';
import { nodesCapability, type NodesOptions, type NodesCapability } from './nodes/nodes-capability.ts';
import { openStore, type Store } from './store/store.ts';
import { documentOperations } from './documents/operations.ts';
import { documentTags } from './documents/document-tags.ts';
import { windowTags } from './maintenance-windows/window-tags.ts';
import { baselineTags } from './patch/baseline-tags.ts';
import { commandsCapability, type CommandsCapability, type CommandsOptions } from './commands/commands-capability.ts';
import { storeDocumentSource } from './commands/document-adapter.ts';
import { associationsCapability, type AssociationsCapability } from './associations/associations-capability.ts';
import type { AssociationEngineOptions } from './associations/association-engine.ts';
import { complianceOperations } from './compliance/operations.ts';
import { maintenanceWindowsCapability, type MaintenanceWindowsCapability, type MaintenanceWindowsOptions } from './maintenance-windows/maintenance-windows-capability.ts';
import { automationCapability, type AutomationCapability, type AutomationOptions } from './automation/automation-capability.ts';
import { patchCapability, type PatchCapability, type PatchOptions } from './patch/patch-capability.ts';
import { inventoryCapability, type InventoryCapability, type InventoryOptions } from './inventory/inventory-capability.ts';

export interface ServerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** SQLite data directory (used when `databaseUrl` is absent). */
  readonly dataDir?: string;
  readonly databaseUrl?: string;
  readonly rootKey: RootKey;
  /** Default us-east-1. */
  readonly region?: string;
  readonly bodyLimit?: number;
  readonly logger?: Logger;
  /** Injectable clock (epoch ms); default Date.now. */
  readonly now?: () => number;
  readonly authorize?: Authorizer;
  /** Managed nodes: heartbeat window, credentials lifetime, agent bundle. */
  readonly nodes?: NodesOptions;
  /** Run Command: deadline loop, execution grace, stream polling. */
  readonly commands?: CommandsOptions;
  /** State Manager: how often executions are followed and every association reconciled. */
  readonly associations?: AssociationEngineOptions;
  /** Maintenance windows: scheduler loop and clock. */
  readonly maintenanceWindows?: MaintenanceWindowsOptions;
  /** Inventory: ingestion and history retention. */
  readonly inventory?: InventoryOptions;
  /** Automation: executor loop, script sandbox limits, webhooks. */
  readonly automation?: AutomationOptions;
  /** Patch Manager. */
  readonly patch?: PatchOptions;
}

export interface RunningServer {
  /** e.g. http://127.0.0.1:4747 */
  readonly url: string;
  readonly region: string;
  readonly store: Store;
  readonly app: FastifyInstance;
  readonly nodes: NodesCapability;
  readonly commands: CommandsCapability;
  readonly associations: AssociationsCapability;
  readonly maintenanceWindows: MaintenanceWindowsCapability;
  readonly inventory: InventoryCapability;
  readonly automation: AutomationCapability;
  readonly patch: PatchCapability;
  close(): Promise<void>;
}

const services: ServiceEntry[] = [
  { name: 'ssm', model: models.ssm },
  { name: 'kms', model: models.kms },
  { name: 'secretsmanager', model: models.secretsmanager },
  { name: 'cloudtrail', model: models.cloudtrail },
  { name: 'iam', model: models.iam },
  { name: 'sts', model: models.sts },
];

/** Opens the store, wires the pipeline and listens. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const now = options.now ?? Date.now;
  const region = options.region ?? 'us-east-1';
  if (!isKnownRegion(region)) {
    throw new Error(`Region '${region}' is not an AWS region of the aws, aws-cn or aws-us-gov partitions (e.g. us-east-1, eu-west-1, cn-north-1): set --region or BOSUN_REGION to one`);
  }
  const logger = options.logger ?? createLogger();
  const store = await openStore({ dataDir: options.dataDir, databaseUrl: options.databaseUrl, backgroundCheckpoints: true, region });
  try {
    await checkRootKey(store, options.rootKey);
  } catch (error) {
    await store.close();
    throw error;
  }
  const keyRing = new KeyRing({ db: store.db, rootKey: options.rootKey, now });
  const audit = new AuditWriter({ store, key: chainKey(options.rootKey) });
  const authorizer = new PolicyAuthorizer({ db: store.db, now });
  const authorize = withNodeRules(options.authorize ?? authorizer.authorize);
  const keys = new KeyService({ db: store.db, rootKey: options.rootKey, authorize });
  const secrets = secretService({ db: store.db, keys, authorize });
  const verify = sigv4<Principal>({ services: services.map((s) => s.model.metadata.signingName), lookupKey: (id) => keyRing.lookup(id), now });
  const nodes = nodesCapability({ db: store.db, rootKey: options.rootKey, keyRing, verify, now, logger, dataDir: options.dataDir, options: options.nodes });
  // Run Command: operations, dispatcher on the node channel, live output routes.
  const commands = commandsCapability({
    db: store.db, hub: nodes.hub, documents: storeDocumentSource, dataDir: options.dataDir, usesPostgres: options.databaseUrl?.startsWith('postgres') ?? false,
    verify, authorize, now, logger, options: options.commands,
  });
  // State Manager: associations applied through Run Command, on new and newly tagged nodes at once.
  const associations = associationsCapability({
    db: store.db, commands, nodes, documents: storeDocumentSource, now, logger, options: options.associations,
  });
  const usesPostgres = options.databaseUrl?.startsWith('postgres') ?? false;
  const capabilityDeps = { db: store.db, commands, nodes, associations, documents: storeDocumentSource, dataDir: options.dataDir, usesPostgres, now, logger };
  // Maintenance windows: scheduled windows running prioritised tasks through Run Command.
  const maintenanceWindows = maintenanceWindowsCapability({ ...capabilityDeps, options: options.maintenanceWindows });
  // Inventory: what is on every node, now and at any time in the past.
  const inventory = inventoryCapability({ ...capabilityDeps, verify, authorize, options: options.inventory });
  // Automation: durable runbooks (schema 0.3), replayed from their recorded history after a restart.
  const automation = automationCapability({ ...capabilityDeps, authorize, apiOperations: () => operations, options: options.automation });
  // Patch Manager: baselines, patch groups, scans and installs through AWS-RunPatchBaseline.
  const patch = patchCapability({ ...capabilityDeps, options: options.patch });
  const operations: Operation[] = [
    ...settingsOperations({ db: store.db }),
    lookupEventsOperation({ db: store.db, foldedResourceNames: store.dialect.auditFile !== undefined }),
    ...iamOperations({ db: store.db, rootKey: options.rootKey, authorizer, forgetKey: (id) => keyRing.forget(id) }),
    ...stsOperations({ db: store.db, rootKey: options.rootKey, authorizer }),
    ...kmsOperations({ db: store.db, keys }),
    ...parameterOperations({ db: store.db, keys, references: secrets.references }),
    ...secrets.operations,
    ...nodes.operations,
    ...tagOperations([nodes.taggable, parameterTags(store.db), documentTags(store.db), windowTags(store.db), baselineTags(store.db)]),
    ...documentOperations({ db: store.db }),
    ...commands.operations,
    ...associations.operations,
    ...complianceOperations({ db: store.db }),
    ...maintenanceWindows.operations,
    ...inventory.operations,
    ...automation.operations,
    ...patch.operations,
  ];
  const pipeline = new ApiPipeline({
    region,
    services,
    operations,
    verify,
    authorize,
    audit,
    keyOwner: async (id) => (await findAccessKey(store.db, id))?.key.account_id,
    now,
    logger,
  });
  const app = createHttpServer({ pipeline, bodyLimit: options.bodyLimit, plugins: [nodes.plugin, commands.plugin, maintenanceWindows.plugin, inventory.plugin, automation.plugin, patch.plugin] });
  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (error) {
    await store.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new Error(`${options.host}:${options.port} is already in use: stop the other server, or choose another address with --listen HOST:PORT`);
    throw error;
  }
  // Parameter policies and event delivery run from the store, so a restart resumes them.
  const policyScheduler = new PolicyScheduler({ db: store.db, now, logger });
  const webhooks = new WebhookDelivery({ db: store.db, now, logger });
  policyScheduler.start();
  webhooks.start();
  await commands.start();
  associations.start();
  maintenanceWindows.start();
  inventory.start();
  automation.start();
  patch.start();
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  logger.info({ store: store.dialect.location, region }, `Bosun API listening on http://${host}:${port}`);
  return {
    url: `http://${host}:${port}`,
    region,
    store,
    app,
    nodes,
    commands,
    associations,
    maintenanceWindows,
    inventory,
    automation,
    patch,
    async close() {
      nodes.hub.closeAll();
      await Promise.all([maintenanceWindows.stop(), inventory.stop(), automation.stop(), patch.stop()]);
      await associations.stop();
      await Promise.all([policyScheduler.stop(), webhooks.stop(), commands.stop()]);
      await app.close();
      await audit.flush();
      await store.close();
    },
  };
}
