import { Command } from 'commander';

/** `bosun inventory`. */
export function inventoryCommand(): Command {
  return new Command('inventory').description('Inventory: what is on every node, now and at any time in the past.');
}
