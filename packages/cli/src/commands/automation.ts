import { Command } from 'commander';
import {
  GetAutomationExecutionCommand, paginateDescribeAutomationExecutions, SendAutomationSignalCommand, StartAutomationExecutionCommand, StopAutomationExecutionCommand,
  type AutomationExecution, type AutomationExecutionFilter, type SignalType, type SSMClient,
} from '@aws-sdk/client-ssm';
import { addApiFlags, resolveApiConfig, withSsmClient, type ApiFlags } from '../api-client.ts';
import { UsageError } from '../config.ts';
import { formatTable } from '../table.ts';

interface AutomationFlags extends ApiFlags {
  json?: boolean;
  watch?: boolean;
  parameter?: string[];
  documentVersion?: string;
  status?: string[];
  comment?: string;
}

const ENDED = ['Success', 'Failed', 'Cancelled', 'TimedOut', 'CompletedWithSuccess', 'CompletedWithFailure'];
const WATCH_INTERVAL_MS = 1000;

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `Name=value`: a runbook parameter; repeated names make a list. */
export function parametersOf(pairs: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--parameter takes Name=value, not ${pair}`);
    (out[pair.slice(0, eq)] ??= []).push(pair.slice(eq + 1));
  }
  return out;
}

/** `bosun automation`: runbooks for people, through the API with the caller's credentials. */
export function automationCommand(): Command {
  const automation = new Command('automation').description('Automation: start runbooks, list and show executions with their steps, approve.');

  addApiFlags(automation.command('start').argument('<runbook>', 'the Automation document (name or ARN)')
    .description('Start a runbook (StartAutomationExecution, Mode Auto) and print the execution id.')
    .option('-p, --parameter <Name=value>', 'a runbook parameter (repeat it; a name given twice makes a list)', collect)
    .option('--document-version <version>', 'the document version (default: its default version)')
    .option('--watch', 'follow the steps until the execution ends'))
    .action(async (runbook: string, flags: AutomationFlags) => {
      await withSsmClient(resolveApiConfig(flags), async (ssm) => {
        const { AutomationExecutionId: id } = await ssm.send(new StartAutomationExecutionCommand({
          DocumentName: runbook, DocumentVersion: flags.documentVersion, Parameters: parametersOf(flags.parameter ?? []),
        }));
        process.stdout.write(`${id}\n`);
        if (flags.watch) await watch(ssm, id!);
        else process.stderr.write(`Follow it: bosun automation show ${id} --watch\n`);
      });
    });

  addApiFlags(automation.command('ls').description('List executions, newest first: id, runbook, status, current step, start.')
    .option('--status <status>', 'only executions in this status (repeatable: InProgress, Waiting, Success, Failed…)', collect)
    .option('--json', 'the DescribeAutomationExecutions entries as JSON'))
    .action(async (flags: AutomationFlags) => {
      await withSsmClient(resolveApiConfig(flags), async (ssm) => {
        const Filters: AutomationExecutionFilter[] = flags.status ? [{ Key: 'ExecutionStatus', Values: flags.status }] : [];
        const rows = [];
        for await (const page of paginateDescribeAutomationExecutions({ client: ssm }, { Filters })) rows.push(...(page.AutomationExecutionMetadataList ?? []));
        if (flags.json) return print(rows);
        if (rows.length === 0) {
          process.stdout.write('No executions yet. Start one: bosun automation start RUNBOOK -p Name=value\n');
          return;
        }
        process.stdout.write(formatTable(['EXECUTION ID', 'RUNBOOK', 'VERSION', 'STATUS', 'STEP', 'STARTED', 'BY'], rows.map((e) => [
          e.AutomationExecutionId ?? '', e.DocumentName ?? '', e.DocumentVersion ?? '', e.AutomationExecutionStatus ?? '', e.CurrentStepName ?? '',
          e.ExecutionStartTime?.toISOString() ?? '', e.ExecutedBy ?? '',
        ])) + '\n');
      });
    });

  addApiFlags(automation.command('show').argument('<execution-id>')
    .description('Show an execution and its steps.')
    .option('--watch', 'redraw as the steps move, until the execution ends')
    .option('--json', 'the GetAutomationExecution answer as JSON'))
    .action(async (id: string, flags: AutomationFlags) => {
      await withSsmClient(resolveApiConfig(flags), async (ssm) => {
        if (flags.watch) return watch(ssm, id);
        const execution = await get(ssm, id);
        if (flags.json) return print(execution);
        process.stdout.write(render(execution) + '\n');
      });
    });

  for (const [name, signal, what] of [
    ['approve', 'Approve', 'Approve the aws:approve step an execution waits on (you must be one of its Approvers).'],
    ['reject', 'Reject', 'Reject the aws:approve step an execution waits on (you must be one of its Approvers).'],
    ['resume', 'Resume', 'Resume an execution paused in an aws:pause step.'],
  ] as const) {
    addApiFlags(automation.command(name).argument('<execution-id>').description(what).option('--comment <text>', 'a comment kept with the decision'))
      .action(async (id: string, flags: AutomationFlags) => {
        await withSsmClient(resolveApiConfig(flags), async (ssm) => {
          await ssm.send(new SendAutomationSignalCommand({ AutomationExecutionId: id, SignalType: signal as SignalType, ...(flags.comment ? { Payload: { Comment: [flags.comment] } } : {}) }));
          process.stdout.write(`Sent ${signal} to ${id}.\n`);
        });
      });
  }

  addApiFlags(automation.command('stop').argument('<execution-id>').description('Stop (cancel) an execution.'))
    .action(async (id: string, flags: ApiFlags) => {
      await withSsmClient(resolveApiConfig(flags), async (ssm) => {
        await ssm.send(new StopAutomationExecutionCommand({ AutomationExecutionId: id, Type: 'Cancel' }));
        process.stdout.write(`Stopping ${id}.\n`);
      });
    });

  return automation;
}

async function get(ssm: SSMClient, id: string): Promise<AutomationExecution> {
  return (await ssm.send(new GetAutomationExecutionCommand({ AutomationExecutionId: id }))).AutomationExecution!;
}

/** The live step view: redrawn when something changes, until the execution ends. Exit code 1 unless it ended Success. */
async function watch(ssm: SSMClient, id: string): Promise<void> {
  let shown = '';
  for (;;) {
    const execution = await get(ssm, id);
    const text = render(execution);
    if (text !== shown) {
      process.stdout.write((shown ? '\n' : '') + text + '\n');
      shown = text;
    }
    if (ENDED.includes(execution.AutomationExecutionStatus ?? '')) {
      if (execution.AutomationExecutionStatus !== 'Success') process.exitCode = 1;
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, WATCH_INTERVAL_MS));
  }
}

export function render(e: AutomationExecution): string {
  const rows: [string, string][] = [
    ['Execution', e.AutomationExecutionId ?? ''],
    ['Runbook', `${e.DocumentName ?? ''} version ${e.DocumentVersion ?? ''}`],
    ['Status', `${e.AutomationExecutionStatus ?? ''}${e.FailureMessage ? `: ${e.FailureMessage}` : ''}`],
    ['Started', `${e.ExecutionStartTime?.toISOString() ?? ''} by ${e.ExecutedBy ?? ''}`],
  ];
  if (e.ExecutionEndTime) rows.push(['Ended', e.ExecutionEndTime.toISOString()]);
  const outputs = Object.entries(e.Outputs ?? {});
  if (outputs.length > 0) rows.push(['Outputs', outputs.map(([k, v]) => `${k}=${v.join(',')}`).join(' ')]);
  const width = Math.max(...rows.map(([k]) => k.length));
  const head = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
  const steps = e.StepExecutions ?? [];
  if (steps.length === 0) return `${head}\n\nNo steps have started yet.`;
  return `${head}\n\n` + formatTable(['STEP', 'ACTION', 'STATUS', 'STARTED', 'ENDED', 'DETAIL'], steps.map((s) => [
    s.StepName ?? '', s.Action ?? '', s.StepStatus ?? '', s.ExecutionStartTime?.toISOString() ?? '', s.ExecutionEndTime?.toISOString() ?? '',
    s.FailureMessage ?? Object.entries(s.Outputs ?? {}).map(([k, v]) => `${k}=${v.join(',')}`).join(' '),
  ]));
}

function print(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
