import { Command } from 'commander';
import {
  GetMaintenanceWindowCommand, paginateDescribeMaintenanceWindowExecutions, paginateDescribeMaintenanceWindowExecutionTaskInvocations,
  paginateDescribeMaintenanceWindowExecutionTasks, paginateDescribeMaintenanceWindows, paginateDescribeMaintenanceWindowTargets, paginateDescribeMaintenanceWindowTasks,
  DescribeMaintenanceWindowScheduleCommand, type GetMaintenanceWindowResult, type MaintenanceWindowExecution, type MaintenanceWindowExecutionTaskIdentity,
  type MaintenanceWindowExecutionTaskInvocationIdentity, type MaintenanceWindowIdentity, type MaintenanceWindowTarget, type MaintenanceWindowTask, type SSMClient,
} from '@aws-sdk/client-ssm';
import { addApiFlags, resolveApiConfig, withSsmClient, type ApiFlags } from '../api-client.ts';
import { UsageError } from '../config.ts';
import { formatTable } from '../table.ts';
import { targetsText } from './assoc.ts';

interface WindowsFlags extends ApiFlags {
  json?: boolean;
  count?: string;
  limit?: string;
}

/** `bosun windows`: maintenance windows for people, through the API with the caller's credentials. */
export function windowsCommand(): Command {
  const windows = new Command('windows').description('Maintenance windows: list them, show one, its next runs and its history.');

  addApiFlags(windows.command('ls').description('List maintenance windows: schedule, time zone, duration, cutoff, next run.')
    .option('--json', 'the DescribeMaintenanceWindows entries as JSON'))
    .action(async (flags: WindowsFlags) => {
      await withSsmClient(resolveApiConfig(flags), async (ssm) => {
        const rows: MaintenanceWindowIdentity[] = [];
        for await (const page of paginateDescribeMaintenanceWindows({ client: ssm }, {})) rows.push(...(page.WindowIdentities ?? []));
        if (flags.json) return print(rows);
        if (rows.length === 0) {
          process.stdout.write('No maintenance windows yet. Create one: aws ssm create-maintenance-window --name weekly-patch --schedule "cron(0 2 ? * SUN *)" --duration 3 --cutoff 1 --no-allow-unassociated-targets\n');
          return;
        }
        process.stdout.write(formatTable(['WINDOW ID', 'NAME', 'SCHEDULE', 'TIME ZONE', 'DURATION', 'CUTOFF', 'ENABLED', 'NEXT RUN'], rows.map((w) => [
          w.WindowId ?? '', w.Name ?? '', w.Schedule ?? '', w.ScheduleTimezone ?? 'UTC', `${w.Duration ?? ''}h`, `${w.Cutoff ?? ''}h`, w.Enabled ? 'yes' : 'no', w.NextExecutionTime ?? '-',
        ])) + '\n');
      });
    });

  addApiFlags(windows.command('show').argument('<window-id>').description('Show a window with its registered targets and its tasks in priority order.')
    .option('--json', 'the window, its targets and its tasks as JSON'))
    .action(async (windowId: string, flags: WindowsFlags) => {
      await withSsmClient(resolveApiConfig(flags), async (ssm) => {
        const window = await ssm.send(new GetMaintenanceWindowCommand({ WindowId: windowId }));
        const targets: MaintenanceWindowTarget[] = [];
        for await (const page of paginateDescribeMaintenanceWindowTargets({ client: ssm }, { WindowId: windowId })) targets.push(...(page.Targets ?? []));
        const tasks: MaintenanceWindowTask[] = [];
        for await (const page of paginateDescribeMaintenanceWindowTasks({ client: ssm }, { WindowId: windowId })) tasks.push(...(page.Tasks ?? []));
        tasks.sort((a, b) => (a.Priority ?? 0) - (b.Priority ?? 0));
        if (flags.json) return print({ window: strip(window), targets, tasks });
        process.stdout.write(describe(window) + '\n');
        process.stdout.write('\nTargets\n' + (targets.length === 0 ? '(none)\n' : formatTable(['TARGET ID', 'NAME', 'TARGETS', 'OWNER'], targets.map((t) => [
          t.WindowTargetId ?? '', t.Name ?? '', targetsText(t.Targets), t.OwnerInformation ?? '',
        ])) + '\n'));
        process.stdout.write('\nTasks (lower priority first; equal priorities run together)\n' + (tasks.length === 0 ? '(none)\n' : formatTable(['PRIORITY', 'TASK ID', 'NAME', 'TYPE', 'DOCUMENT', 'TARGETS', 'RATE', 'AT THE END'], tasks.map((t) => [
          String(t.Priority ?? ''), t.WindowTaskId ?? '', t.Name ?? '', t.Type ?? '', t.TaskArn ?? '', targetsText(t.Targets), `${t.MaxConcurrency ?? '-'}/${t.MaxErrors ?? '-'}`, t.CutoffBehavior ?? 'CONTINUE_TASK',
        ])) + '\n'));
      });
    });

  addApiFlags(windows.command('next').argument('<window-id>').description('The next runs of a window, in its time zone (DescribeMaintenanceWindowSchedule).')
    .option('--count <n>', 'how many runs', '5')
    .option('--json', 'the ScheduledWindowExecutions as JSON'))
    .action(async (windowId: string, flags: WindowsFlags) => {
      const count = Number(flags.count ?? '5');
      if (!Number.isInteger(count) || count < 1 || count > 100) throw new UsageError('--count takes a number from 1 to 100');
      await withSsmClient(resolveApiConfig(flags), async (ssm) => {
        const runs = (await ssm.send(new DescribeMaintenanceWindowScheduleCommand({ WindowId: windowId, MaxResults: count }))).ScheduledWindowExecutions ?? [];
        if (flags.json) return print(runs);
        if (runs.length === 0) {
          process.stdout.write('No runs ahead (disabled, past its EndDate, or an at() window that has run).\n');
          return;
        }
        process.stdout.write(formatTable(['WHEN (WINDOW TIME)', 'UTC'], runs.map((r) => [r.ExecutionTime ?? '', r.ExecutionTime ? new Date(r.ExecutionTime).toISOString() : ''])) + '\n');
      });
    });

  addApiFlags(windows.command('history').argument('<window-id>').argument('[execution-id]')
    .description('A window\'s executions, newest first; with an execution id, its tasks and their invocations.')
    .option('--limit <n>', 'how many executions', '20')
    .option('--json', 'as JSON'))
    .action(async (windowId: string, executionId: string | undefined, flags: WindowsFlags) => {
      await withSsmClient(resolveApiConfig(flags), async (ssm) => {
        if (executionId) return executionDetail(ssm, executionId, flags);
        const limit = Number(flags.limit ?? '20');
        const executions: MaintenanceWindowExecution[] = [];
        for await (const page of paginateDescribeMaintenanceWindowExecutions({ client: ssm }, { WindowId: windowId })) {
          executions.push(...(page.WindowExecutions ?? []));
          if (executions.length >= limit) break;
        }
        const shown = executions.slice(0, limit);
        if (flags.json) return print(shown);
        if (shown.length === 0) {
          process.stdout.write('No executions yet. The next runs: bosun windows next ' + windowId + '\n');
          return;
        }
        process.stdout.write(formatTable(['EXECUTION ID', 'STATUS', 'STARTED', 'ENDED', 'DETAILS'], shown.map((e) => [
          e.WindowExecutionId ?? '', e.Status ?? '', e.StartTime?.toISOString() ?? '', e.EndTime?.toISOString() ?? '', e.StatusDetails ?? '',
        ])) + '\n');
      });
    });

  return windows;
}

