import fc from 'fast-check';
import { fixedClock } from '../ports/clock';
import { describeStateStoreLimits } from './contract-limits.testkit';
import { describeStateStoreContract } from './contract.testkit';
import { memoryStore } from './memory';

const fresh = async () => {
  const clock = fixedClock(Date.parse('2026-01-01T00:00:00Z'));
  return { store: memoryStore(clock), clock };
};
describeStateStoreContract('memory', fresh);
describeStateStoreLimits('memory', fresh);

describe.each([
  ['the default merge threshold', undefined],
  ['a merge after every new key', 1],
  ['a merge after every third new key', 3],
])('memoryStore key index (new keys beside the sorted index), %s', (_label, recentCap) => {
  type Op =
    | { op: 'put'; key: string; ttl?: number }
    | { op: 'delete'; key: string }
    | { op: 'deleteInBatch'; key: string; put: string }
    | { op: 'advance'; ms: number }
    | { op: 'list'; prefix: string; limit: number };
  const key = fc.constantFrom('a', 'a/1', 'a/2', 'a/10', 'b', 'b/1', 'ab', 'due/1', 'due/2', 'due/3');
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ op: fc.constant('put' as const), key, ttl: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }) }),
    fc.record({ op: fc.constant('delete' as const), key }),
    fc.record({ op: fc.constant('deleteInBatch' as const), key, put: key }),
    fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 3000 }) }),
    fc.record({ op: fc.constant('list' as const), prefix: fc.constantFrom('', 'a', 'a/', 'b', 'due/'), limit: fc.integer({ min: 1, max: 4 }) }),
  );

  it('lists exactly the live keys of a plain model, in order and page by page, whatever the writes before', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 80 }), async (ops) => {
        const clock = fixedClock(Date.parse('2026-01-01T00:00:00Z'));
        const store = memoryStore(clock, { recentCap });
        const model = new Map<string, number | undefined>(); // key -> expiresAt
        const liveKeys = (prefix: string) =>
          [...model].filter(([k, exp]) => k.startsWith(prefix) && (exp === undefined || exp > clock.now())).map(([k]) => k).sort();
        for (const o of ops) {
          if (o.op === 'put') {
            await store.put(o.key, o.key, o.ttl === undefined ? {} : { ttlSeconds: o.ttl });
            model.set(o.key, o.ttl === undefined ? undefined : clock.now() + o.ttl * 1000);
          } else if (o.op === 'delete') {
            await store.delete(o.key);
            model.delete(o.key);
          } else if (o.op === 'deleteInBatch') {
            if (o.key === o.put) continue;
            await store.putAll([{ key: o.put, value: o.put }, { key: o.key, delete: true }]);
            model.set(o.put, undefined);
            model.delete(o.key);
          } else if (o.op === 'advance') {
            clock.advance(o.ms);
          } else {
            const seen: string[] = [];
            let after: string | undefined;
            for (let pages = 0; pages < 20; pages++) {
              const page = await store.list(o.prefix, { limit: o.limit, after });
              seen.push(...page.items.map((i) => i.key));
              if (!page.next) break;
              after = page.next;
            }
            expect(seen).toEqual(liveKeys(o.prefix));
          }
        }
        const all = await store.list('', { limit: 1000 });
        expect(all.items.map((i) => i.key)).toEqual(liveKeys(''));
      }),
      { numRuns: 300 },
    );
  });
});

describe('memoryStore key index merge', () => {
  it('lists a key removed and written again once, after the index merges (the key is then in both of its arrays)', async () => {
    const clock = fixedClock(Date.parse('2026-01-01T00:00:00Z'));
    const store = memoryStore(clock, { recentCap: 1 });
    await store.put('a', '1');
    await store.put('b', '1'); // two new keys: merged into the sorted index
    await store.delete('a'); // stays in the sorted index until a merge drops it
    await store.put('a', '2'); // new again: beside the index as well
    await store.put('c', '1'); // merges both arrays, each holding `a`
    await store.put('d', '1');
    expect((await store.list('')).items.map((i) => [i.key, i.value])).toEqual([['a', '2'], ['b', '1'], ['c', '1'], ['d', '1']]);
    const paged: string[] = [];
    for (let after: string | undefined, pages = 0; pages < 10; pages++) {
      const page = await store.list('', { limit: 1, after });
      paged.push(...page.items.map((i) => i.key));
      if (!page.next) break;
      after = page.next;
    }
    expect(paged).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('memoryStore key index growth', () => {
  it('does not copy the whole index for every list that follows a write (fan-out lists subscriptions after each event)', async () => {
    // Counted, not timed: the index's merges build their arrays with push, so the pushes made
    // during the loop measure the copying.
    const clock = fixedClock(Date.parse('2026-01-01T00:00:00Z'));
    const store = memoryStore(clock);
    await store.put('sub/t1/a', 'subscription');
    let pushed = 0;
    const push = Array.prototype.push;
    const spy = jest.spyOn(Array.prototype, 'push').mockImplementation(function (this: unknown[], ...args: unknown[]) {
      pushed += 1;
      return push.apply(this, args);
    });
    try {
      for (let i = 0; i < 3000; i++) {
        await store.put(`delivery/${String(i).padStart(6, '0')}`, 'd');
        expect((await store.list('sub/t1/', { limit: 1 })).items).toHaveLength(1);
      }
    } finally {
      spy.mockRestore();
    }
    // Merging whenever a list follows a write copies the index each time: about 3,000^2 / 2 =
    // 4.5 million pushes. Merging once the new keys fill up copies it a few times.
    expect(pushed).toBeLessThan(500_000);
  });
});
