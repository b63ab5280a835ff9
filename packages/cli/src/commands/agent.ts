import { Command } from 'commander';
import { runAgentCli } from '@bosun/agent';

/** `bosun agent …`: the managed-node agent (the same code as the bundled bosun-agent.cjs). */
export function agentCommand(): Command {
  return new Command('agent')
    .description('Run the Bosun agent on this machine: first start with --endpoint URL --code CODE --id ID registers it.')
    .allowUnknownOption(true)
    .helpOption(false)
    .argument('[args...]', 'run | register | report, and their options (bosun agent --help)')
    .action(async (args: string[]) => {
      process.exitCode = await runAgentCli(args);
    });
}
