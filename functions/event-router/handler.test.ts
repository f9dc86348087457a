import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { failedIds, runBatch } from '../../shared/batch/runner';
import { listDeadLetters, rawBody } from '../../shared/deadletters/store';
import { seedSubscription } from '../../shared/delivery/engine/testkit';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { testDeps } from '../../test/deps';
import { destinations } from '../../shared/destinations';
import { AppError } from '../../shared/errors';
import { jsonLogger } from '../../shared/log/json-logger';
import { MAX_EVENT_DEPTH, eventRouter } from './handler';
import { forgetRefusals } from './refusal';

const event = (id: string, type: string, extra: Record<string, unknown> = {}): CloudEvent => ({
  specversion: '1.0', id, source: '/webhooks/github', type, tenant: 'default', ...extra,
});
const record = (e: unknown, id = String((e as CloudEvent).id)) => ({ id, body: typeof e === 'string' ? e : JSON.stringify(e), attributes: {} });
/** A store whose writes of "delivered" marks fail `times` times (all when undefined). */
function failingMarks(deps: ReturnType<typeof setup>['deps'], times?: number) {
  const store = deps.store;
  let left = times ?? Infinity;
  deps.store = { ...store, put: async (key, value, opts) => {
    if (key.startsWith('routed:') && left-- > 0) throw new Error('store unavailable');
    return store.put(key, value, opts);
  } };
}
const lines = (path: string) => readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as CloudEvent);

