import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { HttpRequest, HttpResponse, type HttpResponseInit, InvocationContext } from '@azure/functions';
import type { HttpHandler } from '../../shared/contracts';
import { errors } from '../../shared/errors';
import { readBody } from '../../shared/http/body';
import { httpRouter } from '../../shared/http/router';
import { healthRoutes } from '../../functions/health/routes';
import { testDeps } from '../../test/deps';
import { fixtureBytes } from '../../test/fixtures';
import { registered } from './functions-core.testkit';
import { azureHttp } from './http';

// The worker's core API exists only inside the Functions host: a recorder of what `app` registers.
jest.mock('@azure/functions-core', () => jest.requireActual('./functions-core.testkit').core, { virtual: true });

/**
 * The adapter driven with the real @azure/functions v4 HttpRequest and InvocationContext classes
 * (what the worker builds from the host's RPC message). Functions Core Tools cannot run here.
 */

const deps = async () => testDeps().deps;
const ctx = () => new InvocationContext({ invocationId: 'inv-1', functionName: 'api', logHandler: () => undefined });

/** Echoes what the portable handler saw, and the SHA-256 of the raw body bytes. */
const echo: HttpHandler = async (req) => {
  const bytes = new Uint8Array(await req.arrayBuffer());
  const url = new URL(req.url);
  return Response.json({
    method: req.method,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    signature: req.headers.get('x-hub-signature-256'),
    contentType: req.headers.get('content-type'),
    length: bytes.byteLength,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    text: new TextDecoder().decode(bytes),
  });
};

async function call(handler: HttpHandler, init: ConstructorParameters<typeof HttpRequest>[0]) {
  const out = await azureHttp(handler, deps)(new HttpRequest(init), ctx());
  const body = out.body instanceof Uint8Array ? out.body : new Uint8Array(0);
  return { status: out.status, headers: new Headers(out.headers as HeadersInit), body, json: () => JSON.parse(Buffer.from(body).toString('utf8')) };
}

describe('azureHttp (real @azure/functions HttpRequest/InvocationContext)', () => {
  it('passes method, path, query and headers through (routePrefix "")', async () => {
    const res = await call(echo, {
      method: 'POST',
      url: 'https://secorch.azurewebsites.net/webhooks/github?delivery=42&x=a%20b',
      headers: { 'x-hub-signature-256': 'sha256=abc', 'content-type': 'application/json' },
      body: { string: '{}' },
    });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ method: 'POST', path: '/webhooks/github', query: { delivery: '42', x: 'a b' }, signature: 'sha256=abc' });
  });

  it('hands over a non-UTF-8 binary body byte for byte', async () => {
    const bytes = new Uint8Array([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0x0d, 0x0a, 0xa0, 0xe2, 0x82]);
    const res = await call(echo, { method: 'POST', url: 'http://localhost/webhooks/bin', headers: { 'content-type': 'application/octet-stream' }, body: { bytes } });
    expect(res.json()).toMatchObject({ length: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
  });

  it('keeps a JSON body exactly as sent (whitespace, key order, escapes)', async () => {
    const raw = fixtureBytes('events/azure-eventgrid-schema-blobcreated.json');
    const res = await call(echo, { method: 'POST', url: 'http://localhost/events', headers: { 'content-type': 'application/json' }, body: { bytes: raw } });
    expect(res.json().text).toBe(raw.toString('utf8'));
    expect(res.json().sha256).toBe(createHash('sha256').update(raw).digest('hex'));
  });

  it('gives GET requests no body', async () => {
    const res = await call(echo, { method: 'GET', url: 'http://localhost/health/ready' });
    expect(res.json()).toMatchObject({ method: 'GET', path: '/health/ready', length: 0 });
  });

  it('returns status, headers and a binary response body unchanged', async () => {
    const bytes = new Uint8Array([0, 255, 128, 10, 13]);
    const handler: HttpHandler = async () =>
      new Response(bytes, { status: 201, headers: { 'content-type': 'application/octet-stream', 'x-request-id': 'r-1' } });
    const res = await call(handler, { method: 'POST', url: 'http://localhost/x', body: { string: 'x' } });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-request-id')).toBe('r-1');
    expect([...res.body]).toEqual([...bytes]);
  });

  it('renders an exposed AppError as its problem+json with headers', async () => {
    const handler: HttpHandler = async () => {
      throw errors.methodNotAllowed(['POST']);
    };
    const res = await call(handler, { method: 'PUT', url: 'http://localhost/webhooks/github', body: { string: 'x' } });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(res.json()).toMatchObject({ code: 'method_not_allowed' });
  });

  it('turns an unexpected error into a generic 500 problem+json without the message or stack', async () => {
    const handler: HttpHandler = async () => {
      throw new Error('db password is hunter2');
    };
    const res = await call(handler, { method: 'POST', url: 'http://localhost/webhooks/github', body: { string: '{}' } });
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const text = Buffer.from(res.body).toString('utf8');
    expect(JSON.parse(text)).toEqual({ type: 'urn:secorch:problem:internal_error', title: 'Internal Server Error', status: 500, code: 'internal_error' });
    expect(text).not.toMatch(/hunter2|at .*\.ts/);
  });
});

