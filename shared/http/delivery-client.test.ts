import type { LookupAddress } from 'node:dns';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, LookupFunction, Socket } from 'node:net';
import { Worker } from 'node:worker_threads';
import { AppError } from '../errors';
import fc from 'fast-check';
import { type DeliveryClient, type DeliveryClientOptions, guardedDeliveryClient, headerRecord } from './delivery-client';
import { guardedAgent } from './egress-agent';

// The destination is a real HTTP server on 127.0.0.1; `connections` counts its TCP connections.
let server: Server;
let port: number;
const seen: { url: string; method: string; sig: string | undefined; body: string }[] = [];
let connections = 0;
beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => {
      seen.push({ url: req.url!, method: req.method!, sig: req.headers['x-signature'] as string | undefined, body: Buffer.concat(chunks).toString() });
      if (req.url === '/redirect') res.writeHead(302, { location: '/elsewhere' }).end();
      else if (req.url === '/hang') return; // never answers
      else if (req.url === '/stall') res.writeHead(200).write('partial'); // headers, then nothing
      else if (req.url === '/big') res.end(Buffer.alloc(50 * 1024, 'x'));
      else res.writeHead(200, { 'x-reply': 'yes' }).end('accepted');
    });
  });
  server.on('connection', () => void connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));
beforeEach(() => void (seen.splice(0), (connections = 0)));

const clients: DeliveryClient[] = [];
afterEach(async () => void (await Promise.all(clients.splice(0).map((c) => c.close()))));
function client(options: Partial<DeliveryClientOptions> = {}): DeliveryClient {
  const c = guardedDeliveryClient({ allowPrivate: ['127.0.0.1/32'], ...options });
  clients.push(c);
  return c;
}
const local = (path: string) => `http://127.0.0.1:${port}${path}`;
const post = { method: 'POST', headers: { 'content-type': 'application/json', 'x-signature': 'v1,abc' }, body: '{"id":1}' };

/** A node-compatible lookup that answers every host with `ips`; `calls` counts the resolutions. */
function lookupTo(...ips: string[]): LookupFunction & { calls: number } {
  const fn = ((_host: string, options: { all?: boolean }, callback: (e: Error | null, a: string | LookupAddress[], f?: number) => void) => {
    fn.calls++;
    const list = ips.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    if (options.all) callback(null, list);
    else callback(null, list[0]!.address, list[0]!.family);
  }) as LookupFunction & { calls: number };
  fn.calls = 0;
  return fn;
}
async function failure(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
}

describe('guardedDeliveryClient: egress policy', () => {
  it('refuses 127.0.0.1 by default and reaches it inside allowPrivate', async () => {
    expect(await failure(client({ allowPrivate: [] }).send(local('/in'), post))).toMatchObject({ code: 'egress_denied', retryable: false, extra: { reason: 'url_blocked_address' } });
    expect(seen).toEqual([]);
    const res = await client().send(local('/in'), post);
    expect([res.status, res.headers.get('x-reply'), Buffer.from(res.body).toString(), res.truncated]).toEqual([200, 'yes', 'accepted', false]);
    expect(seen).toEqual([{ url: '/in', method: 'POST', sig: 'v1,abc', body: '{"id":1}' }]);
  });

  it.each(['http://169.254.169.254/latest/meta-data/', 'http://[::1]/', 'http://[::ffff:127.0.0.1]/', 'http://10.0.0.1/', 'http://[fd00:ec2::254]/'])(
    'refuses the literal %s', async (url) => {
      expect(await failure(client({ allowPrivate: [] }).send(url, post))).toMatchObject({ code: 'egress_denied', extra: { reason: 'url_blocked_address' } });
    });

  it.each([['file:///etc/passwd', 'url_scheme'], [`http://u:p@127.0.0.1:1/`, 'url_credentials'], ['nope', 'url_invalid']])(
    'refuses %s (%s)', async (url, reason) => {
      expect(await failure(client().send(url, post))).toMatchObject({ code: 'egress_denied', extra: { reason } });
    });

  it.each(['10.0.0.1', '127.0.0.1', '::ffff:127.0.0.1'])(
    'refuses evil.example -> %s at connect: the lookup ran, the server saw nothing', async (ip) => {
      const lookup = lookupTo(ip);
      const e = await failure(client({ allowPrivate: [], lookup }).send(`http://evil.example:${port}/in`, post));
      expect(e).toMatchObject({ code: 'egress_denied', extra: { reason: 'private_address' } });
      expect([lookup.calls, seen.length, connections]).toEqual([1, 0, 0]);
    });

  it('reaches evil.example -> 127.0.0.1 when allowPrivate opens it, and refuses a mixed answer', async () => {
    expect((await client({ lookup: lookupTo('127.0.0.1') }).send(`http://evil.example:${port}/in`, post)).status).toBe(200);
    const mixed = client({ lookup: lookupTo('127.0.0.1', '10.0.0.1') }).send(`http://evil.example:${port}/in`, post);
    expect(await failure(mixed)).toMatchObject({ code: 'egress_denied' });
    expect(seen).toHaveLength(1);
  });
});

