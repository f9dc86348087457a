import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixedClock } from '../shared/ports';
import { sqliteQueue } from '../providers/local/sqlite-queue';
import { dlq, main, USAGE } from './dlq';

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

describe('npm run dlq: its command line', () => {
  /** A data directory whose queue holds one dead letter; its id. */
  function deadLetter(error = 'boom'): { dataDir: string; id: string } {
    const dataDir = mkdtempSync(join(tmpdir(), 'dlq-cli-'));
    const queue = sqliteQueue({ path: join(dataDir, 'queue.db'), clock: fixedClock(Date.parse('2026-01-01T00:00:00Z')), name: 'events', maxAttempts: 1 });
    const id = queue.enqueue(JSON.stringify({ specversion: '1.0', id: 'e1', source: '/s', type: 't.x' }));
    const [m] = queue.claim(1, 1000);
    queue.release(m!.id, m!.receipt, 0, error);
    queue.close();
    return { dataDir, id };
  }
  const run = (dataDir: string, args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = main(args, { SECORCH_DATA_DIR: dataDir }, (l) => out.push(l), (l) => err.push(l));
    return { code, out, err };
  };
  const dead = (dataDir: string) => {
    const queue = sqliteQueue({ path: join(dataDir, 'queue.db'), clock: fixedClock(0), name: 'events' });
    const ids = queue.deadLetters().map((l) => l.id);
    queue.close();
    return ids;
  };

  test('--help prints the usage and exits 0, also with no data directory (the real script: stdout, exit code)', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/dlq.ts', '--help'], {
      cwd: join(__dirname, '..'), env: { ...process.env, SECORCH_DATA_DIR: join(tmpdir(), 'dlq-cli-none', 'nowhere') }, encoding: 'utf8',
    });
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 0, stdout: `${USAGE}\n`, stderr: '' });
    for (const args of [['-h'], ['help'], ['replay', '--help']]) expect(run('/nonexistent-dlq-dir', args)).toEqual({ code: 0, out: [USAGE], err: [] });
  }, 30_000);

  test('an unknown option or command is a usage error (exit 2, stderr) before the queue is looked for', () => {
    expect(run('/nonexistent-dlq-dir', ['--json'])).toEqual({ code: 2, out: [], err: ['secorch dlq: unknown option "--json"; see: npm run dlq -- --help'] });
    expect(run('/nonexistent-dlq-dir', ['lsit'])).toEqual({ code: 2, out: [], err: ['secorch dlq: unknown command "lsit"; see: npm run dlq -- --help'] });
    const { dataDir } = deadLetter();
    // It used to print the plain list as if the option were understood.
    expect(run(dataDir, ['list', '--json'])).toEqual({ code: 2, out: [], err: ['secorch dlq: unknown option "--json"; see: npm run dlq -- --help'] });
    expect(run(dataDir, ['list', 'all'])).toEqual({ code: 2, out: [], err: ['secorch dlq: list takes no arguments (got "all"); see: npm run dlq -- --help'] });
  });

  test('replay with two ids replays neither and says so; a missing id is a usage error', () => {
    const { dataDir, id } = deadLetter();
    // It used to replay the first and ignore the second.
    expect(run(dataDir, ['replay', id, 'other'])).toEqual({ code: 2, out: [], err: [`secorch dlq: replay takes one id (got "${id}" "other"); see: npm run dlq -- --help`] });
    expect(dead(dataDir)).toEqual([id]);
    expect(run(dataDir, ['show'])).toEqual({ code: 2, out: [], err: ['secorch dlq: show needs the id of a dead letter (see: npm run dlq -- list); see: npm run dlq -- --help'] });
    expect(run(dataDir, ['replay-all', 'now'])).toMatchObject({ code: 2, out: [] });
    expect(dead(dataDir)).toEqual([id]);
  });

  test('an unknown id goes to stderr with exit 1, stdout staying for results', () => {
    const { dataDir, id } = deadLetter();
    expect(run(dataDir, ['show', 'nope'])).toEqual({ code: 1, out: [], err: ['secorch dlq: no dead letter nope (see: npm run dlq -- list)'] });
    expect(run(dataDir, ['replay', 'nope'])).toEqual({ code: 1, out: [], err: ['secorch dlq: no dead letter nope (see: npm run dlq -- list)'] });
    expect(run(dataDir, ['replay', id])).toEqual({ code: 0, out: [`replayed ${id}`], err: [] });
    expect(dead(dataDir)).toEqual([]);
  });

  test('list redacts credentials in an error as the logs do; show, asked for the whole letter, keeps it as stored', () => {
    const error = 'destination_failed: hook: POST https://hooks.slack.com/services/T000/B000/XXXXabcdXXXX answered 404';
    const { dataDir, id } = deadLetter(error);
    const listed = run(dataDir, ['list']);
    expect(listed.code).toBe(0);
    expect(listed.out).toEqual([`${id}  2026-01-01T00:00:00.000Z  attempts=1  t.x  destination_failed: hook: POST https://hooks.slack.com/services/[redacted]/[redacted]/[redacted] answered 404`]);
    expect(JSON.parse(run(dataDir, ['show', id]).out[0]!).error).toBe(error);
  });
});
