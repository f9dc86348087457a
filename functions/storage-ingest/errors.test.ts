import { AppError } from '../../shared/errors';
import { keyInvalid } from '../../shared/objects/keys';
import { ingestDeps } from './ingest.testkit';
import { ingestObject } from './ingest';
import type { ObjectRef } from './types';

// Which failures are retried. Every cloud redelivers a failed notification, but Event Grid
// dead-letters a non-retryable answer at once and the local inbox sets such a file aside with a
// secorch.system.ingest.failed event; a retryable one is tried again until the dead-letter queue,
// under a code (ingest_unavailable) that hides why.
const TRIVY = 'scanner/trivy-alpine-310.json';
const ref = (key: string): ObjectRef => ({ bucket: 'reports', key, eventTime: '2026-01-01T00:00:00.000Z' });
const codeOf = (p: Promise<unknown>) => p.then(() => 'resolved', (e: unknown) => (e instanceof AppError ? `${e.code}/${e.retryable}` : String(e)));

describe('storage-ingest failures', () => {
  test('a key the object store can never address fails as object_key_invalid, not retryable', async () => {
    const t = ingestDeps();
    t.objects.head = async () => {
      throw keyInvalid('key', '..', 'is . or .. (test)');
    };
    expect(await codeOf(ingestObject(ref('..'), t.deps))).toBe('object_key_invalid/false');
    expect(t.bus.events).toEqual([]);
  });

  test('a finding too large for the event bus fails as bus_message_too_large, not retryable, and releases the object', async () => {
    const t = ingestDeps();
    await t.put('reports', 'trivy.json', TRIVY);
    const publish = t.bus.publish;
    let calls = 0;
    t.deps.bus = {
      ...t.bus,
      publish: async (event) => {
        calls += 1;
        if (calls === 2) throw new AppError('bus_message_too_large', `Event ${event.id} is 300000 bytes (test)`, { status: 500, retryable: false, expose: false });
        await publish(event);
      },
    };
    expect(await codeOf(ingestObject(ref('trivy.json'), t.deps))).toBe('bus_message_too_large/false');
    expect(t.system('completed')).toEqual([]);
    // Released at once: another attempt (a redelivery, a fixed deployment) is not held off by the lease.
    t.deps.bus = t.bus;
    await expect(ingestObject(ref('trivy.json'), t.deps)).resolves.toMatchObject({ status: 'ingested', findings: 4 });
  });

  test('a non-retryable failure of the deployment\'s own state store stays retryable: the report is not at fault', async () => {
    const t = ingestDeps();
    await t.put('reports', 'trivy.json', TRIVY);
    t.deps.store.get = async () => {
      throw new AppError('store_damaged', 'The local database is damaged (test)', { status: 500, retryable: false, expose: false });
    };
    expect(await codeOf(ingestObject(ref('trivy.json'), t.deps))).toBe('ingest_unavailable/true');
  });

  test('any non-retryable error of the object store keeps its code, retryable false, and releases the object', async () => {
    const t = ingestDeps();
    await t.put('reports', 'trivy.json', TRIVY);
    const stream = t.objects.stream.bind(t.objects);
    // A code storage-ingest does not know by name: a provider's own verdict on this object.
    t.objects.stream = async () => {
      throw new AppError('object_archived', 'reports/trivy.json is in an archive tier and cannot be read (test)', { status: 409, retryable: false });
    };
    const e = await ingestObject(ref('trivy.json'), t.deps).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(AppError);
    expect(e).toMatchObject({ code: 'object_archived', retryable: false, status: 409 });
    expect(t.bus.events).toEqual([]);
    t.objects.stream = stream;
    await expect(ingestObject(ref('trivy.json'), t.deps)).resolves.toMatchObject({ status: 'ingested', findings: 4 });
  });

  test('an outage stays retryable: a store or bus that does not answer is ingest_unavailable, a typed outage keeps its code', async () => {
    const t = ingestDeps();
    await t.put('reports', 'trivy.json', TRIVY);
    const get = t.deps.store.get;
    t.deps.store.get = async () => {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
    };
    const raw = await ingestObject(ref('trivy.json'), t.deps).catch((err: unknown) => err);
    expect(raw).toMatchObject({ code: 'ingest_unavailable', retryable: true, status: 503, message: 'storage-ingest: state read failed for reports/trivy.json' });
    t.deps.store.get = async () => {
      throw new AppError('store_unavailable', 'Redis state store unavailable during get (connection refused); retry shortly', { status: 503, retryable: true, headers: { 'retry-after': '1' } });
    };
    expect(await codeOf(ingestObject(ref('trivy.json'), t.deps))).toBe('store_unavailable/true');
    t.deps.store.get = get;
    t.bus.failAt(1);
    expect(await codeOf(ingestObject(ref('trivy.json'), t.deps))).toBe('ingest_unavailable/true');
  });

  test('a configuration error from a step is about the deployment: retryable, the report is not at fault', async () => {
    const t = ingestDeps();
    await t.put('reports', 'trivy.json', TRIVY);
    t.deps.bus = { ...t.bus, publish: async () => { throw new AppError('invalid_config', 'bus: no topic configured (test)', { status: 500, retryable: false }); } };
    expect(await codeOf(ingestObject(ref('trivy.json'), t.deps))).toBe('ingest_unavailable/true');
  });

  test('a damaged local database under the event bus stays retryable: the deployment is at fault, not the report', async () => {
    const t = ingestDeps();
    await t.put('reports', 'trivy.json', TRIVY);
    // The local bus is a queue table in SQLite (providers/local/bus-sqlite.ts): a damaged file
    // fails its publish with the state store's non-retryable store_damaged (sqlite-errors.ts).
    t.deps.bus = { ...t.bus, publish: async () => { throw new AppError('store_damaged', 'The local database queue.db is damaged (test)', { status: 500, retryable: false, expose: false }); } };
    expect(await codeOf(ingestObject(ref('trivy.json'), t.deps))).toBe('ingest_unavailable/true');
    t.deps.bus = t.bus;
    await expect(ingestObject(ref('trivy.json'), t.deps)).resolves.toMatchObject({ status: 'ingested', findings: 4 });
  });

  test('a report whose scan did not run: report_scan_failed with a failed event, left where it is like a clean scan', async () => {
    const t = ingestDeps();
    await t.put('reports', 'nightly.sarif', 'scanner/sarif-tutorials/Catastrophic_execution_error.sarif');
    await expect(ingestObject(ref('nightly.sarif'), t.deps)).resolves.toMatchObject({ status: 'failed', code: 'report_scan_failed', findings: 0 });
    expect(t.system('failed')[0]!.data).toMatchObject({ code: 'report_scan_failed', format: 'sarif', pointer: '/runs/0/invocations/0', reason: expect.stringContaining('Out of memory.') });
    expect([...t.objects.buckets.get('reports')!.keys()]).toEqual(['nightly.sarif']);
  });
});
