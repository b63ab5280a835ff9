import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { platformInfo } from '../platform.ts';

/**
 * Inventory collectors: what AWS's gatherers read, from this machine. Each answers one type's
 * entries (attribute name → string value, AWS's attribute names); a type the platform does
 * not have (Windows updates and roles on Linux) is an empty list, not an error. Nothing is
 * invented: a value the machine does not tell is left out.
 */

export type InventoryEntry = Record<string, string>;

export interface CollectedItem {
  readonly typeName: string;
  readonly schemaVersion: string;
  readonly content: InventoryEntry[];
}

/** Runs a program; undefined when it is not installed or fails. */
function run(file: string, args: readonly string[], timeoutMs = 60_000): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C' } }, (error, stdout) => resolve(error ? undefined : stdout));
  });
}

/** Leaves out empty values: AWS's gatherers send no attribute they have no value for. */
function compact(entry: Record<string, string | undefined>): InventoryEntry {
  const out: InventoryEntry = {};
  for (const [k, v] of Object.entries(entry)) if (v !== undefined && v !== '') out[k] = v;
  return out;
}

const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** AWS:Application: dpkg packages (Debian, Ubuntu) and rpm packages (RHEL-likes), whichever the machine has. */
export async function collectApplications(): Promise<CollectedItem> {
  const content: InventoryEntry[] = [];
  const dpkg = await run('dpkg-query', ['-W', '-f', '${Package}\\t${Version}\\t${Architecture}\\t${Maintainer}\\t${Section}\\t${Homepage}\\t${binary:Summary}\\t${db-fsys:Last-Modified}\\t${db:Status-Abbrev}\\n']);
  for (const line of (dpkg ?? '').split('\n')) {
    const [name, version, arch, maintainer, section, homepage, summary, modified, status] = line.split('\t');
    // Only installed packages ("ii"): removed ones keep their configuration and a line.
    if (!name || !status?.startsWith('i')) continue;
    content.push(compact({
      Name: name, Version: version, Architecture: arch, Publisher: maintainer, ApplicationType: section, URL: homepage, Summary: summary,
      InstalledTime: modified && /^\d+$/.test(modified) ? isoSeconds(Number(modified) * 1000) : undefined,
      PackageId: `${name}_${version}_${arch}.deb`,
    }));
  }
  const rpm = await run('rpm', ['-qa', '--queryformat', '%{NAME}\\t%{VERSION}\\t%{RELEASE}\\t%{EPOCH}\\t%{ARCH}\\t%{VENDOR}\\t%{URL}\\t%{SUMMARY}\\t%{INSTALLTIME}\\t%{GROUP}\\t%{SOURCERPM}\\n']);
  for (const line of (rpm ?? '').split('\n')) {
    const [name, version, release, epoch, arch, vendor, url, summary, installed, group] = line.split('\t');
    if (!name || name === 'gpg-pubkey') continue;
    const none = (v: string | undefined) => (v === '(none)' ? undefined : v);
    content.push(compact({
      Name: name, Version: version, Release: none(release), Epoch: none(epoch), Architecture: none(arch), Publisher: none(vendor), URL: none(url), Summary: none(summary),
      ApplicationType: none(group), InstalledTime: installed && /^\d+$/.test(installed) ? isoSeconds(Number(installed) * 1000) : undefined,
      PackageId: `${name}-${version}-${release}.${arch}.rpm`,
    }));
  }
  return { typeName: 'AWS:Application', schemaVersion: '1.1', content: content.sort((a, b) => cmp(a.Name, b.Name) || cmp(a.Architecture ?? '', b.Architecture ?? '')) };
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** AWS:AWSComponent: the agent itself (the SSM agent is one on AWS). */
export function collectAwsComponents(): CollectedItem {
  const info = platformInfo();
  return {
    typeName: 'AWS:AWSComponent', schemaVersion: '1.0',
    content: [compact({ Name: 'bosun-agent', Version: info.agentVersion, ApplicationType: 'agent', Publisher: 'Bosun', Architecture: os.arch() })],
  };
}

/** AWS:Network: each interface other than loopback, with its addresses, MAC, default gateway and DNS servers. */
export function collectNetwork(sysClassNet = '/sys/class/net'): CollectedItem {
  const interfaces = os.networkInterfaces();
  const names = new Set(Object.keys(interfaces));
  try {
    for (const name of fs.readdirSync(sysClassNet)) names.add(name);
  } catch { /* not Linux: os.networkInterfaces() alone */ }
  const gateways = defaultGateways();
  const dns = dnsServers();
  const content: InventoryEntry[] = [];
  for (const name of [...names].sort()) {
    const addresses = interfaces[name] ?? [];
    if (name === 'lo' || addresses.some((a) => a.internal)) continue;
    const v4 = addresses.filter((a) => a.family === 'IPv4');
    const v6 = addresses.filter((a) => a.family === 'IPv6');
    let mac = addresses.find((a) => a.mac && a.mac !== '00:00:00:00:00:00')?.mac;
    try {
      mac ??= fs.readFileSync(path.join(sysClassNet, name, 'address'), 'utf8').trim() || undefined;
    } catch { /* no sysfs entry */ }
    content.push(compact({
      Name: name, MacAddress: mac, IPV4: v4.map((a) => a.address).join(','), IPV6: v6.map((a) => a.address).join(','),
      SubnetMask: v4[0]?.netmask, Gateway: gateways.get(name), DNSServer: v4.length > 0 ? dns.join(',') : undefined,
    }));
  }
  return { typeName: 'AWS:Network', schemaVersion: '1.0', content };
}

/** Interface → default gateway, from the kernel's routing table. */
function defaultGateways(): Map<string, string> {
  const out = new Map<string, string>();
  try {
    for (const line of fs.readFileSync('/proc/net/route', 'utf8').split('\n').slice(1)) {
      const [iface, destination, gateway] = line.trim().split(/\s+/);
      if (destination !== '00000000' || !gateway) continue;
      const n = parseInt(gateway, 16);
      out.set(iface, [n & 255, (n >> 8) & 255, (n >> 16) & 255, (n >>> 24) & 255].join('.'));
    }
  } catch { /* no /proc */ }
  return out;
}

function dnsServers(): string[] {
  try {
    return fs.readFileSync('/etc/resolv.conf', 'utf8').split('\n').map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1]).filter((s): s is string => s !== undefined);
  } catch {
    return [];
  }
}

