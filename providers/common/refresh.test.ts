import { webhookIngress } from '../../functions/webhook-ingress/handler';
import { jsonLogger } from '../../shared/log/json-logger';
import { fixedClock, type Secrets, systemClock } from '../../shared/ports';
import { memoryStore } from '../../shared/store/memory';
import { configuredBus } from './bus';
import { memoryBus, testDeps } from '../../test/deps';
import { githubHeaders } from '../../test/support/sign';
import { secretUnavailable } from '../../shared/secrets';
import { cloudDeps } from './cloud-deps';
import { type RefreshOptions, refreshingRoot } from './refresh';
import type { ConfigReload } from './runtime';

const g = globalThis as { __SECORCH_CONFIG__?: unknown };
afterEach(() => delete g.__SECORCH_CONFIG__);

/** Lets the background re-read (a chain of resolved promises) finish. */
const settle = () => new Promise((r) => setImmediate(r));

function fakeRoot(reload?: ConfigReload, opts?: RefreshOptions) {
  const { deps, clock } = testDeps({ secrets: { ttlSeconds: 60 } });
  const warnings: unknown[] = [];
  deps.logger = { ...deps.logger, warn: (msg: string, fields?: Record<string, unknown>) => void warnings.push([msg, fields]), info: () => undefined };
  return { deps, clock, warnings, root: refreshingRoot(async () => ({ deps, reload }), opts) };
}

/** A wait that ends only when the test says so, recording what was asked and whether it was called off. */
function manualSleep() {
  const asked: { ms: number; signal?: AbortSignal }[] = [];
  const ends: (() => void)[] = [];
  const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((resolve) => {
    asked.push({ ms, signal });
    ends.push(resolve);
  });
  return { sleep, asked, end: () => ends.splice(0).forEach((go) => go()) };
}

