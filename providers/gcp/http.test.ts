import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import * as functions from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import request from 'supertest';
import type { HttpHandler } from '../../shared/contracts';
import { json, readBody } from '../../shared/http/body';
import { httpRouter } from '../../shared/http/router';
import { healthRoutes } from '../../functions/health/routes';
import { testDeps } from '../../test/deps';
import { fixtureBytes } from '../../test/fixtures';
import { gcpHttp } from './http';

/**
 * Through the real functions-framework server (Express 5 + its body-parser chain), as Cloud
 * Functions runs it, with supertest on an ephemeral loopback port.
 */

const deps = async () => testDeps().deps;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

const echo: HttpHandler = async (req) => {
  const bytes = new Uint8Array(await req.arrayBuffer());
  const url = new URL(req.url);
  return Response.json({
    method: req.method,
    url: req.url,
    host: req.headers.get('host'),
    path: url.pathname,
    query: [...url.searchParams],
    signature: req.headers.get('x-signature'),
    forwarded: req.headers.get('x-forwarded-for'),
    contentEncoding: req.headers.get('content-encoding'),
    contentLength: req.headers.get('content-length'),
    length: bytes.byteLength,
    sha256: sha256(bytes),
    text: new TextDecoder().decode(bytes),
  });
};
const binaryOut: HttpHandler = async () =>
  new Response(new Uint8Array([0, 255, 128, 13, 10]), {
    status: 202,
    headers: [['content-type', 'application/octet-stream'], ['set-cookie', 'a=1'], ['set-cookie', 'b=2'], ['x-id', 'r-1']],
  });
const failing: HttpHandler = async () => {
  throw new Error('db password is hunter2');
};

functions.http('echo', gcpHttp(echo, deps));
// Reads its body as every real handler does (readBody), which refuses a coded body.
functions.http('reading', gcpHttp(async (req) => json({ length: (await readBody(req, 1 << 20)).byteLength }), deps));
functions.http('binaryOut', gcpHttp(binaryOut, deps));
functions.http('failing', gcpHttp(failing, deps));
/** Deps that cannot be built (a secret manager down), counting the attempts. */
const unbuildableCalls = { n: 0 };
functions.http('health', gcpHttp(httpRouter(healthRoutes), async () => {
  unbuildableCalls.n++;
  throw new Error('Secret Manager unreachable');
}));

/** An mtls source while ingress.trustClientCertHeaders is off, with the warnings logged. */
const mtlsOff = testDeps({ sources: { partner: { verify: { scheme: 'mtls', fingerprints: ['ab'.repeat(32)] } } } });
const mtlsOffWarnings: string[] = [];
mtlsOff.deps.logger = { ...mtlsOff.deps.logger, warn: (msg) => void mtlsOffWarnings.push(msg) };
functions.http('mtlsOff', gcpHttp(echo, async () => mtlsOff.deps));

/** Collects any response body as a Buffer (supertest would otherwise parse or drop it). */
const rawParser = (res: unknown, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  const stream = res as NodeJS.ReadableStream; // superagent hands Node parsers the IncomingMessage
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => cb(null, Buffer.concat(chunks)));
};

