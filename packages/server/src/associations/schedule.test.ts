import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isAwsError } from '@bosun/protocol';
import { firstRunAfter, nextRunAfter, parseSchedule } from './schedule.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

function refused(expression: string): string {
  try {
    parseSchedule(expression);
  } catch (error) {
    assert.ok(isAwsError(error), String(error));
    assert.equal(error.code, 'InvalidSchedule');
    return error.message;
  }
  assert.fail(`${expression} was accepted`);
}

function runs(expression: string, fromIso: string, count: number, offsetDays = 0): string[] {
  const schedule = parseSchedule(expression);
  const out: string[] = [];
  let t = firstRunAfter(schedule, at(fromIso), offsetDays);
  while (t !== undefined && out.length < count) {
    out.push(iso(t)!);
    t = nextRunAfter(schedule, t, offsetDays);
  }
  return out;
}

describe('AWS association cron expressions (the user guide\'s examples)', () => {
  test('cron(0 10 * * ? *) runs at 10:00 UTC every day', () => {
    assert.deepEqual(runs('cron(0 10 * * ? *)', '2026-01-01T11:00:00Z', 2), ['2026-01-02T10:00:00.000Z', '2026-01-03T10:00:00.000Z']);
  });
  test('cron(15 12 * * ? *) runs at 12:15 UTC every day', () => {
    assert.deepEqual(runs('cron(15 12 * * ? *)', '2026-01-01T00:00:00Z', 1), ['2026-01-01T12:15:00.000Z']);
  });
  test('cron(0 18 ? * MON-FRI *) runs at 18:00 on weekdays only', () => {
    assert.deepEqual(runs('cron(0 18 ? * MON-FRI *)', '2026-01-02T19:00:00Z', 2), ['2026-01-05T18:00:00.000Z', '2026-01-06T18:00:00.000Z']);
  });
  test('cron(0/30 * * * ? *) runs every 30 minutes (a/s is read as a-max/s)', () => {
    assert.deepEqual(runs('cron(0/30 * * * ? *)', '2026-01-01T00:10:00Z', 3), ['2026-01-01T00:30:00.000Z', '2026-01-01T01:00:00.000Z', '2026-01-01T01:30:00.000Z']);
  });
  test('cron(0 0 ? * THU#2 *) runs on the second Thursday; ScheduleOffset 3 moves it to the Sunday after', () => {
    assert.deepEqual(runs('cron(0 0 ? * THU#2 *)', '2026-01-01T00:00:00Z', 2), ['2026-01-08T00:00:00.000Z', '2026-02-12T00:00:00.000Z']);
    assert.deepEqual(runs('cron(0 0 ? * THU#2 *)', '2026-01-01T00:00:00Z', 2, 3), ['2026-01-11T00:00:00.000Z', '2026-02-15T00:00:00.000Z']);
  });
  test('an occurrence already past does not run at its offset when the association is made', () => {
    // 2026-01-08 (second Thursday) has passed on the 9th: the next run is February's, plus 3 days.
    assert.deepEqual(runs('cron(0 0 ? * THU#2 *)', '2026-01-09T00:00:00Z', 1, 3), ['2026-02-15T00:00:00.000Z']);
  });
  test('cron(30 23 ? * TUE#3 *) runs on the third Tuesday at 23:30', () => {
    assert.deepEqual(runs('cron(30 23 ? * TUE#3 *)', '2026-01-01T00:00:00Z', 1), ['2026-01-20T23:30:00.000Z']);
  });
  test('day-of-week numbers count from 1 = SUN, and L alone is Saturday', () => {
    assert.deepEqual(runs('cron(0 2 ? * 1 *)', '2026-01-01T00:00:00Z', 1), ['2026-01-04T02:00:00.000Z']);
    assert.deepEqual(runs('cron(0 2 ? * L *)', '2026-01-01T00:00:00Z', 1), ['2026-01-03T02:00:00.000Z']);
  });
  test('6L and FRIL are the last Friday of the month; L in day-of-month the last day', () => {
    assert.deepEqual(runs('cron(0 2 ? * 6L *)', '2026-01-01T00:00:00Z', 1), ['2026-01-30T02:00:00.000Z']);
    assert.deepEqual(runs('cron(0 2 ? * FRIL *)', '2026-01-01T00:00:00Z', 1), ['2026-01-30T02:00:00.000Z']);
    assert.deepEqual(runs('cron(0 2 L * ? *)', '2026-02-01T00:00:00Z', 1), ['2026-02-28T02:00:00.000Z']);
  });
  test('a leading Seconds field is taken (the console writes cron(0 0/30 * 1/1 * ? *))', () => {
    assert.deepEqual(runs('cron(0 0/30 * 1/1 * ? *)', '2026-01-01T00:10:00Z', 2), ['2026-01-01T00:30:00.000Z', '2026-01-01T01:00:00.000Z']);
  });
  test('a year field limits the runs', () => {
    assert.deepEqual(runs('cron(0 10 1 * ? 2027)', '2026-01-01T00:00:00Z', 1), ['2027-01-01T10:00:00.000Z']);
  });
});

