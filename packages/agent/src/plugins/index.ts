import type { AgentPlugin } from './plugin.ts';
import { echoPlugin } from './echo.ts';
import { runDocumentPlugin } from './run-document.ts';
import { runPowerShellScriptPlugin } from './run-powershell-script.ts';
import { runShellScriptPlugin } from './run-shell-script.ts';

export * from './plugin.ts';
export { echoPlugin } from './echo.ts';
export { runDocumentPlugin, MAX_NESTING_DEPTH } from './run-document.ts';
export { runPowerShellScriptPlugin } from './run-powershell-script.ts';
export { runShellScriptPlugin } from './run-shell-script.ts';

/** The plugins an agent runs, by the action name documents use. */
export function defaultPlugins(): ReadonlyMap<string, AgentPlugin> {
  const list: AgentPlugin[] = [runShellScriptPlugin(), runPowerShellScriptPlugin(), runDocumentPlugin, echoPlugin];
  return new Map(list.map((p) => [p.name, p]));
}