describe('refreshingRoot', () => {
  test('within ttlSeconds the deps are the ones built and nothing is re-read', async () => {
    const reload = jest.fn<ReturnType<ConfigReload>, []>(async () => undefined);
    const { deps, clock, root } = fakeRoot(reload);
    expect(await root()).toBe(deps);
    clock.advance(59_999);
    expect(await root()).toBe(deps);
    expect(reload).not.toHaveBeenCalled();
  });

  test('past ttlSeconds one invocation starts a re-read and goes on with the old values; later ones get the new configuration', async () => {
    const { deps, clock } = fakeRoot();
    let resolveReload!: (v: Awaited<ReturnType<ConfigReload>>) => void;
    const reload = jest.fn<ReturnType<ConfigReload>, []>(() => new Promise((r) => (resolveReload = r)));
    const live = refreshingRoot(async () => ({ deps, reload }));
    await live();
    clock.advance(60_000);
    expect(await live()).toBe(deps); // the re-read runs in the background
    expect(await live()).toBe(deps); // and only one at a time
    expect(reload).toHaveBeenCalledTimes(1);
    const config = { ...deps.config, logLevel: 'debug' as const };
    resolveReload({ config, changed: ['github-webhook'] });
    await settle();
    const next = await live();
    expect(next.config).toBe(config);
    // Everything else is the same instances: connections and caches survive.
    expect([next.store, next.bus, next.logger, next.clock]).toEqual([deps.store, deps.bus, deps.logger, deps.clock]);
    expect(next.store).toBe(deps.store);
  });

  test('an unchanged re-read keeps the very same deps (per-config caches stay warm), and the next one waits a full period', async () => {
    const reload = jest.fn<ReturnType<ConfigReload>, []>(async () => undefined);
    const { deps, clock, root } = fakeRoot(reload);
    await root();
    clock.advance(60_000);
    await root();
    await settle();
    expect(await root()).toBe(deps);
    clock.advance(59_000);
    await root();
    expect(reload).toHaveBeenCalledTimes(1);
    clock.advance(1_000);
    await root();
    expect(reload).toHaveBeenCalledTimes(2);
  });

  test('a failed re-read keeps the values in use, warns, and is tried again a period later', async () => {
    const reload = jest.fn<ReturnType<ConfigReload>, []>(async () => {
      throw new Error('Secret "github-webhook" was not found (used at sources.github.verify.secret)');
    });
    const { deps, clock, root, warnings } = fakeRoot(reload);
    await root();
    clock.advance(60_000);
    await root();
    await settle();
    expect(await root()).toBe(deps);
    expect(warnings).toEqual([['secret references could not be re-read: the values in use stay', { error: expect.objectContaining({ message: expect.stringContaining('github-webhook') }) }]]);
    clock.advance(60_000);
    await root();
    expect(reload).toHaveBeenCalledTimes(2);
  });

  test('the line telling of new values names the secrets that changed (the JSON logger redacts a field named like a secret)', async () => {
    const { deps, clock } = testDeps({ secrets: { ttlSeconds: 60 } });
    const lines: string[] = [];
    deps.logger = jsonLogger({ clock, write: (l) => lines.push(l) });
    const root = refreshingRoot(async () => ({ deps, reload: async () => ({ config: deps.config, changed: ['github-webhook', 'jira-token'] }) }));
    await root();
    clock.advance(60_000);
    await root();
    await settle();
    const line = JSON.parse(lines.find((l) => l.includes('secret values changed'))!) as Record<string, unknown>;
    expect(Object.values(line)).toContainEqual(['github-webhook', 'jira-token']);
  });

  test('values older than two periods (an instance idle that long) are not used: that invocation waits for the re-read', async () => {
    const reload = jest.fn<ReturnType<ConfigReload>, []>();
    const wait = manualSleep();
    const { deps, clock, root } = fakeRoot(reload, { sleep: wait.sleep });
    const config = { ...deps.config, logLevel: 'debug' as const };
    reload.mockImplementation(async () => ({ config, changed: ['github-webhook'] }));
    await root();
    clock.advance(2 * 60_000);
    expect((await root()).config).toBe(config);
    expect(reload).toHaveBeenCalledTimes(1);
    // The bound on the wait was armed, and called off once the re-read answered (no timer left behind).
    expect(wait.asked).toEqual([{ ms: 2_000, signal: expect.objectContaining({ aborted: true }) }]);
  });

  test('the wait is bounded (maxWaitMs): a manager that does not answer in time leaves the values in use, and the re-read goes on in the background', async () => {
    let answer!: (v: Awaited<ReturnType<ConfigReload>>) => void;
    const reload = jest.fn<ReturnType<ConfigReload>, []>(() => new Promise((r) => (answer = r)));
    const wait = manualSleep();
    const { deps, clock, root } = fakeRoot(reload, { maxWaitMs: 1_500, sleep: wait.sleep });
    await root();
    clock.advance(2 * 60_000);
    const invocation = root();
    await settle();
    expect(wait.asked).toEqual([{ ms: 1_500, signal: expect.anything() }]);
    wait.end(); // 1.5 s pass without an answer
    expect(await invocation).toBe(deps);
    const config = { ...deps.config, logLevel: 'debug' as const };
    answer({ config, changed: ['github-webhook'] });
    await settle();
    expect((await root()).config).toBe(config);
    expect(reload).toHaveBeenCalledTimes(1);
  });

  test('a re-read waited for that fails (manager down) keeps the values in use without failing the invocation; the next ones neither wait nor ask before a period', async () => {
    const reload = jest.fn<ReturnType<ConfigReload>, []>(async () => {
      throw secretUnavailable('aws-ssm', 'github-webhook', 'ThrottlingException, HTTP 400');
    });
    const wait = manualSleep(); // never ends by itself: only the failed re-read can end the wait
    const { deps, clock, root, warnings } = fakeRoot(reload, { sleep: wait.sleep });
    await root();
    clock.advance(2 * 60_000);
    expect(await root()).toBe(deps);
    expect(warnings).toEqual([['secret references could not be re-read: the values in use stay', { error: expect.objectContaining({ code: 'secret_unavailable' }) }]]);
    clock.advance(59_999);
    expect(await root()).toBe(deps);
    expect(reload).toHaveBeenCalledTimes(1);
    expect(wait.asked).toHaveLength(1);
    clock.advance(1); // a period after the failure: asked again, in the background
    expect(await root()).toBe(deps);
    expect(reload).toHaveBeenCalledTimes(2);
    expect(wait.asked).toHaveLength(1);
  });

  test('without a reload (no reference, or environment variables) the deps never change', async () => {
    const { deps, clock, root } = fakeRoot(undefined);
    clock.advance(10 * 60_000);
    expect(await root()).toBe(deps);
    expect(await root()).toBe(deps);
  });
});

