import { once } from 'node:events';
import { type AddressInfo, connect } from 'node:net';
import { Readable } from 'node:stream';
import * as functions from '@google-cloud/functions-framework';
import type { Request as GcpRequest } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { webhookIngress } from '../../functions/webhook-ingress/handler';
import { testDeps } from '../../test/deps';
import { githubHeaders } from '../../test/support/sign';
import { gcpHttp, gcpRequestToWeb } from './http';

/**
 * A body sent without a Content-Type passes the framework's parsers unread. The adapter hands it
 * to the core as a stream: the webhook allowlist and rate limit run before any of it is read, and
 * the source's body limit stops the reading, so a sender cannot make an instance buffer what it
 * sends.
 */

const SECRET = 'stream-secret';
const LIMIT = 1024;
const config = {
  sources: {
    small: { verify: { scheme: 'github', secret: SECRET }, maxBodyBytes: LIMIT },
    locked: { verify: { scheme: 'github', secret: SECRET }, allow: ['203.0.113.0/24'] },
    plain: { verify: { scheme: 'github', secret: SECRET } },
  },
};
const MiB = 1024 * 1024;
const BIG = 64 * MiB;
const CHUNK = 64 * 1024;
const codeOf = async (res: Response) => ((await res.json()) as { code: string }).code;

/** An Express request stand-in whose body of `size` bytes is made as it is read, counting what was pulled. */
function streamingRequest(path: string, headers: Record<string, string>, size: number) {
  const source = { pulled: 0 };
  const body = new Readable({
    read() {
      const n = Math.min(CHUNK, size - source.pulled);
      source.pulled += n;
      this.push(n > 0 ? Buffer.alloc(n, 0x61) : null);
    },
  });
  const host = 'hooks.example.com';
  const rawHeaders = Object.entries({ Host: host, ...headers }).flat();
  const req = Object.assign(body, { method: 'POST', rawHeaders, originalUrl: path, path, protocol: 'https', get: (name: string) => (name.toLowerCase() === 'host' ? host : undefined) });
  return { req: req as unknown as GcpRequest, source };
}

describe('gcpRequestToWeb: a body no parser read', () => {
  test('a chunked body past the source limit is 413 payload_too_large after reading about the limit, not the body', async () => {
    const { deps } = testDeps(config);
    const { req, source } = streamingRequest('/webhooks/small', { 'Transfer-Encoding': 'chunked' }, BIG);
    const res = await webhookIngress(await gcpRequestToWeb(req), deps);
    expect([res.status, await codeOf(res)]).toEqual([413, 'payload_too_large']);
    expect(source.pulled).toBeLessThan(MiB);
  });

  test('a declared Content-Length over the source limit is 413 before anything is read', async () => {
    const { deps } = testDeps(config);
    const { req, source } = streamingRequest('/webhooks/small', { 'Content-Length': String(BIG) }, BIG);
    const res = await webhookIngress(await gcpRequestToWeb(req), deps);
    expect([res.status, await codeOf(res)]).toEqual([413, 'payload_too_large']);
    expect(source.pulled).toBe(0);
  });

  test('an address outside the allowlist is 403 address_not_allowed and the body is never read', async () => {
    const { deps } = testDeps(config);
    const { req, source } = streamingRequest('/webhooks/locked', { 'Transfer-Encoding': 'chunked', 'X-Forwarded-For': '198.51.100.1' }, BIG);
    const res = await webhookIngress(await gcpRequestToWeb(req), deps);
    expect([res.status, await codeOf(res)]).toEqual([403, 'address_not_allowed']);
    expect(source.pulled).toBe(0);
  });
});

/** Bytes the server had read from the connection when the function had answered, one per request. */
const readWhenAnswered: number[] = [];
const { deps, bus } = testDeps(config);
const ingress = gcpHttp(webhookIngress, async () => deps);
functions.http('streamedIngress', async (req, res) => {
  await ingress(req, res);
  // The answer is written; what is left of the body is dropped only from the next turn on.
  readWhenAnswered.push(req.socket.bytesRead);
});

/**
 * Over one connection, as a sender that keeps sending: `head`, then `size` bytes of chunked body
 * as fast as the server takes them, then `GET /health` (Connection: close). Resolves with all the
 * server sent back.
 */
async function exchange(port: number, head: string, size: number): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const received: Buffer[] = [];
  socket.on('data', (b: Buffer) => received.push(b));
  const closed = once(socket, 'close');
  socket.write(`${head}Transfer-Encoding: chunked\r\n\r\n`);
  const chunk = Buffer.alloc(CHUNK, 0x61);
  for (let sent = 0; sent < size; sent += CHUNK) {
    if (!socket.write(Buffer.concat([Buffer.from(`${CHUNK.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]))) await once(socket, 'drain');
  }
  socket.write('0\r\n\r\nGET /health HTTP/1.1\r\nHost: hooks.example.com\r\nConnection: close\r\n\r\n');
  await closed;
  return Buffer.concat(received).toString('latin1');
}

describe('gcpHttp: a body no parser read (real functions-framework server)', () => {
  let server: ReturnType<typeof getTestServer>;
  let port: number;
  beforeAll(async () => {
    server = getTestServer('streamedIngress').listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  beforeEach(() => void (readWhenAnswered.length = 0));

  test('64 MiB without Content-Type to a 1 KiB source: 413 payload_too_large with far less read, the rest dropped and the connection kept', async () => {
    const text = await exchange(port, 'POST /webhooks/small HTTP/1.1\r\nHost: hooks.example.com\r\n', BIG);
    expect(text.match(/HTTP\/1\.1 \d{3}/g)).toEqual(['HTTP/1.1 413', 'HTTP/1.1 200']);
    expect(text).toContain('"code":"payload_too_large"');
    expect(readWhenAnswered[0]).toBeLessThan(MiB);
  });

  test('an address outside the allowlist: 403 address_not_allowed before the body is read, the rest dropped and the connection kept', async () => {
    const text = await exchange(port, 'POST /webhooks/locked HTTP/1.1\r\nHost: hooks.example.com\r\nX-Forwarded-For: 198.51.100.1\r\n', BIG);
    expect(text.match(/HTTP\/1\.1 \d{3}/g)).toEqual(['HTTP/1.1 403', 'HTTP/1.1 200']);
    expect(text).toContain('"code":"address_not_allowed"');
    expect(readWhenAnswered[0]).toBeLessThan(MiB);
  });

  test('a signed delivery without Content-Type, sent in chunks, is read whole and accepted', async () => {
    const body = Buffer.from(JSON.stringify({ zen: 'Streamed.', hook_id: 1 }));
    const { 'content-type': _type, ...headers } = githubHeaders(SECRET, body, 'ping', 'stream-1');
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new Uint8Array(body.subarray(0, 10)));
        c.enqueue(new Uint8Array(body.subarray(10)));
        c.close();
      },
    });
    const res = await fetch(`http://127.0.0.1:${port}/webhooks/plain`, { method: 'POST', headers, body: stream, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(202);
    expect(bus.events.filter((e) => e.type === 'secorch.webhook.received').map((e) => e.data)).toEqual([{ zen: 'Streamed.', hook_id: 1 }]);
  });
});
