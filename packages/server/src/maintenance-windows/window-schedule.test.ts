import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isAwsError } from '@bosun/protocol';
import { dueTimesAfter, formatExecutionTime, nextDueAfter, parseWindowSchedule, type WindowTiming } from './window-schedule.ts';
import { checkWindowDefinition } from './window-definitions.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();
const timing = (expression: string, extra: Partial<WindowTiming> = {}): WindowTiming => ({ schedule: parseWindowSchedule(expression), anchorMs: at('2026-01-01T00:00:00Z'), ...extra });

function refused(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => isAwsError(error) && error.code === 'ValidationException' && pattern.test(error.message));
}

describe('maintenance window schedules', () => {
  test('a daily 09:00 New York window moves from 14:00 to 13:00 UTC when DST starts on 2026-03-08', () => {
    const runs = dueTimesAfter(timing('cron(0 9 ? * * *)', { timezone: 'America/New_York' }), at('2026-03-06T00:00:00Z'), { limit: 4 });
    assert.deepEqual(runs.map(iso), ['2026-03-06T14:00:00.000Z', '2026-03-07T14:00:00.000Z', '2026-03-08T13:00:00.000Z', '2026-03-09T13:00:00.000Z']);
    assert.deepEqual(runs.map((r) => formatExecutionTime(r, 'America/New_York')), ['2026-03-06T09:00-05:00', '2026-03-07T09:00-05:00', '2026-03-08T09:00-04:00', '2026-03-09T09:00-04:00']);
  });

  test('when DST ends on 2026-11-01 a 02:30 New York window runs once that night, at 07:30 UTC', () => {
    const runs = dueTimesAfter(timing('cron(30 2 ? * * *)', { timezone: 'America/New_York' }), at('2026-10-31T00:00:00Z'), { limit: 3 });
    assert.deepEqual(runs.map(iso), ['2026-10-31T06:30:00.000Z', '2026-11-01T07:30:00.000Z', '2026-11-02T07:30:00.000Z']);
  });

  test('a 01:30 New York window, a time that happens twice on 2026-11-01, runs once that night, at the first 01:30 (EDT)', () => {
    const runs = dueTimesAfter(timing('cron(30 1 ? * * *)', { timezone: 'America/New_York' }), at('2026-10-31T12:00:00Z'), { limit: 2 });
    assert.deepEqual(runs.map((r) => formatExecutionTime(r, 'America/New_York')), ['2026-11-01T01:30-04:00', '2026-11-02T01:30-05:00']);
  });

  test('a 02:30 New York window on the night 02:30 does not exist (2026-03-08) runs at 03:00 local', () => {
    const runs = dueTimesAfter(timing('cron(30 2 ? * * *)', { timezone: 'America/New_York' }), at('2026-03-07T12:00:00Z'), { limit: 2 });
    assert.deepEqual(runs.map((r) => formatExecutionTime(r, 'America/New_York')), ['2026-03-08T03:00-04:00', '2026-03-09T02:30-04:00']);
  });

  test('ScheduleOffset runs days after the cron occurrence, at the same local time across DST', () => {
    // The first Friday of March 2026 is the 6th (EST); three days later is Monday the 9th, after DST began.
    const runs = dueTimesAfter(timing('cron(0 9 ? * FRI#1 *)', { timezone: 'America/New_York', offsetDays: 3 }), at('2026-03-01T00:00:00Z'), { limit: 2 });
    assert.deepEqual(runs.map((r) => formatExecutionTime(r, 'America/New_York')), ['2026-03-09T09:00-04:00', '2026-04-06T09:00-04:00']);
  });

  test('StartDate and EndDate bound the runs; at() runs once; a rate counts from the creation', () => {
    const bounded = timing('cron(0 9 ? * WED *)', { timezone: 'America/Los_Angeles', startMs: at('2021-01-01T00:00:00-08:00'), endMs: at('2021-01-20T00:00:00-08:00') });
    assert.deepEqual(dueTimesAfter(bounded, at('2020-12-01T00:00:00Z'), { limit: 5 }).map((r) => formatExecutionTime(r, 'America/Los_Angeles')), ['2021-01-06T09:00-08:00', '2021-01-13T09:00-08:00']);
    assert.deepEqual(dueTimesAfter(timing('at(2026-12-24T23:00:00)'), at('2026-01-01T00:00:00Z'), { limit: 3 }).map(iso), ['2026-12-24T23:00:00.000Z']);
    assert.equal(nextDueAfter(timing('at(2026-12-24T23:00:00)'), at('2026-12-25T00:00:00Z')), undefined);
    assert.deepEqual(dueTimesAfter(timing('rate(2 hours)', { anchorMs: at('2026-01-01T00:10:00Z') }), at('2026-01-01T03:00:00Z'), { limit: 2 }).map(iso), ['2026-01-01T04:10:00.000Z', '2026-01-01T06:10:00.000Z']);
  });

  test('bad schedules, time zones, offsets and a Cutoff not below Duration are refused with ValidationException', () => {
    const ok = { Name: 'w', Schedule: 'cron(0 16 ? * TUE *)', Duration: 4, Cutoff: 1, AllowUnassociatedTargets: false, Enabled: true };
    refused(() => checkWindowDefinition({ ...ok, Schedule: 'every tuesday' }), /give cron/);
    refused(() => checkWindowDefinition({ ...ok, Schedule: 'cron(0 16 * * TUE *)' }), /exactly one of Day-of-month and Day-of-week/);
    refused(() => checkWindowDefinition({ ...ok, Schedule: 'cron(0 16 ? *)' }), /6 fields/);
    refused(() => checkWindowDefinition({ ...ok, Schedule: 'rate(30 minutes)' }), /at most every hour/);
    refused(() => checkWindowDefinition({ ...ok, Schedule: 'rate(1 hours)' }), /rate\(1 hour\)/);
    refused(() => checkWindowDefinition({ ...ok, Schedule: 'at(2026-02-30T10:00:00)' }), /not a date/);
    refused(() => checkWindowDefinition({ ...ok, ScheduleTimezone: 'Mars/Olympus_Mons' }), /Invalid ScheduleTimezone/);
    refused(() => checkWindowDefinition({ ...ok, Schedule: 'rate(2 days)', ScheduleOffset: 2 }), /cron expressions only/);
    refused(() => checkWindowDefinition({ ...ok, Cutoff: 4 }), /Cutoff was 4 but must be smaller than 4/);
    refused(() => checkWindowDefinition({ ...ok, StartDate: 'soon' }), /Invalid StartDate/);
    refused(() => checkWindowDefinition({ ...ok, StartDate: '2027-01-02T00:00:00Z', EndDate: '2027-01-01T00:00:00Z' }), /later than StartDate/);
    checkWindowDefinition({ ...ok, ScheduleTimezone: 'Europe/Berlin', ScheduleOffset: 2, Schedule: 'cron(30 23 ? * TUE#3 *)' });
  });
});
