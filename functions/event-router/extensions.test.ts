import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBatch } from '../../shared/batch/runner';
import { compileConfig } from '../../shared/config/compile';
import { listDeadLetters } from '../../shared/deadletters/store';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { scheduledEvent } from '../../shared/schedules/jobs/emit';
import { testDeps } from '../../test/deps';
import { fixtureJson } from '../../test/fixtures';
import { findingEvent } from '../storage-ingest/events';
import { buildEvents } from '../webhook-ingress/event';
import { eventRouter, parseEvent } from './handler';

/**
 * Extension attribute values on the router's queue: the spec's types (string, 32-bit integer,
 * boolean; null is "unset") are routed, anything else is a poison message, as POST /events
 * refuses it. Nothing the server publishes itself is caught by that.
 */
function setup() {
  const path = join(mkdtempSync(join(tmpdir(), 'router-ext-')), 'all.jsonl');
  const t = testDeps({ routes: [{ name: 'all', filter: { prefix: { type: '' } }, to: ['all'] }], destinations: { all: { type: 'file', path } } });
  const ids = () => (existsSync(path) ? readFileSync(path, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as CloudEvent).id) : []);
  return { ...t, ids };
}
const event = (id: string, ext: Record<string, unknown>) => ({ specversion: '1.0', id, source: '/q', type: 'x.y', tenant: 'acme', ...ext });
const record = (e: { id: string }) => ({ id: e.id, body: JSON.stringify(e), attributes: {} });

test('an object, array, fraction or 64-bit integer as an extension value is a poison message: kept as a dead letter, not routed', async () => {
  const { deps, ids } = setup();
  const bad = [
    event('object', { labels: { a: 1 } }), event('array', { labels: ['a'] }),
    event('fraction', { score: 1.5 }), event('wide', { n: 2 ** 31 }),
  ];
  const outcomes = await runBatch(bad.map(record), eventRouter, deps);
  expect(outcomes.map((o) => o.ok)).toEqual([true, true, true, true]);
  expect(ids()).toEqual([]);
  const kept = (await listDeadLetters(deps, 'acme')).items.map((i) => i.record);
  expect(kept.map((k) => [(JSON.parse(k.body) as CloudEvent).id, k.reason.code]).sort()).toEqual(
    [['array', 'invalid_event'], ['fraction', 'invalid_event'], ['object', 'invalid_event'], ['wide', 'invalid_event']],
  );
  expect(kept.find((k) => k.body.includes('"object"'))!.reason.message).toBe('Not a CloudEvent: labels: extension values are strings, 32-bit integers or booleans');
});

test('strings, 32-bit integers, booleans and null (unset) are routed', async () => {
  const { deps, ids } = setup();
  const good = [event('s', { region: 'eu' }), event('i', { n: -(2 ** 31) }), event('b', { flag: false }), event('null', { gone: null })];
  const outcomes = await runBatch(good.map(record), eventRouter, deps);
  expect(outcomes.map((o) => o.ok)).toEqual([true, true, true, true]);
  expect(ids()).toEqual(['s', 'i', 'b', 'null']);
});

test('the events the server publishes pass: webhooks (mapped and as received), schedules, reports', () => {
  const { deps } = testDeps();
  const sources = compileConfig({ sources: {
    github: { verify: { scheme: 'github', secret: 's' }, mapper: 'github' },
    raw: { verify: { scheme: 'github', secret: 's' } },
  } }, {}).sources;
  const payload = { data: fixtureJson<unknown>('events/github-code_scanning_alert-created.payload.json'), contentType: 'application/json' as const };
  const published: CloudEvent[] = [
    ...buildEvents(deps, 'github', sources.github!, { deliveryId: 'd-1', event: 'code_scanning_alert' }, payload),
    ...buildEvents(deps, 'raw', sources.raw!, { deliveryId: 'd-2', event: 'push' }, payload),
    scheduledEvent({ type: 'emit', eventType: 'secorch.tick', data: { n: 1 } } as Parameters<typeof scheduledEvent>[0], 'hourly', 'default', 0),
    findingEvent(
      { bucket: 'b', key: 'scans/r.sarif', identity: 'v1', size: 10, eventTime: '2026-01-01T00:00:00Z' },
      { key: 'f', type: 'secorch.finding.created', data: { finding_info: { uid: 'u' } } } as Parameters<typeof findingEvent>[1],
      { tenant: 'default', now: '2026-01-01T00:00:00Z' },
    ),
  ];
  expect(published.length).toBeGreaterThanOrEqual(4);
  expect(published.some((e) => e.deliveryid === 'd-1')).toBe(true);
  for (const e of published) expect(parseEvent(JSON.stringify(e))).toEqual(JSON.parse(JSON.stringify(e)));
});
