import type { LookupAddress } from 'node:dns';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createNetServer, type LookupFunction, type Socket } from 'node:net';
import type { Agent } from 'undici';
import { AppError } from '../errors';
import { deniedCause, guardedAgent, guardedLookup, resolveAll } from './egress-agent';

// Real sockets: the target is an HTTP server on 127.0.0.1; DNS is a scripted lookup, so the
// addresses under test are the ones net.connect receives.
let server: Server;
let port: number;
let requests = 0;
beforeAll(async () => {
  server = createServer((_req, res) => void (requests++, res.end('here')));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => void (requests = 0));

/** A node-compatible lookup answering from a script; `calls` counts the resolutions. */
function scriptedLookup(...answers: string[][]): LookupFunction & { calls: number } {
  const fn = ((_host: string, options: { all?: boolean }, callback: (e: Error | null, a: string | LookupAddress[], f?: number) => void) => {
    const list = (answers[Math.min(fn.calls++, answers.length - 1)] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    if (options.all) callback(null, list);
    else callback(null, list[0]!.address, list[0]!.family);
  }) as LookupFunction & { calls: number };
  fn.calls = 0;
  return fn;
}

const agents: Agent[] = [];
afterEach(async () => void (await Promise.all(agents.splice(0).map((a) => a.close()))));
function agent(allowPrivate: string[], lookup?: LookupFunction): Agent {
  const a = guardedAgent({ allowPrivate, lookup });
  agents.push(a);
  return a;
}
// Node's fetch with the Agent as dispatcher, as the product sends; refusals arrive as the fetch error's cause.
const get = (a: Agent, origin: string) =>
  fetch(`${origin}/`, { dispatcher: a } as RequestInit).then((r) => r.text(), (e: unknown) => Promise.reject(deniedCause(e) ?? e));
async function denied(p: Promise<unknown>): Promise<string> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(AppError);
  expect((e as AppError).code).toBe('egress_denied');
  return (e as AppError).extra.reason as string;
}

describe('guardedAgent: a host name is checked in the answer the socket connects to', () => {
  it.each([[['10.0.0.1']], [['127.0.0.1']], [['::ffff:127.0.0.1']], [['169.254.169.254']], [['fd00:ec2::254']], [['93.184.216.34', '127.0.0.1']]])(
    'evil.example -> %j is refused at connect: the lookup ran, no request reached the server', async (answer) => {
      const lookup = scriptedLookup(answer);
      expect(await denied(get(agent([], lookup), `http://evil.example:${port}`))).toBe('private_address');
      expect(lookup.calls).toBe(1);
      expect(requests).toBe(0);
    });

  it.each(['127.0.0.1', '::ffff:127.0.0.1'])('evil.example -> %s connects when allowPrivate opens 127.0.0.1/32', async (ip) => {
    expect(await get(agent(['127.0.0.1/32'], scriptedLookup([ip])), `http://evil.example:${port}`)).toBe('here');
    expect(requests).toBe(1);
  });

  it('refuses a mixed answer even when allowPrivate opens one of its addresses', async () => {
    const lookup = scriptedLookup(['127.0.0.1', '10.0.0.1']);
    expect(await denied(get(agent(['127.0.0.1/32'], lookup), `http://evil.example:${port}`))).toBe('private_address');
    expect(requests).toBe(0);
  });
});

describe('guardedAgent: IP-literal hosts (net.connect does not call lookup for them)', () => {
  it.each(['127.0.0.1', '[::1]', '[::ffff:127.0.0.1]', '169.254.169.254', '10.0.0.1', '[fd00:ec2::254]', '0.0.0.0'])(
    'refuses http://%s without a lookup or a request', async (host) => {
      const lookup = scriptedLookup(['127.0.0.1']);
      expect(await denied(get(agent([], lookup), `http://${host}:${port}`))).toBe('private_address');
      expect([lookup.calls, requests]).toEqual([0, 0]);
    });

  it('connects to a literal inside allowPrivate', async () => {
    expect(await get(agent(['127.0.0.0/8']), `http://127.0.0.1:${port}`)).toBe('here');
  });
});

describe('guardedAgent: pooled sockets', () => {
  it('closes an idle socket after keepAliveTimeoutMs although the server\'s Keep-Alive hint asks for 10 minutes', async () => {
    const sockets: Socket[] = [];
    const raw = createNetServer((s) => {
      sockets.push(s);
      s.once('data', () => s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\nKeep-Alive: timeout=600\r\n\r\nok'));
    });
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
    try {
      const a = guardedAgent({ allowPrivate: ['127.0.0.1/32'], keepAliveTimeoutMs: 50 });
      agents.push(a);
      expect(await get(a, `http://127.0.0.1:${(raw.address() as AddressInfo).port}`)).toBe('ok');
      // The server never closes: only the agent's idle timeout ends the connection.
      await new Promise((r) => sockets[0]!.once('close', r));
      expect(sockets).toHaveLength(1);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => raw.close(() => r()));
    }
  });
});

describe('guardedLookup', () => {
  const permitted = (ip: string) => ip === '93.184.216.34';
  const run = (answer: string[], all: boolean) =>
    new Promise<unknown[]>((resolve) => guardedLookup(scriptedLookup(answer), permitted)('h.example', { all }, (...args) => resolve(args)));

  it('answers in the shape net asked for', async () => {
    expect(await run(['93.184.216.34'], true)).toEqual([null, [{ address: '93.184.216.34', family: 4 }]]);
    expect(await run(['93.184.216.34'], false)).toEqual([null, '93.184.216.34', 4]);
  });

  it('turns an empty answer into ENOTFOUND and a refused one into egress_denied', async () => {
    expect((await run([], false))[0]).toMatchObject({ code: 'ENOTFOUND' });
    expect((await run(['93.184.216.34', '10.0.0.1'], false))[0]).toMatchObject({ code: 'egress_denied', expose: false });
  });

  it('resolveAll gives every address as text', async () => {
    expect(await resolveAll(scriptedLookup(['1.1.1.1', '2606:4700::1']))('h.example')).toEqual(['1.1.1.1', '2606:4700::1']);
  });
});
