import { createHash } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { fixedClock } from '../../shared/ports/clock';
import { PART_MARK, PARTITION, PARTS_END } from './store-table-layout';
import { type TableStore, tableStore } from './store-table';

/**
 * Helpers for the Azure Table store's tests, against the real Azurite table service the jest
 * global setup started on 127.0.0.1 (connection string in SECORCH_TEST_AZURITE). Each store gets
 * its own table, deleted by `close`.
 */
export const START = Date.parse('2026-01-01T00:00:00Z');
export const connectionString = () => process.env.SECORCH_TEST_AZURITE!;
export const rawClient = (table: string) => TableClient.fromConnectionString(connectionString(), table, { allowInsecureConnection: true });

let tables = 0;
export const tableName = () => `secorchlg${process.pid}x${++tables}`;

export interface FreshTable {
  store: TableStore;
  clock: ReturnType<typeof fixedClock>;
  raw: TableClient;
  table: string;
  /** Another store on the same table and clock, over a client the test may wrap. */
  storeOn(client: TableClient): TableStore;
  close(): Promise<void>;
}

export async function freshTable(): Promise<FreshTable> {
  const clock = fixedClock(START);
  const table = tableName();
  const raw = rawClient(table);
  await raw.createTable();
  const store = tableStore({ client: rawClient(table), clock });
  return {
    store, clock, raw, table,
    storeOn: (client) => tableStore({ client, clock }),
    async close() {
      await store.close();
      await raw.deleteTable();
    },
  };
}

/**
 * A client whose `method` runs `before` first (with the call's arguments), then the real call:
 * for races and failures at an exact point.
 */
export function intercept<K extends keyof TableClient>(table: string, method: K, before: (...args: unknown[]) => Promise<void> | void): TableClient {
  return new Proxy(rawClient(table), {
    get(target, name) {
      const real = Reflect.get(target, name, target) as unknown;
      if (name !== method || typeof real !== 'function') return real;
      return async (...args: unknown[]) => {
        await before(...args);
        return (real as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

export interface PartRow {
  row: string;
  of: string;
  expiresAt: bigint;
}

/** Every part entity in the table (RowKeys from PART_MARK on), without its value. */
export async function partRows(raw: TableClient): Promise<PartRow[]> {
  const rows: PartRow[] = [];
  const filter = `PartitionKey eq '${PARTITION}' and RowKey ge '${PART_MARK}' and RowKey lt '${PARTS_END}'`;
  for await (const e of raw.listEntities({ queryOptions: { filter, select: ['RowKey', 'of', 'expiresAt'] } })) {
    rows.push({ row: e.rowKey!, of: e.of as string, expiresAt: e.expiresAt as bigint });
  }
  return rows;
}

/** Every RowKey in the table, in the service's order. */
export async function allRows(raw: TableClient): Promise<string[]> {
  const rows: string[] = [];
  for await (const e of raw.listEntities({ queryOptions: { select: ['RowKey'] } })) rows.push(e.rowKey!);
  return rows;
}

/** A value's fingerprint: assertions compare these, so a failure does not print megabytes. */
export const d = (value: string | undefined) => (value === undefined ? value : `${value.slice(0, 12)}|${value.length}|${createHash('sha256').update(value).digest('hex').slice(0, 16)}`);
