import os from 'node:os';
import path from 'node:path';
import { agentClock } from '../clock.ts';
import {
  collectApplications, collectAwsComponents, collectBillingInfo, collectInstanceDetailedInformation, collectInstanceInformation, collectNetwork, collectServices,
  collectTags, collectWindowsOnly, type CollectedItem,
} from '../inventory/collectors.ts';
import { customInventoryDir, readCustomInventory } from '../inventory/custom-inventory.ts';
import { collectFiles, FileInventoryError, parseFileQueries, type FileQuery } from '../inventory/files.ts';
import { findStateDir, readIdentity } from '../inventory/node-identity.ts';
import { uploadInventory } from '../inventory/uploader.ts';
import { outcome, PluginInputError, type AgentPlugin, type ApiCaller } from './plugin.ts';

/** The switches of AWS-GatherSoftwareInventory, each Enabled or Disabled. */
export const INVENTORY_SWITCHES = [
  'applications', 'awsComponents', 'networkConfig', 'windowsUpdates', 'instanceDetailedInformation', 'services', 'windowsRoles', 'customInventory', 'billingInfo',
] as const;

export type InventorySwitch = (typeof INVENTORY_SWITCHES)[number];

export interface SoftwareInventoryInput {
  readonly enabled: ReadonlySet<InventorySwitch>;
  readonly files: readonly FileQuery[];
}

export interface SoftwareInventoryOptions {
  /** The running agent's API caller (signed with its session): PutInventory and its own tags go through it. */
  readonly callApi?: () => ApiCaller | undefined;
  /** The agent's state directory; default: found above the step's work directory. */
  readonly stateDir?: string;
  /** The node's tags, when the agent knows them (AWS:Tag). */
  readonly tags?: () => readonly { Key: string; Value: string }[];
}

/**
 * aws:softwareInventory, the plugin of AWS-GatherSoftwareInventory: collects the enabled
 * types from this machine (../inventory/collectors.ts), AWS:InstanceInformation always, and
 * sends them with PutInventory, unchanged types by their content hash only. `files` is AWS's
 * JSON list of {Path, Pattern, Recursive, DirScanLimit, FileLimit}; `windowsRegistry` is taken
 * and has nothing to read on Linux. Success once the server has taken the put; Failed (exit 1)
 * when a collector failed or a type was over AWS's size limit (the other types are sent).
 */
export function softwareInventoryPlugin(options: SoftwareInventoryOptions = {}): AgentPlugin<SoftwareInventoryInput> {
  return {
    name: 'aws:softwareInventory',
    parseInput(inputs) {
      const enabled = new Set<InventorySwitch>();
      for (const name of INVENTORY_SWITCHES) {
        const value = inputs[name] ?? 'Enabled';
        if (value !== 'Enabled' && value !== 'Disabled' && value !== true && value !== false) throw new PluginInputError(`${name} must be Enabled or Disabled, not ${JSON.stringify(value)}`);
        if (value === 'Enabled' || value === true) enabled.add(name);
      }
      let files: FileQuery[];
      try {
        files = parseFileQueries(inputs.files);
      } catch (error) {
        throw new PluginInputError((error as Error).message);
      }
      return { enabled, files };
    },
    async run(input, context) {
      const say = (line: string) => context.output.write('stdout', `${line}\n`);
      const warn = (line: string) => context.output.write('stderr', `${line}\n`);
      const stateDir = options.stateDir ?? findStateDir(context.workDir);
      if (!stateDir) {
        warn(`no agent state directory (identity.json) above ${context.workDir}: cannot tell which node this is`);
        return outcome.failed(1);
      }
      const identity = readIdentity(stateDir);
      let failed = false;
      const items: CollectedItem[] = [collectInstanceInformation(identity.instanceId)];
      const on = (name: InventorySwitch) => input.enabled.has(name);
      const attempt = async (what: string, collect: () => CollectedItem | Promise<CollectedItem>) => {
        try {
          items.push(await collect());
        } catch (error) {
          failed = true;
          warn(`${what}: ${(error as Error).message}`);
        }
      };
      if (on('applications')) await attempt('AWS:Application', collectApplications);
      if (on('awsComponents')) await attempt('AWS:AWSComponent', collectAwsComponents);
      if (on('networkConfig')) await attempt('AWS:Network', () => collectNetwork());
      if (on('services')) await attempt('AWS:Service', collectServices);
      if (on('instanceDetailedInformation')) await attempt('AWS:InstanceDetailedInformation', () => collectInstanceDetailedInformation());
      if (on('windowsUpdates')) items.push(collectWindowsOnly('AWS:WindowsUpdate'));
      if (on('windowsRoles')) items.push(collectWindowsOnly('AWS:WindowsRole'));
      if (on('billingInfo')) items.push(collectBillingInfo());
      const callApi = options.callApi?.();
      if (!callApi) {
        warn('this agent gives the inventory plugin no API caller: cannot send inventory');
        return outcome.failed(1);
      }
      // AWS:Tag: the node's tags as the server holds them (a node may read its own).
      await attempt('AWS:Tag', async () => collectTags(options.tags?.() ?? (await callApi<{ TagList?: { Key: string; Value: string }[] }>('AmazonSSM.ListTagsForResource', {
        ResourceType: 'ManagedInstance', ResourceId: identity.instanceId,
      })).TagList ?? []));
      if (input.files.length > 0) {
        await attempt('AWS:File', () => {
          try {
            return collectFiles(input.files);
          } catch (error) {
            if (error instanceof FileInventoryError) throw error;
            throw new Error(`could not read the files: ${(error as Error).message}`);
          }
        });
      }
      if (on('customInventory')) {
        const dir = customInventoryDir(stateDir);
        const custom = readCustomInventory(dir);
        items.push(...custom.items);
        for (const problem of custom.problems) warn(`custom inventory skipped: ${problem}`);
      }
      if (context.signal.aborted) return context.signal.reason === 'timeout' ? outcome.timedOut() : outcome.cancelled();
      try {
        const report = await uploadInventory({ instanceId: identity.instanceId, items, callApi, hashFile: path.join(stateDir, 'inventory', 'content-hashes.json'), now: agentClock()() });
        for (const item of items) {
          const state = report.sent.includes(item.typeName) ? 'sent' : report.unchanged.includes(item.typeName) ? 'unchanged (content hash only)' : 'not sent';
          say(`${item.typeName}: ${item.content.length} ${item.content.length === 1 ? 'entry' : 'entries'}, ${state}`);
        }
        for (const attribute of report.trimmed) warn(`${attribute} left out to keep the type under AWS's 200 KB item limit`);
        for (const problem of report.problems) warn(problem);
        if (report.problems.length > 0) failed = true;
      } catch (error) {
        const code = (error as { code?: string }).code;
        warn(`PutInventory failed on ${os.hostname()}: ${code ? `${code}: ` : ''}${(error as Error).message}`);
        return outcome.failed(1);
      }
      return failed ? outcome.failed(1) : outcome.success();
    },
  };
}
