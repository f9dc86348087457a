import type { LookupAddress } from 'node:dns';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, LookupFunction } from 'node:net';
import { AppError, toProblem } from '../errors';
import { parseCidrList } from '../net/cidr';
import { platformHttp, type HttpClient } from '../ports/http';
import { asGuarded, guardedHttp, type GuardedHttpClient, validateOutboundUrl } from './egress';

// A scripted inner client stands in for the network where no connection may happen; the
// redirect and allowPrivate cases also run against a real HTTP server on 127.0.0.1.
type Call = { url: string; init: RequestInit };
function scripted(answer: (url: URL) => Response): HttpClient & { calls: Call[] } {
  const calls: Call[] = [];
  return { calls, fetch: async (input, init = {}) => (calls.push({ url: String(input), init }), answer(new URL(String(input)))) };
}
const DNS: Record<string, string[]> = {
  'public.example': ['93.184.216.34'], 'other.example': ['2606:2800:220:1::1'],
  'metadata.example': ['169.254.169.254'], 'mixed.example': ['93.184.216.34', '10.0.0.5'], 'nxdomain.example': [],
  'v6-local.example': ['fd00::1'], 'mapped.example': ['::ffff:127.0.0.1'],
};
const resolve = jest.fn(async (host: string) => DNS[host] ?? []);
const redirect = (to: string, status = 302) => new Response(null, { status, headers: { location: to } });
async function reason(p: Promise<unknown>): Promise<string> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(AppError);
  expect((e as AppError).code).toBe('egress_denied');
  return (e as AppError).extra.reason as string;
}

