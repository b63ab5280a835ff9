import { Cron } from 'croner';
import { awsError } from '@bosun/protocol';

/**
 * The one place AWS's association schedule expressions are understood: `rate(N unit)` and
 * the 6-field AWS cron (`cron(min hour day-of-month month day-of-week year)`, optionally with
 * a leading seconds field), evaluated in UTC by croner after a small translation. Refusals are
 * AWS's InvalidSchedule.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Associations run at most every 30 minutes and at least every 31 days (rate). */
export const MIN_INTERVAL_MS = 30 * MINUTE;
export const MAX_RATE_MS = 31 * DAY;

export type Schedule =
  | { readonly kind: 'rate'; readonly expression: string; readonly intervalMs: number }
  | { readonly kind: 'cron'; readonly expression: string; readonly pattern: string };

const invalid = (expression: string, why: string) => awsError('InvalidSchedule', `Schedule expression ${expression} is not valid: ${why}.`);

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const UNIT_MS: Record<string, number> = { minute: MINUTE, hour: HOUR, day: DAY };

/** AWS's field order and the highest value of each field (for `a/s` → `a-max/s`). */
const FIELDS = [
  { name: 'Minutes', max: 59, chars: /^[0-9,\-*/]+$/ },
  { name: 'Hours', max: 23, chars: /^[0-9,\-*/]+$/ },
  { name: 'Day-of-month', max: 31, chars: /^([0-9,\-*/?W]|L)+$/ },
  { name: 'Month', max: 12, chars: /^([0-9,\-*/]|JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)+$/i },
  { name: 'Day-of-week', max: 7, chars: /^([0-9,\-*?L#]|SUN|MON|TUE|WED|THU|FRI|SAT)+$/i },
  { name: 'Year', max: 2199, chars: /^[0-9,\-*/]+$/ },
] as const;

/**
 * Parses and checks an association's ScheduleExpression. Throws InvalidSchedule with the
 * reason: a rate under 30 minutes or of 31 days or more, a unit whose number does not agree
 * (`rate(1 hours)`), a cron with both or neither day field `?`, a month other than `*`
 * (State Manager does not take months), or runs closer than 30 minutes apart.
 */
export function parseSchedule(expression: string): Schedule {
  const trimmed = expression.trim();
  if (trimmed.startsWith('rate(')) return parseRate(trimmed);
  if (trimmed.startsWith('cron(') && trimmed.endsWith(')')) return parseCron(trimmed);
  if (trimmed.startsWith('at(')) throw invalid(expression, 'Bosun does not run associations at a single time (at()); use cron() or rate()');
  throw invalid(expression, 'give cron(...) or rate(...)');
}

function parseRate(expression: string): Schedule {
  const m = RATE.exec(expression);
  if (!m) throw invalid(expression, 'a rate is rate(N minutes|hours|days), e.g. rate(30 minutes) or rate(1 day)');
  const n = Number(m[1]);
  const unit = m[2].replace(/s$/, '');
  if (n < 1) throw invalid(expression, 'the rate must be 1 or more');
  if ((n === 1) !== (m[2] === unit)) throw invalid(expression, `write rate(1 ${unit}) for one ${unit} and rate(${n === 1 ? 2 : n} ${unit}s) for more`);
  const intervalMs = n * UNIT_MS[unit];
  if (intervalMs < MIN_INTERVAL_MS) throw invalid(expression, 'associations run at most every 30 minutes');
  if (intervalMs >= MAX_RATE_MS) throw invalid(expression, 'a rate must be less than 31 days');
  return { kind: 'rate', expression, intervalMs };
}

function parseCron(expression: string): Schedule {
  const fields = expression.slice(5, -1).trim().split(/\s+/);
  if (fields.length !== 6 && fields.length !== 7) throw invalid(expression, 'a cron expression has 6 fields (Minutes Hours Day-of-month Month Day-of-week Year), optionally after a Seconds field');
  const seconds = fields.length === 7 ? fields.shift()! : '0';
  if (!/^[0-9]{1,2}$/.test(seconds) || Number(seconds) > 59) throw invalid(expression, `the Seconds field ${seconds} must be a number from 0 to 59`);
  fields.forEach((value, i) => {
    if (!FIELDS[i].chars.test(value)) throw invalid(expression, `the ${FIELDS[i].name} field ${value} has characters that field does not take`);
  });
  const [, , dom, month, dow] = fields;
  if ((dom === '?') === (dow === '?')) throw invalid(expression, 'give ? in exactly one of Day-of-month and Day-of-week');
  if (month !== '*') throw invalid(expression, 'State Manager does not take months in cron expressions for associations: use * in the Month field');
  const pattern = toCronerPattern(seconds, fields);
  let job: Cron;
  try {
    job = cronJob({ pattern });
  } catch (error) {
    throw invalid(expression, (error as Error).message.replace(/^CronPattern: /, '').replace(/\.$/, ''));
  }
  // Runs closer than 30 minutes apart anywhere in the next few hundred occurrences are refused.
  const runs = job.nextRuns(200, new Date(0));
  if (runs.length === 0) throw invalid(expression, 'it never runs');
  for (let i = 1; i < runs.length; i++) {
    if (runs[i].getTime() - runs[i - 1].getTime() < MIN_INTERVAL_MS) throw invalid(expression, 'associations run at most every 30 minutes');
  }
  return { kind: 'cron', expression, pattern };
}

/**
 * AWS cron fields → croner's 7-part pattern: `a/s` becomes `a-MAX/s` (croner refuses a bare
 * start), a bare `L` day-of-week is Saturday (`7` with 1=SUN numbering), `nL`/`XXXL` (last
 * such weekday) become `n#L`/`XXX#L`, and the seconds field is put in front.
 */
export function toCronerPattern(seconds: string, fields: readonly string[]): string {
  const translated = fields.map((field, i) => field.split(',').map((part) => {
    let p = part.replace(/^(\d+)\/(\d+)$/, `$1-${FIELDS[i].max}/$2`);
    if (i === 4) {
      if (p.toUpperCase() === 'L') p = '7';
      else p = p.replace(/^([0-9]|SUN|MON|TUE|WED|THU|FRI|SAT)L$/i, '$1#L');
    }
    return p;
  }).join(','));
  return [seconds, ...translated].join(' ');
}

/**
 * The next run strictly after `afterMs` (the last run, or now): a rate counts its interval
 * from `afterMs`; a cron takes its next occurrence and adds `offsetDays` (ScheduleOffset), so
 * the offset run of an occurrence already past is still found. Undefined when a cron never
 * runs again (a past year).
 */
export function nextRunAfter(schedule: Schedule, afterMs: number, offsetDays = 0): number | undefined {
  if (schedule.kind === 'rate') return afterMs + schedule.intervalMs;
  const next = cronJob(schedule).nextRun(new Date(afterMs - offsetDays * DAY));
  return next ? next.getTime() + offsetDays * DAY : undefined;
}

/**
 * The first scheduled run of an association made (or changed) at `nowMs`: a cron occurrence
 * already past does not run at its offset (AWS: it takes effect in the following period).
 */
export function firstRunAfter(schedule: Schedule, nowMs: number, offsetDays = 0): number | undefined {
  if (schedule.kind === 'rate') return nowMs + schedule.intervalMs;
  const next = cronJob(schedule).nextRun(new Date(nowMs));
  return next ? next.getTime() + offsetDays * DAY : undefined;
}

function cronJob(schedule: { readonly pattern: string }): Cron {
  return new Cron(schedule.pattern, { mode: '7-part', alternativeWeekdays: true, timezone: 'UTC', paused: true });
}