/** A cloud root over a map standing in for the manager, and a GitHub webhook poster. */
function githubCloud(values: Record<string, string>, refresh?: RefreshOptions) {
  // The secret manager is a map here (the cloud managers have no emulator; their own tests mock the SDK).
  const manager: Secrets = { get: async (name) => values[name] };
  g.__SECORCH_CONFIG__ = {
    sources: { github: { verify: { scheme: 'github', secret: 'secret://github-webhook' } } },
    secrets: { provider: 'aws-ssm', ttlSeconds: 60 },
    store: { type: 'memory' },
    logLevel: 'error',
  };
  const clock = fixedClock(Date.parse('2026-01-01T00:00:00Z'));
  const bus = memoryBus();
  const root = refreshingRoot(() => cloudDeps('AWS', 'aws', () => bus, undefined, undefined, { secrets: { 'aws-ssm': () => manager }, clock }), refresh);
  let n = 0;
  const post = async (secret: string) => {
    const body = JSON.stringify({ zen: 'ok', n: (n += 1) });
    const req = new Request('https://hooks.example.com/webhooks/github', { method: 'POST', body, headers: githubHeaders(secret, body, 'ping', `d-${n}`) });
    return (await webhookIngress(req, await root())).status;
  };
  return { clock, bus, post };
}

describe('a cloud root follows a rotated webhook secret without a cold start', () => {
  test('an instance idle for two periods verifies its first request with the value stored meanwhile', async () => {
    const values = { 'github-webhook': 'old-secret' };
    const { clock, post } = githubCloud(values, { sleep: () => new Promise(() => undefined) });
    expect(await post('old-secret')).toBe(202);
    values['github-webhook'] = 'new-secret';
    clock.advance(2 * 60_000);
    expect(await post('new-secret')).toBe(202);
    expect(await post('old-secret')).toBe(401);
  });

  test('a signature under the new value is refused until ttlSeconds pass, then accepted; the old one then refused', async () => {
    const values = { 'github-webhook': 'old-secret' };
    const { clock, bus, post } = githubCloud(values);
    expect(await post('old-secret')).toBe(202);
    values['github-webhook'] = 'new-secret';
    clock.advance(30_000);
    expect(await post('new-secret')).toBe(401); // cached: the manager is not asked yet
    clock.advance(30_000);
    expect(await post('old-secret')).toBe(202); // this invocation starts the re-read and keeps the old value
    await settle();
    expect(await post('new-secret')).toBe(202);
    expect(await post('old-secret')).toBe(401);
    expect(bus.events.filter((e) => e.type === 'secorch.webhook.received').map((e) => (e.data as { n: number }).n)).toEqual([1, 3, 4]);
  });
});

describe('a cold start that fails', () => {
  test('answers its error to the invocations of the next retryAfterMs without building again, then builds once more', async () => {
    const clock = fixedClock(0);
    const { deps } = testDeps();
    let fail = true;
    const build = jest.fn(async () => {
      if (fail) throw secretUnavailable('aws-ssm', 'github-webhook', 'ThrottlingException, HTTP 400');
      return { deps };
    });
    const root = refreshingRoot(build, { clock, retryAfterMs: 5_000 });
    // A burst: the concurrent first calls share one build, the later ones get its error.
    await Promise.all([root(), root()].map((p) => expect(p).rejects.toMatchObject({ code: 'secret_unavailable' })));
    clock.advance(4_999);
    await expect(root()).rejects.toMatchObject({ code: 'secret_unavailable' });
    expect(build).toHaveBeenCalledTimes(1);
    fail = false;
    clock.advance(1);
    expect(await root()).toBe(deps);
    expect(await root()).toBe(deps);
    expect(build).toHaveBeenCalledTimes(2);
  });

  test('builds no store, however often the next invocations retry it (a Redis client connects when built and would be left open each time)', async () => {
    g.__SECORCH_CONFIG__ = { store: { type: 'dynamodb', table: 'state' }, bus: { type: 'pubsub', topic: 'events' }, logLevel: 'error' };
    const built: string[] = [];
    // The factories record what they were given instead of connecting, as in bus.test.ts.
    const native = { dynamodb: (s: { table: string }) => (built.push(s.table), memoryStore(systemClock)) };
    const root = refreshingRoot(() => cloudDeps('AWS', 'aws', (config) => configuredBus(config, 'AWS', { sqs: () => memoryBus() }, memoryBus), undefined, undefined, { native }));
    for (let i = 0; i < 3; i += 1) await expect(root()).rejects.toMatchObject({ code: 'invalid_config', message: expect.stringContaining('bus.type "pubsub" is not available on AWS') });
    expect(built).toEqual([]);
  });
});

describe('a cloud root reads a referenced value as stored from a file', () => {
  test('a webhook secret stored with its final newline verifies the signatures made with the secret', async () => {
    const { post } = githubCloud({ 'github-webhook': 'file-secret\n' });
    expect(await post('file-secret')).toBe(202);
  });
});
