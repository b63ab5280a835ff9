import { AGENT_VERSION_PATTERN, compareVersions, type AgentBundleInfo, type AgentVersionsResponse } from '@bosun/protocol/channel';
import { outcome, PluginInputError, type AgentPlugin, type PluginOutput } from './plugin.ts';

/** The names documents give the agent: AWS's (documents written for AWS run unchanged) and ours. */
export const AGENT_NAMES: readonly string[] = ['amazon-ssm-agent', 'bosun-agent'];

export interface UpdateAgentInput {
  /** '' means the latest version the server offers. */
  readonly targetVersion: string;
  readonly allowDowngrade: boolean;
}

/**
 * What the running agent does for the plugin: the plugin decides (which version, whether to
 * go), the agent holds the mechanics (signed downloads, the bundle file it runs from, the
 * restart and the rollback). Absent when the agent does not run from a bundle file.
 */
export interface AgentUpdater {
  readonly currentVersion: string;
  /** The versions the server offers. */
  versions(): Promise<AgentVersionsResponse>;
  /** Downloads a bundle, checks its SHA-256 and stages it next to the running one; returns the staged file. */
  stage(bundle: AgentBundleInfo): Promise<string>;
  /**
   * Puts the staged bundle in place of the running one and starts it; resolves once the new
   * agent is Online, or once the previous bundle is back (`ok: false`, with the reason).
   */
  install(bundle: AgentBundleInfo, stagedFile: string, output: PluginOutput): Promise<{ ok: true } | { ok: false; reason: string }>;
}

/**
 * aws:updateSsmAgent: updates the Bosun agent to `targetVersion` (default: the latest the
 * server offers) from the bundles its server serves. Already at that version: Success, no
 * restart. An older version is refused unless `allowDowngrade` is true. `agentName` must be
 * amazon-ssm-agent or bosun-agent; `source` (AWS's manifest URL) is accepted and not used: the
 * bundles always come from the agent's own server.
 */
export function updateAgentPlugin(updater: () => AgentUpdater | undefined): AgentPlugin<UpdateAgentInput> {
  return {
    name: 'aws:updateSsmAgent',
    parseInput(inputs) {
      const agentName = inputs.agentName ?? 'bosun-agent';
      if (typeof agentName !== 'string' || !AGENT_NAMES.includes(agentName)) throw new PluginInputError(`agentName must be one of ${AGENT_NAMES.join(', ')}, not ${JSON.stringify(agentName)}`);
      const version = inputs.targetVersion ?? '';
      if (typeof version !== 'string' || (version !== '' && !AGENT_VERSION_PATTERN.test(version))) {
        throw new PluginInputError(`targetVersion must be empty (the latest) or a version such as 0.2.0, not ${JSON.stringify(version)}`);
      }
      const downgrade = inputs.allowDowngrade ?? 'false';
      if (downgrade !== true && downgrade !== false && downgrade !== 'true' && downgrade !== 'false') throw new PluginInputError('allowDowngrade must be true or false');
      return { targetVersion: version, allowDowngrade: downgrade === true || downgrade === 'true' };
    },
    async run(input, context) {
      const say = (line: string) => context.output.write('stdout', `${line}\n`);
      const fail = (line: string) => {
        context.output.write('stderr', `${line}\n`);
        return outcome.failed(1);
      };
      const agent = updater();
      if (!agent) return fail('this agent does not run from a bundle file (bosun agent from the Bosun sources, or bosun dev): update the checkout instead');
      const current = agent.currentVersion;
      say(`Updating bosun-agent from ${current} to ${input.targetVersion || 'latest'}`);
      let offered: AgentVersionsResponse;
      try {
        offered = await agent.versions();
      } catch (error) {
        return fail(`could not read the versions the server offers: ${(error as Error).message}`);
      }
      const version = input.targetVersion || offered.latest;
      const bundle = offered.versions.find((v) => compareVersions(v.version, version) === 0);
      const order = compareVersions(version, current);
      if (order === 0) {
        say(`bosun-agent ${current} has already been installed, update skipped`);
        return outcome.success();
      }
      if (!bundle) return fail(`bosun-agent ${version} is not offered by the server (offered: ${offered.versions.map((v) => v.version).join(', ')})`);
      if (order < 0 && !input.allowDowngrade) {
        return fail(`updating bosun-agent to an older version (${version}, installed ${current}) is refused: set allowDowngrade to true to proceed`);
      }
      if (context.signal.aborted) return outcome.cancelled();
      let staged: string;
      try {
        staged = await agent.stage(bundle);
      } catch (error) {
        return fail(`could not download bosun-agent ${version}: ${(error as Error).message}`);
      }
      say(`Successfully downloaded bosun-agent ${version} (${bundle.bytes} bytes, sha256 ${bundle.sha256})`);
      if (context.signal.aborted) return outcome.cancelled();
      say(`Initiating bosun-agent update to ${version}`);
      const installed = await agent.install(bundle, staged, context.output);
      if (!installed.ok) return fail(`bosun-agent update to ${version} failed: ${installed.reason}; rolled back to ${current}`);
      say(`bosun-agent updated successfully to ${version}`);
      return outcome.success();
    },
  };
}
