import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RestError, TableClient } from '@azure/data-tables';
import { AppError } from '../../shared/errors';
import { take } from '../../shared/ratelimit/token-bucket';
import { tablesClientOptions } from './client-options';
import { tableStore } from './store-table';
import { connectionString, freshTable, type FreshTable } from './store-table.testkit';

/**
 * A conditional write whose answer is lost after the service applied it, which the SDK's own retry
 * policy then sends again: against the real Azurite table service, a pipeline policy (after the
 * retry phase, so once per try) lets one write through and then, before the SDK resends it, lets
 * another writer in and throws the reset connection the SDK retries (ECONNRESET). The resend
 * fails its condition on the entity its first send wrote, which the other writer has replaced.
 */
const BUCKET = { perSecond: 0.001, burst: 5 };

function losingAnswers(table: string) {
  const client = TableClient.fromConnectionString(connectionString(), table, { allowInsecureConnection: true, ...tablesClientOptions({ retryDelayMs: 10 }) });
  const state: { armed?: () => Promise<void>; lost: number } = { lost: 0 };
  client.pipeline.addPolicy({
    name: 'testLoseAnswer',
    async sendRequest(request, next) {
      const response = await next(request);
      const hook = state.armed;
      if (!hook || request.method === 'GET') return response;
      state.armed = undefined;
      state.lost++;
      await hook(); // the write was applied; before its resend, another writer comes
      throw new RestError('socket hang up', { code: 'ECONNRESET', request });
    },
  }, { afterPhase: 'Retry' });
  return { client, state, arm: (hook: () => Promise<void>) => void (state.armed = hook) };
}

const outcomeUnknown = (op: string) => ({
  code: 'store_unavailable', status: 503, retryable: true, headers: { 'retry-after': '1' },
  message: `Azure Table state store unavailable during ${op} (commit outcome unknown); retry shortly`,
});
const tokens = async (t: FreshTable) => (JSON.parse((await t.store.get('bucket'))!.value) as { tokens: number }).tokens;

describe('tableStore: a conditional write the SDK resent after a lost answer (Azurite)', () => {
  let t: FreshTable;
  beforeEach(async () => {
    t = await freshTable();
  });
  afterEach(() => t.close());

  it('another writer between the first send and the resend: 503 commit outcome unknown, not a false that spends another token', async () => {
    const faulty = losingAnswers(t.table);
    const mine = tableStore({ client: faulty.client, clock: t.clock, createTable: false });
    expect(await take(mine, t.clock, 'bucket', BUCKET)).toEqual({ ok: true });
    faulty.arm(async () => {
      expect(await take(t.store, t.clock, 'bucket', BUCKET)).toEqual({ ok: true });
    });
    const second = await take(mine, t.clock, 'bucket', BUCKET).then((r) => r, (e: unknown) => e);
    expect(faulty.state.lost).toBe(1);
    expect(second).toBeInstanceOf(AppError);
    expect(second).toMatchObject(outcomeUnknown('put'));
    // Three takes were applied, none twice: the false answer took a fourth token.
    expect(await tokens(t)).toBe(BUCKET.burst - 3);
    await mine.close();
  });

  it('the same for a putAll, whose transaction the SDK resends', async () => {
    const faulty = losingAnswers(t.table);
    const mine = tableStore({ client: faulty.client, clock: t.clock, createTable: false });
    faulty.arm(async () => {
      expect(await t.store.put('lease', 'theirs')).toBe(true);
    });
    const out = await mine.putAll([{ key: 'lease', value: 'mine', opts: { ifAbsent: true } }, { key: 'other', value: 'o' }]).then((r) => r, (e: unknown) => e);
    expect(faulty.state.lost).toBe(1);
    expect(out).toMatchObject(outcomeUnknown('putAll'));
    expect((await t.store.get('lease'))?.value).toBe('theirs');
    await mine.close();
  });

  it('nobody in between: the resend finds its own write and answers true; a race lost without a resend stays false', async () => {
    const faulty = losingAnswers(t.table);
    const mine = tableStore({ client: faulty.client, clock: t.clock, createTable: false });
    faulty.arm(async () => undefined);
    expect(await mine.put('claim', 'mine', { ifAbsent: true })).toBe(true);
    expect(faulty.state.lost).toBe(1);
    const held = (await mine.get('claim'))!;
    expect(held.value).toBe('mine');
    faulty.arm(async () => undefined);
    expect(await mine.putAll([{ key: 'claim', value: 'next', opts: { ifVersion: held.version } }])).toBe(true);
    expect(faulty.state.lost).toBe(2);
    expect((await t.store.get('claim'))?.value).toBe('next');
    // Sent once: a failed condition is false as before.
    expect(await mine.put('claim', 'again', { ifVersion: held.version })).toBe(false);
    expect(await mine.put('claim', 'again', { ifAbsent: true })).toBe(false);
    await mine.close();
  });
});

