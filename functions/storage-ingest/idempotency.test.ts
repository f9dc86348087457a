import { createHash } from 'node:crypto';
import type { ObjectInfo } from '../../shared/ports';
import { fixtureBytes } from '../../test/fixtures';
import { INVALID_SARIF, ingestDeps } from './ingest.testkit';
import { identityOf } from './idempotency';
import { ingestObject } from './ingest';
import type { ObjectRef } from './types';

// Real reports (../shared/fixtures/scanner) through the real parser, an in-memory object store
// (a new version on every write, the SHA-256 of the content as its ETag) and state store.
const TRIVY = 'scanner/trivy-alpine-310.json';
const OTHER = 'scanner/trivy-fluentd-gems.json';
const ref = (key: string): ObjectRef => ({ bucket: 'reports', key, eventTime: '2026-01-01T00:00:00.000Z' });
const ids = (t: ReturnType<typeof ingestDeps>) => t.findings().map((e) => e.id);

/**
 * The store as Cloud Storage and Blob Storage answer: an ETag that changes with every write (and a
 * new generation or version), and, where `digest`, the MD5 the store keeps of the content
 * (GCS md5Hash, Blob Content-MD5), as providers/<cloud>/objects-*.ts report it.
 */
function perWriteEtags(t: ReturnType<typeof ingestDeps>, digest: boolean) {
  const dress = (info: ObjectInfo): ObjectInfo => {
    const body = t.objects.buckets.get(info.bucket)!.get(info.key)!.body;
    return { ...info, etag: `0x8DE${info.version}`, ...(digest ? { contentDigest: `md5:${createHash('md5').update(body).digest('hex')}` } : {}) };
  };
  const { head, stream } = t.objects;
  t.objects.head = async (b, k) => {
    const info = await head(b, k);
    return info && dress(info);
  };
  t.objects.stream = async (b, k) => {
    const got = await stream(b, k);
    return got && { ...got, info: dress(got.info) };
  };
}

describe('the same bytes placed again under the same key', () => {
  test('a new version (a versioned S3 bucket, the SHA-256 ETag of the local store) publishes nothing new', async () => {
    const t = ingestDeps();
    const first = await t.put('reports', 'scans/trivy.json', TRIVY);
    await expect(ingestObject(ref('scans/trivy.json'), t.deps)).resolves.toMatchObject({ status: 'ingested', findings: 4 });
    const published = t.bus.events.length;
    const again = await t.put('reports', 'scans/trivy.json', TRIVY);
    expect(again.version).not.toBe(first.version);
    await expect(ingestObject(ref('scans/trivy.json'), t.deps)).resolves.toMatchObject({ status: 'duplicate', findings: 4 });
    expect(t.bus.events).toHaveLength(published);
  });

  test('a new generation on Cloud Storage or a new blob on Blob Storage (another ETag) is known by the MD5 the store keeps', async () => {
    const t = ingestDeps();
    perWriteEtags(t, true);
    await t.put('reports', 'scans/trivy.json', TRIVY);
    await ingestObject(ref('scans/trivy.json'), t.deps);
    const published = t.bus.events.length;
    await t.put('reports', 'scans/trivy.json', TRIVY);
    await expect(ingestObject(ref('scans/trivy.json'), t.deps)).resolves.toMatchObject({ status: 'duplicate' });
    expect(t.bus.events).toHaveLength(published);
  });

  test('a blob without Content-MD5 (committed from blocks) is known by its write only: ingested again, as the README says', async () => {
    const t = ingestDeps();
    perWriteEtags(t, false);
    await t.put('reports', 'scans/trivy.json', TRIVY);
    await ingestObject(ref('scans/trivy.json'), t.deps);
    await t.put('reports', 'scans/trivy.json', TRIVY);
    await expect(ingestObject(ref('scans/trivy.json'), t.deps)).resolves.toMatchObject({ status: 'ingested', findings: 4 });
  });

  test('other bytes under the same key are a report of their own, with their own event ids', async () => {
    const t = ingestDeps();
    await t.put('reports', 'scans/report.json', TRIVY);
    await ingestObject(ref('scans/report.json'), t.deps);
    const before = ids(t);
    await t.put('reports', 'scans/report.json', OTHER);
    await expect(ingestObject(ref('scans/report.json'), t.deps)).resolves.toMatchObject({ status: 'ingested', findings: 2 });
    expect(ids(t).slice(before.length).filter((id) => before.includes(id))).toEqual([]);
  });

  test('a refused report placed again publishes nothing and goes to quarantine again, beside the report now at its first quarantine key', async () => {
    const t = ingestDeps();
    await t.put('reports', 'bad.sarif', INVALID_SARIF);
    await expect(ingestObject(ref('bad.sarif'), t.deps)).resolves.toMatchObject({ status: 'failed', code: 'report_invalid' });
    const published = t.bus.events.length;
    // An operator replaced the quarantined copy with another report meanwhile.
    await t.put('reports', 'quarantine/bad.sarif', TRIVY);
    await t.put('reports', 'bad.sarif', INVALID_SARIF);
    await expect(ingestObject(ref('bad.sarif'), t.deps)).resolves.toMatchObject({ status: 'duplicate' });
    expect(t.bus.events).toHaveLength(published);
    const keys = [...t.objects.buckets.get('reports')!.keys()].sort();
    expect(keys).toEqual(['quarantine/bad.sarif', expect.stringMatching(/^quarantine\/bad\.sarif\.[0-9a-f]{12}$/)]);
    expect(Buffer.from((await t.objects.get('reports', 'quarantine/bad.sarif'))!)).toEqual(fixtureBytes(TRIVY));
    expect(Buffer.from((await t.objects.get('reports', keys[1]!))!).toString()).toContain('"results": 42');
  });
});

describe('identityOf', () => {
  const info = (extra: Partial<ObjectInfo>): ObjectInfo => ({ bucket: 'b', key: 'k', size: 7, ...extra });

  test('a digest of the content the store keeps, with the size, before the ETag and the version', () => {
    expect(identityOf(info({ contentDigest: 'md5:00ff', etag: '0x8DE1', version: 'v1' }))).toBe('md5:00ff:7');
  });

  test('else the ETag (a content hash on S3 for one part, and locally), before the version, which every write changes', () => {
    expect(identityOf(info({ etag: 'd41d8cd98f00b204e9800998ecf8427e', version: 'v1' }))).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(identityOf(info({ version: 'v1' }))).toBe('v1');
    expect(identityOf(info({ lastModified: '2026-01-01T00:00:00.000Z' }))).toBe('7:2026-01-01T00:00:00.000Z');
  });
});