/**
 * What the worker sends the host for a returned HttpResponseInit (toRpcHttp in @azure/functions,
 * not exported): the HttpResponse the init becomes, its headers copied one value per name into a
 * map, and its cookies as they are.
 */
function overRpc(init: HttpResponseInit) {
  const res = new HttpResponse(init);
  const headers: Record<string, string> = {};
  for (const [name, value] of res.headers.entries()) headers[name] = value;
  return { status: res.status, headers, cookies: res.cookies };
}

describe('azureHttp responses over the worker-host boundary', () => {
  const cookies: HttpHandler = async () => {
    const res = new Response('ok', { headers: { 'content-type': 'text/plain' } });
    res.headers.append('set-cookie', 'a=1; Path=/; Secure; HttpOnly; SameSite=Strict');
    res.headers.append('set-cookie', 'b=2; Max-Age=60; Domain=example.com; Expires=Wed, 21 Oct 2037 07:28:00 GMT; samesite=lax');
    res.headers.append('set-cookie', 'c=x=y; Partitioned');
    res.headers.append('x-multi', 'one');
    res.headers.append('x-multi', 'two');
    return res;
  };

  it('keeps every Set-Cookie (as cookies, with their attributes), not only the last', async () => {
    const init = await azureHttp(cookies, deps)(new HttpRequest({ method: 'GET', url: 'http://localhost/x' }), ctx());
    const rpc = overRpc(init);
    expect(rpc.headers['set-cookie']).toBeUndefined();
    expect(rpc.cookies).toEqual([
      { name: 'a', value: '1', path: '/', secure: true, httpOnly: true, sameSite: 'Strict' },
      { name: 'b', value: '2', maxAge: 60, domain: 'example.com', expires: new Date('2037-10-21T07:28:00Z'), sameSite: 'Lax' },
      { name: 'c', value: 'x=y' },
    ]);
  });

  it('joins other repeated headers with ", " as one value', async () => {
    const init = await azureHttp(cookies, deps)(new HttpRequest({ method: 'GET', url: 'http://localhost/x' }), ctx());
    expect(overRpc(init).headers).toMatchObject({ 'x-multi': 'one, two', 'content-type': 'text/plain' });
  });

  it('a response without Set-Cookie carries no cookies', async () => {
    const init = await azureHttp(echo, deps)(new HttpRequest({ method: 'GET', url: 'http://localhost/x' }), ctx());
    expect(init.cookies).toBeUndefined();
  });
});

describe('azureHttp with an mtls source while ingress.trustClientCertHeaders is off', () => {
  it('warns once, naming the setting, that it does not read X-ARR-ClientCert (every mtls request is 401 credential_missing)', async () => {
    const t = testDeps({ sources: { partner: { verify: { scheme: 'mtls', fingerprints: ['ab'.repeat(32)] } } } });
    const warnings: string[] = [];
    t.deps.logger = { ...t.deps.logger, warn: (msg) => void warnings.push(msg) };
    const handler = azureHttp(echo, async () => t.deps);
    for (let i = 0; i < 2; i++) {
      await handler(new HttpRequest({ method: 'POST', url: 'https://secorch.azurewebsites.net/webhooks/partner', headers: { 'x-arr-clientcert': 'AAAA' }, body: { string: '{}' } }), ctx());
    }
    expect(warnings).toEqual([expect.stringMatching(/ingress\.trustClientCertHeaders is off, so the adapter does not read X-ARR-ClientCert/)]);
  });
});

