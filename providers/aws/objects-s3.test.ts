import { CopyObjectCommand, CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
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

/**
 * The client the store under test uses: the real one, whose send runs a one-shot hook right after
 * a CopyObject answers (the contract's betweenCopyAndDelete).
 */
function hooked(client: S3Client) {
  let between: (() => Promise<void>) | undefined;
  const wrapped = {
    send: async (cmd: Parameters<S3Client['send']>[0]) => {
      const out = await client.send(cmd);
      if (cmd instanceof CopyObjectCommand && between) {
        const run = between;
        between = undefined;
        await run();
      }
      return out;
    },
  } as unknown as S3Client;
  return { client: wrapped, betweenCopyAndDelete: (fn: () => Promise<void>) => void (between = fn) };
}

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
  const hook = hooked(client);
  return { client, bucket, objects: s3Objects({ client: hook.client, conditionalWrites: false }), cleanup, betweenCopyAndDelete: hook.betweenCopyAndDelete };
}

// conditionalWrites: false, since fauxqs ignores S3's preconditions (shown below): the if-absent
// and move-* cases exercise the HeadObject fallback here; the mocked-SDK block checks the headers.
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

  it('fauxqs ignores x-amz-copy-source-if-match on CopyObject and If-Match on DeleteObject (why conditionalWrites is off here)', async () => {
    await sut.client.send(new PutObjectCommand({ Bucket: sut.bucket, Key: 'src', Body: 'one' }));
    await sut.client.send(new CopyObjectCommand({ Bucket: sut.bucket, Key: 'dst', CopySource: copySource(sut.bucket, 'src'), CopySourceIfMatch: '"not-the-etag"' }));
    expect(await (await sut.client.send(new GetObjectCommand({ Bucket: sut.bucket, Key: 'dst' }))).Body!.transformToString()).toBe('one');
    await sut.client.send(new DeleteObjectCommand({ Bucket: sut.bucket, Key: 'src', IfMatch: '"not-the-etag"' }));
    await expect(sut.client.send(new HeadObjectCommand({ Bucket: sut.bucket, Key: 'src' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });

  it('moves a key whose copy source needs URL encoding, keeping its content type', async () => {
    const from = 'in box/ü#1?.json';
    await sut.objects.put(sut.bucket, from, '{}', { contentType: 'application/json' });
    expect(await sut.objects.move(sut.bucket, from, 'quarantine/%41 b+c.json')).toBe('moved');
    expect(await sut.objects.head(sut.bucket, from)).toBeUndefined();
    expect(await sut.objects.head(sut.bucket, 'quarantine/%41 b+c.json')).toMatchObject({ size: 2, contentType: 'application/json' });
    await expect(sut.objects.move(sut.bucket, 'no/such', 'x')).resolves.toBe('absent');
    expect(await sut.objects.head(sut.bucket, 'x')).toBeUndefined();
  });

  it('refuses keys and buckets a request would not address as given, or S3 refuses, before any request', async () => {
    const sent: string[] = [];
    const counting = { send: (cmd: Parameters<S3Client['send']>[0]) => (sent.push(cmd.constructor.name), sut.client.send(cmd)) } as unknown as S3Client;
    const o = s3Objects({ client: counting, conditionalWrites: false });
    const invalid = { code: 'object_key_invalid', status: 400, retryable: false };
    // An empty key addresses the bucket itself (/<bucket>/): a put was CreateBucket (answered 200,
    // nothing written), a get returned the bucket's listing as the object's bytes, a delete
    // deleted the bucket. Over 1,024 bytes of UTF-8 S3 answers 400 KeyTooLongError (fauxqs stores
    // it); a lone surrogate has no UTF-8 form (the SDK's encodeURIComponent throws).
    for (const key of ['', 'k'.repeat(1025), `${'😀'.repeat(256)}k`, 'x\ud800']) {
      for (const op of [
        () => o.put(sut.bucket, key, 'v'), () => o.get(sut.bucket, key), () => o.stream(sut.bucket, key), () => o.head(sut.bucket, key),
        () => o.delete(sut.bucket, key), () => o.move(sut.bucket, key, 'y'), () => o.move(sut.bucket, 'y', key),
      ]) await expect(op()).rejects.toMatchObject(invalid);
    }
    // The SDK's endpoint URL resolves a bucket `.` or `..` away: key `x` in bucket `..` was GET /x.
    for (const bucket of ['', '.', '..']) {
      for (const op of [() => o.put(bucket, 'x', 'v'), () => o.head(bucket, 'x'), () => o.list(bucket, ''), () => o.move(bucket, 'x', 'y')]) {
        await expect(op()).rejects.toMatchObject(invalid);
      }
    }
    for (const bucket of ['.', '..']) await expect(o.check(bucket)).rejects.toMatchObject(invalid);
    expect(sent).toEqual([]);
  });

  it('keeps dot segments, trailing dots and backslashes in keys: the SDK sends the path as it is, and S3 does not normalise it', async () => {
    // SigV4 for S3 signs the path unnormalised (https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html):
    // `a/../b` is that object, which an upload can create and a notification name.
    const keys = ['a/../b', '../other/x', './x', 'a/./b', 'x.', 'a\\b', 'k'.repeat(1024), '😀'.repeat(256)];
    for (const key of keys) await sut.objects.put(sut.bucket, key, key);
    for (const key of keys) expect(Buffer.from((await sut.objects.get(sut.bucket, key))!).toString('utf8')).toBe(key);
    expect((await sut.objects.list(sut.bucket, '')).items.map((i) => i.key).sort()).toEqual([...keys].sort());
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

  it('a conditional move sends the quoted ETag as x-amz-copy-source-if-match and as If-Match on the delete, without a HeadObject', async () => {
    const { sent, objects } = scripted(() => ({}));
    expect(await objects.move('b', 'in/r.json', 'q/r.json', { ifMatch: 'abc123' })).toBe('moved');
    expect(sent.map((s) => s.name)).toEqual(['CopyObjectCommand', 'DeleteObjectCommand']);
    expect(sent[0]!.input).toMatchObject({ Bucket: 'b', Key: 'q/r.json', CopySource: 'b/in/r.json', CopySourceIfMatch: '"abc123"', MetadataDirective: 'COPY' });
    expect(sent[1]!.input).toEqual({ Bucket: 'b', Key: 'in/r.json', IfMatch: '"abc123"' });
  });

  it('a move without conditions sends no precondition', async () => {
    const { sent, objects } = scripted(() => ({}));
    expect(await objects.move('b', 'in/r.json', 'q/r.json')).toBe('moved');
    expect(sent[0]!.input.CopySourceIfMatch).toBeUndefined();
    expect(sent[1]!.input.IfMatch).toBeUndefined();
  });

  it('412 on the copy: changed, and nothing is deleted; 404: absent', async () => {
    const stale = scripted((name) => (name === 'CopyObjectCommand' ? s3Error('PreconditionFailed', 412) : {}));
    expect(await stale.objects.move('b', 'k', 'q/k', { ifMatch: 'old' })).toBe('changed');
    expect(stale.sent.map((s) => s.name)).toEqual(['CopyObjectCommand']);
    const gone = scripted((name) => (name === 'CopyObjectCommand' ? s3Error('NoSuchKey', 404) : {}));
    expect(await gone.objects.move('b', 'k', 'q/k', { ifMatch: 'old' })).toBe('absent');
    expect(gone.sent.map((s) => s.name)).toEqual(['CopyObjectCommand']);
  });

  it('412 on the delete (replaced after the copy): copied, the new object left alone; 404: moved', async () => {
    const replaced = scripted((name) => (name === 'DeleteObjectCommand' ? s3Error('PreconditionFailed', 412) : {}));
    expect(await replaced.objects.move('b', 'k', 'q/k', { ifMatch: 'e' })).toBe('copied');
    const deleted = scripted((name) => (name === 'DeleteObjectCommand' ? s3Error('NoSuchKey', 404) : {}));
    expect(await deleted.objects.move('b', 'k', 'q/k', { ifMatch: 'e' })).toBe('moved');
  });

  it('409 ConditionalRequestConflict on the delete is a retryable object_storage_failed', async () => {
    const { objects } = scripted((name) => (name === 'DeleteObjectCommand' ? s3Error('ConditionalRequestConflict', 409) : {}));
    await expect(objects.move('b', 'k', 'q/k', { ifMatch: 'e' })).rejects.toMatchObject({ code: 'object_storage_failed', retryable: true });
  });

  it('a version is checked against the version the copy read: another version with the same ETag is copied, not deleted', async () => {
    const { sent, objects } = scripted((name) => (name === 'CopyObjectCommand' ? { CopySourceVersionId: 'v-2' } : {}));
    expect(await objects.move('b', 'k', 'q/k', { ifMatch: 'e', ifVersion: 'v-1' })).toBe('copied');
    expect(sent.map((s) => s.name)).toEqual(['CopyObjectCommand']);
    const same = scripted((name) => (name === 'CopyObjectCommand' ? { CopySourceVersionId: 'v-1' } : {}));
    expect(await same.objects.move('b', 'k', 'q/k', { ifMatch: 'e', ifVersion: 'v-1' })).toBe('moved');
  });

  it('a version alone is resolved to its ETag with HeadObject; a head of another version is changed, with no copy', async () => {
    const head = (VersionId: string) => scripted((name) => (name === 'HeadObjectCommand' ? { ETag: '"e-7"', VersionId, ContentLength: 1 } : name === 'CopyObjectCommand' ? { CopySourceVersionId: VersionId } : {}));
    const current = head('v-1');
    expect(await current.objects.move('b', 'k', 'q/k', { ifVersion: 'v-1' })).toBe('moved');
    expect(current.sent.map((s) => s.name)).toEqual(['HeadObjectCommand', 'CopyObjectCommand', 'DeleteObjectCommand']);
    expect(current.sent[1]!.input.CopySourceIfMatch).toBe('"e-7"');
    expect(current.sent[2]!.input.IfMatch).toBe('"e-7"');
    const replaced = head('v-2');
    expect(await replaced.objects.move('b', 'k', 'q/k', { ifVersion: 'v-1' })).toBe('changed');
    expect(replaced.sent.map((s) => s.name)).toEqual(['HeadObjectCommand']);
  });

  it('URL-encodes the copy source segment by segment and keeps the slashes', () => {
    expect(copySource('b', 'in box/ü#1?.json')).toBe('b/in%20box/%C3%BC%231%3F.json');
    expect(copySource('b', 'a/%41+b')).toBe('b/a/%2541%2Bb');
  });
});
