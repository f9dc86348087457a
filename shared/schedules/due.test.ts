import { compileConfig, configSchema } from '../config';
import { cronProblem, dueRun } from './due';
import { scheduleProblems } from './problems';

const at = (iso: string) => Date.parse(iso);

describe('cron (UTC, five fields)', () => {
  const hourly = { cron: '0 * * * *' };

  test('due when a due time lies between the last run and the tick', () => {
    expect(dueRun(hourly, at('2026-01-01T05:00:01Z'), at('2026-01-01T04:00:00Z'))).toEqual({ due: at('2026-01-01T05:00:00Z') });
    expect(dueRun(hourly, at('2026-01-01T05:00:00Z'), at('2026-01-01T04:00:00Z'))).toEqual({ due: at('2026-01-01T05:00:00Z') });
  });

  test('not due again once that due time ran', () => {
    expect(dueRun(hourly, at('2026-01-01T05:59:00Z'), at('2026-01-01T05:00:00Z'))).toBeUndefined();
  });

  test('missed due times run once, as the latest, and the first missed one is reported', () => {
    expect(dueRun(hourly, at('2026-01-01T09:00:30Z'), at('2026-01-01T05:00:00Z'))).toEqual({
      due: at('2026-01-01T09:00:00Z'), missedSince: at('2026-01-01T06:00:00Z'),
    });
  });

  test('never run before: only a due time within the look-back runs now', () => {
    const nightly = { cron: '0 2 * * *' };
    expect(dueRun(nightly, at('2026-01-01T12:00:00Z'), undefined)).toBeUndefined();
    expect(dueRun(nightly, at('2026-01-01T02:00:40Z'), undefined)).toEqual({ due: at('2026-01-01T02:00:00Z') });
  });

  test('due times are UTC wall-clock times (the cron has timezone UTC; machines running the tests may be on UTC too)', () => {
    expect(dueRun({ cron: '30 23 31 12 *' }, at('2026-12-31T23:30:10Z'), at('2025-12-31T23:30:00Z'))?.due).toBe(at('2026-12-31T23:30:00Z'));
  });
});

describe('cron in a time zone', () => {
  const berlin = (cron: string) => ({ cron, timezone: 'Europe/Berlin' });

  test('wall-clock times of the zone, winter and summer', () => {
    // 09:00 in Berlin is 08:00 UTC in winter (CET) and 07:00 UTC in summer (CEST).
    expect(dueRun(berlin('0 9 * * *'), at('2026-01-15T08:00:20Z'), at('2026-01-14T08:00:00Z'))).toEqual({ due: at('2026-01-15T08:00:00Z') });
    expect(dueRun(berlin('0 9 * * *'), at('2026-07-15T07:00:20Z'), at('2026-07-14T07:00:00Z'))).toEqual({ due: at('2026-07-15T07:00:00Z') });
    // At 09:00 UTC (10:00 or 11:00 in Berlin) the day's run is long past.
    expect(dueRun(berlin('0 9 * * *'), at('2026-07-15T09:00:20Z'), at('2026-07-15T07:00:00Z'))).toBeUndefined();
    // Weekdays are the zone's: Monday 00:30 in Tokyo is Sunday 15:30 UTC.
    expect(dueRun({ cron: '30 0 * * 1', timezone: 'Asia/Tokyo' }, at('2026-01-04T15:30:10Z'), at('2025-12-28T15:30:00Z'))).toEqual({ due: at('2026-01-04T15:30:00Z') });
  });

  test('a time the clocks skip runs once, just after the gap; a time they pass twice runs once', () => {
    // 2026-03-29: Berlin goes from 02:00 CET to 03:00 CEST, so 02:30 does not happen; it runs at 03:00 CEST (01:00 UTC).
    expect(dueRun(berlin('30 2 * * *'), at('2026-03-29T01:00:30Z'), at('2026-03-28T01:30:00Z'))).toEqual({ due: at('2026-03-29T01:00:00Z') });
    expect(dueRun(berlin('30 2 * * *'), at('2026-03-29T23:00:00Z'), at('2026-03-29T01:00:00Z'))).toBeUndefined();
    // 2026-10-25: Berlin goes from 03:00 CEST back to 02:00 CET, so 02:30 happens twice (00:30 and 01:30 UTC): once is run.
    expect(dueRun(berlin('30 2 * * *'), at('2026-10-25T00:30:30Z'), at('2026-10-24T00:30:00Z'))).toEqual({ due: at('2026-10-25T00:30:00Z') });
    expect(dueRun(berlin('30 2 * * *'), at('2026-10-25T01:30:30Z'), at('2026-10-25T00:30:00Z'))).toBeUndefined();
  });

  test('the same with several minutes or hours: skipped times collapse into one run after the gap; a time passed twice runs the first time', () => {
    // Every quarter of 02:xx is skipped on 2026-03-29: one run at 03:00 CEST, and the next night runs as usual, nothing missed.
    expect(dueRun(berlin('*/15 2 * * *'), at('2026-03-29T01:00:30Z'), at('2026-03-28T01:45:00Z'))).toEqual({ due: at('2026-03-29T01:00:00Z') });
    expect(dueRun(berlin('*/15 2 * * *'), at('2026-03-29T21:59:00Z'), at('2026-03-29T01:00:00Z'))).toBeUndefined();
    expect(dueRun(berlin('*/15 2 * * *'), at('2026-03-30T00:00:30Z'), at('2026-03-29T01:00:00Z'))).toEqual({ due: at('2026-03-30T00:00:00Z') });
    expect(dueRun(berlin('0,30 2 * * *'), at('2026-03-29T01:00:30Z'), at('2026-03-28T01:30:00Z'))).toEqual({ due: at('2026-03-29T01:00:00Z') });
    // 2026-10-25: 02:00 CET (01:00 UTC) came already as 02:00 CEST (00:00 UTC), which ran; so did 02:30.
    expect(dueRun(berlin('0,30 2 * * *'), at('2026-10-25T01:00:30Z'), at('2026-10-25T00:30:00Z'))).toBeUndefined();
    expect(dueRun(berlin('30 2-3 * * *'), at('2026-10-25T01:30:30Z'), at('2026-10-25T00:30:00Z'))).toBeUndefined();
    expect(dueRun(berlin('30 2-3 * * *'), at('2026-10-25T02:30:30Z'), at('2026-10-25T00:30:00Z'))).toEqual({ due: at('2026-10-25T02:30:00Z') });
  });

  test('UTC when no zone is given, as before', () => {
    expect(dueRun({ cron: '0 9 * * *' }, at('2026-07-15T09:00:20Z'), at('2026-07-14T09:00:00Z'))).toEqual({ due: at('2026-07-15T09:00:00Z') });
    expect(dueRun({ cron: '0 9 * * *', timezone: 'UTC' }, at('2026-07-15T09:00:20Z'), at('2026-07-14T09:00:00Z'))).toEqual({ due: at('2026-07-15T09:00:00Z') });
  });
});

