import { Cron } from 'croner';
import { awsError } from '@bosun/protocol';
import { toCronerPattern } from '../associations/schedule.ts';

/**
 * The one place a maintenance window's schedule is understood: `cron(...)` (AWS's 6 fields,
 * optionally after a seconds field, months allowed), `rate(N hours|days)` and `at(...)`, read
 * in the window's ScheduleTimezone (IANA; UTC when none), with ScheduleOffset (cron only, in
 * days of the zone's calendar) and the StartDate/EndDate bounds. Pure: callers pass the times.
 * Refusals are AWS's ValidationException with the reason.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Windows run at most every hour on a rate (a window is at least one hour long). */
export const MIN_RATE_MS = HOUR;

export type WindowSchedule =
  | { readonly kind: 'rate'; readonly expression: string; readonly intervalMs: number }
  | { readonly kind: 'cron'; readonly expression: string; readonly pattern: string }
  | { readonly kind: 'at'; readonly expression: string; readonly wall: WallTime };

export interface WindowTiming {
  readonly schedule: WindowSchedule;
  /** IANA zone; UTC when undefined. */
  readonly timezone?: string;
  readonly offsetDays?: number;
  /** Epoch ms bounds from StartDate/EndDate. */
  readonly startMs?: number;
  readonly endMs?: number;
  /** Where a rate counts from when there is no StartDate: the window's creation. */
  readonly anchorMs: number;
}

interface WallTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

const invalid = (message: string) => awsError('ValidationException', message);

const FIELD_CHARS = [
  ['Minutes', /^[0-9,\-*/]+$/],
  ['Hours', /^[0-9,\-*/]+$/],
  ['Day-of-month', /^([0-9,\-*/?W]|L)+$/],
  ['Month', /^([0-9,\-*/]|JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)+$/i],
  ['Day-of-week', /^([0-9,\-*?L#]|SUN|MON|TUE|WED|THU|FRI|SAT)+$/i],
  ['Year', /^[0-9,\-*/]+$/],
] as const;

/** Throws ValidationException unless `zone` is an IANA time zone this server knows. */
export function checkTimezone(zone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw invalid(`Invalid ScheduleTimezone: ${zone} is not an IANA time zone (e.g. America/New_York, Europe/Berlin, Etc/UTC).`);
  }
}

/** Parses a window's Schedule; throws ValidationException with the reason. */
export function parseWindowSchedule(expression: string): WindowSchedule {
  const e = expression.trim();
  if (e.startsWith('rate(') && e.endsWith(')')) return parseRate(e);
  if (e.startsWith('cron(') && e.endsWith(')')) return parseCron(e);
  if (e.startsWith('at(') && e.endsWith(')')) return parseAt(e);
  throw invalid(`Invalid schedule expression ${expression}: give cron(...), rate(...) or at(...).`);
}

function parseRate(expression: string): WindowSchedule {
  const m = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (!m) throw invalid(`Invalid schedule expression ${expression}: a rate is rate(N hours) or rate(N days), e.g. rate(12 hours).`);
  const n = Number(m[1]);
  const unit = m[2].replace(/s$/, '');
  if (n < 1) throw invalid(`Invalid schedule expression ${expression}: the rate must be 1 or more.`);
  if ((n === 1) !== (m[2] === unit)) throw invalid(`Invalid schedule expression ${expression}: write rate(1 ${unit}) for one ${unit} and rate(${n === 1 ? 2 : n} ${unit}s) for more.`);
  const intervalMs = n * (unit === 'minute' ? 60_000 : unit === 'hour' ? HOUR : DAY);
  if (intervalMs < MIN_RATE_MS) throw invalid(`Invalid schedule expression ${expression}: a maintenance window runs at most every hour on a rate (rate(1 hour)).`);
  return { kind: 'rate', expression, intervalMs };
}

function parseCron(expression: string): WindowSchedule {
  const fields = expression.slice(5, -1).trim().split(/\s+/);
  if (fields.length !== 6 && fields.length !== 7) {
    throw invalid(`Invalid cron expression ${expression}: it has 6 fields (Minutes Hours Day-of-month Month Day-of-week Year), optionally after a Seconds field.`);
  }
  const seconds = fields.length === 7 ? fields.shift()! : '0';
  if (!/^[0-9]{1,2}$/.test(seconds) || Number(seconds) > 59) throw invalid(`Invalid cron expression ${expression}: the Seconds field ${seconds} must be a number from 0 to 59.`);
  fields.forEach((value, i) => {
    if (!FIELD_CHARS[i][1].test(value)) throw invalid(`Invalid cron expression ${expression}: the ${FIELD_CHARS[i][0]} field ${value} has characters that field does not take.`);
  });
  if ((fields[2] === '?') === (fields[4] === '?')) throw invalid(`Invalid cron expression ${expression}: give ? in exactly one of Day-of-month and Day-of-week.`);
  const pattern = toCronerPattern(seconds, fields);
  try {
    if (!cronJob(pattern, 'UTC').nextRun(new Date(0))) throw new Error('it never runs');
  } catch (error) {
    throw invalid(`Invalid cron expression ${expression}: ${(error as Error).message.replace(/^CronPattern: /, '').replace(/\.$/, '')}.`);
  }
  return { kind: 'cron', expression, pattern };
}

function parseAt(expression: string): WindowSchedule {
  const m = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/.exec(expression);
  if (!m) throw invalid(`Invalid schedule expression ${expression}: a one-time schedule is at(yyyy-mm-ddThh:mm:ss), e.g. at(2026-12-24T23:00:00).`);
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number);
  const check = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    throw invalid(`Invalid schedule expression ${expression}: it is not a date and time.`);
  }
  return { kind: 'at', expression, wall: { year, month, day, hour, minute, second } };
}

