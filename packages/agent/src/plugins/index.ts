import type { AgentPlugin, ApiCaller } from './plugin.ts';
import { echoPlugin } from './echo.ts';
import { runDocumentPlugin } from './run-document.ts';
import { runPowerShellScriptPlugin } from './run-powershell-script.ts';
import { runShellScriptPlugin } from './run-shell-script.ts';
import { softwareInventoryPlugin } from './software-inventory.ts';
import { updateAgentPlugin, type AgentUpdater } from './update-agent.ts';

export * from './plugin.ts';
export { echoPlugin } from './echo.ts';
export { runDocumentPlugin, MAX_NESTING_DEPTH } from './run-document.ts';
export { runPowerShellScriptPlugin } from './run-powershell-script.ts';
export { runShellScriptPlugin } from './run-shell-script.ts';
export { softwareInventoryPlugin, type SoftwareInventoryOptions } from './software-inventory.ts';
export { updateAgentPlugin, AGENT_NAMES, type AgentUpdater, type UpdateAgentInput } from './update-agent.ts';

/**
 * The plugins an agent runs, by the action name documents use. `updater`: the running agent's,
 * for aws:updateSsmAgent; `callApi`: its API caller, for aws:softwareInventory (without it the
 * plugin signs with session credentials of its own from the node's identity).
 */
export function defaultPlugins(options: { updater?: () => AgentUpdater | undefined; callApi?: () => ApiCaller | undefined } = {}): ReadonlyMap<string, AgentPlugin> {
  const list: AgentPlugin[] = [
    runShellScriptPlugin(), runPowerShellScriptPlugin(), runDocumentPlugin, echoPlugin, updateAgentPlugin(options.updater ?? (() => undefined)),
    softwareInventoryPlugin({ callApi: options.callApi }),
  ];
  return new Map(list.map((p) => [p.name, p]));
}