/**
 * AWS:Service: systemd service units, with their state and whether they start at boot. A
 * machine without systemd running (a container) has none: an empty list.
 */
export async function collectServices(): Promise<CollectedItem> {
  const empty = { typeName: 'AWS:Service', schemaVersion: '1.0', content: [] };
  const units = await run('systemctl', ['list-units', '--type=service', '--all', '--no-legend', '--plain', '--no-pager'], 30_000);
  if (units === undefined) return empty;
  const files = await run('systemctl', ['list-unit-files', '--type=service', '--no-legend', '--plain', '--no-pager'], 30_000);
  const startTypes = new Map<string, string>();
  for (const line of (files ?? '').split('\n')) {
    const [unit, state] = line.trim().split(/\s+/);
    if (unit) startTypes.set(unit, state === 'enabled' ? 'Automatic' : state === 'disabled' ? 'Disabled' : 'Manual');
  }
  const content: InventoryEntry[] = [];
  for (const line of units.split('\n')) {
    const m = /^\s*(\S+\.service)\s+(\S+)\s+(\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (!m || m[2] === 'not-found') continue;
    content.push(compact({
      Name: m[1].replace(/\.service$/, ''), DisplayName: m[5], ServiceType: 'systemd', Status: m[3] === 'active' ? 'Running' : 'Stopped', StartType: startTypes.get(m[1]) ?? 'Manual',
    }));
  }
  return { ...empty, content: content.sort((a, b) => cmp(a.Name, b.Name)) };
}

/** AWS:InstanceInformation: what the node tells about itself (AWS adds it from the node's registration). */
export function collectInstanceInformation(instanceId: string): CollectedItem {
  const info = platformInfo();
  return {
    typeName: 'AWS:InstanceInformation', schemaVersion: '1.0',
    content: [compact({
      AgentType: 'bosun-agent', AgentVersion: info.agentVersion, ComputerName: info.computerName, InstanceId: instanceId, IpAddress: info.ipAddresses.join(','),
      PlatformName: info.platformName, PlatformType: info.platformType, PlatformVersion: info.platformVersion, ResourceType: 'ManagedInstance', InstanceStatus: 'Active',
    })],
  };
}

/** AWS:InstanceDetailedInformation: CPU model, speed, counts and hyper-threading from /proc/cpuinfo, memory from /proc/meminfo, the kernel. */
export function collectInstanceDetailedInformation(proc = '/proc'): CollectedItem {
  let cpuinfo = '';
  let meminfo = '';
  try {
    cpuinfo = fs.readFileSync(path.join(proc, 'cpuinfo'), 'utf8');
  } catch { /* not Linux */ }
  try {
    meminfo = fs.readFileSync(path.join(proc, 'meminfo'), 'utf8');
  } catch { /* not Linux */ }
  const blocks = cpuinfo.split(/\n\s*\n/).filter((b) => /^processor\s*:/m.test(b));
  const field = (block: string | undefined, name: string) => (block ? new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(block)?.[1]?.trim() : undefined);
  const cpus = os.cpus();
  const sockets = new Set(blocks.map((b) => field(b, 'physical id')).filter((v) => v !== undefined));
  const coresPerSocket = Number(field(blocks[0], 'cpu cores') ?? NaN);
  const siblings = Number(field(blocks[0], 'siblings') ?? NaN);
  const socketCount = sockets.size || (blocks.length > 0 ? 1 : 0);
  const cores = Number.isFinite(coresPerSocket) ? coresPerSocket * socketCount : undefined;
  const memKb = /^MemTotal:\s*(\d+)\s*kB/m.exec(meminfo)?.[1];
  const speed = field(blocks[0], 'cpu MHz') ?? (cpus[0]?.speed ? String(cpus[0].speed) : undefined);
  return {
    typeName: 'AWS:InstanceDetailedInformation', schemaVersion: '1.0',
    content: [compact({
      CPUModel: field(blocks[0], 'model name') ?? cpus[0]?.model,
      CPUs: String(blocks.length || cpus.length),
      CPUSockets: socketCount > 0 ? String(socketCount) : undefined,
      CPUCores: cores !== undefined ? String(cores) : undefined,
      CPUSpeedMHz: speed !== undefined ? String(Math.round(Number(speed))) : undefined,
      CPUHyperThreadEnabled: Number.isFinite(siblings) && Number.isFinite(coresPerSocket) ? String(siblings > coresPerSocket) : undefined,
      KernelVersion: os.release(),
      MemoryMB: memKb !== undefined ? String(Math.round(Number(memKb) / 1024)) : String(Math.round(os.totalmem() / 1048576)),
    })],
  };
}

/** AWS:Tag: the node's tags (the server's, read by the plugin with ListTagsForResource on its own node; EC2's instance metadata on AWS). */
export function collectTags(tags: readonly { Key: string; Value: string }[] = []): CollectedItem {
  return { typeName: 'AWS:Tag', schemaVersion: '1.0', content: tags.map((t) => ({ Key: t.Key, Value: t.Value })) };
}

/** Types of Windows only: empty elsewhere. */
export function collectWindowsOnly(typeName: 'AWS:WindowsUpdate' | 'AWS:WindowsRole'): CollectedItem {
  return { typeName, schemaVersion: '1.0', content: [] };
}

/** AWS:BillingInfo: license-included billing products of EC2 instances; none on a machine of your own. */
export function collectBillingInfo(): CollectedItem {
  return { typeName: 'AWS:BillingInfo', schemaVersion: '1.0', content: [] };
}
