import { Command } from 'commander';
import {
  DescribeAssociationCommand, paginateDescribeAssociationExecutionTargets, paginateDescribeAssociationExecutions, paginateListAssociations,
  StartAssociationsOnceCommand, type AssociationDescription, type AssociationExecution, type AssociationExecutionTarget, type Target,
} from '@aws-sdk/client-ssm';
import { addApiFlags, resolveApiConfig, withSsmClient, type ApiFlags } from '../api-client.ts';
import { UsageError } from '../config.ts';
import { formatTable } from '../table.ts';

interface AssocFlags extends ApiFlags {
  json?: boolean;
}

/** `bosun assoc`: State Manager for people, through the API with the caller's credentials. */
export function assocCommand(): Command {
  const assoc = new Command('assoc').description('State Manager associations: list them, show one with its per-node status, run one now.');

  addApiFlags(assoc.command('ls').description('List associations: name, document, targets, schedule, status.')
    .option('--json', 'the ListAssociations entries as JSON'))
    .action(async (flags: AssocFlags) => {
      await withSsmClient(resolveApiConfig(flags), async (ssm) => {
        const rows = [];
        for await (const page of paginateListAssociations({ client: ssm }, {})) rows.push(...(page.Associations ?? []));
        if (flags.json) return print(rows);
        if (rows.length === 0) {
          process.stdout.write('No associations yet. Create one: aws ssm create-association --name AWS-RunShellScript --targets Key=tag:Role,Values=web ...\n');
          return;
        }
        process.stdout.write(formatTable(['ASSOCIATION ID', 'NAME', 'DOCUMENT', 'VERSION', 'TARGETS', 'SCHEDULE', 'STATUS', 'LAST RUN'], rows.map((a) => [
          a.AssociationId ?? '', a.AssociationName ?? '', a.Name ?? '', a.AssociationVersion ?? '', targetsText(a.Targets), a.ScheduleExpression ?? '(once)',
          a.Overview?.Status ?? '', a.LastExecutionDate?.toISOString() ?? '',
        ])) + '\n');
      });
    });

  addApiFlags(assoc.command('show').argument('<association-id>')
    .description('Show an association, its latest executions and each node\'s status in the newest one.')
    .option('--json', 'the association, its executions and the newest execution\'s targets as JSON'))
    .action(async (associationId: string, flags: AssocFlags) => {
      await withSsmClient(resolveApiConfig(flags), async (ssm) => {
        const { AssociationDescription: a } = await ssm.send(new DescribeAssociationCommand({ AssociationId: associationId }));
        const executions: AssociationExecution[] = [];
        for await (const page of paginateDescribeAssociationExecutions({ client: ssm }, { AssociationId: associationId })) {
          executions.push(...(page.AssociationExecutions ?? []));
          if (executions.length >= 10) break;
        }
        const newest = executions[0];
        const targets: AssociationExecutionTarget[] = [];
        if (newest?.ExecutionId) {
          for await (const page of paginateDescribeAssociationExecutionTargets({ client: ssm }, { AssociationId: associationId, ExecutionId: newest.ExecutionId })) {
            targets.push(...(page.AssociationExecutionTargets ?? []));
          }
        }
        if (flags.json) return print({ association: a, executions: executions.slice(0, 10), targets });
        process.stdout.write(describe(a!) + '\n');
        if (executions.length === 0) {
          process.stdout.write('\nNo executions yet.\n');
          return;
        }
        process.stdout.write('\nExecutions (newest first)\n' + formatTable(['EXECUTION ID', 'VERSION', 'STATUS', 'DETAIL', 'NODES', 'CREATED'], executions.slice(0, 10).map((e) => [
          e.ExecutionId ?? '', e.AssociationVersion ?? '', e.Status ?? '', e.DetailedStatus ?? '', e.ResourceCountByStatus ?? '', e.CreatedTime?.toISOString() ?? '',
        ])) + '\n');
        process.stdout.write(`\nNodes in ${newest.ExecutionId}\n` + (targets.length === 0 ? '(none)\n' : formatTable(['NODE', 'STATUS', 'DETAIL', 'COMMAND', 'LAST RUN'], targets.map((t) => [
          t.ResourceId ?? '', t.Status ?? '', t.DetailedStatus ?? '', t.OutputSource?.OutputSourceId ?? '', t.LastExecutionDate?.toISOString() ?? '',
        ])) + '\n'));
      });
    });

  addApiFlags(assoc.command('run').argument('<association-id...>').description('Apply associations now, on every target (StartAssociationsOnce).'))
    .action(async (ids: string[], flags: ApiFlags) => {
      if (ids.length === 0) throw new UsageError('name at least one association id');
      await withSsmClient(resolveApiConfig(flags), async (ssm) => {
        await ssm.send(new StartAssociationsOnceCommand({ AssociationIds: ids }));
        process.stdout.write(`Started ${ids.join(', ')}. Follow it: bosun assoc show ${ids[0]}\n`);
      });
    });

  return assoc;
}

function print(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** `tag:Role=web`, `InstanceIds=mi-1,mi-2`: a target as the AWS CLI's shorthand writes it. */
export function targetsText(targets: readonly Target[] | undefined): string {
  return (targets ?? []).map((t) => `${t.Key}=${(t.Values ?? []).join(',')}`).join(' ');
}

function describe(a: AssociationDescription): string {
  const counts = Object.entries(a.Overview?.AssociationStatusAggregatedCount ?? {}).map(([status, n]) => `${status} ${n}`).join(', ');
  const rows: [string, string][] = [
    ['Association', `${a.AssociationId}${a.AssociationName ? ` (${a.AssociationName})` : ''}, version ${a.AssociationVersion}`],
    ['Document', `${a.Name}${a.DocumentVersion ? ` version ${a.DocumentVersion}` : ''}`],
    ['Targets', targetsText(a.Targets) || (a.InstanceId ?? '')],
    ['Schedule', a.ScheduleExpression ? `${a.ScheduleExpression}${a.ApplyOnlyAtCronInterval ? ' (only at the interval)' : ''}` : 'once per target'],
    ['Status', `${a.Overview?.Status ?? ''}${a.Overview?.DetailedStatus ? ` (${a.Overview.DetailedStatus})` : ''}${counts ? `: ${counts}` : ''}`],
    ['Compliance', `${a.ComplianceSeverity ?? 'UNSPECIFIED'}, sync ${a.SyncCompliance ?? 'AUTO'}`],
    ['Rate control', `MaxConcurrency ${a.MaxConcurrency ?? '-'}, MaxErrors ${a.MaxErrors ?? '-'}`],
    ['Last run', a.LastExecutionDate?.toISOString() ?? 'never'],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}
