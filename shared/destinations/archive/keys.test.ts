import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Partitions are UTC whatever the machine's time zone. Jest gives tests a copy of process.env, so
 * TZ cannot be changed in this process: a child Node (tsx, as file-partial.test.ts does) runs
 * eventHour under TZ=America/New_York (UTC-4 on these dates).
 */
function eventHoursIn(tz: string, times: string[]): unknown {
  const code = `
    const { eventHour } = require('./shared/destinations/archive/keys.ts');
    process.stdout.write(JSON.stringify(JSON.parse(process.argv[1]).map((time) => eventHour({ specversion: '1.0', id: 'a', source: '/s', type: 't', time }) ?? null)));`;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', code, JSON.stringify(times)], {
    cwd: join(__dirname, '..', '..', '..'),
    env: { ...process.env, TZ: tz },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.stderr).toBe('');
  return JSON.parse(run.stdout);
}

test('a time without a UTC offset (not RFC 3339) is not read in the machine\'s time zone: it counts as no time', () => {
  // Date.parse reads '2026-03-31T22:30:00' and 'March 31, 2026 22:30' as local time: in New York
  // both became hour 2026040102, in UTC 2026033122, so the same event got a different partition and
  // buffer key on machines in different zones (and a redelivery to another one was archived twice).
  expect(eventHoursIn('America/New_York', [
    '2026-03-31T22:30:00',
    'March 31, 2026 22:30',
    '2026-03-31',
    '2026-03-31T22:30:00Z',
    '2026-03-31t22:30:00.123456z',
    '2026-03-31T22:30:00-04:00',
    '2026-03-31T23:59:59+05:30',
    // The space RFC 3339 allows "for readability" is refused as POST /events refuses it.
    '2026-03-31 23:59:59+05:30',
  ])).toEqual([null, null, null, '2026033122', '2026033122', '2026040102', '2026033118', null]);
});