describe('gcpHttp (real functions-framework server)', () => {
  it('warns once, naming the setting, that an mtls source gets no certificate while ingress.trustClientCertHeaders is off', async () => {
    for (let i = 0; i < 2; i++) {
      await request(getTestServer('mtlsOff')).post('/webhooks/partner').set('x-client-cert-present', 'true').send('{}');
    }
    expect(mtlsOffWarnings).toEqual([expect.stringMatching(/ingress\.trustClientCertHeaders is off, so the adapter does not read the load balancer's mTLS custom headers \(X-Client-Cert-\*\)/)]);
  });

  it('routes every path in one function: path, query and headers reach the handler', async () => {
    const res = await request(getTestServer('echo'))
      .post('/webhooks/github?delivery=42&tag=a&tag=b%20c')
      .set('x-signature', 'sha256=abc')
      .set('content-type', 'application/json')
      .send('{"a":1}');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ method: 'POST', path: '/webhooks/github', query: [['delivery', '42'], ['tag', 'a'], ['tag', 'b c']], signature: 'sha256=abc' });
  });

  it('hands over a non-UTF-8 binary body byte for byte (req.rawBody, not req.body)', async () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0x0d, 0x0a, 0xa0, 0xe2, 0x82]);
    const res = await request(getTestServer('echo')).post('/webhooks/bin').set('content-type', 'application/octet-stream').send(bytes);
    expect(res.body).toMatchObject({ length: bytes.length, sha256: sha256(bytes) });
  });

  it('keeps a JSON body exactly as sent although the framework parsed it into req.body', async () => {
    const raw = fixtureBytes('events/gcp-cloudevent-structured-pubsub-messagePublished.json');
    const res = await request(getTestServer('echo')).post('/events').set('content-type', 'application/json').send(raw.toString('utf8'));
    expect(res.body.text).toBe(raw.toString('utf8'));
    expect(res.body.sha256).toBe(sha256(raw));
  });

  it('reads the body itself when no parser ran (no Content-Type)', async () => {
    const res = await request(getTestServer('echo')).post('/webhooks/x').set('content-type', '').send(Buffer.from('plain bytes'));
    expect(res.body).toMatchObject({ text: 'plain bytes', length: 11 });
  });

  it('keeps Content-Encoding on the body the framework inflated, so the core refuses it with 415 unsupported_content_encoding as on every cloud', async () => {
    const plain = Buffer.from('{"compressed": true}');
    const codings: [string, Buffer][] = [['gzip', gzipSync(plain)], ['deflate', deflateSync(plain)], ['br', brotliCompressSync(plain)]];
    // fetch on a loopback port sends the bytes untouched (supertest would serialise a Buffer sent as JSON).
    const server = getTestServer('reading').listen(0, '127.0.0.1');
    try {
      await once(server, 'listening');
      const { port } = server.address() as AddressInfo;
      for (const [coding, bytes] of codings) {
        // JSON and text are parsed (and inflated) by the framework, octet-stream kept raw, and
        // without a Content-Type no parser runs: the same answer for each.
        for (const type of ['application/json', 'text/plain', 'application/octet-stream', undefined]) {
          const headers: Record<string, string> = { 'content-encoding': coding, ...(type ? { 'content-type': type } : {}) };
          const res = await fetch(`http://127.0.0.1:${port}/webhooks/x`, { method: 'POST', headers, body: new Uint8Array(bytes) });
          expect([coding, type, res.status, res.headers.get('content-type'), res.headers.get('accept-encoding')]).toEqual([coding, type, 415, 'application/problem+json', 'identity']);
          expect(await res.json()).toMatchObject({ status: 415, code: 'unsupported_content_encoding' });
        }
      }
    } finally {
      server.close();
    }
  });

  it('caveat: a coding the framework cannot inflate is refused by the framework itself with its own 415 page', async () => {
    const res = await request(getTestServer('echo')).post('/webhooks/x').set('content-type', 'application/json').set('content-encoding', 'zstd').send('{}');
    expect(res.status).toBe(415);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
  });

  it('Content-Encoding identity is the body as sent', async () => {
    const res = await request(getTestServer('echo')).post('/webhooks/x').set('content-type', 'application/octet-stream').set('content-encoding', 'identity').send(Buffer.from('plain'));
    expect(res.body).toMatchObject({ text: 'plain', contentEncoding: 'identity' });
  });

  it('GET /health is liveness: 200 {"status":"ok"} while deps cannot be built; readiness still needs them', async () => {
    expect(unbuildableCalls.n).toBe(0);
    const live = await request(getTestServer('health')).get('/health');
    expect([live.status, live.body]).toEqual([200, { status: 'ok' }]);
    expect(unbuildableCalls.n).toBe(0);
    const errorLog = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const ready = await request(getTestServer('health')).get('/health/ready');
      expect([ready.status, ready.body.status]).toEqual([503, 'unavailable']);
      expect((await request(getTestServer('health')).get('/openapi.json')).status).toBe(500);
    } finally {
      errorLog.mockRestore();
    }
    expect(unbuildableCalls.n).toBe(2); // readiness, then the other route
  });

  it('keeps a request target that starts with "//" or "/\\" as the path, never as another host', async () => {
    for (const target of ['//evil.example/webhooks/github?delivery=42', '/\\evil.example/webhooks/github?delivery=42']) {
      const res = await request(getTestServer('echo')).post(target).set('content-type', 'text/plain').send('x');
      const url = new URL(res.body.url);
      expect(url.host).toBe(res.body.host);
      expect(res.body.path).toBe('//evil.example/webhooks/github');
      expect(res.body.query).toEqual([['delivery', '42']]);
    }
  });

  it('takes only the path and query of an absolute-form request target (the Host header names the host)', async () => {
    const server = getTestServer('echo').listen(0, '127.0.0.1');
    try {
      await once(server, 'listening');
      const { port } = server.address() as AddressInfo;
      const body = await new Promise<string>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: 'http://other.example/webhooks/x?a=1', headers: { host: 'hooks.example.com', 'content-type': 'text/plain' } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks).toString('utf8'))).on('error', reject);
        });
        req.on('error', reject).end('x');
      });
      expect(JSON.parse(body)).toMatchObject({ url: 'http://hooks.example.com/webhooks/x?a=1', path: '/webhooks/x' });
    } finally {
      server.close();
    }
  });

  it('builds an http(s) URL whatever Host and X-Forwarded-Proto say', async () => {
    const forged = await request(getTestServer('echo')).post('/webhooks/x?a=1').set({ host: 'user@evil.example', 'x-forwarded-proto': 'javascript' }).set('content-type', 'text/plain').send('x');
    expect(forged.status).toBe(200);
    expect(forged.body.url).toBe('https://localhost/webhooks/x?a=1');
    const https = await request(getTestServer('echo')).post('/webhooks/x').set({ host: 'hooks.example.com', 'x-forwarded-proto': 'https' }).set('content-type', 'text/plain').send('x');
    expect(https.body.url).toBe('https://hooks.example.com/webhooks/x');
  });

  it('takes a Host the URL parser refuses (a port over 65535, an IPv4 part over 255) as localhost, not as a 500', async () => {
    const errorLog = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      for (const host of ['hooks.example.com:99999', '1.2.3.999', '[::1:]']) {
        const res = await request(getTestServer('echo')).post('/webhooks/x?a=1').set({ host, 'x-forwarded-proto': 'https' }).set('content-type', 'text/plain').send('x');
        expect([host, res.status, res.body.url]).toEqual([host, 200, 'https://localhost/webhooks/x?a=1']);
      }
      expect(errorLog).not.toHaveBeenCalled();
    } finally {
      errorLog.mockRestore();
    }
  });

  it('answers TRACE, which a Web Request cannot carry, 501 problem+json without an error log', async () => {
    const errorLog = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const res = await request(getTestServer('echo')).trace('/webhooks/github');
      expect([res.status, res.headers['content-type'], res.body]).toMatchObject([501, 'application/problem+json', { status: 501, code: 'method_not_implemented' }]);
      expect(errorLog).not.toHaveBeenCalled();
    } finally {
      errorLog.mockRestore();
    }
  });

  it('gives GET requests no body', async () => {
    const res = await request(getTestServer('echo')).get('/health/ready?verbose=1');
    expect(res.body).toMatchObject({ method: 'GET', path: '/health/ready', query: [['verbose', '1']], length: 0 });
  });

  it('sends status, headers (each Set-Cookie) and binary bytes back unchanged', async () => {
    const res = await request(getTestServer('binaryOut')).post('/x').send('x').buffer(true).parse(rawParser);
    expect(res.status).toBe(202);
    expect(res.headers['x-id']).toBe('r-1');
    expect(res.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect([...(res.body as Buffer)]).toEqual([0, 255, 128, 13, 10]);
  });

  it('turns an unexpected error into a generic 500 problem+json, not the framework crash page', async () => {
    const errorLog = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const res = await request(getTestServer('failing')).post('/webhooks/github').send('{}').buffer(true).parse(rawParser);
      expect(res.status).toBe(500);
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(res.headers['x-google-status']).toBeUndefined();
      const text = (res.body as Buffer).toString('utf8');
      expect(JSON.parse(text)).toEqual({ type: 'urn:secorch:problem:internal_error', title: 'Internal Server Error', status: 500, code: 'internal_error' });
      expect(text).not.toMatch(/hunter2|at .*\.ts/);
    } finally {
      errorLog.mockRestore();
    }
  });

  it('caveat: malformed JSON sent as application/json is refused by the framework with 400 before the function runs', async () => {
    const res = await request(getTestServer('echo')).post('/webhooks/github').set('content-type', 'application/json').send('{not json');
    expect(res.status).toBe(400);
    expect(res.body).not.toHaveProperty('sha256');
  });
});
