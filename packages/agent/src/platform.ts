import fs from 'node:fs';
import os from 'node:os';
import type { HeartbeatBody } from '@bosun/protocol/channel';

/** Set by the bundle build (esbuild `define`): packages/agent's version, or the one the build was asked for. */
declare const BOSUN_AGENT_VERSION: string | undefined;

/** The version this agent reports (AgentVersion); run from its sources, packages/agent's version. */
export const AGENT_VERSION: string = typeof BOSUN_AGENT_VERSION === 'string' ? BOSUN_AGENT_VERSION : '0.1.0';

/** What the heartbeat reports about this machine (as UpdateInstanceInformation does). */
export function platformInfo(): Omit<HeartbeatBody, 'clockOffsetMs'> {
  const release = readOsRelease();
  const type = os.platform() === 'win32' ? 'Windows' : os.platform() === 'darwin' ? 'MacOS' : 'Linux';
  const addresses: string[] = [];
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (!a.internal) addresses.push(a.address);
  }
  return {
    agentVersion: AGENT_VERSION,
    platformName: release.NAME ?? os.type(),
    platformType: type,
    platformVersion: release.VERSION_ID ?? os.release(),
    computerName: os.hostname(),
    ipAddresses: addresses.length > 0 ? addresses.slice(0, 16) : ['127.0.0.1'],
  };
}

function readOsRelease(): Record<string, string> {
  try {
    const out: Record<string, string> = {};
    for (const line of fs.readFileSync('/etc/os-release', 'utf8').split('\n')) {
      const m = /^([A-Z_]+)=("?)(.*)\2$/.exec(line);
      if (m) out[m[1]] = m[3];
    }
    return out;
  } catch {
    return {};
  }
}