describe('guardedDeliveryClient: proxy variables', () => {
  const PROXY_VARS = ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'http_proxy', 'https_proxy', 'all_proxy'];
  const NAMES = [...PROXY_VARS, 'NO_PROXY', 'no_proxy'];
  let saved: Record<string, string | undefined>;
  let proxy: Server;
  let proxied = 0;
  beforeEach(async () => {
    saved = Object.fromEntries(NAMES.map((n) => [n, process.env[n]]));
    proxied = 0;
    // undici's proxy agents tunnel through CONNECT, for http destinations too: refused at once.
    proxy = createServer((_req, res) => void (proxied++, res.end('proxy')))
      .on('connect', (_req, socket: Socket) => void (proxied++, socket.end('HTTP/1.1 403 Forbidden\r\n\r\n')));
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    for (const n of NAMES) delete process.env[n];
    for (const n of PROXY_VARS) process.env[n] = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    for (const n of NAMES) if (saved[n] === undefined) delete process.env[n]; else process.env[n] = saved[n];
    await new Promise<void>((r) => (proxy.closeAllConnections(), proxy.close(() => r())));
  });

  // A proxy would connect on our behalf to an address the guard never saw (and reach whatever
  // private network the proxy sits in): deliveries connect directly, whatever the environment says.
  it('ignores HTTP_PROXY and friends: the connection goes to the checked address, never to the proxy', async () => {
    const res = await client({ lookup: lookupTo('127.0.0.1') }).send(`http://evil.example:${port}/in`, post);
    expect([res.status, Buffer.from(res.body).toString(), proxied, seen.length]).toEqual([200, 'accepted', 0, 1]);
    const refused = client({ allowPrivate: [], lookup: lookupTo('10.0.0.1') }).send(`http://evil.example:${port}/in`, post);
    expect(await failure(refused)).toMatchObject({ code: 'egress_denied', extra: { reason: 'private_address' } });
    expect(proxied).toBe(0);
  });
});