function setup(extraRoutes: unknown[] = []) {
  const dir = mkdtempSync(join(tmpdir(), 'router-'));
  const blocker = join(dir, 'not-a-dir');
  writeFileSync(blocker, 'x');
  const paths = { all: join(dir, 'all.jsonl'), findings: join(dir, 'findings.jsonl'), broken: join(blocker, 'x.jsonl') };
  const config = {
    routes: [
      { name: 'everything', filter: { prefix: { type: '' } }, to: ['all'] },
      { name: 'findings', filter: { all: [{ prefix: { type: 'secorch.finding.' } }, { not: { suffix: { type: '.resolved' } } }] }, to: ['findings'] },
      { name: 'broken', filter: { exact: { subject: 'break-me' } }, to: ['broken', 'findings'] },
      ...extraRoutes,
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

  test('a fan-out that fails (an event too large for the store) still lets the routes deliver, once; the record fails for redelivery', async () => {
    const { deps, paths } = setup();
    await seedSubscription(deps, { url: 'https://hooks.example.com/a' });
    // A store that refuses the stored event, as DynamoDB refuses an item over 400 KB.
    const store = deps.store;
    deps.store = { ...store, put: async (key, value, opts) => {
      if (key.startsWith('evt:')) throw Object.assign(new Error('too large'), { code: 'store_value_too_large', retryable: false });
      return store.put(key, value, opts);
    } };
    const big = event('big', 'secorch.finding.created');
    expect(failedIds(await runBatch([record(big)], eventRouter, deps))).toEqual(['big']);
    expect(lines(paths.all).map((e) => e.id)).toEqual(['big']);
    expect(lines(paths.findings).map((e) => e.id)).toEqual(['big']);
    // Redelivered: the routes are not repeated, and the record fails again.
    expect(failedIds(await runBatch([record(big)], eventRouter, deps))).toEqual(['big']);
    expect(lines(paths.all).map((e) => e.id)).toEqual(['big']);
  });

  test('a destination that took the event but whose mark could not be written does not fail the record: no certain second copy', async () => {
    const { deps, paths } = setup();
    const logged: Record<string, unknown>[] = [];
    deps.logger = jsonLogger({ clock: deps.clock, write: (l) => void logged.push(JSON.parse(l) as Record<string, unknown>) });
    failingMarks(deps);
    const outcomes = await runBatch([record(event('m', 'x.y')), record(event('n', 'secorch.finding.created'))], eventRouter, deps);
    expect(failedIds(outcomes)).toEqual([]);
    expect(lines(paths.all).map((e) => e.id)).toEqual(['m', 'n']);
    expect(lines(paths.findings).map((e) => e.id)).toEqual(['n']);
    expect(logged.filter((l) => l.level === 'error')).toEqual([]);
    const warned = logged.filter((l) => l.level === 'warn').map((l) => [l.eventId, l.destination]);
    expect(warned).toEqual([['m', 'all'], ['n', 'all'], ['n', 'findings']]);
  });

  test('a mark that could not be written beside a refusal for good: the event is dead-lettered, and a replay does not repeat the destination', async () => {
    const { deps, paths } = setup();
    const real = destinations(deps.config);
    const broken = real.get('broken')!;
    real.set('broken', async () => Promise.reject(new AppError('template_empty', 'no text', { status: 422, retryable: false })));
    try {
      failingMarks(deps, 1); // the first mark, of 'all'; the dead letter then writes the marks of all that took it
      const bad = event('w', 'secorch.finding.created', { subject: 'break-me' });
      expect((await runBatch([record(bad)], eventRouter, deps)).map((o) => o.ok)).toEqual([true]);
      const [kept] = (await listDeadLetters(deps, 'default')).items.map((i) => i.record);
      expect(kept?.reason.message).toBe('broken: template_empty: no text');
      real.set('broken', broken);
      await runBatch([record(bad)], eventRouter, deps);
      expect(lines(paths.all).map((e) => e.id)).toEqual(['w']);
      expect(lines(paths.findings).map((e) => e.id)).toEqual(['w']);
    } finally {
      real.set('broken', broken);
    }
  });

  test('the same source and id from two tenants are two events: the second is not taken for a redelivery of the first', async () => {
    const { deps, paths } = setup();
    const acme = event('1', 'secorch.finding.created', { source: '/scanner', tenant: 'acme' });
    const globex = event('1', 'secorch.finding.created', { source: '/scanner', tenant: 'globex' });
    expect(failedIds(await runBatch([record(globex), record(acme)], eventRouter, deps))).toEqual([]);
    expect(lines(paths.all).map((e) => e.tenant)).toEqual(['globex', 'acme']);
    expect(lines(paths.findings).map((e) => e.tenant)).toEqual(['globex', 'acme']);
  });

  test('sources and ids that contain ":" do not collide with one another', async () => {
    const { deps, paths } = setup();
    const a = event('b:c', 'x.y', { source: 'urn:a' });
    const b = event('c', 'x.y', { source: 'urn:a:b' });
    expect(failedIds(await runBatch([record(a), record(b)], eventRouter, deps))).toEqual([]);
    expect(lines(paths.all).map((e) => e.source)).toEqual(['urn:a', 'urn:a:b']);
  });

  test('an event id longer than a state store key allows is routed once: its marks fit every store', async () => {
    const { deps, paths } = setup();
    // Azure Table Storage's store takes keys of at most 512 bytes (providers/azure/store-table-layout.ts);
    // POST /events takes ids of any length within its 64 KiB.
    const store = deps.store;
    const short = (key: string) => {
      if (Buffer.byteLength(key) > 512) throw new RangeError(`key is ${Buffer.byteLength(key)} bytes`);
    };
    deps.store = { ...store, get: async (key) => (short(key), store.get(key)), put: async (key, value, opts) => (short(key), store.put(key, value, opts)) };
    const base = `urn:scan:${'0123456789abcdef'.repeat(40)}`;
    const long = [event(`${base}:1`, 'secorch.finding.created'), event(`${base}:2`, 'secorch.finding.created')];
    expect(failedIds(await runBatch(long.map((e) => record(e, e.id.slice(-1))), eventRouter, deps))).toEqual([]);
    expect(failedIds(await runBatch(long.map((e) => record(e, e.id.slice(-1))), eventRouter, deps))).toEqual([]);
    expect(lines(paths.all).map((e) => e.id)).toEqual(long.map((e) => e.id));
    expect(lines(paths.findings).map((e) => e.id)).toEqual(long.map((e) => e.id));
  });

  test('an event every failing destination refused for good is kept as a dead letter and acknowledged; a replay skips the destinations that took it', async () => {
    const { deps, paths } = setup();
    // A destination whose refusal is final (a template that gives no text, a 4xx from a vendor).
    const refusal = new AppError('template_empty', 'The template of summary gave no text for this event', { status: 422, retryable: false });
    const refused = 'break-me';
    const real = destinations(deps.config);
    const broken = real.get('broken')!;
    real.set('broken', async (e, d) => (e.subject === refused ? Promise.reject(refusal) : broken(e, d)));
    try {
      const bad = event('r', 'secorch.finding.created', { subject: refused, tenant: 'acme' });
      const outcomes = await runBatch([record(bad)], eventRouter, deps);
      expect(outcomes.map((o) => o.ok)).toEqual([true]);
      expect(lines(paths.all).map((e) => e.id)).toEqual(['r']);
      expect(lines(paths.findings).map((e) => e.id)).toEqual(['r']);
      const [kept] = (await listDeadLetters(deps, 'acme')).items.map((i) => i.record);
      expect(kept).toMatchObject({ kind: 'event', tenant: 'acme', body: JSON.stringify(bad), reason: { code: 'destination_failed', message: expect.stringContaining('broken: template_empty') } });
      // Replayed after the cause is fixed (the replay clears the refusals, as POST /dead-letters/{id}/replay
      // does): only the destination that refused it gets it now.
      real.set('broken', broken);
      await forgetRefusals(deps, bad, Object.keys(deps.config.destinations));
      expect(failedIds(await runBatch([record(bad)], eventRouter, deps))).toEqual(['r']); // the file path is still unusable: a retryable failure
      expect(lines(paths.findings).map((e) => e.id)).toEqual(['r']);
      expect((await listDeadLetters(deps, 'acme')).items).toHaveLength(1);
    } finally {
      real.set('broken', broken);
    }
  });

  test('the marks of destinations that took an event outlive its dead letter: a replay on the last day of retention skips them', async () => {
    const { deps, paths, clock } = setup();
    const refusal = new AppError('template_empty', 'The template of summary gave no text for this event', { status: 422, retryable: false });
    const real = destinations(deps.config);
    const broken = real.get('broken')!;
    real.set('broken', async () => Promise.reject(refusal));
    try {
      const bad = event('late', 'secorch.finding.created', { subject: 'break-me' });
      expect((await runBatch([record(bad)], eventRouter, deps)).map((o) => o.ok)).toEqual([true]);
      expect((await listDeadLetters(deps, 'default')).items).toHaveLength(1);
      // Replayed 29 days later (retention is 30 days): the file destinations took it already.
      clock.advance(29 * 24 * 3600 * 1000);
      expect((await listDeadLetters(deps, 'default')).items).toHaveLength(1);
      await runBatch([record(bad)], eventRouter, deps);
      expect(lines(paths.all).map((e) => e.id)).toEqual(['late']);
      expect(lines(paths.findings).map((e) => e.id)).toEqual(['late']);
    } finally {
      real.set('broken', broken);
    }
  });

  test('a dead letter kept longer by a repeated refusal keeps the marks of the destinations that took the event as long', async () => {
    const { deps, paths, clock } = setup();
    const refusal = new AppError('template_empty', 'The template of summary gave no text for this event', { status: 422, retryable: false });
    const real = destinations(deps.config);
    const broken = real.get('broken')!;
    real.set('broken', async () => Promise.reject(refusal));
    const day = 24 * 3600 * 1000;
    try {
      const bad = event('again', 'secorch.finding.created', { subject: 'break-me' });
      expect((await runBatch([record(bad)], eventRouter, deps)).map((o) => o.ok)).toEqual([true]);
      // Replayed on day 20 and refused again: the dead letter now lives until day 50.
      clock.advance(20 * day);
      expect((await runBatch([record(bad)], eventRouter, deps)).map((o) => o.ok)).toEqual([true]);
      // Replayed on day 45, within the dead letter's retention: still no second copy.
      clock.advance(25 * day);
      const [kept] = (await listDeadLetters(deps, 'default')).items.map((i) => i.record);
      expect(kept?.failures).toBe(2);
      await runBatch([record(bad)], eventRouter, deps);
      expect(lines(paths.all).map((e) => e.id)).toEqual(['again']);
      expect(lines(paths.findings).map((e) => e.id)).toEqual(['again']);
    } finally {
      real.set('broken', broken);
    }
  });

  test('a refusal for good beside a failure that may pass fails the record for redelivery, keeping no dead letter', async () => {
    const { deps } = setup();
    const real = destinations(deps.config);
    const findings = real.get('findings')!;
    real.set('findings', async () => Promise.reject(new AppError('template_empty', 'no text', { status: 422, retryable: false })));
    try {
      // 'broken' fails with a filesystem error (retryable), 'findings' refuses for good.
      const outcomes = await runBatch([record(event('m', 'secorch.finding.created', { subject: 'break-me' }))], eventRouter, deps);
      expect(outcomes.map((o) => (o.ok ? 'ok' : o.error.code))).toEqual(['destination_failed']);
      expect((await listDeadLetters(deps, 'default')).items).toEqual([]);
    } finally {
      real.set('findings', findings);
    }
  });

  test('a poison message (not JSON, not a CloudEvent) is kept as a dead letter with its raw body and acknowledged', async () => {
    const { deps, paths } = setup();
    const outcomes = await runBatch([record('not json \u00e9', 'm1'), record({ id: 'x', tenant: 'acme' }, 'm2'), record(event('ok', 'x.y'))], eventRouter, deps);
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, true]);
    expect(lines(paths.all).map((e) => e.id)).toEqual(['ok']);
    const [first] = (await listDeadLetters(deps, 'default')).items.map((i) => i.record);
    expect(first).toMatchObject({ kind: 'event', tenant: 'default', body: 'not json \u00e9', encoding: 'utf8', reason: { code: 'invalid_event' }, replays: 0 });
    const [second] = (await listDeadLetters(deps, 'acme')).items.map((i) => i.record);
    expect(second).toMatchObject({ kind: 'event', tenant: 'acme', body: JSON.stringify({ id: 'x', tenant: 'acme' }), reason: { code: 'invalid_event', message: expect.stringContaining('Not a CloudEvent') } });
  });

  test('a message of bytes that are not UTF-8 (handed over base64) is kept as those bytes, marked base64, not as their base64 text', async () => {
    const { deps, paths } = setup();
    const bytes = Buffer.from([0xff, 0x00, 0xfe, 0x7b, 0x22]);
    const outcomes = await runBatch([{ id: 'm1', body: bytes.toString('base64'), bodyEncoding: 'base64', attributes: {} }], eventRouter, deps);
    expect(outcomes.map((o) => o.ok)).toEqual([true]);
    expect(existsSync(paths.all)).toBe(false);
    const [kept] = (await listDeadLetters(deps, 'default')).items.map((i) => i.record);
    expect(kept).toMatchObject({ kind: 'event', encoding: 'base64', body: bytes.toString('base64'), reason: { code: 'invalid_event', message: 'The queued message is not UTF-8 text' } });
    expect(Buffer.from(rawBody(kept!)).equals(bytes)).toBe(true);
  });

  test('a queued event whose tenant is not a tenant name is a poison message: nothing of it lands in another tenant\'s records', async () => {
    const { deps, paths } = setup();
    const real = destinations(deps.config);
    const broken = real.get('broken')!;
    real.set('broken', async () => Promise.reject(new AppError('template_empty', 'no text', { status: 422, retryable: false })));
    try {
      // Written to the router's topic by something other than this server: the server stamps tenants from its configuration.
      const foreign = event('f', 'secorch.finding.created', { subject: 'break-me', tenant: 'acme:x' });
      expect((await runBatch([record(foreign)], eventRouter, deps)).map((o) => o.ok)).toEqual([true]);
      expect((await listDeadLetters(deps, 'acme')).items).toEqual([]);
      expect(existsSync(paths.all)).toBe(false);
      const [kept] = (await listDeadLetters(deps, 'default')).items.map((i) => i.record);
      expect(kept).toMatchObject({ kind: 'event', reason: { code: 'invalid_event', message: expect.stringContaining('tenant') } });
    } finally {
      real.set('broken', broken);
    }
  });

  test('an event nested too deep for the destinations to serialise is a poison message: kept with its raw body, the batch goes on', async () => {
    // A route whose CESQL reads an attribute of the event.
    const { deps, paths } = setup([{ name: 'x-route', filter: { sql: "x = 'a'" }, to: ['findings'] }]);
    const deep = `{"specversion":"1.0","id":"deep","source":"/q","type":"x.y","x":"a","data":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const outcomes = await runBatch([record(deep, 'm1'), record(event('ok', 'x.y'))], eventRouter, deps);
    expect(outcomes.map((o) => o.ok)).toEqual([true, true]);
    expect(lines(paths.all).map((e) => e.id)).toEqual(['ok']);
    const [kept] = (await listDeadLetters(deps, 'default')).items.map((i) => i.record);
    expect(kept).toMatchObject({ kind: 'event', body: deep, reason: { code: 'invalid_event', message: expect.stringContaining(`deeper than ${MAX_EVENT_DEPTH} levels`) } });
    // At the limit (the event object is the first level) it is an event like any other; one more is not.
    const nested = (id: string, n: number) => `{"specversion":"1.0","id":"${id}","source":"/q","type":"x.y","data":${'['.repeat(n)}${']'.repeat(n)}}`;
    const outcomesAtEdge = await runBatch([record(nested('edge', MAX_EVENT_DEPTH - 1), 'm2'), record(nested('over', MAX_EVENT_DEPTH), 'm3')], eventRouter, deps);
    expect(failedIds(outcomesAtEdge)).toEqual([]);
    expect(lines(paths.all).map((e) => e.id)).toEqual(['ok', 'edge']);
    expect((await listDeadLetters(deps, 'default')).items.map((i) => (JSON.parse(i.record.body) as CloudEvent).id).sort()).toEqual(['deep', 'over']);
  });

  test('a poison message that cannot be kept fails with invalid_event, so the queue keeps it', async () => {
    const { deps } = setup();
    jest.spyOn(deps.store, 'put').mockRejectedValue(new Error('store down'));
    const outcomes = await runBatch([record('not json', 'm1')], eventRouter, deps);
    expect(outcomes.map((o) => (o.ok ? 'ok' : o.error.code))).toEqual(['invalid_event']);
  });
});
