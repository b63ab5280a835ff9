import { outcome, type AgentPlugin } from './plugin.ts';
import { findExecutable, parseScriptInput, runScript, type ScriptInput } from './script-process.ts';

/**
 * aws:runPowerShellScript: the commands as a .ps1 script run by `pwsh` (PowerShell 7). Where
 * pwsh is not installed the step fails at once with a message that says so. Same inputs,
 * timeout and exit codes as aws:runShellScript.
 */
export function runPowerShellScriptPlugin(options: { env?: NodeJS.ProcessEnv } = {}): AgentPlugin<ScriptInput> {
  return {
    name: 'aws:runPowerShellScript',
    parseInput: parseScriptInput,
    async run(input, context) {
      const pwsh = findExecutable('pwsh', options.env ?? process.env);
      if (!pwsh) {
        context.output.write('stderr', 'failed to run commands: pwsh is not installed on this node (aws:runPowerShellScript needs PowerShell 7: install the powershell package)\n');
        return outcome.failed(1);
      }
      return runScript(input, context, { command: pwsh, args: ['-NoLogo', '-NoProfile', '-NonInteractive', '-File'], scriptName: '_script.ps1' });
    },
  };
}
