import { dueRun } from './due';
import { offsetAt, resolveWall } from './zone';

const at = (iso: string) => Date.parse(iso);
const MINUTE = 60_000;
const iso = (t: number) => new Date(t).toISOString().slice(0, 16);

/**
 * The runs of a schedule on a one-minute timer from `from` to `to` (UTC), each claimed as the
 * scheduler does: `due` (and `missedSince` after a gap) as "due < missed".
 */
function night(cron: string, timezone: string, from: string, to: string): string[] {
  let last = dueRun({ cron, timezone }, at(from), at(from) - 7 * 24 * 60 * MINUTE)?.due;
  const runs: string[] = [];
  for (let t = at(from) + MINUTE; t <= at(to); t += MINUTE) {
    const run = dueRun({ cron, timezone }, t + 2000, last);
    if (!run) continue;
    runs.push(run.missedSince === undefined ? iso(run.due) : `${iso(run.due)} < ${iso(run.missedSince)}`);
    last = run.due;
  }
  return runs;
}

describe('Europe/Berlin: clocks forward 2026-03-29 at 01:00 UTC (02:00 CET to 03:00 CEST), back 2026-10-25 at 01:00 UTC (03:00 CEST to 02:00 CET)', () => {
  const spring = (cron: string) => night(cron, 'Europe/Berlin', '2026-03-28T23:30Z', '2026-03-29T02:30Z');
  const autumn = (cron: string) => night(cron, 'Europe/Berlin', '2026-10-24T23:30Z', '2026-10-25T03:00Z');

  test('the times a schedule names in the gap run once, at 03:00 CEST', () => {
    for (const cron of ['30 2 * * *', '*/15 2 * * *', '0,30 2 * * *', '0-59/20 2 * * *', '* 2 * * *']) {
      expect([cron, spring(cron)]).toEqual([cron, ['2026-03-29T01:00']]);
    }
    expect(spring('30 2-3 * * *')).toEqual(['2026-03-29T01:00', '2026-03-29T01:30']);
    expect(spring('0 */2 * * *')).toEqual(['2026-03-29T01:00', '2026-03-29T02:00']);
  });

  test('the times passed twice run the first time only', () => {
    expect(autumn('*/15 2 * * *')).toEqual(['2026-10-25T00:00', '2026-10-25T00:15', '2026-10-25T00:30', '2026-10-25T00:45']);
    expect(autumn('0,30 2 * * *')).toEqual(['2026-10-25T00:00', '2026-10-25T00:30']);
    expect(autumn('30 2-3 * * *')).toEqual(['2026-10-25T00:30', '2026-10-25T02:30']);
    expect(autumn('0 */2 * * *')).toEqual(['2026-10-25T00:00', '2026-10-25T03:00']);
  });

  test('an expression for every hour keeps to real time: every hour, or every 15 minutes, through both nights', () => {
    expect(autumn('30 * * * *')).toEqual(['2026-10-25T00:30', '2026-10-25T01:30', '2026-10-25T02:30']);
    expect(spring('30 * * * *')).toEqual(['2026-03-29T00:30', '2026-03-29T01:30', '2026-03-29T02:30']);
    const quarters = (from: string, n: number) => Array.from({ length: n }, (_, i) => iso(at(from) + (i + 1) * 15 * MINUTE));
    expect(autumn('*/15 * * * *')).toEqual(quarters('2026-10-24T23:30Z', 14));
    expect(spring('*/15 * * * *')).toEqual(quarters('2026-03-28T23:30Z', 12));
  });

  test('missed across a change: the latest due time runs, reporting the first one missed', () => {
    // Down from 03:30 CEST on the 24th to 03:30 CET on the 25th: 02:30 CEST (00:30 UTC) was the first missed; 02:30 CET is no due time.
    expect(dueRun({ cron: '30 2-3 * * *', timezone: 'Europe/Berlin' }, at('2026-10-25T02:30:30Z'), at('2026-10-24T01:30:00Z'))).toEqual({
      due: at('2026-10-25T02:30:00Z'), missedSince: at('2026-10-25T00:30:00Z'),
    });
    // Every hour: down through the repeated hour, the second 02:30 (01:30 UTC) is the latest.
    expect(dueRun({ cron: '30 * * * *', timezone: 'Europe/Berlin' }, at('2026-10-25T01:59:00Z'), at('2026-10-24T23:30:00Z'))).toEqual({
      due: at('2026-10-25T01:30:00Z'), missedSince: at('2026-10-25T00:30:00Z'),
    });
  });
});

describe('southern hemisphere and a half-hour shift', () => {
  test('Australia/Sydney: back on 2026-04-05 (03:00 AEDT to 02:00 AEST, 16:00 UTC the day before), forward on 2026-10-04 (02:00 AEST to 03:00 AEDT, 16:00 UTC the day before)', () => {
    expect(night('0,30 2 * * *', 'Australia/Sydney', '2026-04-04T14:30Z', '2026-04-04T17:30Z')).toEqual(['2026-04-04T15:00', '2026-04-04T15:30']);
    expect(night('*/20 2 * * *', 'Australia/Sydney', '2026-10-03T15:30Z', '2026-10-03T17:30Z')).toEqual(['2026-10-03T16:00']);
  });

  test('Australia/Lord_Howe: back 2026-04-05 (02:00 +11 to 01:30 +10:30), forward 2026-10-04 (02:00 +10:30 to 02:30 +11)', () => {
    // 01:30 and 01:45 come twice (14:30 and 15:00, 14:45 and 15:15 UTC): once each.
    expect(night('*/15 1 * * *', 'Australia/Lord_Howe', '2026-04-04T13:30Z', '2026-04-04T16:00Z')).toEqual(['2026-04-04T14:00', '2026-04-04T14:15', '2026-04-04T14:30', '2026-04-04T14:45']);
    // 02:00 to 02:29 are skipped: 02:10 and 02:20 run once at 02:30 +11 (15:30 UTC), 02:40 in its place.
    expect(night('10,20,40 2 * * *', 'Australia/Lord_Howe', '2026-10-03T15:00Z', '2026-10-03T16:30Z')).toEqual(['2026-10-03T15:30', '2026-10-03T15:40']);
  });
});

test('zone.ts: offsets, and the instants a wall-clock time stands for', () => {
  expect(offsetAt('Australia/Lord_Howe', at('2026-07-01T00:00Z'))).toBe(10.5 * 3_600_000);
  expect(offsetAt('UTC', at('2026-07-01T00:00Z'))).toBe(0);
  expect(resolveWall('Europe/Berlin', at('2026-10-25T02:30Z'))).toEqual({ instants: [at('2026-10-25T00:30Z'), at('2026-10-25T01:30Z')] });
  expect(resolveWall('Europe/Berlin', at('2026-03-29T02:30Z'))).toEqual({ instants: [], gap: { at: at('2026-03-29T01:00Z'), before: 3_600_000, after: 7_200_000 } });
  expect(resolveWall('Asia/Kolkata', at('2026-03-29T02:30Z'))).toEqual({ instants: [at('2026-03-28T21:00Z')] });
});
