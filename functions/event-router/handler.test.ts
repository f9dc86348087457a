import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { failedIds, runBatch } from '../../shared/batch/runner';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { testDeps } from '../../test/deps';
import { eventRouter } from './handler';

const event = (id: string, type: string, extra: Record<string, unknown> = {}): CloudEvent => ({
  specversion: '1.0', id, source: '/webhooks/github', type, tenant: 'default', ...extra,
});
const record = (e: unknown, id = String((e as CloudEvent).id)) => ({ id, body: typeof e === 'string' ? e : JSON.stringify(e), attributes: {} });
const lines = (path: string) => readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as CloudEvent);

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'router-'));
  const blocker = join(dir, 'not-a-dir');
  writeFileSync(blocker, 'x');
  const paths = { all: join(dir, 'all.jsonl'), findings: join(dir, 'findings.jsonl'), broken: join(blocker, 'x.jsonl') };
  const config = {
    routes: [
      { name: 'everything', filter: { prefix: { type: '' } }, to: ['all'] },
      { name: 'findings', filter: { all: [{ prefix: { type: 'secorch.finding.' } }, { not: { suffix: { type: '.resolved' } } }] }, to: ['findings'] },
      { name: 'broken', filter: { exact: { subject: 'break-me' } }, to: ['broken', 'findings'] },
    ],
    destinations: {
      all: { type: 'file', path: paths.all },
      findings: { type: 'file', path: paths.findings },
      broken: { type: 'file', path: paths.broken },
    },
  };
  return { ...testDeps(config), paths };
}

describe('event-router', () => {
  test('routes each event to the destinations whose filters match, one JSON line each', async () => {
    const { deps, paths } = setup();
    const events = [event('1', 'secorch.finding.created'), event('2', 'secorch.finding.resolved'), event('3', 'secorch.webhook.received')];
    const outcomes = await runBatch(events.map((e) => record(e)), eventRouter, deps);
    expect(failedIds(outcomes)).toEqual([]);
    expect(lines(paths.all).map((e) => e.id)).toEqual(['1', '2', '3']);
    expect(lines(paths.findings).map((e) => e.id)).toEqual(['1']);
    expect(lines(paths.all)[0]).toEqual(events[0]);
  });

  test('a failing destination fails only its record; the redelivery does not repeat destinations that succeeded', async () => {
    const { deps, paths } = setup();
    const bad = event('b', 'secorch.finding.created', { subject: 'break-me' });
    const outcomes = await runBatch([record(event('a', 'x.y')), record(bad), record(event('c', 'x.z'))], eventRouter, deps);
    expect(failedIds(outcomes)).toEqual(['b']);
    expect(lines(paths.all).map((e) => e.id)).toEqual(['a', 'b', 'c']);
    expect(lines(paths.findings).map((e) => e.id)).toEqual(['b']);
    const retry = await runBatch([record(bad)], eventRouter, deps);
    expect(failedIds(retry)).toEqual(['b']);
    expect(lines(paths.all).map((e) => e.id)).toEqual(['a', 'b', 'c']);
    expect(lines(paths.findings).map((e) => e.id)).toEqual(['b']);
  });

  test('a message that is not a CloudEvent fails with invalid_event', async () => {
    const { deps } = setup();
    const outcomes = await runBatch([record('not json', 'm1'), record({ id: 'x' }, 'm2')], eventRouter, deps);
    expect(outcomes.map((o) => (o.ok ? 'ok' : o.error.code))).toEqual(['invalid_event', 'invalid_event']);
  });
});
