import type { AgentPlugin } from './plugin.ts';
import { echoPlugin } from './echo.ts';
import { runDocumentPlugin } from './run-document.ts';
import { runPowerShellScriptPlugin } from './run-powershell-script.ts';
import { runShellScriptPlugin } from './run-shell-script.ts';
import { updateAgentPlugin, type AgentUpdater } from './update-agent.ts';

export * from './plugin.ts';
export { echoPlugin } from './echo.ts';
export { runDocumentPlugin, MAX_NESTING_DEPTH } from './run-document.ts';
export { runPowerShellScriptPlugin } from './run-powershell-script.ts';
export { runShellScriptPlugin } from './run-shell-script.ts';
export { updateAgentPlugin, AGENT_NAMES, type AgentUpdater, type UpdateAgentInput } from './update-agent.ts';

/** The plugins an agent runs, by the action name documents use; `updater`: the running agent's, for aws:updateSsmAgent. */
export function defaultPlugins(options: { updater?: () => AgentUpdater | undefined } = {}): ReadonlyMap<string, AgentPlugin> {
  const list: AgentPlugin[] = [
    runShellScriptPlugin(), runPowerShellScriptPlugin(), runDocumentPlugin, echoPlugin, updateAgentPlugin(options.updater ?? (() => undefined)),
  ];
  return new Map(list.map((p) => [p.name, p]));
}
