import { AppError } from '../../shared/errors';
import { jsonLogger } from '../../shared/log/json-logger';
import { validateCloudEvent } from '../../shared/events/cloudevent';
import { stableEventId } from '../../shared/events/ids';
import { EMPTY_SARIF, INVALID_SARIF, ingestDeps, REPORT_FINDINGS } from './ingest.testkit';
import { identityOf } from './idempotency';
import { ingestObject } from './ingest';
import type { ObjectRef } from './types';

// Real scanner reports (../shared/fixtures/scanner) through the real parser, an in-memory object
// store and state store, and a capturing bus.
const TRIVY = 'scanner/trivy-alpine-310.json';
const ref = (key: string, bucket = 'reports'): ObjectRef => ({ bucket, key, eventTime: '2026-01-01T00:00:00.000Z' });
const codeOf = (p: Promise<unknown>) => p.then(() => 'resolved', (e: unknown) => (e instanceof AppError ? `${e.code}/${e.retryable}` : String(e)));

describe('ingestObject', () => {
  test.each(Object.entries(REPORT_FINDINGS))('%s: one finding event per result, then one completed event', async (file, count) => {
    const t = ingestDeps();
    await t.put('reports', 'scans/report.json', file);
    const result = await ingestObject(ref('scans/report.json'), t.deps);
    expect(result).toMatchObject({ status: 'ingested', findings: count });
    expect(t.findings()).toHaveLength(count);
    expect(new Set(t.findings().map((e) => e.id)).size).toBe(count);
    expect(t.system('completed')).toEqual([expect.objectContaining({ data: expect.objectContaining({ outcome: 'ingested', findings: count, format: result.format }) })]);
  });

  test('finding events: CloudEvents 1.0 with stable ids, stamped tenant and origin, provenance in the finding', async () => {
    const t = ingestDeps({ ingest: { tenant: 'acme' } });
    const info = await t.put('reports', 'trivy.json', TRIVY);
    await ingestObject(ref('trivy.json'), t.deps);
    const [first] = t.findings();
    expect(validateCloudEvent(first)).toEqual([]);
    expect(first).toMatchObject({
      specversion: '1.0', source: '//storage/reports', type: 'secorch.finding.created', datacontenttype: 'application/json',
      tenant: 'acme', origin: 'storage:reports', subject: expect.any(String), time: expect.any(String),
    });
    expect((first!.data as { unmapped: { report: unknown } }).unmapped.report).toMatchObject({ bucket: 'reports', key: 'trivy.json', version: info.version, format: 'trivy' });
    const completed = t.system('completed')[0]!;
    expect(completed).toMatchObject({ id: stableEventId('ingest.completed', 'reports', 'trivy.json', identityOf(info)), tenant: 'acme', data: { bytes: info.size, durationMs: 0 } });
  });

  test('a JSON Lines report with a bad line is ingested without it: the completed event, a warning log line and a metric say how many lines were left out and where, quoted text redacted', async () => {
    const t = ingestDeps();
    const lines: Record<string, unknown>[] = [];
    t.deps.logger = jsonLogger({ clock: t.deps.clock, write: (l) => void lines.push(JSON.parse(l) as Record<string, unknown>) });
    const counted: [string, number | undefined, Record<string, string> | undefined][] = [];
    t.deps.metrics = { count: (name, v, tags) => void counted.push([name, v, tags]), timing: () => undefined };
    const token = `ghp_${'a1B2'.repeat(9)}`;
    const text = [JSON.stringify({ title: 'first', rule: 'r1' }), `{"title": "cut short", "token": "${token}"`, JSON.stringify({ title: 'third', rule: 'r3' })].join('\n');
    await t.objects.put('reports', 'scans/findings.jsonl', Buffer.from(text));
    await expect(ingestObject(ref('scans/findings.jsonl'), t.deps)).resolves.toMatchObject({ status: 'ingested', findings: 2 });
    const [completed] = t.system('completed');
    const warnings = (completed!.data as { warnings: { code: string; count: number; items: { pointer: string; reason: string }[] }[] }).warnings;
    expect(warnings).toEqual([expect.objectContaining({ code: 'lines_refused', count: 1, items: [{ pointer: 'line 2', reason: expect.stringContaining('Malformed JSON') }] })]);
    expect(JSON.stringify(completed)).not.toContain(token);
    expect(lines.filter((l) => l.msg === 'report ingested with items left out').map((l) => l.level)).toEqual(['warn']);
    expect(JSON.stringify(lines)).not.toContain(token);
    expect(counted).toContainEqual(['ingest.items_left_out', 1, { code: 'lines_refused', format: 'jsonl' }]);
  });

  test('a JSON Lines report refused for its bad lines: the failed event quotes them redacted, as the completed event does', async () => {
    const t = ingestDeps();
    // A short malformed line is quoted whole by JSON.parse's error (up to 20 characters on Node 20);
    // the refusal quotes the first three refused lines.
    const secret = 'whsec_MFRGGZDF';
    const text = [JSON.stringify({ title: 'only one', rule: 'r1' }), `{"k":${secret}}`, `{"k":${secret}}`].join('\n');
    await t.objects.put('reports', 'scans/leaky.jsonl', Buffer.from(text));
    await expect(ingestObject(ref('scans/leaky.jsonl'), t.deps)).resolves.toMatchObject({ status: 'failed', code: 'report_invalid' });
    const [failed] = t.system('failed');
    expect(failed!.data).toMatchObject({ code: 'report_invalid', pointer: 'line 2', reason: expect.stringContaining('2 lines refused, 1 ingested') });
    expect(JSON.stringify(failed)).not.toContain(secret);
  });

  test('a redelivered notification publishes nothing new', async () => {
    const t = ingestDeps();
    await t.put('reports', 'trivy.json', TRIVY);
    await ingestObject(ref('trivy.json'), t.deps);
    const published = t.bus.events.length;
    await expect(ingestObject(ref('trivy.json'), t.deps)).resolves.toMatchObject({ status: 'duplicate', findings: 4 });
    expect(t.bus.events).toHaveLength(published);
  });

  test('a crash midway (the bus fails on the 3rd publish) is retried with the same ids, none missing', async () => {
    const clean = ingestDeps();
    await clean.put('reports', 'trivy.json', TRIVY);
    await ingestObject(ref('trivy.json'), clean.deps);
    const expected = clean.bus.events.map((e) => e.id).sort();

    const t = ingestDeps();
    await t.put('reports', 'trivy.json', TRIVY);
    t.bus.failAt(3);
    expect(await codeOf(ingestObject(ref('trivy.json'), t.deps))).toBe('ingest_unavailable/true');
    expect(t.system('completed')).toEqual([]);
    // The four findings were in flight together; the third failed, the other three were accepted.
    const firstAttempt = t.bus.events.length;
    expect(firstAttempt).toBe(3);
    await expect(ingestObject(ref('trivy.json'), t.deps)).resolves.toMatchObject({ status: 'ingested', findings: 4 });
    const ids = t.bus.events.map((e) => e.id);
    expect([...new Set(ids)].sort()).toEqual(expected);
    // The retry republished every finding (downstream deduplicates on the stable ids); nothing more.
    expect(ids).toHaveLength(firstAttempt + expected.length);
    expect(ids.slice(firstAttempt).sort()).toEqual(expected);
  });

  test.each([
    ['a JSON Lines report (its last lines unread)', 'scans/findings.jsonl', 3],
    ['a SARIF report (read short, it looks malformed)', 'scans/report.sarif', 2],
    ['a CSV report (its last rows unread)', 'scans/findings.csv', 3],
  ])('a read that ends before the object does is retried, not judged: %s', async (_name, key, count) => {
    // A fault no emulator can make: the store's stream ends cleanly short of the object's size, as
    // a connection closed mid-body can (aws/aws-sdk-js#257, #827). The wrapper stands in for it.
    const t = ingestDeps();
    const text = key.endsWith('.jsonl')
      ? [1, 2, 3].map((i) => JSON.stringify({ title: `finding ${i}`, rule: `r${i}` })).join('\n')
      : key.endsWith('.csv') ? 'title,rule\nfinding 1,r1\nfinding 2,r2\nfinding 3,r3\n' : JSON.stringify({ version: '2.1.0', runs: [{ tool: { driver: { name: 't' } }, results: [1, 2].map((i) => ({ ruleId: 'R', message: { text: `hit ${i}` } })) }] });
    await t.objects.put('reports', key, Buffer.from(text));
    const stream = t.objects.stream;
    t.objects.stream = async (bucket, k) => {
      const got = (await stream(bucket, k))!;
      return { info: got.info, body: (async function* cut() {
        for await (const chunk of got.body) yield chunk.subarray(0, chunk.length - 20);
      })() };
    };
    expect(await codeOf(ingestObject(ref(key), t.deps))).toBe('ingest_unavailable/true');
    expect(t.bus.events.filter((e) => e.type.startsWith('secorch.system.'))).toEqual([]);
    expect([...t.objects.buckets.get('reports')!.keys()]).toEqual([key]);
    t.objects.stream = stream;
    await expect(ingestObject(ref(key), t.deps)).resolves.toMatchObject({ status: 'ingested', findings: count });
    expect(new Set(t.findings().map((e) => e.id)).size).toBe(count);
  });

  test('invalid report: a failed event, a completed event, and the object moved to quarantine', async () => {
    const t = ingestDeps();
    const info = await t.put('reports', 'codeql/bad.sarif', INVALID_SARIF);
    await expect(ingestObject(ref('codeql/bad.sarif'), t.deps)).resolves.toMatchObject({ status: 'failed', code: 'report_invalid', findings: 0 });
    expect(t.system('failed')).toEqual([expect.objectContaining({
      type: 'secorch.system.ingest.failed',
      data: { bucket: 'reports', key: 'codeql/bad.sarif', version: info.version, code: 'report_invalid', reason: '`results` must be an array', format: 'sarif', pointer: '/runs/0/results' },
    })]);
    expect(t.system('completed')[0]!.data).toMatchObject({ outcome: 'failed', code: 'report_invalid' });
    expect([...t.objects.buckets.get('reports')!.keys()]).toEqual(['quarantine/codeql/bad.sarif']);
    // The notification of the move is skipped; a redelivery of the first finds nothing to read.
    await expect(ingestObject(ref('quarantine/codeql/bad.sarif'), t.deps)).resolves.toMatchObject({ status: 'skipped' });
    await expect(ingestObject(ref('codeql/bad.sarif'), t.deps)).resolves.toMatchObject({ status: 'missing' });
    expect(t.bus.events).toHaveLength(2);
  });

  test('empty report: a failed event (report_empty) and the object left in place; a redelivery repeats nothing', async () => {
    const t = ingestDeps();
    await t.put('reports', 'clean.sarif', EMPTY_SARIF);
    await expect(ingestObject(ref('clean.sarif'), t.deps)).resolves.toMatchObject({ status: 'failed', code: 'report_empty' });
    expect(t.system('failed')[0]!.data).toMatchObject({ code: 'report_empty', format: 'sarif' });
    expect([...t.objects.buckets.get('reports')!.keys()]).toEqual(['clean.sarif']);
    await expect(ingestObject(ref('clean.sarif'), t.deps)).resolves.toMatchObject({ status: 'duplicate' });
    expect(t.bus.events).toHaveLength(2);
  });

  test('a crash between recording a refusal and the move: the redelivery finishes the move', async () => {
    const t = ingestDeps();
    await t.put('reports', 'bad.sarif', INVALID_SARIF);
    const move = t.objects.move;
    t.objects.move = async () => {
      throw new Error('store unavailable (test)');
    };
    expect(await codeOf(ingestObject(ref('bad.sarif'), t.deps))).toBe('ingest_unavailable/true');
    t.objects.move = move;
    await expect(ingestObject(ref('bad.sarif'), t.deps)).resolves.toMatchObject({ status: 'duplicate' });
    expect([...t.objects.buckets.get('reports')!.keys()]).toEqual(['quarantine/bad.sarif']);
    expect(t.system('failed')).toHaveLength(1);
  });

  test('a folder made in a console (an empty object whose key ends in "/") is skipped, not reported as a failed report', async () => {
    const t = ingestDeps({ ingest: { prefixes: ['scans/'] } });
    // The S3 and Cloud Storage consoles make a folder as a zero-byte object named "<folder>/",
    // which sends an object-created notification like any upload.
    await t.objects.put('reports', 'scans/2026-01/', new Uint8Array());
    await expect(ingestObject(ref('scans/2026-01/'), t.deps)).resolves.toMatchObject({ status: 'skipped' });
    expect(t.bus.events).toEqual([]);
    expect([...t.objects.buckets.get('reports')!.keys()]).toEqual(['scans/2026-01/']);
    // An empty report under an ordinary name is still a clean scan with its events.
    await t.objects.put('reports', 'scans/2026-01/empty.sarif', new Uint8Array());
    await expect(ingestObject(ref('scans/2026-01/empty.sarif'), t.deps)).resolves.toMatchObject({ status: 'failed', code: 'report_empty' });
  });

  test('larger than ingest.maxObjectBytes: report_too_large without reading, quarantined', async () => {
    const t = ingestDeps({ ingest: { maxObjectBytes: 1000 } });
    await t.put('reports', 'trivy.json', TRIVY);
    t.objects.stream = async () => {
      throw new Error('must not be read');
    };
    await expect(ingestObject(ref('trivy.json'), t.deps)).resolves.toMatchObject({ status: 'failed', code: 'report_too_large' });
    expect(t.objects.buckets.get('reports')!.has('quarantine/trivy.json')).toBe(true);
  });

  test('keys under the quarantine prefix or outside ingest.prefixes are skipped without a read', async () => {
    const t = ingestDeps({ ingest: { prefixes: ['scans/'], quarantinePrefix: 'bad/' } });
    await t.put('reports', 'other/trivy.json', TRIVY);
    await t.put('reports', 'bad/scans/trivy.json', TRIVY);
    await expect(ingestObject(ref('other/trivy.json'), t.deps)).resolves.toEqual({ status: 'skipped', reason: 'outside ingest.prefixes' });
    await expect(ingestObject(ref('bad/scans/trivy.json'), t.deps)).resolves.toEqual({ status: 'skipped', reason: 'under the quarantine prefix' });
    expect(t.bus.events).toEqual([]);
  });

  test('another attempt holding the lease: ingest_in_progress (retryable); once the lease ends, taken over', async () => {
    const t = ingestDeps({ ingest: { leaseSeconds: 60 } });
    const info = await t.put('reports', 'trivy.json', TRIVY);
    const value = JSON.stringify({ state: 'in-progress', leaseUntil: t.clock.now() + 60_000, attempt: 1 });
    await t.deps.store.put(`ing:reports:trivy.json@${identityOf(info)}`, value);
    expect(await codeOf(ingestObject(ref('trivy.json'), t.deps))).toBe('ingest_in_progress/true');
    t.clock.advance(60_001);
    await expect(ingestObject(ref('trivy.json'), t.deps)).resolves.toMatchObject({ status: 'ingested', findings: 4 });
  });

  test('a key as long as the object stores allow (1024 bytes) is ingested once on a state store with short keys', async () => {
    const t = ingestDeps();
    // Azure Table Storage's store takes keys of at most 512 bytes (providers/azure/store-table-layout.ts),
    // Firestore's 750, DynamoDB's 1024; object keys reach 1024 bytes on S3, GCS and Blob Storage.
    const store = t.deps.store;
    const short = (key: string) => {
      if (Buffer.byteLength(key) > 512) throw new RangeError(`key is ${Buffer.byteLength(key)} bytes`);
    };
    t.deps.store = {
      ...store,
      get: async (key) => (short(key), store.get(key)),
      put: async (key, value, opts) => (short(key), store.put(key, value, opts)),
    };
    const key = `ci/${'ré/'.repeat(250)}trivy.json`;
    expect(Buffer.byteLength(key)).toBeGreaterThan(1000);
    await t.put('reports', key, TRIVY);
    await expect(ingestObject(ref(key), t.deps)).resolves.toMatchObject({ status: 'ingested', findings: 4 });
    await expect(ingestObject(ref(key), t.deps)).resolves.toMatchObject({ status: 'duplicate', findings: 4 });
    // Another object whose long key differs only at its end is an object of its own.
    await t.put('reports', `${key}.2`, TRIVY);
    await expect(ingestObject(ref(`${key}.2`), t.deps)).resolves.toMatchObject({ status: 'ingested', findings: 4 });
  });

  test('a store failure is retryable and publishes nothing', async () => {
    const t = ingestDeps();
    await t.put('reports', 'trivy.json', TRIVY);
    t.deps.store.put = async () => {
      throw new Error('table unavailable (test)');
    };
    expect(await codeOf(ingestObject(ref('trivy.json'), t.deps))).toBe('ingest_unavailable/true');
    expect(t.bus.events).toEqual([]);
  });

  test('an object already gone is reported missing, nothing published', async () => {
    const t = ingestDeps();
    await expect(ingestObject(ref('nothing.json'), t.deps)).resolves.toMatchObject({ status: 'missing' });
    expect(t.bus.events).toEqual([]);
  });

  test('without object storage in deps: invalid_config, not retryable', async () => {
    const t = ingestDeps();
    expect(await codeOf(ingestObject(ref('trivy.json'), { ...t.deps, objects: undefined }))).toBe('invalid_config/false');
  });
});
