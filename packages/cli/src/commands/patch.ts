import { Command } from 'commander';
import {
  GetPatchBaselineCommand, paginateDescribePatchBaselines, type GetPatchBaselineResult, type PatchBaselineIdentity, type PatchFilter, type PatchOrchestratorFilter,
} from '@aws-sdk/client-ssm';
import { addApiFlags, resolveApiConfig, withSsmClient, type ApiFlags } from '../api-client.ts';
import { UsageError } from '../config.ts';
import { formatTable } from '../table.ts';

interface BaselinesFlags extends ApiFlags {
  json?: boolean;
  os?: string;
  owner?: string;
}

/** `bosun patch`: Patch Manager for people, through the API with the caller's credentials (docs/patching.md). */
export function patchCommand(): Command {
  const patch = new Command('patch').description('Patch Manager: baselines, scans, installs and patch compliance.');
  const baselines = patch.command('baselines').description('Patch baselines: list them, show one.');

  addApiFlags(baselines.command('ls').description('List patch baselines, AWS\'s predefined ones and the account\'s, with the default of each OS.')
    .option('--os <operating-system>', 'only this OperatingSystem (UBUNTU, DEBIAN, REDHAT_ENTERPRISE_LINUX, AMAZON_LINUX_2023, ROCKY_LINUX)')
    .option('--owner <owner>', 'Self, AWS or All', 'All')
    .option('--json', 'the DescribePatchBaselines entries as JSON'))
    .action(async (flags: BaselinesFlags) => {
      const owner = flags.owner ?? 'All';
      if (!['Self', 'AWS', 'All'].includes(owner)) throw new UsageError('--owner takes Self, AWS or All');
      const filters: PatchOrchestratorFilter[] = [{ Key: 'OWNER', Values: [owner] }];
      if (flags.os) filters.push({ Key: 'OPERATING_SYSTEM', Values: [flags.os.toUpperCase()] });
      await withSsmClient(resolveApiConfig(flags), async (ssm) => {
        const rows: PatchBaselineIdentity[] = [];
        for await (const page of paginateDescribePatchBaselines({ client: ssm }, { Filters: filters })) rows.push(...(page.BaselineIdentities ?? []));
        if (flags.json) return print(rows);
        if (rows.length === 0) {
          process.stdout.write('No patch baselines match. Create one: aws ssm create-patch-baseline --name web --operating-system UBUNTU --approval-rules "PatchRules=[{PatchFilterGroup={PatchFilters=[{Key=PRIORITY,Values=[Required,Important]}]}}]"\n');
          return;
        }
        process.stdout.write(formatTable(['BASELINE ID', 'NAME', 'OPERATING SYSTEM', 'DEFAULT', 'DESCRIPTION'], rows.map((b) => [
          b.BaselineId ?? '', b.BaselineName ?? '', b.OperatingSystem ?? '', b.DefaultBaseline ? 'yes' : 'no', b.BaselineDescription ?? '',
        ])) + '\n');
      });
    });

  addApiFlags(baselines.command('show').argument('<baseline-id>').description('Show a baseline: its rules, approved and rejected patches, sources and patch groups.')
    .option('--json', 'the GetPatchBaseline result as JSON'))
    .action(async (baselineId: string, flags: BaselinesFlags) => {
      await withSsmClient(resolveApiConfig(flags), async (ssm) => {
        const { $metadata: _ignored, ...baseline } = await ssm.send(new GetPatchBaselineCommand({ BaselineId: baselineId }));
        void _ignored;
        if (flags.json) return print(baseline);
        process.stdout.write(describe(baseline) + '\n');
      });
    });

  return patch;
}

function print(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

const filtersText = (filters: readonly PatchFilter[] | undefined) => (filters ?? []).map((f) => `${f.Key}=${(f.Values ?? []).join(',')}`).join(' ') || '(none)';
const list = (values: readonly string[] | undefined) => (values && values.length > 0 ? values.join(', ') : '(none)');

function describe(b: GetPatchBaselineResult): string {
  const rows: [string, string][] = [
    ['Baseline', `${b.BaselineId} (${b.Name})${b.Description ? `: ${b.Description}` : ''}`],
    ['Operating system', b.OperatingSystem ?? ''],
    ['Global filters', filtersText(b.GlobalFilters?.PatchFilters)],
    ['Approved patches', `${list(b.ApprovedPatches)} (compliance ${b.ApprovedPatchesComplianceLevel ?? 'UNSPECIFIED'}${b.ApprovedPatchesEnableNonSecurity ? ', non-security too' : ''})`],
    ['Rejected patches', `${list(b.RejectedPatches)} (${b.RejectedPatchesAction === 'BLOCK' ? 'blocked, even as dependencies' : 'allowed as dependencies'})`],
    ['Patch groups', list(b.PatchGroups)],
    ['Sources', list((b.Sources ?? []).map((s) => `${s.Name} (${(s.Products ?? []).join(', ')})`))],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const head = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
  const rules = b.ApprovalRules?.PatchRules ?? [];
  const table = rules.length === 0 ? '(none)' : formatTable(['#', 'FILTERS', 'APPROVE', 'COMPLIANCE', 'NON-SECURITY'], rules.map((r, i) => [
    String(i + 1), filtersText(r.PatchFilterGroup?.PatchFilters),
    r.ApproveUntilDate ? `until ${r.ApproveUntilDate}` : r.ApproveAfterDays !== undefined ? `${r.ApproveAfterDays} day(s) after release` : 'when matched',
    r.ComplianceLevel ?? 'UNSPECIFIED', r.EnableNonSecurity ? 'yes' : 'no',
  ]));
  return `${head}\n\nApproval rules\n${table}`;
}
