import { createHash } from 'node:crypto';
import { infoOf } from './objects-gcs-info';

// Object resources as the JSON API answers them (https://cloud.google.com/storage/docs/json_api/v1/objects#resource):
// md5Hash and crc32c in base64, int64 fields as decimal strings. No emulator runs here (TOOLING.md).
const body = Buffer.from('{"runs":[]}');
const md5 = createHash('md5').update(body);
const resource = (generation: string, extra: Record<string, unknown> = {}) => ({
  size: String(body.length), generation, metageneration: '1', etag: `CK${generation}EAE=`, crc32c: 'yZRlqg==', updated: '2026-01-01T00:00:00.000Z', ...extra,
});

describe('Cloud Storage content digest', () => {
  it('is md5Hash in hex: the same for every generation of the same bytes, whose etag and generation differ', () => {
    const hash = md5.copy().digest('base64');
    const a = infoOf('b', 'k', resource('1700000000000001', { md5Hash: hash }));
    const b = infoOf('b', 'k', resource('1700000000000002', { md5Hash: hash }));
    expect([a.version, a.etag]).not.toEqual([b.version, b.etag]);
    expect(a.contentDigest).toBe(`md5:${md5.copy().digest('hex')}`);
    expect(b.contentDigest).toBe(a.contentDigest);
  });

  it('is crc32c for a composite object, which has no md5Hash', () => {
    expect(infoOf('b', 'k', resource('1')).contentDigest).toBe('crc32c:c99465aa');
  });
});
