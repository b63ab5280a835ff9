import { Command } from 'commander';

/** `bosun automation`. */
export function automationCommand(): Command {
  return new Command('automation').description('Automation: start runbooks, list and show executions with their steps, approve.');
}