/**
 * A loopback server answering every request as Table Storage answers a throttled or failing one
 * (store-table-throttling.test.ts), never writing anything; `headers` adds to the answer.
 */
async function answering(status: number, code: string, headers: Record<string, string>) {
  const state = { requests: 0 };
  const server = createServer((req, res) => {
    req.resume().on('end', () => {
      state.requests++;
      res.writeHead(status, { 'content-type': 'application/json;odata=minimalmetadata', 'x-ms-request-id': 'r', ...headers });
      res.end(JSON.stringify({ 'odata.error': { code, message: { lang: 'en-US', value: `${code}\nRequestId:r\nTime:2026-01-01T00:00:00.0000000Z` } } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get requests() { return state.requests; },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A conditional write whose first try the service answers with an error the SDK retries: a policy
 * in the Sign phase (inside the retry policy and the store's, so once per try) lets another
 * writer in, then sends that one try to the loopback server instead of Azurite. The resend fails
 * its condition on the other writer's entity.
 */
function failingFirstTry(table: string, failing: string) {
  const client = TableClient.fromConnectionString(connectionString(), table, { allowInsecureConnection: true, ...tablesClientOptions({ retryDelayMs: 10 }) });
  const state: { armed?: () => Promise<void>; writes: number } = { writes: 0 };
  client.pipeline.addPolicy({
    name: 'testFailFirstTry',
    async sendRequest(request, next) {
      if (request.method === 'GET') return next(request);
      state.writes++;
      const hook = state.armed;
      if (!hook) return next(request);
      state.armed = undefined;
      await hook();
      const url = request.url;
      request.url = failing + new URL(url).pathname;
      try {
        return await next(request);
      } finally {
        request.url = url; // the retry policy resends this same request
      }
    },
  }, { phase: 'Sign' });
  return { client, state, arm: (hook: () => Promise<void>) => void (state.armed = hook) };
}

describe('tableStore: a conditional write the SDK resent after a try the service refused or failed (Azurite, one try on a loopback server)', () => {
  let t: FreshTable;
  beforeEach(async () => {
    t = await freshTable();
  });
  afterEach(() => t.close());

  const refused: [number, string, string, Record<string, string>][] = [
    [503, 'ServerBusy', 'code in x-ms-error-code', { 'x-ms-error-code': 'ServerBusy' }],
    [503, 'ServerBusy', 'code in the JSON body only', {}],
    [429, 'TooManyRequests', 'the Cosmos DB Table API, with its retry hint', { 'x-ms-error-code': 'TooManyRequests', 'x-ms-retry-after-ms': '10' }],
  ];
  it.each(refused)('first try answered %i %s (%s: refused, nothing written), another writer in between: put and putAll are false, a lost race', async (status, code, _how, headers) => {
    const server = await answering(status, code, headers);
    try {
      expect(await t.store.put('claim', 'theirs-v1')).toBe(true);
      const held = (await t.store.get('claim'))!;
      const faulty = failingFirstTry(t.table, server.url);
      const mine = tableStore({ client: faulty.client, clock: t.clock, createTable: false });
      faulty.arm(async () => {
        expect(await t.store.put('claim', 'theirs-v2')).toBe(true);
      });
      expect(await mine.put('claim', 'mine', { ifVersion: held.version })).toBe(false);
      expect(faulty.state.writes).toBe(2);
      faulty.arm(async () => {
        expect(await t.store.put('lease', 'theirs')).toBe(true);
      });
      expect(await mine.putAll([{ key: 'lease', value: 'mine', opts: { ifAbsent: true } }, { key: 'other', value: 'o' }])).toBe(false);
      expect(faulty.state.writes).toBe(4);
      expect(server.requests).toBe(2);
      expect((await t.store.get('claim'))?.value).toBe('theirs-v2');
      expect((await t.store.get('lease'))?.value).toBe('theirs');
      expect(await t.store.get('other')).toBeUndefined();
      await mine.close();
    } finally {
      await server.close();
    }
  });

  it('first try answered 500 OperationTimedOut (the service may have written), another writer in between: 503 commit outcome unknown', async () => {
    const server = await answering(500, 'OperationTimedOut', { 'x-ms-error-code': 'OperationTimedOut' });
    try {
      expect(await t.store.put('claim', 'theirs-v1')).toBe(true);
      const held = (await t.store.get('claim'))!;
      const faulty = failingFirstTry(t.table, server.url);
      const mine = tableStore({ client: faulty.client, clock: t.clock, createTable: false });
      faulty.arm(async () => {
        expect(await t.store.put('claim', 'theirs-v2')).toBe(true);
      });
      const out = await mine.put('claim', 'mine', { ifVersion: held.version }).then((r) => r, (e: unknown) => e);
      expect(faulty.state.writes).toBe(2);
      expect(server.requests).toBe(1);
      expect(out).toMatchObject(outcomeUnknown('put'));
      await mine.close();
    } finally {
      await server.close();
    }
  });
});
