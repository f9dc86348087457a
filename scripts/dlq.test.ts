import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixedClock } from '../shared/ports';
import { sqliteQueue } from '../providers/local/sqlite-queue';
import { dlq } from './dlq';

describe('npm run dlq', () => {
  test('lists a dead-lettered event with its error, shows it, and replays it onto the queue', () => {
    const queue = sqliteQueue({ path: join(mkdtempSync(join(tmpdir(), 'dlq-')), 'queue.db'), clock: fixedClock(Date.parse('2026-01-01T00:00:00Z')), name: 'events', maxAttempts: 1 });
    const id = queue.enqueue(JSON.stringify({ specversion: '1.0', id: 'e1', source: '/s', type: 'secorch.finding.created' }));
    const [m] = queue.claim(1, 1000);
    expect(queue.release(m!.id, m!.receipt, 0, 'destination_failed: disk full')).toBe('dead_lettered');

    const out: string[] = [];
    expect(dlq(queue, ['list'], (l) => out.push(l))).toBe(0);
    expect(out).toEqual([`${id}  2026-01-01T00:00:00.000Z  attempts=1  secorch.finding.created  destination_failed: disk full`]);
    expect(dlq(queue, ['show', id], (l) => out.push(l))).toBe(0);
    expect(JSON.parse(out[1]!)).toEqual({
      id, attempts: 1, error: 'destination_failed: disk full', failedAt: '2026-01-01T00:00:00.000Z',
      body: { specversion: '1.0', id: 'e1', source: '/s', type: 'secorch.finding.created' },
    });
    expect(dlq(queue, ['replay', 'nope'], (l) => out.push(l))).toBe(1);
    expect(dlq(queue, ['replay', id], (l) => out.push(l))).toBe(0);
    expect(queue.deadLetters()).toEqual([]);
    expect(queue.claim(1, 1000).map((x) => x.id)).toEqual([id]);
    expect(dlq(queue, ['bogus'], (l) => out.push(l))).toBe(2);
    queue.close();
  });

  test('control characters from an event or an error never reach the terminal raw', () => {
    const queue = sqliteQueue({ path: join(mkdtempSync(join(tmpdir(), 'dlq-')), 'queue.db'), clock: fixedClock(Date.parse('2026-01-01T00:00:00Z')), name: 'events', maxAttempts: 1 });
    // A title-setting OSC sequence in the type, a forged second row and an 8-bit CSI in the error.
    const id = queue.enqueue(JSON.stringify({ specversion: '1.0', id: 'e1', source: '/s', type: 'x\u001b]0;pwned\u0007' }));
    const [m] = queue.claim(1, 1000);
    queue.release(m!.id, m!.receipt, 0, 'failed\r\nfake-id  2026-01-01  attempts=9\u009b2J');
    const out: string[] = [];
    dlq(queue, ['list'], (l) => out.push(l));
    expect(out).toEqual([`${id}  2026-01-01T00:00:00.000Z  attempts=1  x\\u001b]0;pwned\\u0007  failed\\u000d\\u000afake-id  2026-01-01  attempts=9\\u009b2J`]);
    dlq(queue, ['show', id], (l) => out.push(l));
    const controls = [...out[1]!].filter((c) => c !== '\n' && (c < ' ' || (c >= '\u007f' && c <= '\u009f')));
    expect(controls).toEqual([]);
    expect(JSON.parse(out[1]!).error).toBe('failed\r\nfake-id  2026-01-01  attempts=9\u009b2J');
    queue.close();
  });
});
