import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './bosun-process.ts';

/** Summarises a V8 .cpuprofile (node --cpu-prof): where the samples fall, by package and by function. */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  readonly totalMs: number;
  readonly byPackage: { name: string; selfMs: number }[];
  readonly bySelf: { name: string; selfMs: number }[];
  readonly byTotal: { name: string; totalMs: number }[];
}

export function summariseProfile(file: string, top = 25): ProfileSummary {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + dt);
  }
  let totalMs = 0;
  const pkgSelf = new Map<string, number>();
  const fnSelf = new Map<string, number>();
  const fnTotal = new Map<string, number>();
  for (const [id, ms] of self) {
    totalMs += ms;
    const node = byId.get(id)!;
    add(pkgSelf, packageOf(node.callFrame.url, node.callFrame.functionName), ms);
    add(fnSelf, functionName(node), ms);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const name = functionName(byId.get(cur)!);
      if (!seen.has(name)) {
        seen.add(name);
        add(fnTotal, name, ms);
      }
    }
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return {
    totalMs,
    byPackage: sorted(pkgSelf).slice(0, top).map(([name, selfMs]) => ({ name, selfMs })),
    bySelf: sorted(fnSelf).slice(0, top).map(([name, selfMs]) => ({ name, selfMs })),
    byTotal: sorted(fnTotal).filter(([name]) => !/^\((root|program|idle)\)/.test(name)).slice(0, top).map(([name, totalMs]) => ({ name, totalMs })),
  };
}

export function formatProfileSummary(s: ProfileSummary): string {
  const pct = (ms: number) => `${((100 * ms) / s.totalMs).toFixed(1).padStart(5)}%`;
  const lines = [`profile: ${(s.totalMs / 1000).toFixed(1)} s sampled`, '', 'self time by package:'];
  for (const p of s.byPackage) lines.push(`  ${pct(p.selfMs)}  ${p.name}`);
  lines.push('', 'self time by function:');
  for (const f of s.bySelf) lines.push(`  ${pct(f.selfMs)}  ${f.name}`);
  lines.push('', 'total (inclusive) time by function:');
  for (const f of s.byTotal) lines.push(`  ${pct(f.totalMs)}  ${f.name}`);
  return lines.join('\n') + '\n';
}

function add(m: Map<string, number>, key: string, ms: number): void {
  m.set(key, (m.get(key) ?? 0) + ms);
}

function shortUrl(url: string): string {
  const file = url.startsWith('file://') ? decodeURIComponent(url.slice(7)) : url;
  return file.startsWith(repoRoot) ? path.relative(repoRoot, file) : file;
}

function functionName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  if (!url) return functionName || '(anonymous)';
  return `${functionName || '(anonymous)'} ${shortUrl(url)}:${lineNumber + 1}`;
}

function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  // better-sqlite3 runs SQLite synchronously inside the Kysely driver function that calls it.
  if (functionName === 'executeQuery' && url.endsWith('/dialect/sqlite/sqlite-driver.js')) return 'SQLite (better-sqlite3, called from kysely)';
  const file = shortUrl(url);
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  if (nm) return nm[1];
  if (file.startsWith('node:')) return 'node:' + file.slice(5).split('/')[0];
  const pkg = /^packages\/([^/]+)\/src\/([^/]+)/.exec(file);
  if (pkg) return `@bosun/${pkg[1]} ${pkg[2]}`;
  return file;
}

/** `tsx bench/lib/cpuprofile.ts FILE.cpuprofile [top]` */
if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: tsx bench/lib/cpuprofile.ts FILE.cpuprofile [top]\n');
    process.exit(2);
  }
  process.stdout.write(formatProfileSummary(summariseProfile(file, top ? Number(top) : 25)));
}