describe('guardedHttp', () => {
  const ok = () => new Response('ok');

  it.each(['file:///etc/passwd', 'ftp://public.example/x', 'data:text/plain,hi', 'gopher://public.example/', 'ws://public.example/'])(
    'refuses the scheme of %s without a request', async (url) => {
      const inner = scripted(ok);
      expect(await reason(guardedHttp(inner, { allowPrivate: [], resolve }).fetch(url))).toBe('scheme');
      expect(inner.calls).toHaveLength(0);
    });

  it.each([
    'http://127.0.0.1/', 'http://[::1]:8080/', 'http://169.254.169.254/latest/meta-data/', 'http://[::ffff:127.0.0.1]/',
    'http://2130706433/', 'http://0x7f.1/', 'http://0/', 'https://10.1.2.3/', 'http://[fd00::1]/', 'http://[64:ff9b::a9fe:a9fe]/',
    'http://metadata.example/', 'http://mixed.example/', 'http://v6-local.example/', 'http://mapped.example/',
  ])('refuses %s (private or reserved) without a request', async (url) => {
    const inner = scripted(ok);
    expect(await reason(guardedHttp(inner, { allowPrivate: [], resolve }).fetch(url))).toBe('private_address');
    expect(inner.calls).toHaveLength(0);
  });

  it('lets public hosts through, asking the inner client not to follow redirects itself', async () => {
    const inner = scripted(ok);
    const res = await guardedHttp(inner, { allowPrivate: [], resolve }).fetch('https://public.example/jwks', { headers: { a: 'b' } });
    expect(await res.text()).toBe('ok');
    expect(resolve).toHaveBeenCalledWith('public.example');
    expect(inner.calls[0]!.init).toMatchObject({ redirect: 'manual', headers: { a: 'b' } });
  });

  it('refuses a host that does not resolve', async () => {
    expect(await reason(guardedHttp(scripted(ok), { allowPrivate: [], resolve }).fetch('https://nxdomain.example/'))).toBe('unresolved');
  });

  it('re-checks every redirect target and refuses one into the metadata service', async () => {
    const inner = scripted((u) => (u.hostname === 'public.example' ? redirect('http://169.254.169.254/latest/') : ok()));
    expect(await reason(guardedHttp(inner, { allowPrivate: [], resolve }).fetch('https://public.example/'))).toBe('private_address');
    expect(inner.calls.map((c) => c.url)).toEqual(['https://public.example/']);
  });

  it('on a cross-origin redirect drops credentials, and turns a 303 after POST into a GET without body', async () => {
    const inner = scripted((u) => (u.hostname === 'public.example' ? redirect('https://other.example/next', 303) : ok()));
    const g = guardedHttp(inner, { allowPrivate: [], resolve });
    await g.fetch('https://public.example/', { method: 'POST', body: '{}', headers: { authorization: 'Bearer t', 'content-type': 'application/json', x: '1' } });
    const hop = inner.calls[1]!;
    expect(hop.url).toBe('https://other.example/next');
    expect(hop.init).toMatchObject({ method: 'GET', body: null, redirect: 'manual' });
    expect([...new Headers(hop.init.headers).keys()]).toEqual(['x']);
  });

  it('drops credentials when a redirect changes only the scheme or the port (another origin), keeps them on the same origin', async () => {
    const secrets = { authorization: 'Bearer t', 'proxy-authorization': 'Basic cDpx', cookie: 'session=1', x: '1' };
    for (const to of ['http://public.example/next', 'https://public.example:8443/next']) {
      const inner = scripted((u) => (u.href === 'https://public.example/' ? redirect(to, 307) : ok()));
      await guardedHttp(inner, { allowPrivate: [], resolve }).fetch('https://public.example/', { headers: secrets });
      expect(inner.calls.map((c) => c.url)).toEqual(['https://public.example/', to]);
      expect([...new Headers(inner.calls[1]!.init.headers).keys()]).toEqual(['x']);
    }
    const inner = scripted((u) => (u.pathname === '/' ? redirect('/next', 307) : ok()));
    await guardedHttp(inner, { allowPrivate: [], resolve }).fetch('https://public.example/', { headers: secrets });
    expect(Object.fromEntries(new Headers(inner.calls[1]!.init.headers))).toEqual(secrets);
  });

  it('refuses to follow a 307 with a stream body (it cannot be sent twice), and sends nothing more', async () => {
    const inner = scripted((u) => (u.pathname === '/' ? redirect('https://public.example/next', 307) : ok()));
    const body = new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode('{}')), c.close()) });
    const g = guardedHttp(inner, { allowPrivate: [], resolve });
    expect(await reason(g.fetch('https://public.example/', { method: 'POST', body, duplex: 'half' } as RequestInit))).toBe('redirect_with_stream_body');
    expect(inner.calls.map((c) => c.url)).toEqual(['https://public.example/']);
  });

  it('hands a redirect back to a caller that asked for redirect: manual, and refuses one under redirect: error', async () => {
    const inner = scripted(() => redirect('https://other.example/'));
    const g = guardedHttp(inner, { allowPrivate: [], resolve });
    expect((await g.fetch('https://public.example/', { redirect: 'manual' })).status).toBe(302);
    expect(await reason(g.fetch('https://public.example/', { redirect: 'error' }))).toBe('redirect');
    expect(inner.calls).toHaveLength(2);
  });

  it('renders as a generic 500 that names neither host nor address', async () => {
    const e = await guardedHttp(scripted(ok), { allowPrivate: [], resolve }).fetch('http://metadata.example/').catch((err: unknown) => err);
    expect(e).toMatchObject({ code: 'egress_denied', expose: false });
    const { problem } = toProblem(e);
    expect(problem).toMatchObject({ status: 500, code: 'internal_error' });
    expect(`${JSON.stringify(problem)} ${(e as Error).message}`).not.toMatch(/169\.254|metadata/);
  });

  it('is recognised behind the HttpClient port, and a plain client is not', () => {
    const g = guardedHttp(platformHttp, { allowPrivate: ['127.0.0.0/8'], resolve });
    expect(asGuarded(g)?.allowlisted('127.0.0.1')).toBe(true);
    expect(asGuarded(g)?.allowlisted('10.0.0.1')).toBe(false);
    expect(asGuarded(platformHttp)).toBeUndefined();
  });
});

