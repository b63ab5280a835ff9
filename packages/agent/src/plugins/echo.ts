import { outcome, PluginInputError, type AgentPlugin } from './plugin.ts';

export interface EchoInput {
  readonly message: string;
  readonly exitCode: number;
}

/**
 * bosun:echo, the trivial plugin for tests and the fleet simulator: writes `message` to
 * stdout and ends with `exitCode` (default 0), without starting a process.
 */
export const echoPlugin: AgentPlugin<EchoInput> = {
  name: 'bosun:echo',
  parseInput(inputs) {
    const message = inputs.message ?? '';
    if (typeof message !== 'string') throw new PluginInputError('message must be a string');
    const code = inputs.exitCode ?? 0;
    const exitCode = typeof code === 'string' && /^-?\d+$/.test(code) ? Number(code) : code;
    if (typeof exitCode !== 'number' || !Number.isInteger(exitCode)) throw new PluginInputError('exitCode must be an integer');
    return { message, exitCode };
  },
  run(input, context) {
    if (input.message) context.output.write('stdout', input.message.endsWith('\n') ? input.message : `${input.message}\n`);
    return Promise.resolve(input.exitCode === 0 ? outcome.success() : outcome.failed(input.exitCode));
  },
};
