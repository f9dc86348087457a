import { createHash } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { s3Objects } from './objects-s3';
import { infoOf } from './objects-s3-info';

// What S3 answers for an object (HeadObject with ChecksumMode ENABLED), mapped without a server:
// no emulator here keeps S3's checksums (fauxqs 1.9.2 answers none).
const body = Buffer.from('{"runs":[]}');
const b64 = (algorithm: string) => createHash(algorithm).update(body).digest('base64');
const hex = (algorithm: string) => createHash(algorithm).update(body).digest('hex');
const head = { ContentLength: body.length, ETag: `"${hex('md5')}"`, VersionId: 'v-1' };

describe('S3 content digest', () => {
  it('is the full-object checksum S3 keeps (CRC64NVME by default, or the algorithm the uploader chose), in hex', () => {
    const crc64 = Buffer.from('f3a1c2d4e5b60718', 'hex').toString('base64');
    expect(infoOf('b', 'k', { ...head, ChecksumCRC64NVME: crc64, ChecksumType: 'FULL_OBJECT' }).contentDigest).toBe('crc64nvme:f3a1c2d4e5b60718');
    expect(infoOf('b', 'k', { ...head, ChecksumSHA256: b64('sha256'), ChecksumType: 'FULL_OBJECT' }).contentDigest).toBe(`sha256:${hex('sha256')}`);
    // A multipart upload keeps its CRC64NVME for the whole object: its ETag ("<md5 of md5s>-<parts>") is no digest.
    expect(infoOf('b', 'k', { ...head, ETag: `"${hex('md5')}-3"`, ChecksumCRC64NVME: crc64, ChecksumType: 'FULL_OBJECT' }).contentDigest).toBe('crc64nvme:f3a1c2d4e5b60718');
  });

  it('is none for a composite checksum (it depends on the part sizes) or an object stored before S3 kept checksums', () => {
    expect(infoOf('b', 'k', { ...head, ChecksumSHA256: `${b64('sha256')}-3`, ChecksumType: 'COMPOSITE' }).contentDigest).toBeUndefined();
    expect(infoOf('b', 'k', { ...head, ChecksumSHA256: `${b64('sha256')}-3` }).contentDigest).toBeUndefined();
    expect(infoOf('b', 'k', head)).toEqual({ bucket: 'b', key: 'k', size: body.length, etag: hex('md5'), version: 'v-1' });
  });

  it('is asked for: HeadObject is sent with ChecksumMode ENABLED', async () => {
    const sent: { input: Record<string, unknown> }[] = [];
    const client = { send: async (cmd: { input: Record<string, unknown> }) => (sent.push(cmd), { ...head, ChecksumCRC32: Buffer.from('1a2b3c4d', 'hex').toString('base64'), ChecksumType: 'FULL_OBJECT' }) };
    const info = await s3Objects({ client: client as unknown as S3Client }).head('b', 'k');
    expect(sent[0]!.input).toEqual({ Bucket: 'b', Key: 'k', ChecksumMode: 'ENABLED' });
    expect(info!.contentDigest).toBe('crc32:1a2b3c4d');
  });
});
