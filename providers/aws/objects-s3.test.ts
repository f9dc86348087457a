import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describeObjectStorageContract } from '../../shared/objects/contract.testkit';
import { ObjectExistsError } from '../../shared/ports/objects';
import { copySource, s3Objects } from './objects-s3';

/**
 * Against fauxqs, the S3 protocol server the jest global setup started on 127.0.0.1 (same port
 * as its SQS: SECORCH_TEST_SQS_ENDPOINT). Path-style URLs, since 127.0.0.1 has no bucket
 * sub-domains. One bucket per test, emptied and deleted afterwards.
 */
const endpoint = process.env.SECORCH_TEST_SQS_ENDPOINT!;
const raw = () => new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
let buckets = 0;

async function fresh() {
  const client = raw();
  const bucket = `secorch-objects-${process.pid}-${++buckets}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  const cleanup = async () => {
    const keys = (await client.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? [];
    if (keys.length) await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((k) => ({ Key: k.Key! })) } }));
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
    client.destroy();
  };
  return { client, bucket, objects: s3Objects({ client, conditionalWrites: false }), cleanup };
}

describeObjectStorageContract('s3 (fauxqs)', fresh, {
  skip: {
    'content-encoding': 'fauxqs 1.9.2 does not store Content-Encoding; the mocked-SDK case below checks the mapping',
    'list-order': 'fauxqs 1.9.2 sorts keys with localeCompare; S3 lists in UTF-8 binary order',
    'list-order-astral': 'fauxqs 1.9.2 sorts keys with localeCompare; S3 lists in UTF-8 binary order',
  },
});

describe('s3Objects against fauxqs', () => {
  let sut: Awaited<ReturnType<typeof fresh>>;
  beforeEach(async () => {
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    sut = await fresh();
  });
  afterEach(() => sut.cleanup());

  it('fauxqs ignores If-None-Match on PutObject and drops Content-Encoding (why the cases above are adapted)', async () => {
    await sut.client.send(new PutObjectCommand({ Bucket: sut.bucket, Key: 'k', Body: 'one' }));
    await sut.client.send(new PutObjectCommand({ Bucket: sut.bucket, Key: 'k', Body: 'two', IfNoneMatch: '*', ContentEncoding: 'gzip' }));
    const got = await sut.client.send(new GetObjectCommand({ Bucket: sut.bucket, Key: 'k' }));
    expect(await got.Body!.transformToString()).toBe('two');
    expect(got.ContentEncoding).toBeUndefined();
  });

  it('moves a key whose copy source needs URL encoding, keeping its content type', async () => {
    const from = 'in box/ü#1?.json';
    await sut.objects.put(sut.bucket, from, '{}', { contentType: 'application/json' });
    await sut.objects.move(sut.bucket, from, 'quarantine/%41 b+c.json');
    expect(await sut.objects.head(sut.bucket, from)).toBeUndefined();
    expect(await sut.objects.head(sut.bucket, 'quarantine/%41 b+c.json')).toMatchObject({ size: 2, contentType: 'application/json' });
    await expect(sut.objects.move(sut.bucket, 'no/such', 'x')).resolves.toBeUndefined();
    expect(await sut.objects.head(sut.bucket, 'x')).toBeUndefined();
  });

  it('reports a missing bucket as object_storage_failed on put, list and check', async () => {
    const objects = s3Objects({ client: sut.client });
    await expect(objects.put('no-such-bucket-x', 'k', 'v')).rejects.toMatchObject({ code: 'object_storage_failed', status: 502, retryable: true, message: expect.stringContaining('no-such-bucket-x/k') });
    await expect(objects.list('no-such-bucket-x', '')).rejects.toMatchObject({ code: 'object_storage_failed' });
    await expect(objects.check('no-such-bucket-x')).rejects.toMatchObject({ code: 'object_storage_failed' });
  });

  it('builds its own client from endpoint, region and forcePathStyle', async () => {
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = 'test'; // the default credential chain reads these
    process.env.AWS_SECRET_ACCESS_KEY = 'test';
    try {
      const objects = s3Objects({ endpoint, region: 'us-east-1', forcePathStyle: true });
      await objects.put(sut.bucket, 'own/client', 'v');
      expect((await objects.head(sut.bucket, 'own/client'))?.size).toBe(1);
      await objects.check(sut.bucket);
    } finally {
      for (const [k, v] of [['AWS_ACCESS_KEY_ID', saved.id], ['AWS_SECRET_ACCESS_KEY', saved.secret]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});

/** A client whose send answers from a script and records every command (no server involved). */
function scripted(answer: (name: string, input: Record<string, unknown>) => unknown) {
  const sent: { name: string; input: Record<string, unknown> }[] = [];
  const client = {
    send: jest.fn(async (cmd: { constructor: { name: string }; input: Record<string, unknown> }) => {
      sent.push({ name: cmd.constructor.name, input: cmd.input });
      const out = answer(cmd.constructor.name, cmd.input);
      if (out instanceof Error) throw out;
      return out;
    }),
  };
  return { sent, objects: s3Objects({ client: client as unknown as S3Client }) };
}
const s3Error = (name: string, httpStatusCode: number) => Object.assign(new Error(`${name} for secret-key AKIAEXAMPLE`), { name, $metadata: { httpStatusCode } });

describe('s3Objects (mocked SDK: no emulator honours conditional writes or Content-Encoding)', () => {
  it('ifAbsent sends If-None-Match: * without a HeadObject first, and maps 412 to ObjectExistsError', async () => {
    const { sent, objects } = scripted((name) => (name === 'PutObjectCommand' ? s3Error('PreconditionFailed', 412) : {}));
    const err = await objects.put('b', 'k', 'v', { ifAbsent: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ObjectExistsError);
    expect(err).toMatchObject({ bucket: 'b', key: 'k' });
    expect(sent.map((s) => s.name)).toEqual(['PutObjectCommand']);
    expect(sent[0]!.input).toMatchObject({ Bucket: 'b', Key: 'k', IfNoneMatch: '*' });
  });

  it('a plain put sends no If-None-Match', async () => {
    const { sent, objects } = scripted(() => ({ ETag: '"e"' }));
    await objects.put('b', 'k', 'v');
    expect(sent[0]!.input.IfNoneMatch).toBeUndefined();
  });

  it('maps 409 ConditionalRequestConflict to a retryable object_storage_failed, not to ObjectExistsError', async () => {
    const { objects } = scripted(() => s3Error('ConditionalRequestConflict', 409));
    const err = await objects.put('b', 'k', 'v', { ifAbsent: true }).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(ObjectExistsError);
    expect(err).toMatchObject({ code: 'object_storage_failed', status: 502, retryable: true });
  });

  it('sends Content-Type and Content-Encoding and reads them, the version and the bare ETag back', async () => {
    const head = { ContentLength: 3, ETag: '"abc123"', VersionId: 'v-7', ContentType: 'application/json', ContentEncoding: 'gzip', LastModified: new Date('2026-01-02T03:04:05Z') };
    const { sent, objects } = scripted((name) => (name === 'PutObjectCommand' ? { ETag: '"abc123"', VersionId: 'v-7' } : { ...head, Body: (async function* () { yield new Uint8Array([1, 2, 3]); })() }));
    const put = await objects.put('b', 'k', new Uint8Array([1, 2, 3]), { contentType: 'application/json', contentEncoding: 'gzip' });
    expect(sent[0]!.input).toMatchObject({ ContentType: 'application/json', ContentEncoding: 'gzip', ContentLength: 3 });
    expect(put).toEqual({ bucket: 'b', key: 'k', size: 3, etag: 'abc123', version: 'v-7', contentType: 'application/json', contentEncoding: 'gzip' });
    const info = { bucket: 'b', key: 'k', size: 3, etag: 'abc123', version: 'v-7', contentType: 'application/json', contentEncoding: 'gzip', lastModified: '2026-01-02T03:04:05.000Z' };
    expect(await objects.head('b', 'k')).toEqual(info);
    expect((await objects.stream('b', 'k'))?.info).toEqual(info);
  });

  it('turns any other SDK error into object_storage_failed naming bucket and key, without the SDK message', async () => {
    const { objects } = scripted(() => s3Error('AccessDenied', 403));
    for (const op of [() => objects.get('b', 'k/1'), () => objects.head('b', 'k/1'), () => objects.stream('b', 'k/1'), () => objects.delete('b', 'k/1')]) {
      const err = (await op().catch((e: unknown) => e)) as Error;
      expect(err).toMatchObject({ code: 'object_storage_failed', status: 502, retryable: true, expose: false });
      expect(err.message).toContain('b/k/1');
      expect(err.message).toContain('AccessDenied');
      expect(err.message).not.toContain('AKIAEXAMPLE');
    }
  });

  it('URL-encodes the copy source segment by segment and keeps the slashes', () => {
    expect(copySource('b', 'in box/ü#1?.json')).toBe('b/in%20box/%C3%BC%231%3F.json');
    expect(copySource('b', 'a/%41+b')).toBe('b/a/%2541%2Bb');
  });
});