describe('guardedDeliveryClient: transport', () => {
  it('does not follow a redirect: the 3xx comes back as the answer', async () => {
    const res = await client().send(local('/redirect'), post);
    expect([res.status, res.headers.get('location')]).toEqual([302, '/elsewhere']);
    expect(seen.map((s) => s.url)).toEqual(['/redirect']);
  });

  it('gives up after timeoutMs with delivery_timeout (retryable)', async () => {
    const e = await failure(client({ timeoutMs: 150 }).send(local('/hang'), post));
    expect(e).toMatchObject({ code: 'delivery_timeout', retryable: true, extra: { timeoutMs: 150 } });
    server.closeAllConnections();
  });

  // undici binds a request's abort signal only once a socket takes the request: before that (a
  // lookup or TCP handshake in progress) an abort is merely noted, and only the connect timeout
  // ends the wait. Here that timeout is ten minutes, so only the delivery deadline can settle the
  // send within the test's 5 s.
  it('counts a name server that never answers against the same deadline', async () => {
    // A resolver that never calls back, as a dead name server does until getaddrinfo gives up.
    const stuck = (() => undefined) as unknown as LookupFunction;
    const agent = guardedAgent({ allowPrivate: [], lookup: stuck, connectTimeoutMs: 600_000 });
    try {
      const e = await failure(client({ agent, timeoutMs: 150 }).send(`http://evil.example:${port}/in`, post));
      expect(e).toMatchObject({ code: 'delivery_timeout', retryable: true, extra: { timeoutMs: 150 } });
      expect(seen).toEqual([]);
    } finally {
      await agent.destroy();
    }
  }, 5_000);

  // The abandoned connect attempt is the agent's to end: close() waits for it, so it settles only
  // once the agent gives up connecting, which must not outlive the delivery's deadline.
  it('its own agent gives up a connect that never completes within the delivery deadline', async () => {
    const stuck = (() => undefined) as unknown as LookupFunction;
    // Not through client(): closing is what this test does, and an agent closes once.
    const c = guardedDeliveryClient({ allowPrivate: [], lookup: stuck, timeoutMs: 150 });
    expect(await failure(c.send(`http://evil.example:${port}/in`, post))).toMatchObject({ code: 'delivery_timeout' });
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      c.close().then(() => 'closed'),
      new Promise((r) => (timer = setTimeout(r, 3_000, 'still connecting'))),
    ]);
    clearTimeout(timer);
    expect(outcome).toBe('closed');
    expect(seen).toEqual([]);
  }, 20_000);

  // The receiver here runs on its own thread, so it answers while this one is blocked: the answer
  // is in the socket when the thread wakes up, past the deadline. Aborting in the deadline's timer
  // (the timers phase comes before the poll phase that reads the socket) recorded that answered
  // request as a timeout, and the engine sent it again.
  it('takes an answer that arrived while the process was busy past the deadline', async () => {
    const receiver = new Worker(
      `const http = require('node:http'); const { parentPort } = require('node:worker_threads');
       const s = http.createServer((req, res) => { req.resume(); req.on('end', () => { parentPort.postMessage('received'); setTimeout(() => res.end('late but here'), 30); }); });
       s.listen(0, '127.0.0.1', () => parentPort.postMessage(s.address().port));`,
      { eval: true },
    );
    try {
      const receiverPort = await new Promise<number>((r) => receiver.once('message', r));
      const sending = client({ timeoutMs: 100 }).send(`http://127.0.0.1:${receiverPort}/`, post);
      await new Promise((r) => receiver.once('message', r)); // the request is there
      const until = performance.now() + 300; // busy past the deadline and past the answer
      while (performance.now() < until);
      const res = await sending;
      expect([res.status, new TextDecoder().decode(res.body)]).toEqual([200, 'late but here']);
    } finally {
      await receiver.terminate();
    }
  });

  it('counts reading the answer against the same deadline', async () => {
    expect(await failure(client({ timeoutMs: 150 }).send(local('/stall'), post))).toMatchObject({ code: 'delivery_timeout' });
    server.closeAllConnections();
  });

  it('keeps the first 20 KiB of a larger answer', async () => {
    const res = await client().send(local('/big'), { method: 'GET' });
    expect([res.body.byteLength, res.truncated, res.body.every((b) => b === 0x78)]).toEqual([20 * 1024, true, true]);
    expect((await client({ maxBodyBytes: 10 }).send(local('/in'), post)).body).toEqual(new Uint8Array(Buffer.from('accepted')));
  });

  it('reuses one keep-alive connection for sequential deliveries', async () => {
    const c = client();
    for (let i = 0; i < 4; i++) {
      expect((await c.send(local('/in'), post)).status).toBe(200);
      // undici's Pool sees the socket free again one tick after the answer ends; a send in the
      // same tick opens a second pooled socket (also kept alive), which is not what this counts.
      await new Promise((r) => setImmediate(r));
    }
    expect([seen.length, connections]).toEqual([4, 1]);
  });

  it('maps a refused connection to connect_failed (retryable)', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const e = await failure(client().send(`http://127.0.0.1:${freePort}/`, post));
    expect(e).toMatchObject({ code: 'connect_failed', retryable: true, expose: false, extra: { reason: 'ECONNREFUSED' } });
  });

  it('measures durationMs with the injected clock', async () => {
    let t = 1000;
    const res = await client({ now: () => (t += 5) }).send(local('/in'), post);
    expect(res.durationMs).toBe(5);
  });
});

describe('headerRecord', () => {
  // The delivery log keeps what Object.fromEntries(new Headers(...)) gives; headerRecord builds it without the Headers.
  const viaHeaders = (raw: Record<string, string | string[]>) => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(raw)) for (const v of [value].flat()) headers.append(name, v);
    return Object.fromEntries(headers);
  };
  const space = fc.constantFrom('', ' ', '\t', '  \t ');
  const value = fc.tuple(space, fc.stringMatching(/^[!-~]([ -~]{0,10}[!-~])?$/), space).map(([a, v, b]) => a + v + b);
  const name = fc.oneof(fc.constantFrom('set-cookie', 'retry-after', 'date', 'x-a', 'x-b'), fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/));

  it('is Object.fromEntries of the Headers: sorted names, trimmed values, repeats joined, set-cookie last', () => {
    fc.assert(fc.property(fc.dictionary(name, fc.oneof(value, fc.array(value, { minLength: 1, maxLength: 3 }))), (raw) => {
      const got = headerRecord(raw);
      const want = viaHeaders(raw);
      expect(got).toEqual(want);
      expect(Object.keys(got)).toEqual(Object.keys(want));
    }), { numRuns: 500 });
  });

  it('keeps a header named __proto__ as a header (a plain assignment would set the prototype and drop it)', () => {
    const raw = JSON.parse('{"__proto__": " x ", "x-a": "v"}') as Record<string, string>;
    const got = headerRecord(raw);
    expect(Object.keys(got)).toEqual(['__proto__', 'x-a']);
    expect(Object.getOwnPropertyDescriptor(got, '__proto__')?.value).toBe('x');
    expect(Object.getPrototypeOf(got)).toBe(Object.prototype);
  });

  it('keeps values that need no trimming as they are, and trims those that do', () => {
    expect(headerRecord({ 'x-a': 'v', 'x-b': ' \tv w\t ', 'set-cookie': ['a=1', ' b=2 '], via: ['1.1 a', '1.1 b '] }))
      .toEqual({ 'set-cookie': 'b=2', via: '1.1 a, 1.1 b', 'x-a': 'v', 'x-b': 'v w' });
  });
});