async function executionDetail(ssm: SSMClient, executionId: string, flags: WindowsFlags): Promise<void> {
  const tasks: MaintenanceWindowExecutionTaskIdentity[] = [];
  for await (const page of paginateDescribeMaintenanceWindowExecutionTasks({ client: ssm }, { WindowExecutionId: executionId })) tasks.push(...(page.WindowExecutionTaskIdentities ?? []));
  const invocations = new Map<string, MaintenanceWindowExecutionTaskInvocationIdentity[]>();
  for (const t of tasks) {
    const list: MaintenanceWindowExecutionTaskInvocationIdentity[] = [];
    for await (const page of paginateDescribeMaintenanceWindowExecutionTaskInvocations({ client: ssm }, { WindowExecutionId: executionId, TaskId: t.TaskExecutionId! })) {
      list.push(...(page.WindowExecutionTaskInvocationIdentities ?? []));
    }
    invocations.set(t.TaskExecutionId!, list);
  }
  if (flags.json) return print({ tasks, invocations: Object.fromEntries(invocations) });
  process.stdout.write('Tasks\n' + (tasks.length === 0 ? '(none)\n' : formatTable(['TASK EXECUTION ID', 'DOCUMENT', 'STATUS', 'STARTED', 'ENDED', 'DETAILS'], tasks.map((t) => [
    t.TaskExecutionId ?? '', t.TaskArn ?? '', t.Status ?? '', t.StartTime?.toISOString() ?? '', t.EndTime?.toISOString() ?? '', t.StatusDetails ?? '',
  ])) + '\n'));
  const rows = tasks.flatMap((t) => (invocations.get(t.TaskExecutionId!) ?? []).map((i) => [
    t.TaskExecutionId ?? '', nodeOf(i), i.Status ?? '', i.ExecutionId ?? '', i.StatusDetails ?? '',
  ]));
  process.stdout.write('\nInvocations\n' + (rows.length === 0 ? '(none)\n' : formatTable(['TASK EXECUTION ID', 'NODE', 'STATUS', 'COMMAND', 'DETAILS'], rows) + '\n'));
}

function nodeOf(i: MaintenanceWindowExecutionTaskInvocationIdentity): string {
  try {
    return (JSON.parse(i.Parameters ?? '{}') as { InstanceIds?: string[] }).InstanceIds?.join(',') ?? '';
  } catch {
    return '';
  }
}

function print(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

function strip(window: GetMaintenanceWindowResult & { $metadata?: unknown }): GetMaintenanceWindowResult {
  const { $metadata: _ignored, ...rest } = window;
  void _ignored;
  return rest;
}

function describe(w: GetMaintenanceWindowResult): string {
  const rows: [string, string][] = [
    ['Window', `${w.WindowId} (${w.Name})${w.Description ? `: ${w.Description}` : ''}`],
    ['Schedule', `${w.Schedule}${w.ScheduleOffset ? `, ${w.ScheduleOffset} day(s) after` : ''} in ${w.ScheduleTimezone ?? 'UTC'}`],
    ['Active', `${w.StartDate ? `from ${w.StartDate}` : 'from creation'}${w.EndDate ? ` until ${w.EndDate}` : ''}`],
    ['Duration', `${w.Duration} h, no new task in the last ${w.Cutoff} h (cutoff)`],
    ['Targets', w.AllowUnassociatedTargets ? 'registered targets, and nodes named by tasks directly' : 'registered targets only'],
    ['Enabled', w.Enabled ? 'yes' : 'no'],
    ['Next run', w.NextExecutionTime ?? '-'],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}
