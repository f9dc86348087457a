import { keys } from '../../shared/delivery/keys';
import type { Subscription } from '../../shared/delivery/model';
import type { Logger } from '../../shared/ports';
import { apiDeps, call, KEY } from './testkit';

const URL_OK = 'https://hooks.example.com/secorch';

/** A logger that keeps every line unredacted: proves the secret is never handed to it at all. */
function rawLogger(lines: string[], base: Record<string, unknown> = {}): Logger {
  const log = (msg: string, fields?: Record<string, unknown>) => void lines.push(JSON.stringify({ msg, ...base, ...fields }));
  return { debug: log, info: log, warn: log, error: log, child: (f) => rawLogger(lines, { ...base, ...f }) };
}

async function stored(deps: ReturnType<typeof apiDeps>['deps'], id: string, tenant = 'acme') {
  const item = await deps.store.get(keys.subscription(tenant, id));
  return item && { raw: item.value, sub: JSON.parse(item.value) as Subscription };
}

describe('POST /subscriptions', () => {
  test('201 with the subscription itself, its id, its plain secret and Location; stored sealed, never logged', async () => {
    const { deps } = apiDeps();
    const lines: string[] = [];
    deps.logger = rawLogger(lines);
    const res = await call(deps, 'POST', '/subscriptions', { body: { url: URL_OK, filter: { prefix: { type: 'secorch.finding.' } } } });
    expect(res.status).toBe(201);
    const { id, secret } = res.json;
    expect(id).toMatch(/^sub_[0-9A-Z]{26}$/);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(res.headers.get('location')).toBe(`/subscriptions/${id}`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.json).toMatchObject({ id, tenant: 'acme', url: URL_OK, enabled: true, filter: { prefix: { type: 'secorch.finding.' } }, createdAt: '2026-01-01T00:00:00.000Z' });
    expect(res.json).not.toHaveProperty('secrets');

    const { raw, sub } = (await stored(deps, id))!;
    const key64 = secret.slice('whsec_'.length);
    expect(raw).not.toContain(secret);
    expect(raw).not.toContain(key64);
    expect(sub.secrets).toEqual([{ sealed: expect.stringMatching(/^v1\.memory\./), createdAt: '2026-01-01T00:00:00.000Z' }]);
    // Sealed for this tenant and subscription: it opens there, and nowhere else.
    await expect(deps.sealer.open(sub.secrets[0]!.sealed, { tenant: 'acme', subscription: id })).resolves.toBe(secret);
    await expect(deps.sealer.open(sub.secrets[0]!.sealed, { tenant: 'globex', subscription: id })).rejects.toThrow();
    expect(lines.join('\n')).not.toContain(key64);
    expect(lines.some((l) => l.includes('subscription created'))).toBe(true);
  });

  test('the secret is in neither GET nor the list (not sealed, not plain)', async () => {
    const { deps } = apiDeps();
    const created = await call(deps, 'POST', '/subscriptions', { body: { url: URL_OK } });
    const { sub } = (await stored(deps, created.json.id))!;
    for (const path of [`/subscriptions/${created.json.id}`, '/subscriptions']) {
      const res = await call(deps, 'GET', path, { key: KEY.reader });
      expect(res.status).toBe(200);
      expect(res.text).not.toContain(created.json.secret.slice(6));
      expect(res.text).not.toContain(sub.secrets[0]!.sealed);
      expect(res.text).not.toMatch(/secret/i);
    }
    const one = await call(deps, 'GET', `/subscriptions/${created.json.id}`);
    const { secret: _secret, ...view } = created.json;
    expect(one.json).toEqual(view);
  });

  test('optional fields are stored; credential-like header values read back redacted', async () => {
    const { deps } = apiDeps();
    const body = {
      url: URL_OK, transform: '{ "text": data.title }', headers: { Authorization: 'Bearer s3cr3t-token', 'X-Team': 'blue' },
      rateLimit: { perSecond: 5, burst: 10 }, enabled: false,
    };
    const res = await call(deps, 'POST', '/subscriptions', { body });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ transform: body.transform, headers: { authorization: '[redacted]', 'x-team': 'blue' }, rateLimit: body.rateLimit, enabled: false, disabledReason: 'user' });
    expect(res.text).not.toContain('s3cr3t');
    expect((await stored(deps, res.json.id))!.sub.headers).toEqual({ authorization: 'Bearer s3cr3t-token', 'x-team': 'blue' });
  });

  test('credentials are redacted by header name and by value, also for a read-only key', async () => {
    const { deps } = apiDeps();
    const headers = {
      'x-functions-key': 's3cr3t-B', 'ocp-apim-subscription-key': 's3cr3t-C', 'x-amz-security-key': 's3cr3t-D',
      'x-custom': 'Bearer s3cr3t-E', 'x-other': 'SharedAccessSignature sr=s3cr3t-F', 'x-team': 'blue', 'x-region': 'eu',
    };
    const created = await call(deps, 'POST', '/subscriptions', { body: { url: URL_OK, headers } });
    const read = await call(deps, 'GET', `/subscriptions/${created.json.id}`, { key: KEY.reader });
    for (const res of [created, read]) {
      expect(res.text).not.toContain('s3cr3t');
      expect(res.json.headers).toEqual({
        'x-functions-key': '[redacted]', 'ocp-apim-subscription-key': '[redacted]', 'x-amz-security-key': '[redacted]',
        'x-custom': '[redacted]', 'x-other': '[redacted]', 'x-team': 'blue', 'x-region': 'eu',
      });
    }
  });

  test('credential-like headers are redacted by every name and value pattern the README names', async () => {
    const { deps } = apiDeps();
    const headers = {
      'x-api-token': 's3cr3t-1', 'x-client-secret': 's3cr3t-2', cookie: 's3cr3t-3', 'x-password': 's3cr3t-4',
      'x-basic': 'Basic s3cr3t-5', 'x-sas': 'sharedaccesssignature s3cr3t-6', 'x-plain': 'Bearerish',
    };
    const created = await call(deps, 'POST', '/subscriptions', { body: { url: URL_OK, headers } });
    expect(created.status).toBe(201);
    expect(created.text).not.toContain('s3cr3t');
    expect((await call(deps, 'GET', `/subscriptions/${created.json.id}`)).json.headers).toEqual({
      'x-api-token': '[redacted]', 'x-client-secret': '[redacted]', cookie: '[redacted]', 'x-password': '[redacted]',
      'x-basic': '[redacted]', 'x-sas': '[redacted]', 'x-plain': 'Bearerish',
    });
  });

  test('strict: unknown fields are 422 naming them', async () => {
    const { deps } = apiDeps();
    const res = await call(deps, 'POST', '/subscriptions', { body: { url: URL_OK, filters: {}, secret: 'whsec_x' } });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.json).toMatchObject({ code: 'invalid_subscription', problems: expect.arrayContaining(['filters: unknown field', 'secret: unknown field']) });
  });

  test('body errors: 400 malformed_body, 413 over 64 KiB, 415 for a charset JSON cannot be in', async () => {
    const { deps } = apiDeps();
    expect((await call(deps, 'POST', '/subscriptions', { body: '{"url":' })).json.code).toBe('malformed_body');
    expect((await call(deps, 'POST', '/subscriptions', { body: '[1]' })).json.code).toBe('malformed_body');
    const big = await call(deps, 'POST', '/subscriptions', { body: { url: URL_OK, transform: 'x'.repeat(70_000) } });
    expect(big.status).toBe(413);
    const latin1 = await call(deps, 'POST', '/subscriptions', { body: { url: URL_OK }, headers: { 'content-type': 'application/json; charset=iso-8859-1' } });
    expect([latin1.status, latin1.json.code]).toEqual([415, 'unsupported_media_type']);
    // fetch() with a string body and no header sends text/plain: still JSON.
    expect((await call(deps, 'POST', '/subscriptions', { body: JSON.stringify({ url: URL_OK }), headers: { 'content-type': 'text/plain;charset=UTF-8' } })).status).toBe(201);
  });

  test('503 sealer_unavailable when no sealer is configured, and nothing is stored', async () => {
    const { deps } = apiDeps();
    delete (deps as { sealer?: unknown }).sealer;
    const res = await call(deps, 'POST', '/subscriptions', { body: { url: URL_OK } });
    expect([res.status, res.json.code]).toEqual([503, 'sealer_unavailable']);
    expect((await deps.store.list(keys.subscriptions('acme'))).items).toHaveLength(0);
  });
});

