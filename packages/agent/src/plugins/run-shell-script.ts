import type { AgentPlugin } from './plugin.ts';
import { parseScriptInput, runScript, type ScriptInput } from './script-process.ts';

/**
 * aws:runShellScript: the commands (runCommand, a string or list of lines) as one script run
 * by `sh` in workingDirectory (default: the step's directory), stopped after timeoutSeconds
 * (default 3600). Exit 0 → Success; any other exit → Failed with that code; timeout →
 * TimedOut/ExecutionTimedOut with 137, as AWS's Linux agent reports them.
 */
export function runShellScriptPlugin(options: { shell?: string; timeoutMsForTests?: number } = {}): AgentPlugin<ScriptInput> {
  return {
    name: 'aws:runShellScript',
    parseInput: parseScriptInput,
    run: (input, context) => runScript(input, context, { command: options.shell ?? 'sh', args: [], scriptName: '_script.sh', timeoutMs: options.timeoutMsForTests }),
  };
}