describe('guardedHttp against a real server on 127.0.0.1', () => {
  let server: Server;
  let base: string;
  const hits: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push(req.url!);
      if (req.url === '/a') res.writeHead(302, { location: '/b' }).end();
      else if (req.url === '/echo') {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c)).on('end', () =>
          res.end(`${req.method} ${req.headers['content-type'] ?? ''} ${req.headers['x-a'] ?? ''} ${Buffer.concat(chunks).toString()}`));
      }
      else if (req.url === '/empty') res.writeHead(204).end();
      else if (req.url!.startsWith('/loop')) res.writeHead(307, { location: `/loop${hits.length}` }).end();
      else res.end('here');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => void hits.splice(0));

  it('reaches an allowPrivate address and follows a same-host redirect', async () => {
    const res = await guardedHttp(platformHttp, { allowPrivate: ['127.0.0.1/32'], resolve }).fetch(`${base}/a`);
    expect(await res.text()).toBe('here');
    expect(hits).toEqual(['/a', '/b']);
  });

  it('without allowPrivate the request never leaves', async () => {
    expect(await reason(guardedHttp(platformHttp, { allowPrivate: [], resolve }).fetch(`${base}/a`))).toBe('private_address');
    expect(hits).toEqual([]);
  });

  it(`stops after 3 redirects`, async () => {
    expect(await reason(guardedHttp(platformHttp, { allowPrivate: ['127.0.0.1'], resolve }).fetch(`${base}/loop`))).toBe('too_many_redirects');
    expect(hits).toHaveLength(4);
  });

  describe('guardedHttp(policy): checked again at connect time (undici Agent)', () => {
    const clients: GuardedHttpClient[] = [];
    afterEach(async () => void (await Promise.all(clients.splice(0).map((c) => c.close?.()))));
    const connectGuard = (allowPrivate: string[], lookup: LookupFunction) => {
      const c = guardedHttp({ allowPrivate, lookup });
      clients.push(c);
      return c;
    };
    const evil = (path: string) => `http://evil.example:${(server.address() as AddressInfo).port}${path}`;

    it('closes the rebinding window: a public answer to the check, a private one to the socket, is refused', async () => {
      const lookup = scriptedLookup(['93.184.216.34'], ['127.0.0.1']);
      expect(await reason(connectGuard([], lookup).fetch(evil('/a')))).toBe('private_address');
      expect(lookup.calls).toBe(2); // the check, then the socket's own lookup
      expect(hits).toEqual([]);
    });

    it.each(['10.0.0.1', '127.0.0.1', '::ffff:127.0.0.1'])('refuses evil.example -> %s before any request', async (ip) => {
      expect(await reason(connectGuard([], scriptedLookup([ip])).fetch(evil('/a')))).toBe('private_address');
      expect(hits).toEqual([]);
    });

    it('inside allowPrivate: follows a redirect and answers with a global Response', async () => {
      const res = await connectGuard(['127.0.0.1/32'], scriptedLookup(['127.0.0.1'])).fetch(evil('/a'));
      expect(res).toBeInstanceOf(Response);
      expect([res.status, res.url, await res.text()]).toEqual([200, evil('/b'), 'here']);
      expect(hits).toEqual(['/a', '/b']);
    });

    it('refuses a URL with credentials before any request, and its error quotes neither them nor the URL', async () => {
      const e = await connectGuard(['127.0.0.1/32'], scriptedLookup(['127.0.0.1'])).fetch(evil('/a').replace('//', '//user:s3cret@')).catch((err: unknown) => err);
      expect(e).toMatchObject({ code: 'egress_denied', extra: { reason: 'credentials' } });
      expect(String((e as Error).message)).not.toMatch(/s3cret|user|evil/);
      expect(hits).toEqual([]);
    });

    it('honours the caller\'s abort while the check is still waiting for DNS', async () => {
      const deadline = new AbortController();
      const reason = new Error('deadline passed');
      // A resolver that never answers, as a dead name server does until getaddrinfo gives up.
      const stuck = (() => deadline.abort(reason)) as unknown as LookupFunction;
      await expect(connectGuard([], stuck).fetch(evil('/a'), { signal: deadline.signal })).rejects.toBe(reason);
      expect(hits).toEqual([]);
    });

    it('accepts a global Request with a body, FormData, and a null-body status', async () => {
      const g = connectGuard(['127.0.0.1/32'], scriptedLookup(['127.0.0.1']));
      const req = new Request(evil('/echo'), { method: 'PUT', body: 'payload', headers: { 'x-a': '1', 'content-type': 'text/plain' } });
      expect(await (await g.fetch(req)).text()).toBe('PUT text/plain 1 payload');
      const form = new FormData();
      form.set('k', 'v');
      expect(await (await g.fetch(evil('/echo'), { method: 'POST', body: form })).text()).toMatch(/^POST multipart\/form-data; boundary=.+ name="k"\r\n\r\nv\r\n/s);
      expect((await g.fetch(evil('/empty'))).status).toBe(204);
    });
  });
});

/** A node-compatible lookup answering from a script, one answer per call; `calls` counts them. */
function scriptedLookup(...answers: string[][]): LookupFunction & { calls: number } {
  const fn = ((_host: string, options: { all?: boolean }, callback: (e: Error | null, a: string | LookupAddress[], f?: number) => void) => {
    const list = answers[Math.min(fn.calls++, answers.length - 1)]!.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    if (options.all) callback(null, list);
    else callback(null, list[0]!.address, list[0]!.family);
  }) as LookupFunction & { calls: number };
  fn.calls = 0;
  return fn;
}

