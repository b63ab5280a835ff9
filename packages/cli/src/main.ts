import { Command, CommanderError } from 'commander';
import { UsageError } from './config.ts';
import { adminCommand } from './commands/admin.ts';
import { agentCommand } from './commands/agent.ts';
import { assocCommand } from './commands/assoc.ts';
import { nodesCommand } from './commands/nodes.ts';
import { auditCommand } from './commands/audit.ts';
import { devCommand } from './commands/dev.ts';
import { eventsCommand } from './commands/events.ts';
import { execCommand } from './commands/exec.ts';
import { paramsCommand } from './commands/params.ts';
import { iamCommand } from './commands/iam.ts';
import { serverCommand } from './commands/server.ts';
import { runCommand } from './commands/run.ts';
import { windowsCommand } from './commands/windows.ts';
import { inventoryCommand } from './commands/inventory.ts';
import { automationCommand } from './commands/automation.ts';
import { patchCommand } from './commands/patch.ts';

export function program(): Command {
  return new Command('bosun')
    .description('Bosun: a self-hosted Systems Manager that speaks the AWS Systems Manager API.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .addCommand(devCommand())
    .addCommand(serverCommand())
    .addCommand(auditCommand())
    .addCommand(adminCommand())
    .addCommand(paramsCommand())
    .addCommand(execCommand())
    .addCommand(eventsCommand())
    .addCommand(iamCommand())
    .addCommand(nodesCommand())
    .addCommand(runCommand())
    .addCommand(assocCommand())
    .addCommand(windowsCommand())
    .addCommand(inventoryCommand())
    .addCommand(automationCommand())
    .addCommand(patchCommand())
    .addCommand(agentCommand());
}

export async function main(argv: string[]): Promise<void> {
  const cli = program().exitOverride();
  try {
    await cli.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
      return;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`bosun: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`bosun: ${(error as Error).message ?? String(error)}\n`);
    process.exitCode = 1;
  }
}