/** StartDate/EndDate (ISO-8601, with or without an offset; UTC without) → epoch ms; ValidationException when not a date. */
export function parseWindowDate(member: 'StartDate' | 'EndDate', value: string): number {
  const ms = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(value) || !value.includes('T') ? value : `${value}Z`);
  if (!Number.isFinite(ms)) throw invalid(`Invalid ${member} ${value}: give an ISO-8601 timestamp, e.g. 2026-01-31T00:00:00-08:00.`);
  return ms;
}

/** Every due time strictly after `afterMs`, up to `limit` of them and not past `untilMs`, in order. */
export function dueTimesAfter(timing: WindowTiming, afterMs: number, options: { limit: number; untilMs?: number }): number[] {
  const out: number[] = [];
  let cursor = afterMs;
  while (out.length < options.limit) {
    const next = nextDueAfter(timing, cursor);
    if (next === undefined || (options.untilMs !== undefined && next > options.untilMs)) break;
    out.push(next);
    cursor = next;
  }
  return out;
}

/** The first due time strictly after `afterMs`, within StartDate/EndDate; undefined when there is none. */
export function nextDueAfter(timing: WindowTiming, afterMs: number): number | undefined {
  const zone = timing.timezone ?? 'UTC';
  const from = Math.max(afterMs, (timing.startMs ?? -Infinity) - 1);
  let next: number | undefined;
  const { schedule } = timing;
  if (schedule.kind === 'at') {
    const at = zonedToEpoch(schedule.wall, zone);
    next = at > from ? at : undefined;
  } else if (schedule.kind === 'rate') {
    const anchor = timing.startMs ?? timing.anchorMs;
    const k = Math.max(1, Math.floor((from - anchor) / schedule.intervalMs) + 1);
    next = anchor + k * schedule.intervalMs;
    if (timing.startMs !== undefined && from < anchor) next = anchor;
  } else {
    const offset = timing.offsetDays ?? 0;
    const job = cronJob(schedule.pattern, zone);
    // The offset run of an occurrence is found from the occurrence: step back by the offset (plus a day for DST), then walk forward.
    let cursor = new Date(from - offset * DAY - (offset > 0 ? DAY : 0));
    for (let i = 0; i < 1000; i++) {
      const occurrence = job.nextRun(cursor);
      if (!occurrence) break;
      const run = offset > 0 ? addZonedDays(occurrence.getTime(), offset, zone) : occurrence.getTime();
      if (run > from) {
        next = run;
        break;
      }
      cursor = occurrence;
    }
  }
  if (next === undefined) return undefined;
  if (timing.endMs !== undefined && next > timing.endMs) return undefined;
  return next;
}

/** AWS's ExecutionTime/NextExecutionTime text: minutes in the window's zone with its offset, `2026-03-08T09:00-04:00` (`Z` in UTC). */
export function formatExecutionTime(ms: number, timezone?: string): string {
  const zone = timezone ?? 'UTC';
  const w = wallTimeOf(ms, zone);
  const pad = (n: number, l = 2) => String(n).padStart(l, '0');
  const base = `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}`;
  const total = Math.round(offsetMinutes(ms, zone));
  if (total === 0) return `${base}Z`;
  const sign = total > 0 ? '+' : '-';
  return `${base}${sign}${pad(Math.floor(Math.abs(total) / 60))}:${pad(Math.abs(total) % 60)}`;
}

function cronJob(pattern: string, zone: string): Cron {
  return new Cron(pattern, { mode: '7-part', alternativeWeekdays: true, timezone: zone, paused: true });
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(zone, f);
  }
  return f;
}

function wallTimeOf(ms: number, zone: string): WallTime {
  if (zone === 'UTC' || zone === 'Etc/UTC') {
    const d = new Date(ms);
    return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds() };
  }
  const parts = Object.fromEntries(formatter(zone).formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return { year: Number(parts.year), month: Number(parts.month), day: Number(parts.day), hour: Number(parts.hour) % 24, minute: Number(parts.minute), second: Number(parts.second) };
}

function epochOfWall(w: WallTime): number {
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
}

/** The zone's offset from UTC at `ms`, in minutes (−300 in New York in winter). */
function offsetMinutes(ms: number, zone: string): number {
  if (zone === 'UTC' || zone === 'Etc/UTC') return 0;
  const whole = ms - (((ms % 1000) + 1000) % 1000);
  return (epochOfWall(wallTimeOf(whole, zone)) - whole) / 60_000;
}

/** A wall-clock time of the zone → epoch ms (a time skipped by a DST change moves forward by the change). */
function zonedToEpoch(w: WallTime, zone: string): number {
  const guess = epochOfWall(w);
  let ms = guess - offsetMinutes(guess, zone) * 60_000;
  ms = guess - offsetMinutes(ms, zone) * 60_000;
  return ms;
}

/** The same wall-clock time `days` later in the zone's calendar. */
function addZonedDays(ms: number, days: number, zone: string): number {
  const w = wallTimeOf(ms, zone);
  const d = new Date(Date.UTC(w.year, w.month - 1, w.day + days));
  return zonedToEpoch({ ...w, year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() }, zone);
}
