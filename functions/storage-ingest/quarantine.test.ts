import { INVALID_SARIF, ingestDeps } from './ingest.testkit';
import { ingestObject } from './ingest';

// Real reports (../shared/fixtures/scanner) through the real parser, the in-memory object store
// (like a bucket without versioning: an Azure container by default, GCS without object versioning).
const ref = (key: string) => ({ bucket: 'reports', key, eventTime: '2026-01-01T00:00:00.000Z' });
const text = (t: ReturnType<typeof ingestDeps>, key: string) => Buffer.from(t.objects.buckets.get('reports')!.get(key)!.body).toString('utf8');

describe('quarantine', () => {
  test('a second bad report under the same key does not overwrite the first one in quarantine', async () => {
    const t = ingestDeps();
    await t.put('reports', 'scans/nightly.sarif', INVALID_SARIF);
    await expect(ingestObject(ref('scans/nightly.sarif'), t.deps)).resolves.toMatchObject({ status: 'failed', code: 'report_invalid' });
    const first = text(t, 'quarantine/scans/nightly.sarif');
    // The next night's upload is broken differently.
    await t.objects.put('reports', 'scans/nightly.sarif', 'not a report at all');
    await expect(ingestObject(ref('scans/nightly.sarif'), t.deps)).resolves.toMatchObject({ status: 'failed', code: 'report_unsupported' });
    const keys = [...t.objects.buckets.get('reports')!.keys()].sort();
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe('quarantine/scans/nightly.sarif');
    expect(keys[1]).toMatch(/^quarantine\/scans\/nightly\.sarif\.[0-9a-f]{12}$/);
    // Both reports are kept, each whole.
    expect(text(t, keys[0]!)).toBe(first);
    expect(text(t, keys[1]!)).toBe('not a report at all');
  });

  test('the redelivery after a crash before the move uses the key recorded, not a new one', async () => {
    const t = ingestDeps();
    await t.put('reports', 'a.sarif', INVALID_SARIF);
    await ingestObject(ref('a.sarif'), t.deps);
    await t.objects.put('reports', 'a.sarif', 'garbage');
    const move = t.objects.move;
    t.objects.move = async (bucket, from, to) => {
      // The copy landed; the delete of the original did not.
      await t.objects.put(bucket, to, (await t.objects.get(bucket, from))!);
      throw new Error('store unavailable (test)');
    };
    await expect(ingestObject(ref('a.sarif'), t.deps)).rejects.toMatchObject({ code: 'ingest_unavailable' });
    t.objects.move = move;
    await expect(ingestObject(ref('a.sarif'), t.deps)).resolves.toMatchObject({ status: 'duplicate' });
    const keys = [...t.objects.buckets.get('reports')!.keys()].sort();
    expect(keys).toEqual(['quarantine/a.sarif', expect.stringMatching(/^quarantine\/a\.sarif\.[0-9a-f]{12}$/)]);
  });
});