describe('AWS association rate expressions', () => {
  test('rate(30 minutes), rate(1 hour), rate(2 hours), rate(1 day), rate(30 days) are taken', () => {
    assert.deepEqual(runs('rate(30 minutes)', '2026-01-01T00:00:00Z', 2), ['2026-01-01T00:30:00.000Z', '2026-01-01T01:00:00.000Z']);
    for (const [e, ms] of [['rate(1 hour)', 3_600_000], ['rate(2 hours)', 7_200_000], ['rate(1 day)', 86_400_000], ['rate(30 days)', 30 * 86_400_000]] as const) {
      const s = parseSchedule(e);
      assert.equal(s.kind === 'rate' && s.intervalMs, ms, e);
    }
  });
  test('a rate counts from the last run, so missed runs are not queued one per interval', () => {
    const s = parseSchedule('rate(1 hour)');
    assert.equal(iso(nextRunAfter(s, at('2026-01-01T05:17:00Z'))), '2026-01-01T06:17:00.000Z');
  });
});

describe('InvalidSchedule refusals', () => {
  const cases: [string, RegExp][] = [
    ['rate(29 minutes)', /at most every 30 minutes/],
    ['rate(15 minutes)', /at most every 30 minutes/],
    ['rate(31 days)', /less than 31 days/],
    ['rate(1 hours)', /rate\(1 hour\)/],
    ['rate(2 hour)', /rate\(2 hours\)/],
    ['rate(0 days)', /1 or more/],
    ['rate(1 week)', /rate\(N minutes\|hours\|days\)/],
    ['rate(five minutes)', /rate\(N minutes/],
    ['cron(0 10 * * * *)', /exactly one of Day-of-month and Day-of-week/],
    ['cron(0 10 ? * ? *)', /exactly one of Day-of-month and Day-of-week/],
    ['cron(0/15 * * * ? *)', /at most every 30 minutes/],
    ['cron(* * * * ? *)', /at most every 30 minutes/],
    ['cron(0 10 * 1 ? *)', /does not take months/],
    ['cron(0 10 * *)', /6 fields/],
    ['cron(61 10 * * ? *)', /not valid/],
    ['cron(0 25 * * ? *)', /not valid/],
    ['cron(0 10 * * ? 1969)', /not valid/],
    ['cron(0 10 ? * FOO *)', /characters/],
    ['at(2026-01-01T00:00:00)', /at\(\)/],
    ['every day', /cron\(\.\.\.\) or rate\(\.\.\.\)/],
  ];
  for (const [expression, why] of cases) {
    test(`${expression} is refused`, () => {
      const message = refused(expression);
      assert.match(message, new RegExp(`^Schedule expression ${expression.replace(/[()*?/.|]/g, '\\$&')} is not valid: `));
      assert.match(message, why);
    });
  }
});
