import { Command } from 'commander';

/** `bosun windows`. */
export function windowsCommand(): Command {
  return new Command('windows').description('Maintenance windows: list them, show one, its next runs and its history.');
}
