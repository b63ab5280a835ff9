import crypto from 'node:crypto';
import { awsError, type ssm } from '@bosun/protocol';
import { checkTimezone, formatExecutionTime, nextDueAfter, parseWindowDate, parseWindowSchedule, type WindowTiming } from './window-schedule.ts';
import type { WindowRow } from './window-store.ts';

/**
 * A window's definition: its checks (AWS's ValidationException, before anything is
 * written), its schedule as the engine reads it, and its shapes on the wire.
 */

export interface WindowDefinition {
  readonly Name: string;
  readonly Description?: string;
  readonly StartDate?: string;
  readonly EndDate?: string;
  readonly Schedule: string;
  readonly ScheduleTimezone?: string;
  readonly ScheduleOffset?: number;
  readonly Duration: number;
  readonly Cutoff: number;
  readonly AllowUnassociatedTargets: boolean;
  readonly Enabled: boolean;
}

/** `mw-` and 17 hex digits, as AWS's window ids. */
export function newWindowId(): string {
  return `mw-${crypto.randomBytes(9).toString('hex').slice(0, 17)}`;
}

/** Every refusal of a window definition. */
export function checkWindowDefinition(d: WindowDefinition): void {
  const schedule = parseWindowSchedule(d.Schedule);
  if (d.ScheduleTimezone !== undefined) checkTimezone(d.ScheduleTimezone);
  if (d.ScheduleOffset !== undefined && schedule.kind !== 'cron') throw awsError('ValidationException', 'ScheduleOffset is supported for cron expressions only.');
  if (d.Cutoff >= d.Duration) throw awsError('ValidationException', `Cutoff was ${d.Cutoff} but must be smaller than ${d.Duration} (Duration - 1 )`);
  const start = d.StartDate !== undefined ? parseWindowDate('StartDate', d.StartDate) : undefined;
  const end = d.EndDate !== undefined ? parseWindowDate('EndDate', d.EndDate) : undefined;
  if (start !== undefined && end !== undefined && end <= start) throw awsError('ValidationException', `EndDate ${d.EndDate} must be later than StartDate ${d.StartDate}.`);
}

export function timingOf(row: Pick<WindowRow, 'schedule' | 'schedule_timezone' | 'schedule_offset' | 'start_date' | 'end_date' | 'created_at'>): WindowTiming {
  return {
    schedule: parseWindowSchedule(row.schedule),
    ...(row.schedule_timezone ? { timezone: row.schedule_timezone } : {}),
    ...(row.schedule_offset !== null ? { offsetDays: row.schedule_offset } : {}),
    ...(row.start_date ? { startMs: parseWindowDate('StartDate', row.start_date) } : {}),
    ...(row.end_date ? { endMs: parseWindowDate('EndDate', row.end_date) } : {}),
    anchorMs: row.created_at,
  };
}

/** The next due time of a definition from `now` (null: none, or disabled). */
export function nextDueOf(row: Pick<WindowRow, 'schedule' | 'schedule_timezone' | 'schedule_offset' | 'start_date' | 'end_date' | 'created_at' | 'enabled'>, now: number): number | null {
  if (!row.enabled) return null;
  return nextDueAfter(timingOf(row), now) ?? null;
}

export function definitionOf(row: WindowRow): WindowDefinition {
  return {
    Name: row.name, Schedule: row.schedule, Duration: row.duration, Cutoff: row.cutoff, AllowUnassociatedTargets: row.allow_unassociated_targets === 1, Enabled: row.enabled === 1,
    ...(row.description !== null ? { Description: row.description } : {}), ...(row.start_date !== null ? { StartDate: row.start_date } : {}),
    ...(row.end_date !== null ? { EndDate: row.end_date } : {}), ...(row.schedule_timezone !== null ? { ScheduleTimezone: row.schedule_timezone } : {}),
    ...(row.schedule_offset !== null ? { ScheduleOffset: row.schedule_offset } : {}),
  };
}

/** The definition's columns. */
export function columnsOf(d: WindowDefinition): Pick<WindowRow, 'name' | 'description' | 'schedule' | 'schedule_timezone' | 'schedule_offset' | 'start_date' | 'end_date' | 'duration' | 'cutoff' | 'allow_unassociated_targets' | 'enabled'> {
  return {
    name: d.Name, description: d.Description ?? null, schedule: d.Schedule, schedule_timezone: d.ScheduleTimezone ?? null, schedule_offset: d.ScheduleOffset ?? null,
    start_date: d.StartDate ?? null, end_date: d.EndDate ?? null, duration: d.Duration, cutoff: d.Cutoff, allow_unassociated_targets: d.AllowUnassociatedTargets ? 1 : 0,
    enabled: d.Enabled ? 1 : 0,
  };
}

export function nextExecutionTime(row: WindowRow): string | undefined {
  return row.enabled === 1 && row.next_due_at !== null ? formatExecutionTime(row.next_due_at, row.schedule_timezone ?? undefined) : undefined;
}

export function identityOf(row: WindowRow): ssm.MaintenanceWindowIdentity {
  const next = nextExecutionTime(row);
  return {
    WindowId: row.window_id, Name: row.name, ...(row.description !== null ? { Description: row.description } : {}), Enabled: row.enabled === 1, Duration: row.duration,
    Cutoff: row.cutoff, Schedule: row.schedule, ...(row.schedule_timezone !== null ? { ScheduleTimezone: row.schedule_timezone } : {}),
    ...(row.schedule_offset !== null ? { ScheduleOffset: row.schedule_offset } : {}), ...(row.end_date !== null ? { EndDate: row.end_date } : {}),
    ...(row.start_date !== null ? { StartDate: row.start_date } : {}), ...(next ? { NextExecutionTime: next } : {}),
  };
}

export function windowResultOf(row: WindowRow): ssm.GetMaintenanceWindowResult {
  return { ...identityOf(row), AllowUnassociatedTargets: row.allow_unassociated_targets === 1, CreatedDate: new Date(row.created_at), ModifiedDate: new Date(row.updated_at) };
}