describe('azureHttp answers from the request alone, without building deps', () => {
  const unbuildable = () => {
    const calls = { n: 0 };
    return { calls, getDeps: async () => { calls.n++; throw new Error('Key Vault unreachable'); } };
  };
  const router = httpRouter(healthRoutes);
  const body = (out: HttpResponseInit) => JSON.parse(Buffer.from(out.body as Uint8Array).toString('utf8'));

  it('GET /health is liveness: 200 {"status":"ok"} while deps cannot be built', async () => {
    const { calls, getDeps } = unbuildable();
    const out = await azureHttp(router, getDeps)(new HttpRequest({ method: 'GET', url: 'https://secorch.azurewebsites.net/health' }), ctx());
    expect([out.status, body(out)]).toEqual([200, { status: 'ok' }]);
    expect(calls.n).toBe(0);
  });

  it('readiness still needs deps: when they cannot be built it is 503 unavailable, other routes the generic 500', async () => {
    const { calls, getDeps } = unbuildable();
    const out = await azureHttp(router, getDeps)(new HttpRequest({ method: 'GET', url: 'https://secorch.azurewebsites.net/health/ready' }), ctx());
    expect([out.status, body(out).status]).toEqual([503, 'unavailable']);
    expect(calls.n).toBe(1);
    expect((await azureHttp(router, getDeps)(new HttpRequest({ method: 'GET', url: 'https://secorch.azurewebsites.net/openapi.json' }), ctx())).status).toBe(500);
  });

  it('a body with a Content-Encoding other than identity reaches the core as sent, which answers 415 unsupported_content_encoding', async () => {
    const reading: HttpHandler = async (req) => new Response(String((await readBody(req, 1 << 20)).byteLength));
    for (const coding of ['gzip', 'br', 'identity, deflate']) {
      const req = new HttpRequest({ method: 'POST', url: 'http://localhost/webhooks/github', headers: { 'content-encoding': coding, 'content-type': 'application/json' }, body: { bytes: gzipSync('{"a":1}') } });
      const out = await azureHttp(reading, async () => testDeps().deps)(req, ctx());
      const headers = new Headers(out.headers as HeadersInit);
      expect([out.status, headers.get('content-type'), headers.get('accept-encoding')]).toEqual([415, 'application/problem+json', 'identity']);
      expect(body(out)).toMatchObject({ status: 415, code: 'unsupported_content_encoding' });
    }
  });

  it('Content-Encoding identity reaches the handler', async () => {
    const res = await call(echo, { method: 'POST', url: 'http://localhost/x', headers: { 'content-encoding': 'identity' }, body: { string: 'x' } });
    expect([res.status, res.json().length]).toEqual([200, 1]);
  });
});

/**
 * What a Web Request cannot carry (a header value above U+00FF, the TRACE method, a Host the URL
 * parser refuses), which the AWS and GCP adapters had to answer themselves, never reaches this
 * adapter: the host routes an HTTP function only the methods it registers, and the v4 library
 * builds its HttpRequest (a Web Request inside) from the host's message before any code of ours
 * runs, so such a request fails in the worker and the host answers that failed invocation itself.
 * These tests pin both facts: if either changes, the adapter has to handle these requests.
 */
describe('requests a Web Request cannot carry', () => {
  const URL_OK = 'https://secorch.azurewebsites.net/webhooks/github';

  it('every HTTP function names its methods, none of them TRACE, TRACK or CONNECT: the host never routes those here', async () => {
    const modules = readdirSync(join(__dirname, 'functions')).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    for (const f of modules) await import(`./functions/${f}`);
    const http = registered.flatMap((r) => Object.values(r.bindings).filter((b) => b.type === 'httpTrigger').map((b) => ({ name: r.name, methods: b.methods })));
    expect(http.map((h) => h.name)).toEqual(expect.arrayContaining(['webhookIngress', 'events', 'health', 'storageIngestWebhook']));
    for (const { name, methods } of http) {
      expect({ name, methods }).toEqual({ name, methods: expect.arrayContaining([expect.any(String)]) });
      expect((methods as string[]).map((m) => m.toUpperCase()).filter((m) => ['TRACE', 'TRACK', 'CONNECT'].includes(m))).toEqual([]);
    }
  });

  // Node's own TypeError (undici's), which is not the TypeError of jest's realm: matched by message.
  it.each([
    ['a header value above U+00FF (a CDN\'s city)', { method: 'POST', url: URL_OK, headers: { 'cf-ipcity': 'Srīperumbūdūr' } }, /ByteString/],
    ['a header value holding U+FFFD', { method: 'POST', url: URL_OK, headers: { 'x-name': '\uFFFD' } }, /ByteString/],
    ['TRACE', { method: 'TRACE', url: URL_OK }, /TRACE/],
    ['a Host with a port over 65535', { method: 'GET', url: 'https://x:99999/health' }, /parse URL/],
    ['a Host with an IPv4 part over 255', { method: 'GET', url: 'https://1.2.3.999/health' }, /parse URL/],
    ['a malformed IPv6 Host', { method: 'GET', url: 'https://[::1:]/health' }, /parse URL/],
  ])('%s: the library\'s HttpRequest refuses it before the adapter is called', (_case, init, reason) => {
    expect(() => new HttpRequest(init)).toThrow(reason);
  });

  it('a header value handed over as its UTF-8 bytes, one Latin-1 character each, reaches the handler unchanged', async () => {
    const city = 'Srīperumbūdūr \uFFFD';
    const reading: HttpHandler = async (req) => Response.json({ city: Buffer.from(req.headers.get('cf-ipcity') ?? '', 'latin1').toString('utf8') });
    const res = await call(reading, { method: 'GET', url: URL_OK, headers: { 'cf-ipcity': Buffer.from(city, 'utf8').toString('latin1') } });
    expect([res.status, res.json()]).toEqual([200, { city }]);
  });
});
