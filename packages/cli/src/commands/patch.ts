import { Command } from 'commander';

/** `bosun patch`. */
export function patchCommand(): Command {
  return new Command('patch').description('Patch Manager: baselines, scans, installs and patch compliance.');
}
