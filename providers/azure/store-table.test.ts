import { TableClient } from '@azure/data-tables';
import { fixedClock } from '../../shared/ports/clock';
import { describeStateStoreLimits } from '../../shared/store/contract-limits.testkit';
import { describeStateStoreContract } from '../../shared/store/contract.testkit';
import { keyOf, MAX_VALUE_CHARS, PARTITION, rowKey, tableStore } from './store-table';

/**
 * Against the real Azurite table service the jest global setup started on 127.0.0.1 (connection
 * string in SECORCH_TEST_AZURITE): every read, conditional write, entity group transaction and
 * range query goes over the wire. Each test gets its own table, deleted afterwards.
 */
const connectionString = process.env.SECORCH_TEST_AZURITE!;
const START = Date.parse('2026-01-01T00:00:00Z');
let tables = 0;
const tableName = () => `secorchst${process.pid}x${++tables}`;
const rawClient = (table: string) => TableClient.fromConnectionString(connectionString, table, { allowInsecureConnection: true });

async function fresh() {
  const clock = fixedClock(START);
  const table = tableName();
  const store = tableStore({ connectionString, table, clock, allowInsecureConnection: true });
  const raw = rawClient(table);
  const close = async () => {
    await store.close();
    await raw.deleteTable();
  };
  return { store, clock, raw, close };
}

describeStateStoreContract('azure table (Azurite)', fresh);
describeStateStoreLimits('azure table (Azurite)', fresh);

