import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDeps } from '../../test/deps';
import { fixtureJson } from '../../test/fixtures';
import type { CloudEvent } from '../events/cloudevent';
import { fileDestination } from './file';

// A real vendor payload as event data (GitHub's documented dependabot_alert example).
const payload = fixtureJson('events/github-dependabot_alert-created.payload.json');
const event = (id: string): CloudEvent => ({
  specversion: '1.0', id, source: '/webhooks/github', type: 'secorch.finding.created', datacontenttype: 'application/json', data: payload, tenant: 'default', origin: 'webhook:github',
});

let dir: string;
beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'secorch-file-dest-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const lines = (path: string) => readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as CloudEvent).id);

test('appends one JSON line per event, in order, creating the directory', async () => {
  const path = join(dir, 'nested', 'events.jsonl');
  const deliver = fileDestination('events-file', { type: 'file', path });
  const { deps } = testDeps();
  for (const id of ['e1', 'e2', 'e3']) await deliver(event(id), deps);
  expect(lines(path)).toEqual(['e1', 'e2', 'e3']);
  expect(JSON.parse(readFileSync(path, 'utf8').split('\n')[0]!)).toEqual(event('e1'));
});

test('a file it creates is readable by its owner only; an existing file keeps its mode', async () => {
  const { deps } = testDeps();
  const created = join(dir, 'events.jsonl');
  await fileDestination('f', { type: 'file', path: created })(event('e1'), deps);
  expect(statSync(created).mode & 0o777).toBe(0o600);
  const shared = join(dir, 'shared.jsonl');
  writeFileSync(shared, '');
  chmodSync(shared, 0o644);
  await fileDestination('g', { type: 'file', path: shared })(event('e1'), deps);
  expect(statSync(shared).mode & 0o777).toBe(0o644);
});

/**
 * The folder the file goes in may not exist yet (locally: .data/events.jsonl on a fresh checkout,
 * or a path of the user's), and what is made for it must protect the events whatever the umask:
 * a folder open to others would let them list, and with a loose umask read, what is added later.
 */
(process.platform === 'win32' ? describe.skip : describe).each([['022', 0o022], ['000', 0o000]])('with umask %s', (_, mask) => {
  let umask: number;
  beforeEach(() => void (umask = process.umask()));
  afterEach(() => void process.umask(umask));

  test('each folder it makes for the file is its owner\'s only (0700), and the file too (0600); existing folders keep their modes', async () => {
    const { deps } = testDeps();
    mkdirSync(join(dir, 'shared'));
    chmodSync(dir, 0o755);
    chmodSync(join(dir, 'shared'), 0o755);
    process.umask(mask);
    const path = join(dir, 'shared', 'runs', 'today', 'events.jsonl');
    await fileDestination('f', { type: 'file', path })(event('e1'), deps);
    const modeOf = (rel: string) => (statSync(join(dir, rel)).mode & 0o777).toString(8);
    expect(['shared/runs', 'shared/runs/today', 'shared/runs/today/events.jsonl'].map(modeOf)).toEqual(['700', '700', '600']);
    expect(['', 'shared'].map(modeOf)).toEqual(['755', '755']);
  });
});

test('a path it cannot write is a retryable destination_failed, and the next write after the fix succeeds', async () => {
  const path = join(dir, 'events.jsonl');
  mkdirSync(path); // a directory where the file should be
  const deliver = fileDestination('events-file', { type: 'file', path });
  const { deps } = testDeps();
  await expect(deliver(event('e1'), deps)).rejects.toMatchObject({ code: 'destination_failed', retryable: true, status: 502 });
  rmSync(path, { recursive: true });
  await deliver(event('e2'), deps);
  expect(lines(path)).toEqual(['e2']);
});