describe('validateOutboundUrl (subscription time: 422)', () => {
  it.each([
    ['ftp://hooks.example/x', 'url_scheme'], ['file:///etc/passwd', 'url_scheme'], ['javascript:alert(1)', 'url_scheme'],
    ['https://user:pass@hooks.example/', 'url_credentials'], ['https://token@hooks.example/', 'url_credentials'],
    ['not a url', 'url_invalid'], ['/relative/path', 'url_invalid'], ['http://', 'url_invalid'],
    ['http://127.0.0.1/', 'url_blocked_address'], ['http://10.0.0.1:8080/', 'url_blocked_address'],
    ['http://169.254.169.254/latest/meta-data/', 'url_blocked_address'], ['http://[::1]/', 'url_blocked_address'],
    ['http://[::ffff:127.0.0.1]/', 'url_blocked_address'], ['http://[fd00:ec2::254]/', 'url_blocked_address'],
    ['http://2130706433/', 'url_blocked_address'], ['http://0x7f.1/', 'url_blocked_address'], ['https://0/', 'url_blocked_address'],
    ['http://168.63.129.16/machine?comp=goalstate', 'url_blocked_address'],
  ])('%s -> %s', (url, code) => {
    const result = validateOutboundUrl(url, []);
    expect(result).toMatchObject({ ok: false, code });
    expect(result.ok || result.message).not.toMatch(/127|169\.254|10\.0|::/);
  });

  // The WHATWG URL parser turns every legacy IPv4 spelling (hex, octal, one number, fewer parts,
  // fullwidth or circled digits, ideographic full stops, a trailing dot, percent-encoding) into
  // the dotted quad and every IPv6 literal into its canonical text, which is what is judged; a zone
  // id is no valid host for it. Metadata addresses of other clouds: 100.100.100.200 (Alibaba, in
  // CGNAT), 192.0.0.192 (Oracle, in 192.0.0.0/24).
  it.each([
    'http://0x7f000001/', 'http://0177.0.0.1/', 'http://127.1/', 'http://00000177.0.0.1/', 'http://0x7f.0x0.0x0.0x1/',
    'http://\uff11\uff12\uff17.\uff10.\uff10.\uff11/', 'http://\u2460\u2461\u2466.0.0.1/', 'http://127\u30020\u30020\u30021/',
    'http://127.0.0.1./', 'http://%31%32%37.0.0.1/', 'http:\\\\127.0.0.1\\', 'http://[::]/', 'http://[0:0:0:0:0:ffff:7f00:1]/',
    'http://[::ffff:a9fe:a9fe]/', 'http://[64:ff9b::a9fe:a9fe]/', 'http://[2002:a9fe:a9fe::]/', 'http://[::ffff:0:7f00:1]/',
    'http://[::127.0.0.1]/', 'http://[fe80::1]/', 'http://100.100.100.200/latest/meta-data/', 'http://192.0.0.192/opc/v2/instance/',
    'http://0.1.2.3/', 'http://240.0.0.1/', 'http://255.255.255.255/', 'http://224.0.0.1/', 'http://[ff02::1]/', 'http://198.18.0.1/',
  ])('%s is refused as the address the URL parser makes of it', (url) => {
    expect(validateOutboundUrl(url, [])).toMatchObject({ ok: false, code: 'url_blocked_address' });
  });

  it.each(['http://[fe80::1%25eth0]/', 'http://[::1%25lo]/'])('%s (a zone id) is no valid URL', (url) => {
    expect(validateOutboundUrl(url, [])).toMatchObject({ ok: false, code: 'url_invalid' });
  });

  it('opens 168.63.129.16 only through allowPrivate', () => {
    expect(validateOutboundUrl('http://168.63.129.16/', ['168.63.129.16/32']).ok).toBe(true);
  });

  it.each(['https://hooks.example/in', 'http://93.184.216.34:8080/x', 'https://[2606:4700::1]/', 'https://localhost.example/'])(
    '%s passes (host names are checked when connecting)', (url) => {
      expect(validateOutboundUrl(url, [])).toMatchObject({ ok: true, url: new URL(url) });
    });

  it('lets allowPrivate open a literal, as a list or parsed once', () => {
    for (const allow of [['127.0.0.1/32', '10.0.0.0/8'], parseCidrList(['127.0.0.1/32', '10.0.0.0/8'])]) {
      expect(validateOutboundUrl('http://127.0.0.1:3000/', allow).ok).toBe(true);
      expect(validateOutboundUrl('http://[::ffff:127.0.0.1]/', allow).ok).toBe(true);
      expect(validateOutboundUrl('http://10.0.0.1/', allow).ok).toBe(true);
      expect(validateOutboundUrl('http://169.254.169.254/', allow).ok).toBe(false);
    }
  });
});
