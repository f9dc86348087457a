import type { Attempt, Delivery } from '../../shared/delivery/model';
import { countRepeats } from './repeats';

/** The fault test's accounting of repeats, on hand-made records (the fault run itself is faults.test.ts). */
const attempt = (n: number, status?: number): Attempt => ({ n, at: '2026-01-01T00:00:00.000Z', durationMs: 1, ...(status === undefined ? { error: 'timeout' } : { status }) });
const delivery = (id: string, statuses: Array<number | undefined>): Delivery =>
  ({ id, status: 'succeeded', attempts: statuses.map((s, i) => attempt(i + 1, s)) }) as unknown as Delivery;
const seen = (rows: Array<[string, number, number]>) => [{
  requestsById: new Map(rows.map(([id, requests]) => [id, requests])),
  successById: new Map(rows.map(([id, , successes]) => [id, successes])),
}];

test('one success, recorded: nothing repeated', () => {
  expect(countRepeats(seen([['a', 2, 1]]), [delivery('a', [500, 200])])).toMatchObject({
    repeatedSuccess: 0, unrecordedAttempts: 0, repeatsAroundKill: 0, lateAnswerRepeats: 0, unexplainedSuccesses: 0, recordedSuccessTwice: 0,
  });
});

test('an answered attempt lost with the worker, then sent again: a repeat around the kill', () => {
  expect(countRepeats(seen([['a', 2, 2]]), [delivery('a', [200])])).toMatchObject({
    repeatedSuccess: 1, unrecordedAttempts: 1, repeatsAroundKill: 1, lateAnswerRepeats: 0, unexplainedSuccesses: 0,
  });
});

test('an attempt recorded as a timeout that the receiver answered 2xx, tried again: a late-answer repeat', () => {
  expect(countRepeats(seen([['a', 2, 2]]), [delivery('a', [undefined, 200])])).toMatchObject({
    repeatedSuccess: 1, unrecordedAttempts: 0, answeredButRecordedAsFailed: 1, repeatsAroundKill: 0, lateAnswerRepeats: 1, unexplainedSuccesses: 0,
  });
});

test('a repeat of a delivery with an unrecorded attempt counts as around the kill, even beside a timeout', () => {
  expect(countRepeats(seen([['a', 3, 2]]), [delivery('a', [undefined, 200])])).toMatchObject({
    repeatedSuccess: 1, unrecordedAttempts: 1, repeatsAroundKill: 1, lateAnswerRepeats: 0, unexplainedSuccesses: 0,
  });
});

test('a 2xx no attempt accounts for, and a retry after a recorded success, are counted', () => {
  // Two requests, both recorded (a 500 and a 200), yet two 2xx: one has no cause.
  expect(countRepeats(seen([['a', 2, 2]]), [delivery('a', [500, 200])]).unexplainedSuccesses).toBe(1);
  expect(countRepeats(seen([['a', 2, 2]]), [delivery('a', [200, 200])]).recordedSuccessTwice).toBe(1);
});
