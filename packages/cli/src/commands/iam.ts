import fs from 'node:fs';
import { Command } from 'commander';
import { adminAttachUserPolicy, adminListUserPolicies, adminPutUserPolicy, adminSimulate, IamAdminError } from '@bosun/server';
import { type StoreFlags } from '../config.ts';
import { addStoreFlags, withStore } from './common.ts';

type UserFlags = StoreFlags & { accountId: string; userName: string };

/** Turns the store's refusals (unknown user, malformed policy) into one-line errors. */
async function friendly<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof IamAdminError) throw new Error(error.message);
    const code = (error as { code?: string }).code;
    if (code === 'MalformedPolicyDocument') throw new Error(`MalformedPolicyDocument: ${(error as Error).message}`);
    throw error;
  }
}

/** A policy document given inline, as file://path, or as @path. */
function readDocument(text: string): string {
  if (text.startsWith('file://')) return fs.readFileSync(text.slice('file://'.length), 'utf8');
  if (text.startsWith('@')) return fs.readFileSync(text.slice(1), 'utf8');
  return text;
}

const userOptions = (command: Command) => command
  .requiredOption('--account-id <id>', 'the account')
  .requiredOption('--user-name <name>', 'the user');

export function iamCommand(): Command {
  const iam = new Command('iam').description('Grant and inspect permissions (IAM policies) on the store directly. Through the API, use `aws iam ... --endpoint-url`.');

  addStoreFlags(userOptions(iam.command('attach-user-policy').description('Attach a managed policy (e.g. arn:aws:iam::aws:policy/AdministratorAccess) to a user.'))
    .requiredOption('--policy-arn <arn>', 'the managed policy')).action(async (flags: UserFlags & { policyArn: string }) => {
    await withStore(flags, async (store) => {
      await friendly(adminAttachUserPolicy(store, { accountId: flags.accountId, userName: flags.userName, policyArn: flags.policyArn, now: Date.now() }));
      process.stdout.write(`Attached ${flags.policyArn} to ${flags.userName}.\n`);
    });
  });

  addStoreFlags(userOptions(iam.command('put-user-policy').description('Set an inline policy of a user (JSON text, file://path or @path).'))
    .requiredOption('--policy-name <name>', 'the inline policy name')
    .requiredOption('--policy-document <json>', 'the policy document')).action(async (flags: UserFlags & { policyName: string; policyDocument: string }) => {
    await withStore(flags, async (store) => {
      await friendly(adminPutUserPolicy(store, { accountId: flags.accountId, userName: flags.userName, policyName: flags.policyName, document: readDocument(flags.policyDocument) }));
      process.stdout.write(`Policy ${flags.policyName} set on ${flags.userName}.\n`);
    });
  });

  addStoreFlags(userOptions(iam.command('list-user-policies').description('List the managed (attached) and inline policies of a user.'))).action(async (flags: UserFlags) => {
    await withStore(flags, async (store) => {
      const { attached, inline } = await friendly(adminListUserPolicies(store, { accountId: flags.accountId, userName: flags.userName }));
      if (attached.length === 0 && inline.length === 0) process.stdout.write(`${flags.userName} has no policies: every call is denied.\n`);
      for (const arn of attached) process.stdout.write(`attached  ${arn}\n`);
      for (const name of inline) process.stdout.write(`inline    ${name}\n`);
    });
  });

  addStoreFlags(userOptions(iam.command('simulate').description('Show whether a user may perform an action on a resource: allowed, explicitDeny or implicitDeny.'))
    .requiredOption('--action <action>', 'e.g. ssm:GetParameter')
    .option('--resource <arn>', 'the resource ARN', '*')).action(async (flags: UserFlags & { action: string; resource: string }) => {
    await withStore(flags, async (store) => {
      const decision = await friendly(adminSimulate(store, { accountId: flags.accountId, userName: flags.userName, action: flags.action, resource: flags.resource, now: Date.now() }));
      const word = decision === 'Allow' ? 'allowed' : decision === 'ExplicitDeny' ? 'explicitDeny' : 'implicitDeny';
      process.stdout.write(`${word}: ${flags.userName} ${flags.action} on ${flags.resource}\n`);
      if (decision !== 'Allow') process.exitCode = 1;
    });
  });
  return iam;
}
