import fs from 'node:fs';
import path from 'node:path';
import type { CollectedItem, InventoryEntry } from './collectors.ts';

/**
 * Custom inventory as AWS's agent reads it: every `*.json` file of a directory on the node
 * (`/var/lib/amazon/ssm/<instance-id>/inventory/custom` on AWS; `<state dir>/inventory/custom`
 * here, or BOSUN_AGENT_CUSTOM_INVENTORY_DIR) holds one type:
 *   {"SchemaVersion": "1.0", "TypeName": "Custom:RackInfo", "Content": {"Rack": "R1"}}
 * Content is one entry (an object) or a list of them; values are strings. A file that is not
 * such a document is skipped with a message naming it, as AWS's agent skips it.
 */

export interface CustomInventory {
  readonly items: CollectedItem[];
  /** One line per file skipped, with why. */
  readonly problems: string[];
}

export function customInventoryDir(stateDir: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.BOSUN_AGENT_CUSTOM_INVENTORY_DIR || path.join(stateDir, 'inventory', 'custom');
}

export function readCustomInventory(dir: string): CustomInventory {
  const items: CollectedItem[] = [];
  const problems: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith('.json')).sort();
  } catch {
    return { items, problems };
  }
  const types = new Set<string>();
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as { SchemaVersion?: unknown; TypeName?: unknown; Content?: unknown };
      if (typeof doc.TypeName !== 'string' || !/^Custom:./.test(doc.TypeName)) throw new Error('TypeName must be Custom:<name>');
      if (typeof doc.SchemaVersion !== 'string' || !/^\d{1,6}\.\d{1,6}$/.test(doc.SchemaVersion)) throw new Error('SchemaVersion must be like 1.0');
      if (types.has(doc.TypeName)) throw new Error(`${doc.TypeName} is already given by another file`);
      const list = Array.isArray(doc.Content) ? doc.Content : doc.Content !== undefined && doc.Content !== null && typeof doc.Content === 'object' ? [doc.Content] : undefined;
      if (!list) throw new Error('Content must be an object or a list of objects');
      const content = list.map((entry: unknown, i) => {
        if (!entry || typeof entry !== 'object' || Array.isArray(entry)) throw new Error(`Content[${i}] is not an object`);
        const out: InventoryEntry = {};
        for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
          if (typeof v !== 'string') throw new Error(`Content[${i}].${k} is not a string`);
          out[k] = v;
        }
        return out;
      });
      types.add(doc.TypeName);
      items.push({ typeName: doc.TypeName, schemaVersion: doc.SchemaVersion, content });
    } catch (error) {
      problems.push(`${file}: ${(error as Error).message}`);
    }
  }
  return { items, problems };
}
