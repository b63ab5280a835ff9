import fs from 'node:fs';
import path from 'node:path';
import { AGENT_VERSION_PATTERN, compareVersions, type AgentBundleInfo, type AgentVersionsResponse } from '@bosun/protocol';
import { describeBundle, type AgentBundle } from './agent-bundle.ts';

/**
 * The agent versions a server offers to aws:updateSsmAgent: the bundle built from its own
 * sources (packages/agent's version) and each `<dir>/<version>/bosun-agent.cjs` an operator
 * put in the bundles directory (default `<data-dir>/agent-bundles`). The directory is read at
 * each request, so a bundle dropped in is offered at once; hashes are kept per file size and
 * modification time.
 */
export class AgentBundles {
  private readonly hashes = new Map<string, { key: string; bundle: AgentBundle }>();

  constructor(private readonly options: { dir?: string; current: () => Promise<(AgentBundle & { version: string }) | undefined> }) {}

  async list(): Promise<AgentVersionsResponse & { files: ReadonlyMap<string, string> }> {
    const offered = new Map<string, AgentBundleInfo & { file: string }>();
    const current = await this.options.current();
    const dir = this.options.dir;
    if (dir && fs.existsSync(dir)) {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        if (!entry.isDirectory() || !AGENT_VERSION_PATTERN.test(entry.name)) continue;
        const file = path.join(dir, entry.name, 'bosun-agent.cjs');
        const bundle = this.describe(file);
        if (bundle) offered.set(entry.name, { version: entry.name, sha256: bundle.sha256, bytes: bundle.bytes, file });
      }
    }
    // The server's own build wins over a directory of the same version.
    if (current) offered.set(current.version, { version: current.version, sha256: current.sha256, bytes: current.bytes, file: current.file });
    const versions = [...offered.values()].sort((a, b) => compareVersions(b.version, a.version));
    return {
      current: current?.version ?? '',
      latest: versions[0]?.version ?? '',
      versions: versions.map(({ version, sha256, bytes }) => ({ version, sha256, bytes })),
      files: new Map(versions.map((v) => [v.version, v.file])),
    };
  }

  private describe(file: string): AgentBundle | undefined {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      return undefined;
    }
    const key = `${stat.size}:${stat.mtimeMs}`;
    const known = this.hashes.get(file);
    if (known?.key === key) return known.bundle;
    const bundle = describeBundle(file);
    this.hashes.set(file, { key, bundle });
    return bundle;
  }
}
