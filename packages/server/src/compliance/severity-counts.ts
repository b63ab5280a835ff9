import type { ssm } from '@bosun/protocol';

/** AWS's compliance severities, highest first. */
export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNSPECIFIED'] as const;
export type Severity = (typeof SEVERITIES)[number];
export type ComplianceStatus = 'COMPLIANT' | 'NON_COMPLIANT';

const FIELD: Record<Severity, keyof ssm.SeveritySummary> = {
  CRITICAL: 'CriticalCount',
  HIGH: 'HighCount',
  MEDIUM: 'MediumCount',
  LOW: 'LowCount',
  INFORMATIONAL: 'InformationalCount',
  UNSPECIFIED: 'UnspecifiedCount',
};

export function isSeverity(value: string): value is Severity {
  return (SEVERITIES as readonly string[]).includes(value);
}

/** 0 for CRITICAL … 5 for UNSPECIFIED (and for anything unknown). */
export function severityRank(value: string): number {
  const rank = (SEVERITIES as readonly string[]).indexOf(value);
  return rank < 0 ? SEVERITIES.length - 1 : rank;
}

/** A SeveritySummary with every count at zero, as AWS answers them (all six fields present). */
export function emptySeverityCounts(): Required<ssm.SeveritySummary> {
  return { CriticalCount: 0, HighCount: 0, MediumCount: 0, LowCount: 0, InformationalCount: 0, UnspecifiedCount: 0 };
}

export function addSeverity(counts: Required<ssm.SeveritySummary>, severity: string, n = 1): void {
  counts[FIELD[isSeverity(severity) ? severity : 'UNSPECIFIED']] += n;
}

export function totalOf(counts: ssm.SeveritySummary): number {
  return SEVERITIES.reduce((sum, s) => sum + (counts[FIELD[s]] ?? 0), 0);
}

/** The highest severity that has a count, or undefined when all are zero. */
export function highestOf(counts: ssm.SeveritySummary): Severity | undefined {
  return SEVERITIES.find((s) => (counts[FIELD[s]] ?? 0) > 0);
}

export interface ResourceRollup {
  readonly status: ComplianceStatus;
  readonly overallSeverity: Severity;
  readonly compliant: Required<ssm.SeveritySummary>;
  readonly nonCompliant: Required<ssm.SeveritySummary>;
}

/**
 * A resource's status for one compliance type from its items' counts: NON_COMPLIANT when any
 * item is, and the overall severity is the highest of the items that decide that status.
 * Undefined when it has no items.
 */
export function rollup(groups: readonly { status: string; severity: string; count: number }[]): ResourceRollup | undefined {
  const compliant = emptySeverityCounts();
  const nonCompliant = emptySeverityCounts();
  for (const g of groups) addSeverity(g.status === 'NON_COMPLIANT' ? nonCompliant : compliant, g.severity, g.count);
  const failing = highestOf(nonCompliant);
  if (failing) return { status: 'NON_COMPLIANT', overallSeverity: failing, compliant, nonCompliant };
  const passing = highestOf(compliant);
  return passing ? { status: 'COMPLIANT', overallSeverity: passing, compliant, nonCompliant } : undefined;
}
