import { testDeps } from '../../test/deps';
import { MAX_BATCH_WRITES } from '../ports/store';
import { INLINE_CHARS, MAX_MOVED, recordWrites, withResponses } from './attempt-log';
import { keys } from './keys';
import type { Attempt, Delivery } from './model';

/** A record kept before responses moved out: every attempt with its response inline, each larger than the record keeps. */
function oldRecord(attempts: number, body = (n: number) => `answer ${n} `.padEnd(INLINE_CHARS + 1, '.')): Delivery {
  const at = '2026-01-01T00:00:00.000Z';
  const log: Attempt[] = Array.from({ length: attempts }, (_, i) => ({
    n: i + 1, at, durationMs: 3, status: 503, responseBody: body(i + 1), responseHeaders: { 'x-n': String(i + 1) },
  }));
  return { id: 'msg_1', tenant: 'acme', subscriptionId: 'sub_1', eventId: 'e-1', eventType: 't', status: 'failed', attempts: log, createdAt: at, updatedAt: at };
}

const write = async (deps: ReturnType<typeof testDeps>['deps'], record: Delivery) => {
  const writes = recordWrites(keys.delivery('acme', record.id), record, { ttlSeconds: 60 }, 120);
  // With the record's own few writes beside them, one batch still takes them.
  expect(writes.length + 3).toBeLessThanOrEqual(MAX_BATCH_WRITES);
  expect(await deps.store.putAll(writes)).toBe(true);
  return JSON.parse((await deps.store.get(keys.delivery('acme', record.id)))!.value) as Delivery;
};

test('a record with more inline responses than one write moves keeps the rest inline, and the next write moves them', async () => {
  const { deps } = testDeps();
  const record = oldRecord(MAX_MOVED + 4);
  const first = await write(deps, record);
  expect(first.attempts.filter((a) => a.responseBody !== undefined).map((a) => a.n)).toEqual([17, 18, 19, 20]);
  // Mixed: some inline, some apart; the delivery shows every one of them.
  expect(await withResponses(deps.store, first)).toEqual(record);
  const second = await write(deps, first);
  expect(second.attempts.some((a) => a.responseBody !== undefined || a.responseHeaders !== undefined)).toBe(false);
  expect(await withResponses(deps.store, second)).toEqual(record);
});

test('responses are kept for their own TTL; one gone leaves its attempt without a response', async () => {
  const { deps, clock } = testDeps();
  const record = oldRecord(2);
  const head = await write(deps, record);
  expect((await deps.store.get(keys.attemptResponse('acme', 'msg_1', 1)))!.expiresAt).toBe(clock.now() + 120_000);
  await deps.store.delete(keys.attemptResponse('acme', 'msg_1', 1));
  const shown = await withResponses(deps.store, head);
  expect(shown.attempts).toEqual([{ n: 1, at: record.createdAt, durationMs: 3, status: 503 }, record.attempts[1]]);
});

test('small responses stay in the record (one write); large ones, by body or by headers, move out', async () => {
  const { deps } = testDeps();
  const small = oldRecord(3, (n) => `answer ${n}`);
  expect(recordWrites(keys.delivery('acme', small.id), small, { ttlSeconds: 60 }, 120)).toHaveLength(1);
  expect(await write(deps, small)).toEqual(small);

  const mixed = oldRecord(3, (n) => (n === 2 ? 'x'.repeat(INLINE_CHARS + 1) : 'short'));
  mixed.attempts[2]!.responseHeaders = { 'x-big': 'h'.repeat(INLINE_CHARS) };
  const stored = await write({ ...testDeps().deps, store: deps.store }, { ...mixed, id: 'msg_2' });
  expect(stored.attempts.map((a) => a.responseBody)).toEqual(['short', undefined, undefined]);
  expect(await withResponses(deps.store, stored)).toEqual({ ...mixed, id: 'msg_2' });
});