describe('GET /subscriptions pagination', () => {
  test('every subscription exactly once, oldest first, in pages; only the tenant\'s own', async () => {
    const { deps, clock } = apiDeps();
    const ids: string[] = [];
    for (let i = 0; i < 23; i++) {
      clock.advance(1);
      ids.push((await call(deps, 'POST', '/subscriptions', { body: { url: `${URL_OK}/${i}` } })).json.id);
    }
    await call(deps, 'POST', '/subscriptions', { key: KEY.globex, body: { url: URL_OK } });
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await call(deps, 'GET', `/subscriptions?limit=5${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.json.items.length).toBeLessThanOrEqual(5);
      seen.push(...res.json.items.map((s: { id: string }) => s.id));
      cursor = res.json.next_cursor;
      pages += 1;
    } while (cursor);
    expect(seen).toEqual(ids);
    expect(pages).toBe(5);
    expect((await call(deps, 'GET', '/subscriptions')).json.items).toHaveLength(20);
  });

  test('limit outside 1..100 and foreign or garbled cursors are 400 invalid_query', async () => {
    const { deps } = apiDeps();
    for (const q of ['limit=0', 'limit=101', 'limit=abc', 'limit=2.5', 'cursor=%%%', `cursor=${Buffer.from('sub:globex:sub_X').toString('base64url')}`]) {
      const res = await call(deps, 'GET', `/subscriptions?${q}`);
      expect([q, res.status, res.json.code]).toEqual([q, 400, 'invalid_query']);
    }
  });
});

describe('PATCH and DELETE /subscriptions/{id}', () => {
  async function created(deps: ReturnType<typeof apiDeps>['deps'], body: Record<string, unknown> = {}) {
    return (await call(deps, 'POST', '/subscriptions', { body: { url: URL_OK, ...body } })).json;
  }

  test('a partial update is a JSON merge patch: it changes only what it names, inside headers and rateLimit too; null removes', async () => {
    const { deps, clock } = apiDeps();
    const sub = await created(deps, { filter: { exact: { type: 'a' } }, transform: '$', headers: { authorization: 'Bearer keep-me', 'x-a': '1' } });
    clock.advance(1000);
    const res = await call(deps, 'PATCH', `/subscriptions/${sub.id}`, {
      body: { filter: null, rateLimit: { perSecond: 2 }, headers: { authorization: '[redacted]', 'x-b': '2' } },
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id: sub.id, url: URL_OK, transform: '$', rateLimit: { perSecond: 2 }, headers: { authorization: '[redacted]', 'x-a': '1', 'x-b': '2' }, updatedAt: '2026-01-01T00:00:01.000Z' });
    expect(res.json).not.toHaveProperty('filter');
    const { sub: after } = (await stored(deps, sub.id))!;
    expect(after.headers).toEqual({ authorization: 'Bearer keep-me', 'x-a': '1', 'x-b': '2' });
    expect(after.secrets).toHaveLength(1);

    // Inside an object, a member merges and null removes just that member (RFC 7396).
    const inner = await call(deps, 'PATCH', `/subscriptions/${sub.id}`, { body: { headers: { 'x-a': null, 'x-c': '3' }, rateLimit: { burst: 20 } } });
    expect([inner.status, inner.json.headers, inner.json.rateLimit]).toEqual([200, { authorization: '[redacted]', 'x-b': '2', 'x-c': '3' }, { perSecond: 2, burst: 20 }]);
    expect((await stored(deps, sub.id))!.sub.headers).toEqual({ authorization: 'Bearer keep-me', 'x-b': '2', 'x-c': '3' });
    // Removing the last member removes the field.
    const emptied = await call(deps, 'PATCH', `/subscriptions/${sub.id}`, { body: { headers: { authorization: null, 'x-b': null, 'x-c': null } } });
    expect([emptied.status, 'headers' in emptied.json]).toEqual([200, false]);

    const bad = await call(deps, 'PATCH', `/subscriptions/${sub.id}`, { body: { url: 'http://10.0.0.1/', filter: { sql: 'type =' } } });
    expect(bad.status).toBe(422);
    expect(bad.json.code).toBe('url_blocked_address');
    expect(bad.json.problems).toEqual(expect.arrayContaining([expect.stringMatching(/^url: /), expect.stringMatching(/^filter\.sql: /)]));
    expect((await call(deps, 'PATCH', `/subscriptions/${sub.id}`, { body: { id: 'sub_other' } })).json.problems).toEqual(['id: unknown field']);
    expect((await stored(deps, sub.id))!.sub.url).toBe(URL_OK);
  });

  test('disabling says user; re-enabling clears disabledReason and restarts the breaker', async () => {
    const { deps } = apiDeps();
    const sub = await created(deps);
    const off = await call(deps, 'PATCH', `/subscriptions/${sub.id}`, { body: { enabled: false } });
    expect(off.json).toMatchObject({ enabled: false, disabledReason: 'user' });
    // As the delivery engine leaves it after five days of failure.
    const { sub: s } = (await stored(deps, sub.id))!;
    await deps.store.put(keys.subscription('acme', sub.id), JSON.stringify({ ...s, enabled: false, disabledReason: 'failing' }));
    await deps.store.put(keys.breaker('acme', sub.id), JSON.stringify({ state: 'open', consecutiveFailures: 40 }));
    const on = await call(deps, 'PATCH', `/subscriptions/${sub.id}`, { body: { enabled: true } });
    expect(on.status).toBe(200);
    expect(on.json.enabled).toBe(true);
    expect(on.json).not.toHaveProperty('disabledReason');
    expect(JSON.parse((await deps.store.get(keys.breaker('acme', sub.id)))!.value)).toEqual({ state: 'closed', consecutiveFailures: 0, generation: 1 });
  });

  test('filter merges member by member; switching dialect needs the old one nulled, else 422 and nothing changes', async () => {
    const { deps } = apiDeps();
    const sub = await created(deps, { filter: { prefix: { type: 'secorch.finding.' } } });
    const merged = await call(deps, 'PATCH', `/subscriptions/${sub.id}`, { body: { filter: { prefix: { source: 'ci/' } } } });
    expect([merged.status, merged.json.filter]).toEqual([200, { prefix: { type: 'secorch.finding.', source: 'ci/' } }]);
    // Two dialects side by side are not one filter.
    const both = await call(deps, 'PATCH', `/subscriptions/${sub.id}`, { body: { filter: { sql: "type LIKE 'secorch.%'" } } });
    expect([both.status, both.json.code, both.json.problems]).toEqual([422, 'invalid_subscription', [expect.stringMatching(/^filter: must have exactly one dialect/)]]);
    expect((await stored(deps, sub.id))!.sub.filter).toEqual({ prefix: { type: 'secorch.finding.', source: 'ci/' } });
    const switched = await call(deps, 'PATCH', `/subscriptions/${sub.id}`, { body: { filter: { prefix: null, sql: "type LIKE 'secorch.%'" } } });
    expect([switched.status, switched.json.filter]).toEqual([200, { sql: "type LIKE 'secorch.%'" }]);
  });

  test('PATCH url is checked like create: egress.allowPrivate opens a range, other private addresses stay 422', async () => {
    const { deps } = apiDeps({ egress: { allowPrivate: ['127.0.0.0/8'] } });
    const sub = await created(deps);
    const local = await call(deps, 'PATCH', `/subscriptions/${sub.id}`, { body: { url: 'http://127.0.0.1:9000/hook' } });
    expect([local.status, local.json.url]).toEqual([200, 'http://127.0.0.1:9000/hook']);
    const blocked = await call(deps, 'PATCH', `/subscriptions/${sub.id}`, { body: { url: 'http://169.254.169.254/latest' } });
    expect([blocked.status, blocked.json.code]).toEqual([422, 'url_blocked_address']);
    expect((await stored(deps, sub.id))!.sub.url).toBe('http://127.0.0.1:9000/hook');
  });

  // The breaker's open period and its five days of failure are the old endpoint's: against a new
  // URL the first failed probe disabled the subscription (reason failing) when they were nearly up.
  test('a new URL resets the breaker; the same URL sent again keeps it', async () => {
    const { deps } = apiDeps();
    const sub = await created(deps);
    const breaker = JSON.stringify({ state: 'open', consecutiveFailures: 300, failingSince: Date.parse('2025-12-27T00:00:00Z'), opens: 7 });
    await deps.store.put(keys.breaker('acme', sub.id), breaker);
    expect((await call(deps, 'PATCH', `/subscriptions/${sub.id}`, { body: { url: sub.url } })).status).toBe(200);
    expect((await deps.store.get(keys.breaker('acme', sub.id)))?.value).toBe(breaker);
    expect((await call(deps, 'PATCH', `/subscriptions/${sub.id}`, { body: { url: 'https://new.example.com/hook' } })).status).toBe(200);
    expect(JSON.parse((await deps.store.get(keys.breaker('acme', sub.id)))!.value)).toEqual({ state: 'closed', consecutiveFailures: 0, generation: 1 });
  });

  test('a new URL for a disabled subscription leaves its breaker and parked deliveries to the re-enable, which makes them due now', async () => {
    const { deps, clock } = apiDeps();
    const sub = await created(deps);
    const now = clock.now();
    const probeAt = now + 30 * 60_000;
    const iso = (ms: number) => new Date(ms).toISOString();
    // As the engine leaves a delivery its open breaker holds back: pending, due at the probe time.
    const parked = { id: 'msg_parked', tenant: 'acme', subscriptionId: sub.id, eventId: 'e1', eventType: 't', status: 'pending', attempts: [], nextAttemptAt: iso(probeAt), createdAt: iso(now), updatedAt: iso(now) };
    await deps.store.put(keys.delivery('acme', parked.id), JSON.stringify(parked));
    await deps.store.put(keys.due(probeAt, 'acme', parked.id), '');
    const breaker = JSON.stringify({ state: 'open', consecutiveFailures: 5, openedAt: now, probeAt, opens: 6 });
    await deps.store.put(keys.breaker('acme', sub.id), breaker);
    const nextAttempt = async () => JSON.parse((await deps.store.get(keys.delivery('acme', parked.id)))!.value).nextAttemptAt as string;

    expect((await call(deps, 'PATCH', `/subscriptions/${sub.id}`, { body: { enabled: false } })).status).toBe(200);
    expect((await call(deps, 'PATCH', `/subscriptions/${sub.id}`, { body: { url: 'https://new.example.com/hook' } })).status).toBe(200);
    expect((await deps.store.get(keys.breaker('acme', sub.id)))?.value).toBe(breaker);
    expect(await nextAttempt()).toBe(iso(probeAt));
    clock.advance(1000);
    expect((await call(deps, 'PATCH', `/subscriptions/${sub.id}`, { body: { enabled: true } })).status).toBe(200);
    expect(JSON.parse((await deps.store.get(keys.breaker('acme', sub.id)))!.value)).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
    expect(await nextAttempt()).toBe(iso(clock.now()));
    expect(await deps.store.get(keys.due(clock.now(), 'acme', parked.id))).toBeDefined();
    expect(await deps.store.get(keys.due(probeAt, 'acme', parked.id))).toBeUndefined();
  });

  test('other changes to an enabled subscription keep the breaker', async () => {
    const { deps } = apiDeps();
    const sub = await created(deps);
    const breaker = JSON.stringify({ state: 'open', consecutiveFailures: 5 });
    await deps.store.put(keys.breaker('acme', sub.id), breaker);
    for (const body of [{ transform: '$' }, { enabled: true }]) {
      expect((await call(deps, 'PATCH', `/subscriptions/${sub.id}`, { body })).status).toBe(200);
      expect((await deps.store.get(keys.breaker('acme', sub.id)))?.value).toBe(breaker);
    }
  });

  test('disabling a subscription the engine disabled keeps the engine\'s reason', async () => {
    const { deps } = apiDeps();
    const sub = await created(deps);
    const { sub: s } = (await stored(deps, sub.id))!;
    await deps.store.put(keys.subscription('acme', sub.id), JSON.stringify({ ...s, enabled: false, disabledReason: 'gone' }));
    const res = await call(deps, 'PATCH', `/subscriptions/${sub.id}`, { body: { enabled: false } });
    expect([res.status, res.json.enabled, res.json.disabledReason]).toEqual([200, false, 'gone']);
  });

  // Header names are case-insensitive (stored lower-cased; a body naming one twice in two cases is
  // refused as a duplicate), so the merge patch matches stored names whatever the case.
  test('a header member named in another case is removed by null (header names are case-insensitive)', async () => {
    const { deps } = apiDeps();
    const sub = await created(deps, { headers: { 'X-Team': 'blue', 'X-Old': 'o' } });
    const res = await call(deps, 'PATCH', `/subscriptions/${sub.id}`, { body: { headers: { 'X-Old': null } } });
    expect([res.status, res.json.headers]).toEqual([200, { 'x-team': 'blue' }]);
  });

  test('a header member named in another case gets the new value (header names are case-insensitive)', async () => {
    const { deps } = apiDeps();
    const sub = await created(deps, { headers: { 'X-Team': 'blue' } });
    const res = await call(deps, 'PATCH', `/subscriptions/${sub.id}`, { body: { headers: { 'X-Team': 'red' } } });
    expect([res.status, res.json.headers]).toEqual([200, { 'x-team': 'red' }]);
  });

  test('a header named twice in two cases is 422 even when one of them is null, and nothing changes', async () => {
    const { deps } = apiDeps();
    const sub = await created(deps, { headers: { 'X-Team': 'blue' } });
    for (const headers of [{ 'X-Team': 'red', 'x-team': null }, { 'x-team': null, 'X-Team': 'red' }]) {
      const res = await call(deps, 'PATCH', `/subscriptions/${sub.id}`, { body: { headers } });
      expect([res.status, res.json.code]).toEqual([422, 'invalid_subscription']);
      expect(res.json.problems).toEqual([expect.stringMatching(/given twice/)]);
    }
    expect((await stored(deps, sub.id))!.sub.headers).toEqual({ 'x-team': 'blue' });
  });

  test('a header name that is not ASCII is 422 in a PATCH as in a POST, not folded into an ASCII name', async () => {
    const { deps } = apiDeps();
    const sub = await created(deps);
    // U+212A KELVIN SIGN lower-cases to "k", U+0130 to "i" and a combining dot.
    for (const name of ['x-\u212Aey', 'X-\u212Aey', '\u212Aeep-alive']) {
      const post = await call(deps, 'POST', '/subscriptions', { body: { url: URL_OK, headers: { [name]: 'v' } } });
      const patch = await call(deps, 'PATCH', `/subscriptions/${sub.id}`, { body: { headers: { [name]: 'v' } } });
      expect([post.status, patch.status]).toEqual([422, 422]);
      expect(patch.json.problems).toEqual([`headers[${JSON.stringify(name)}]: not a valid header name`]);
    }
    expect((await stored(deps, sub.id))!.sub.headers).toBeUndefined();
  });

  test('a concurrent write is not lost: the update is retried on the fresh version', async () => {
    const { deps } = apiDeps();
    const sub = await created(deps);
    const put = deps.store.put.bind(deps.store);
    let raced = false;
    deps.store.put = async (key, value, opts) => {
      if (!raced && opts?.ifVersion) {
        raced = true; // the delivery engine disables it between our read and our write
        const current = JSON.parse((await deps.store.get(key))!.value) as Subscription;
        await put(key, JSON.stringify({ ...current, enabled: false, disabledReason: 'gone' }));
      }
      return put(key, value, opts);
    };
    const res = await call(deps, 'PATCH', `/subscriptions/${sub.id}`, { body: { transform: '$' } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ transform: '$', enabled: false, disabledReason: 'gone' });
  });

  test('a deeply nested merge patch is 400 malformed_body, not a stack overflow (500), and changes nothing', async () => {
    const { deps } = apiDeps();
    const sub = await created(deps, { filter: { prefix: { type: 'a' } } });
    const before = await stored(deps, sub.id);
    for (const field of ['filter', 'headers', 'rateLimit']) {
      const res = await call(deps, 'PATCH', `/subscriptions/${sub.id}`, { body: `{"${field}":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}` });
      expect([res.status, res.json.code]).toEqual([400, 'malformed_body']);
    }
    expect(await stored(deps, sub.id)).toEqual(before);
  });

  test('DELETE answers 204, then the subscription and its breaker are gone', async () => {
    const { deps } = apiDeps();
    const sub = await created(deps);
    await deps.store.put(keys.breaker('acme', sub.id), '{}');
    const res = await call(deps, 'DELETE', `/subscriptions/${sub.id}`);
    expect([res.status, res.text]).toEqual([204, '']);
    expect((await call(deps, 'GET', `/subscriptions/${sub.id}`)).status).toBe(404);
    expect(await deps.store.get(keys.breaker('acme', sub.id))).toBeUndefined();
    expect((await call(deps, 'DELETE', `/subscriptions/${sub.id}`)).status).toBe(404);
  });
});
