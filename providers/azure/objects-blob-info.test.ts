import { createHash } from 'node:crypto';
import { BlobServiceClient } from '@azure/storage-blob';
import { blobObjects } from './objects-blob';
import { infoOf } from './objects-blob-info';

const body = Buffer.from('{"runs":[]}');
const md5 = createHash('md5').update(body).digest();

describe('Blob Storage content digest', () => {
  it('is the blob\'s Content-MD5 in hex; none without it', () => {
    expect(infoOf('c', 'k', { contentLength: body.length, etag: '"0x8DE1"', contentMD5: new Uint8Array(md5) }).contentDigest).toBe(`md5:${md5.toString('hex')}`);
    expect(infoOf('c', 'k', { contentLength: body.length, etag: '"0x8DE1"' })).toEqual({ bucket: 'c', key: 'k', size: body.length, etag: '0x8DE1' });
  });

  // Against the real Azurite blob service the jest global setup started (SECORCH_TEST_AZURITE).
  it('is the same for the same bytes written again (Put Blob sets it; the ETag changes), and absent for a blob committed from blocks', async () => {
    const service = BlobServiceClient.fromConnectionString(process.env.SECORCH_TEST_AZURITE!);
    const container = service.getContainerClient(`secorch-digest-${process.pid}`);
    await container.create();
    try {
      const objects = blobObjects({ service });
      await objects.put(container.containerName, 'scans/r.json', body);
      const first = (await objects.head(container.containerName, 'scans/r.json'))!;
      await objects.put(container.containerName, 'scans/r.json', body);
      const again = (await objects.head(container.containerName, 'scans/r.json'))!;
      expect(again.etag).not.toBe(first.etag);
      expect(first.contentDigest).toBe(`md5:${md5.toString('hex')}`);
      expect(again.contentDigest).toBe(first.contentDigest);
      expect((await objects.stream(container.containerName, 'scans/r.json'))!.info.contentDigest).toBe(first.contentDigest);
      const blocks = container.getBlockBlobClient('scans/blocks.json');
      const id = Buffer.from('block-0').toString('base64');
      await blocks.stageBlock(id, body, body.length);
      await blocks.commitBlockList([id]);
      expect((await objects.head(container.containerName, 'scans/blocks.json'))!.contentDigest).toBeUndefined();
    } finally {
      await container.delete();
    }
  });
});
