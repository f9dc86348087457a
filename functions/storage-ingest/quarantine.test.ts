import { compileConfig } from '../../shared/config/compile';
import type { ObjectStorage } from '../../shared/ports';
import { fixtureBytes } from '../../test/fixtures';
import { INVALID_SARIF, ingestDeps } from './ingest.testkit';
import { ingestObject } from './ingest';
import { quarantineKey } from './quarantine';

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

/**
 * Quarantine keys are the original key under a prefix, and so longer than it: past what the stores
 * take (1024 bytes of key on S3 and GCS, 1024 characters on Blob Storage; file names of 255 bytes
 * in the local folder store) the quarantine itself failed, on every redelivery, and the report
 * was retried until the queue gave up on it. Such a key is shortened, and the original key is
 * written beside the quarantined object.
 */
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

describe('quarantine keys past the stores\' limits', () => {
  const MAX = 1024;
  /** What S3 and GCS answer for a longer key (KeyTooLongError), on every call that names one. */
  function keyLimited(objects: ObjectStorage): ObjectStorage {
    const check = (key: string) => {
      if (bytes(key) > MAX) throw new Error(`KeyTooLongError: ${bytes(key)} bytes (test)`);
    };
    return {
      ...objects,
      put: async (bucket, key, body, opts) => (check(key), objects.put(bucket, key, body, opts)),
      get: async (bucket, key) => (check(key), objects.get(bucket, key)),
      stream: async (bucket, key) => (check(key), objects.stream(bucket, key)),
      head: async (bucket, key) => (check(key), objects.head(bucket, key)),
      move: async (bucket, from, to, opts) => (check(from), check(to), objects.move(bucket, from, to, opts)),
      delete: async (bucket, key) => (check(key), objects.delete(bucket, key)),
    };
  }
  const original = (t: ReturnType<typeof ingestDeps>, key: string) => JSON.parse(text(t, key)) as unknown;

  test('a key near 1024 bytes: quarantined under a shortened key within the limit, the original key beside it', async () => {
    const t = ingestDeps();
    const deps = { ...t.deps, objects: keyLimited(t.objects) };
    // 1020 bytes of UTF-8, as S3 takes it; `quarantine/` makes 1031.
    const key = `scans/${'é'.repeat(300)}/${'r'.repeat(407)}.sarif`;
    expect(bytes(key)).toBe(1020);
    await t.put('reports', key, INVALID_SARIF);
    await expect(ingestObject(ref(key), deps)).resolves.toMatchObject({ status: 'failed', code: 'report_invalid' });
    const first = [...t.objects.buckets.get('reports')!.keys()].sort();
    expect(first).toEqual([expect.stringMatching(/^quarantine\/scans\/(é)+\/r+~[0-9a-f]{32}$/), expect.stringMatching(/~[0-9a-f]{32}\.original\.json$/)]);
    expect(first.every((k) => bytes(k) <= MAX)).toBe(true);
    expect(text(t, first[0]!)).toBe(Buffer.from(fixtureBytes(INVALID_SARIF)).toString('utf8'));
    expect(original(t, first[1]!)).toEqual({ bucket: 'reports', key, version: expect.any(String), etag: expect.any(String), quarantinedTo: first[0] });

    // The next night's broken upload under the same key goes beside it, and the first one is kept.
    await t.objects.put('reports', key, 'not a report at all');
    await expect(ingestObject(ref(key), deps)).resolves.toMatchObject({ status: 'failed', code: 'report_unsupported' });
    const both = [...t.objects.buckets.get('reports')!.keys()].filter((k) => !first.includes(k)).sort();
    expect(both).toEqual([expect.stringMatching(/~[0-9a-f]{32}\.[0-9a-f]{12}$/), expect.stringMatching(/~[0-9a-f]{32}\.[0-9a-f]{12}\.original\.json$/)]);
    expect(both.every((k) => bytes(k) <= MAX)).toBe(true);
    expect(text(t, both[0]!)).toBe('not a report at all');
    expect(original(t, both[1]!)).toMatchObject({ key, quarantinedTo: both[0] });
    expect(text(t, first[0]!)).toBe(Buffer.from(fixtureBytes(INVALID_SARIF)).toString('utf8'));
  });

  test('a crash between the outcome and the move: the redelivery moves it to the shortened key recorded, with its original key', async () => {
    const t = ingestDeps();
    const key = `scans/${'k'.repeat(1014)}`;
    await t.put('reports', key, INVALID_SARIF);
    const limited = keyLimited(t.objects);
    const failing = { ...limited, move: async () => Promise.reject(new Error('store unavailable (test)')) };
    await expect(ingestObject(ref(key), { ...t.deps, objects: failing })).rejects.toMatchObject({ code: 'ingest_unavailable' });
    await expect(ingestObject(ref(key), { ...t.deps, objects: limited })).resolves.toMatchObject({ status: 'duplicate' });
    const keys = [...t.objects.buckets.get('reports')!.keys()].sort();
    expect(keys).toEqual([expect.stringMatching(/^quarantine\/scans\/k+~[0-9a-f]{32}$/), `${keys[0]}.original.json`]);
    expect(original(t, keys[1]!)).toMatchObject({ key, quarantinedTo: keys[0] });
  });

  test('keys within the limits keep their plain quarantine key, and nothing is written beside it', () => {
    expect(quarantineKey('quarantine/', 'scans/nightly.sarif')).toBe('quarantine/scans/nightly.sarif');
    expect(quarantineKey('quarantine/', 'scans/nightly.sarif', '.0123456789ab')).toBe('quarantine/scans/nightly.sarif.0123456789ab');
    // 1024 bytes exactly, no segment longer than 241: as it is. One byte more: shortened.
    const edge = `${`${'x'.repeat(240)}/`.repeat(4)}${'y'.repeat(49)}`;
    expect(quarantineKey('quarantine/', edge)).toBe(`quarantine/${edge}`);
    expect(quarantineKey('quarantine/', `${edge}y`)).toMatch(/^quarantine\/(x{240}\/){4}y+~[0-9a-f]{32}$/);
    // A file name longer than 241 bytes (the local store's 255 less its sidecar's): shortened.
    expect(quarantineKey('quarantine/', `s/${'n'.repeat(241)}`)).toBe(`quarantine/s/${'n'.repeat(241)}`);
    expect(quarantineKey('quarantine/', `s/${'n'.repeat(242)}`)).toMatch(/^quarantine\/s\/n+~[0-9a-f]{32}$/);
  });

  test('the same key always gives the same shortened key; two keys alike up to the cut give two', () => {
    const a = `scans/${'a'.repeat(1000)}-1`;
    const b = `scans/${'a'.repeat(1000)}-2`;
    expect(quarantineKey('quarantine/', a)).toBe(quarantineKey('quarantine/', a));
    expect(quarantineKey('quarantine/', a)).not.toBe(quarantineKey('quarantine/', b));
    // A cut never splits a character: the readable part stays valid UTF-8.
    const multi = `scans/${'😀'.repeat(300)}`;
    const short = quarantineKey('quarantine/', multi);
    expect(short).not.toContain('\ufffd');
    expect(Buffer.from(short, 'utf8').toString('utf8')).toBe(short);
  });

  test('a prefix too long to hold any key: invalid_config, not a retry forever', () => {
    expect(() => quarantineKey(`${'q'.repeat(1000)}/`, 'scans/a.sarif')).toThrow(expect.objectContaining({ code: 'invalid_config', retryable: false }));
  });

  test('every prefix the configuration accepts holds a shortened key of any length (the configuration refuses the others)', () => {
    const longest = [`${'q/'.repeat(181)}${'q'.repeat(150)}`, `${'é'.repeat(75)}/`.repeat(3)];
    for (const prefix of longest) {
      expect(() => compileConfig({ ingest: { quarantinePrefix: prefix } }, {})).not.toThrow();
      for (const tail of ['', '.0123456789ab']) {
        expect(quarantineKey(prefix, `${'k'.repeat(300)}/${'é'.repeat(600)}`, tail).startsWith(prefix)).toBe(true);
        expect(quarantineKey(prefix, 'é'.repeat(900), tail).startsWith(prefix)).toBe(true);
      }
    }
  });
});
