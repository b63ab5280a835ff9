import { Command } from 'commander';
import fs from 'node:fs';
import {
  adminCreateAccessKey, adminCreateAccount, adminCreateUser, adminGrantAdministrator, checkRootKey, ensureRootKeyFile, IdentityConflictError, isAccountId,
} from '@bosun/server';
import { UsageError, loadRootKey, type StoreFlags } from '../config.ts';
import { addStoreFlags, withStore } from './common.ts';

export function adminCommand(): Command {
  const admin = new Command('admin').description('Create accounts, users and access keys directly in the store (no server needed).');

  admin.command('create-root-key')
    .description('Create a new root key file (32 random bytes, base64, mode 0600). It seals every secret in the store: back it up.')
    .argument('<file>', 'where to write the key')
    .action((file: string) => {
      if (fs.existsSync(file)) throw new UsageError(`${file} already exists; refusing to overwrite a root key (the store's secrets would become unreadable).`);
      ensureRootKeyFile(file);
      process.stdout.write(`Root key written to ${file}\n`);
    });

  addStoreFlags(
    admin.command('create-account')
      .description('Create an account (a random 12-digit id unless --account-id), optionally with an admin user and an access key.')
      .option('--account-id <id>', '12-digit account id, e.g. one that mirrors an AWS account in ARNs')
      .option('--admin-user <name>', 'also create this user, holding AdministratorAccess, and an access key for it'),
  ).action(async (flags: StoreFlags & { accountId?: string; adminUser?: string }) => {
    if (flags.accountId !== undefined && !isAccountId(flags.accountId)) throw new UsageError(`--account-id must be 12 digits (got '${flags.accountId}')`);
    await withStore(flags, async (store, config) => {
      const rootKey = flags.adminUser ? loadRootKey(config) : undefined;
      if (rootKey) await checkRootKey(store, rootKey);
      const now = Date.now();
      const accountId = await friendly(adminCreateAccount(store, { accountId: flags.accountId, now }));
      process.stdout.write(`Account ${accountId} created.\n`);
      if (flags.adminUser && rootKey) {
        await friendly(adminCreateUser(store, { accountId, userName: flags.adminUser, now }));
        await adminGrantAdministrator(store, { accountId, userName: flags.adminUser, now });
        printKey(await friendly(adminCreateAccessKey(store, rootKey, { accountId, userName: flags.adminUser, now })));
      }
    });
  });

  addStoreFlags(
    admin.command('create-user')
      .description('Create a user in an account. It has no policies (every call denied) until some are attached, e.g. with `aws iam attach-user-policy`.')
      .requiredOption('--account-id <id>', 'the account')
      .requiredOption('--user-name <name>', 'the user name'),
  ).action(async (flags: StoreFlags & { accountId: string; userName: string }) => {
    checkUserName(flags.userName);
    await withStore(flags, async (store) => {
      await friendly(adminCreateUser(store, { accountId: flags.accountId, userName: flags.userName, now: Date.now() }));
      process.stdout.write(`User ${flags.userName} created in account ${flags.accountId}.\n`);
    });
  });

  addStoreFlags(
    admin.command('create-access-key')
      .description('Create an access key for a user (at most two per user). The secret is shown once.')
      .requiredOption('--account-id <id>', 'the account')
      .requiredOption('--user-name <name>', 'the user'),
  ).action(async (flags: StoreFlags & { accountId: string; userName: string }) => {
    await withStore(flags, async (store, config) => {
      const rootKey = loadRootKey(config);
      await checkRootKey(store, rootKey);
      printKey(await friendly(adminCreateAccessKey(store, rootKey, { accountId: flags.accountId, userName: flags.userName, now: Date.now() })));
    });
  });
  return admin;
}

function printKey(key: { accountId: string; userName: string; accessKeyId: string; secretAccessKey: string }): void {
  process.stdout.write(`Access key for ${key.userName} in account ${key.accountId} (the secret is shown only now):\n`);
  process.stdout.write(`  export AWS_ACCESS_KEY_ID=${key.accessKeyId}\n  export AWS_SECRET_ACCESS_KEY=${key.secretAccessKey}\n`);
}

function checkUserName(name: string): void {
  if (!/^[\w+=,.@-]{1,64}$/.test(name)) throw new UsageError(`--user-name must be 1-64 characters of letters, digits and + = , . @ _ - (got '${name}')`);
}

/** Conflicts (already exists, no such account…) are the caller's mistake: show them as usage errors. */
async function friendly<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof IdentityConflictError) throw new UsageError(error.message);
    throw error;
  }
}