describe('tableStore (real Azurite)', () => {
  let sut: Awaited<ReturnType<typeof fresh>>;
  beforeEach(async () => {
    expect(connectionString).toMatch(/TableEndpoint=http:\/\/127\.0\.0\.1:\d+/);
    sut = await fresh();
  });
  afterEach(() => sut.close());

  it('stores one entity per key in one partition, RowKey one U+01xx character per UTF-8 byte', async () => {
    await sut.store.put('tenant:a/source:b?#\\', 'v', { ttlSeconds: 5 });
    await sut.store.put('plain', 'w');
    const row = rowKey('tenant:a/source:b?#\\');
    expect(row).toHaveLength(20);
    expect(row).toMatch(/^[\u0100-\u01ff]+$/);
    expect(keyOf(row)).toBe('tenant:a/source:b?#\\');
    const entity = await sut.raw.getEntity(PARTITION, row, { disableTypeConversion: true });
    expect(entity).toMatchObject({
      partitionKey: PARTITION,
      rowKey: row,
      value: { value: 'v', type: 'String' },
      expiresAt: { value: String(START + 5000), type: 'Int64' },
      version: { value: expect.stringMatching(/^[0-9a-f-]{36}$/), type: 'String' },
    });
    // No TTL: the far-future sentinel, so that queries can filter on expiresAt.
    expect((await sut.raw.getEntity(PARTITION, rowKey('plain'))).expiresAt).toBe(8_640_000_000_000_000n);
  });

  it('a conditional write the SDK resent after a lost answer is true (its own write), another writer\'s entity false', async () => {
    // What the SDK does after a lost answer: the request reached the service (and was applied),
    // the reply did not, and the resend's answer (409 or 412) is what the caller gets back.
    const real = rawClient(sut.raw.tableName);
    const resent = new Set(['createEntity', 'updateEntity', 'submitTransaction']);
    const resending = new Proxy(real, {
      get(target, name, receiver) {
        const v = Reflect.get(target, name, receiver) as unknown;
        if (typeof v !== 'function') return v;
        if (!resent.has(String(name))) return v.bind(target);
        return async (...args: unknown[]) => {
          await (v as (...a: unknown[]) => Promise<unknown>).apply(target, args).catch(() => undefined);
          return (v as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        };
      },
    });
    const store = tableStore({ client: resending, clock: sut.clock });
    expect(await store.put('claim', 'mine', { ifAbsent: true, ttlSeconds: 60 })).toBe(true);
    const first = await store.get('claim');
    expect(first?.value).toBe('mine');
    expect(await store.put('claim', 'next', { ifVersion: first!.version })).toBe(true);
    expect((await store.get('claim'))?.value).toBe('next');
    expect(await store.putAll([{ key: 'lease', value: 'l1', opts: { ifAbsent: true } }, { key: 'other', value: 'o' }])).toBe(true);
    expect((await store.get('lease'))?.value).toBe('l1');
    // A condition failed by someone else's entity stays false.
    expect(await sut.store.put('claim', 'theirs', { ifAbsent: true })).toBe(false);
    expect(await sut.store.put('claim', 'theirs', { ifVersion: first!.version })).toBe(false);
    expect(await sut.store.putAll([{ key: 'lease', value: 'l2', opts: { ifAbsent: true } }])).toBe(false);
    expect((await sut.store.get('claim'))?.value).toBe('next');
    await store.close();
  });

  it('creates the table on first use, and check() resolves', async () => {
    await expect(sut.store.check()).resolves.toBeUndefined();
    const names: string[] = [];
    for await (const t of sut.raw.listEntities({ queryOptions: { filter: `PartitionKey eq '${PARTITION}'` } })) names.push(t.rowKey!);
    expect(names).toEqual([]);
  });

  it('splits values over 32 Ki code units across properties, never inside a surrogate pair', async () => {
    const value = `${'a'.repeat(32 * 1024 - 1)}🔑${'b'.repeat(70_000)}🔐`;
    expect(await sut.store.put('big', value)).toBe(true);
    expect((await sut.store.get('big'))?.value).toBe(value);
    const entity = await sut.raw.getEntity(PARTITION, rowKey('big'));
    expect(Object.keys(entity).filter((k) => k.startsWith('value')).sort()).toEqual(['value', 'value1', 'value2', 'value3']);
    // A later, shorter value replaces the whole entity: no stale chunks.
    await sut.store.put('big', 'small');
    expect((await sut.store.get('big'))?.value).toBe('small');
    expect((await sut.raw.getEntity(PARTITION, rowKey('big'))).value1).toBeUndefined();
    // An empty value is one empty property.
    await sut.store.put('big', '');
    expect((await sut.store.get('big'))?.value).toBe('');
  });

  it('keeps a value that fits one entity inline, and refuses a putAll over a transaction\'s 4 MiB with store_value_too_large', async () => {
    // The largest inline value is still one entity of 15 properties, as before values were split.
    expect(await sut.store.put('k', 'x'.repeat(MAX_VALUE_CHARS))).toBe(true);
    const entity = await sut.raw.getEntity(PARTITION, rowKey('k'));
    expect(Object.keys(entity).filter((k) => k.startsWith('value'))).toHaveLength(15);
    expect(entity.partsId).toBeUndefined();
    const big = Array.from({ length: 9 }, (_, i) => ({ key: `b${i}`, value: 'x'.repeat(MAX_VALUE_CHARS) }));
    await expect(sut.store.putAll(big)).rejects.toMatchObject({
      code: 'store_value_too_large', status: 413, retryable: false, message: expect.stringMatching(/an entity group transaction carries at most 4 MiB/),
    });
    // Just under the limits: accepted by the service (Azurite checks entity and body sizes too).
    expect(await sut.store.putAll(big.slice(0, 8))).toBe(true);
    expect((await sut.store.get('b7'))?.value).toHaveLength(MAX_VALUE_CHARS);
    expect(await sut.store.get('b8')).toBeUndefined();
  });

  it('keeps expired rows until swept, and the sweep spares live and rewritten ones', async () => {
    await sut.store.put('gone/1', 'v', { ttlSeconds: 1 });
    await sut.store.put('gone/2', 'v', { ttlSeconds: 1 });
    await sut.store.put('back', 'v', { ttlSeconds: 1 });
    await sut.store.put('stays', 'v', { ttlSeconds: 60 });
    await sut.store.put('forever', 'v');
    sut.clock.advance(1000);
    // Invisible at once, still stored: Table Storage has no TTL.
    expect(await sut.store.get('gone/1')).toBeUndefined();
    await expect(sut.raw.getEntity(PARTITION, rowKey('gone/1'))).resolves.toBeDefined();
    await sut.store.put('back', 'again');
    expect(await sut.store.sweepExpired()).toBe(2);
    const rows: string[] = [];
    for await (const e of sut.raw.listEntities()) rows.push(keyOf(e.rowKey!));
    expect(rows.sort()).toEqual(['back', 'forever', 'stays']);
    expect(await sut.store.sweepExpired()).toBe(0);
  });

  it('lists past pages of expired rows to fill the page', async () => {
    for (let i = 0; i < 30; i++) await sut.store.put(`p/${String(i).padStart(2, '0')}`, 'v', { ttlSeconds: i < 25 ? 1 : 60 });
    sut.clock.advance(1000);
    const page = await sut.store.list('p/', { limit: 3 });
    expect(page.items.map((i) => i.key)).toEqual(['p/25', 'p/26', 'p/27']);
    expect(page.next).toBe('p/27');
    expect((await sut.store.list('p/', { after: page.next })).items.map((i) => i.key)).toEqual(['p/28', 'p/29']);
  });

  it('replaces an expired entity under ifAbsent only if it did not change meanwhile (etag)', async () => {
    await sut.store.put('k', 'old', { ttlSeconds: 1 });
    sut.clock.advance(1000);
    const stale = await sut.raw.getEntity(PARTITION, rowKey('k'));
    expect(await sut.store.put('k', 'new', { ifAbsent: true })).toBe(true);
    // The old etag no longer matches: a writer that read before us cannot overwrite.
    await expect(sut.raw.updateEntity({ partitionKey: PARTITION, rowKey: rowKey('k'), value: 'late' }, 'Replace', { etag: stale.etag })).rejects.toMatchObject({ statusCode: 412 });
    expect((await sut.store.get('k'))?.value).toBe('new');
  });

  it('lets exactly one of 10 concurrent ifAbsent puts replace an expired entity', async () => {
    await sut.store.put('k', 'old', { ttlSeconds: 1 });
    sut.clock.advance(1000);
    const wins = await Promise.all(Array.from({ length: 10 }, (_, i) => sut.store.put('k', `w${i}`, { ifAbsent: true })));
    expect(wins.filter(Boolean)).toHaveLength(1);
    expect((await sut.store.get('k'))?.value).toBe(`w${wins.indexOf(true)}`);
  });

  it('sweeps expired rows opportunistically every 256 writes', async () => {
    await sut.store.put('old', 'v', { ttlSeconds: 1 });
    sut.clock.advance(1000);
    for (let n = 0; n < 11; n++) await sut.store.putAll(Array.from({ length: 25 }, (_, i) => ({ key: `w${n}/${i}`, value: 'v' })));
    await sut.store.close(); // waits for the sweep started in the background
    await expect(sut.raw.getEntity(PARTITION, rowKey('old'))).rejects.toMatchObject({ statusCode: 404 });
  });

  it('answers false for contradictory conditions', async () => {
    expect(await sut.store.put('k', 'v', { ifAbsent: true, ifVersion: 'x' })).toBe(false);
    expect(await sut.store.putAll([{ key: 'k', value: 'v', opts: { ifAbsent: true, ifVersion: 'x' } }])).toBe(false);
    expect(await sut.store.get('k')).toBeUndefined();
  });

  it('is atomic across 25 keys in one entity group transaction', async () => {
    await sut.store.put('k24', 'taken');
    const writes = Array.from({ length: 25 }, (_, i) => ({ key: `k${i}`, value: `${i}`, opts: { ifAbsent: true } }));
    expect(await sut.store.putAll(writes)).toBe(false);
    expect((await sut.store.list('k')).items.map((i) => i.key)).toEqual(['k24']);
    await sut.store.delete('k24');
    expect(await sut.store.putAll(writes)).toBe(true);
    expect((await sut.store.list('k')).items).toHaveLength(25);
  });

  it('deletes in putAll by a tombstone removed after the commit: no row stays, chunked, live or never written', async () => {
    await sut.store.put('lease', 'held', { newVersion: 'lease-1' });
    await sut.store.put('due/big', 'x'.repeat(100_000));
    await sut.store.put('due/ttl', '', { ttlSeconds: 60 });
    expect(await sut.store.putAll([
      { key: 'lease', value: 'done', opts: { ifVersion: 'lease-1', newVersion: 'lease-2' } },
      { key: 'due/big', delete: true },
      { key: 'due/ttl', delete: true },
      { key: 'due/never', delete: true },
    ])).toBe(true);
    const rows: string[] = [];
    for await (const e of sut.raw.listEntities()) rows.push(keyOf(e.rowKey!));
    expect(rows).toEqual(['lease']);
    expect(await sut.store.get('lease')).toEqual({ value: 'done', version: 'lease-2' });
    // Deletes alone are a transaction too.
    expect(await sut.store.putAll([{ key: 'lease', delete: true }, { key: 'gone', delete: true }])).toBe(true);
    expect(await sut.store.get('lease')).toBeUndefined();
    for await (const e of sut.raw.listEntities()) rows.push(keyOf(e.rowKey!));
    expect(rows).toEqual(['lease']);
  });

  it('spares a row rewritten between the commit and the tombstone\'s removal (ETag)', async () => {
    const other = tableStore({ connectionString, table: sut.raw.tableName, clock: sut.clock, allowInsecureConnection: true });
    const client = new Proxy(rawClient(sut.raw.tableName), {
      get(target, name) {
        if (name !== 'submitTransaction') return Reflect.get(target, name, target);
        return async (...args: Parameters<TableClient['submitTransaction']>) => {
          const response = await target.submitTransaction(...args);
          await other.put('due/1', 'rescheduled'); // lands on the tombstone before its removal
          return response;
        };
      },
    });
    const store = tableStore({ client, clock: sut.clock });
    await store.put('due/1', 'first');
    expect(await store.putAll([{ key: 'lease', value: 'done' }, { key: 'due/1', delete: true }])).toBe(true);
    expect((await store.get('due/1'))?.value).toBe('rescheduled');
    expect((await store.get('lease'))?.value).toBe('done');
  });

  it('answers true when the tombstone cannot be removed, and leaves it invisible until swept', async () => {
    const client = new Proxy(rawClient(sut.raw.tableName), {
      get(target, name) {
        if (name === 'deleteEntity') return async () => { throw Object.assign(new Error('unavailable'), { statusCode: 503 }); };
        return Reflect.get(target, name, target);
      },
    });
    const store = tableStore({ client, clock: sut.clock });
    await store.put('due/1', 'v');
    expect(await store.putAll([{ key: 'due/1', delete: true }])).toBe(true);
    expect(await store.get('due/1')).toBeUndefined();
    expect((await store.list('due/')).items).toEqual([]);
    expect(await store.put('due/1', 'again', { ifVersion: (await sut.raw.getEntity(PARTITION, rowKey('due/1'))).version as string })).toBe(false);
    expect((await sut.raw.getEntity(PARTITION, rowKey('due/1'))).expiresAt).toBe(0n);
    expect(await sut.store.sweepExpired()).toBe(1);
    await expect(sut.raw.getEntity(PARTITION, rowKey('due/1'))).rejects.toMatchObject({ statusCode: 404 });
    expect(await store.put('due/1', 'again', { ifAbsent: true })).toBe(true);
  });

  it('needs a client or a connection string and table', () => {
    expect(() => tableStore({ clock: sut.clock })).toThrow(/needs a client, or a connectionString and a table name/);
  });
});
