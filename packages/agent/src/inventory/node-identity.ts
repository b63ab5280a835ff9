import fs from 'node:fs';
import path from 'node:path';
import { AgentState, type Identity } from '../state.ts';

/** Which node a plugin runs on: the identity in the agent's state directory. */

/** The agent's state directory: the nearest directory above `from` (a step's work directory) that holds identity.json. */
export function findStateDir(from: string): string | undefined {
  let dir = path.resolve(from);
  for (;;) {
    if (fs.existsSync(path.join(dir, 'identity.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export function readIdentity(stateDir: string): Identity {
  const identity = new AgentState(stateDir).readIdentity();
  if (!identity) throw new Error(`no identity in ${stateDir}: the node is not registered`);
  return identity;
}