describe('everySeconds', () => {
  test('due times are multiples of the period since the epoch, the same on every instance', () => {
    expect(dueRun({ everySeconds: 300 }, at('2026-01-01T00:07:00Z'), undefined)).toEqual({ due: at('2026-01-01T00:05:00Z') });
    expect(dueRun({ everySeconds: 300 }, at('2026-01-01T00:09:59Z'), at('2026-01-01T00:05:00Z'))).toBeUndefined();
    expect(dueRun({ everySeconds: 300 }, at('2026-01-01T00:10:00Z'), at('2026-01-01T00:05:00Z'))).toEqual({ due: at('2026-01-01T00:10:00Z') });
  });

  test('missed periods run once', () => {
    expect(dueRun({ everySeconds: 60 }, at('2026-01-01T01:00:00Z'), at('2026-01-01T00:00:00Z'))).toEqual({
      due: at('2026-01-01T01:00:00Z'), missedSince: at('2026-01-01T00:01:00Z'),
    });
  });
});

test('cronProblem: syntax, six fields, impossible dates', () => {
  expect(cronProblem('*/5 * * * *', 0)).toBeUndefined();
  expect(cronProblem('0 2 * * 1-5', 0)).toBeUndefined();
  expect(cronProblem('61 * * * *', 0)).toMatch(/^invalid cron expression: .*minute/);
  expect(cronProblem('0 * * * * *', 0)).toMatch(/^invalid cron expression: .*5 parts/);
  expect(cronProblem('every day', 0)).toMatch(/^invalid cron expression/);
  expect(cronProblem('0 0 31 2 *', 0)).toBe('the cron expression never fires');
});

test('scheduleProblems: paths of every problem of a parsed configuration; compileConfig refuses them', () => {
  const raw = {
    destinations: { out: { type: 'file', path: '/tmp/x.jsonl' }, lake: { type: 'archive', bucket: 'b' } },
    schedules: {
      ok: { cron: '0 * * * *', job: { type: 'archive-flush', destination: 'lake' } },
      all: { everySeconds: 600, job: { type: 'archive-flush' } },
      both: { cron: '0 * * * *', everySeconds: 60, job: { type: 'emit', eventType: 'x.y' } },
      neither: { job: { type: 'emit', eventType: 'x.y' } },
      badCron: { cron: '0 25 * * *', job: { type: 'emit', eventType: 'x.y' } },
      unknownDest: { everySeconds: 60, job: { type: 'archive-flush', destination: 'nope' } },
      notArchive: { everySeconds: 60, job: { type: 'archive-flush', destination: 'out' } },
      zoned: { cron: '0 9 * * 1-5', timezone: 'America/New_York', job: { type: 'emit', eventType: 'x.y' } },
      badZone: { cron: '0 9 * * *', timezone: 'Europe/Atlantis', job: { type: 'emit', eventType: 'x.y' } },
      zoneWithoutCron: { everySeconds: 60, timezone: 'Europe/Berlin', job: { type: 'emit', eventType: 'x.y' } },
    },
  };
  expect(() => compileConfig(raw, {})).toThrow(/schedules\.badCron\.cron: invalid cron expression/);
  const config = configSchema.parse(raw);
  expect(scheduleProblems(config)).toEqual([
    'schedules.both: give either cron or everySeconds',
    'schedules.neither: give either cron or everySeconds',
    expect.stringMatching(/^schedules\.badCron\.cron: invalid cron expression: .*hour/),
    'schedules.unknownDest.job.destination: unknown destination "nope"',
    'schedules.notArchive.job.destination: "out" is a file destination, not an archive',
    'schedules.badZone.timezone: unknown time zone "Europe/Atlantis"; use an IANA name such as Europe/Berlin or America/New_York',
    'schedules.zoneWithoutCron.timezone: only applies to cron; everySeconds counts from the Unix epoch',
  ]);
});
