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
