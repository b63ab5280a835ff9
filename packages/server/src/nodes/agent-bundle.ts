import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The agent as one JavaScript file (esbuild, CommonJS, no native dependencies), built from
 * packages/agent when it is missing or older than its sources, so that `npm ci && npm start`
 * serves it without a manual build step.
 */
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
export const AGENT_ENTRY = path.join(REPO_ROOT, 'packages/agent/src/bundle-entry.ts');
export const AGENT_BUNDLE = path.join(REPO_ROOT, 'packages/agent/dist/bosun-agent.cjs');
const SOURCE_DIRS = [path.join(REPO_ROOT, 'packages/agent/src'), path.join(REPO_ROOT, 'packages/protocol/src/channel')];

const AGENT_PACKAGE_JSON = path.join(REPO_ROOT, 'packages/agent/package.json');
/** Used when packages/agent/package.json is not here (a server installed without the agent's sources). */
const FALLBACK_AGENT_VERSION = '0.1.0';

export interface AgentBundle {
  readonly file: string;
  readonly sha256: string;
  readonly bytes: number;
}

export interface BuildOptions {
  /** The version the bundle reports (AgentVersion). Default: packages/agent's version. */
  readonly version?: string;
}

/** packages/agent's version: the version of the bundle built from these sources. */
export function currentAgentVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(AGENT_PACKAGE_JSON, 'utf8')) as { version: string }).version;
  } catch {
    return FALLBACK_AGENT_VERSION;
  }
}

function newestSourceMtime(): number {
  let newest = 0;
  const walk = (dir: string) => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (!entry.name.endsWith('.test.ts')) newest = Math.max(newest, fs.statSync(full).mtimeMs);
    }
  };
  for (const dir of SOURCE_DIRS) walk(dir);
  // A new version number in package.json is a new bundle too.
  if (fs.existsSync(AGENT_PACKAGE_JSON)) newest = Math.max(newest, fs.statSync(AGENT_PACKAGE_JSON).mtimeMs);
  return newest;
}

export async function buildAgentBundle(outFile = AGENT_BUNDLE, options: BuildOptions = {}): Promise<AgentBundle> {
  const version = options.version ?? currentAgentVersion();
  const esbuild = await import('esbuild');
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  const tmp = `${outFile}.${process.pid}.tmp`;
  await esbuild.build({
    entryPoints: [AGENT_ENTRY],
    outfile: tmp,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: false,
    legalComments: 'none',
    banner: { js: '#!/usr/bin/env node' },
    // ws's optional native helpers: without these defines the bundle would try to require them.
    // BOSUN_AGENT_VERSION: what the agent reports as its AgentVersion (platform.ts).
    define: { 'process.env.WS_NO_BUFFER_UTIL': '"1"', 'process.env.WS_NO_UTF_8_VALIDATE': '"1"', BOSUN_AGENT_VERSION: JSON.stringify(version) },
    logLevel: 'silent',
  });
  fs.renameSync(tmp, outFile);
  return describeBundle(outFile);
}

export function describeBundle(file: string): AgentBundle {
  const bytes = fs.readFileSync(file);
  return { file, sha256: crypto.createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length };
}

/** The bundle, built first when missing or stale; undefined when the agent's sources are not here. */
export async function ensureAgentBundle(): Promise<AgentBundle | undefined> {
  const sourcesHere = fs.existsSync(AGENT_ENTRY);
  if (fs.existsSync(AGENT_BUNDLE) && (!sourcesHere || fs.statSync(AGENT_BUNDLE).mtimeMs >= newestSourceMtime())) return describeBundle(AGENT_BUNDLE);
  if (!sourcesHere) return undefined;
  return buildAgentBundle();
}
