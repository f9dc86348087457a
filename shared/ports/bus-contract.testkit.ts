import type { CloudEvent } from '../events/cloudevent';
import type { EventBus } from './bus';

/**
 * The contract every EventBus implementation passes: SQS (fauxqs), Storage Queue (Azurite), the
 * local SQLite queue, and EventBridge, Service Bus and Pub/Sub over their SDK fakes run these same
 * cases. `received` is the consumer side: what the router would get, read from the queue (or the
 * fake) and decoded the way the matching trigger adapter decodes it, so a case proves that
 * publish and trigger agree, not only that publish called something.
 *
 * A case an implementation fails because of a known bug is named in `knownBugs` with the bug: it
 * then runs as `it.failing` (so it turns red once the bug is fixed, to remove the marker). A case
 * that cannot be expressed is named in `skip` with the reason. Both show in the test name.
 */
export interface BusUnderTest {
  bus: EventBus;
  /**
   * Every event the consumer side has received since `make`, in arrival order, each decoded as
   * the router's trigger does (and parsed as the router parses it). Reads what is there now:
   * it never waits for more.
   */
  received: () => Promise<CloudEvent[]>;
  /** The largest message the bus takes, in bytes as it counts them; omit when it has no limit. */
  maxBytes?: number;
  /** A bus of the same implementation that cannot work (missing queue, closed database, ...). */
  unhealthy?: () => Promise<EventBus>;
  cleanup?: () => Promise<void>;
}

export type BusContractCase = 'round-trip' | 'several' | 'accepted-on-resolve' | 'size-limit' | 'check';

export interface BusContractOptions {
  skip?: Partial<Record<BusContractCase, string>>;
  /** Cases the implementation is known to fail, each with the bug (runs as `it.failing`). */
  knownBugs?: Partial<Record<BusContractCase, string>>;
  /**
   * Leaves characters outside the BMP (emoji: UTF-16 surrogate pairs, 4 UTF-8 bytes) out of the
   * events, for an emulator that wrongly refuses them; the reason shows in the suite name.
   */
  withoutAstral?: string;
}

/** Every kind of attribute, the server-stamped extensions, and data that trips naive encodings. */
export const busContractEvent = (id = 'contract-1', astral = true): CloudEvent => ({
  specversion: '1.0',
  id,
  source: 'secorch://webhook/github',
  type: 'secorch.finding.created',
  subject: 'repos/acme/api/alerts/7',
  time: '2026-01-01T00:00:00.123Z',
  datacontenttype: 'application/json',
  dataschema: 'https://schemas.example.com/finding/v1.json',
  tenant: 'acme',
  origin: 'webhook:github-prod',
  data: {
    title: `Zażółć gęślą jaźń — 日本語 ${astral ? '🔐' : '∎'}`,
    // U+FFFE is refused raw by SQS; U+2028 breaks naive JS embedding; a lone surrogate and NUL
    // survive only as JSON escapes; quotes, backslashes and newlines need escaping.
    edge: 'a\uFFFEb\u2028c\uD800d\u0000e "q" \\ \n\t',
    severity: 'high',
    score: 9.8,
    fixed: false,
    missing: null,
    tags: ['cve', 'ünïcödé'],
    nested: { depth: { deeper: [1, { x: 'y' }] } },
  },
});

const byId = (events: CloudEvent[]) => [...events].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
const utf8Bytes = (s: string) => new TextEncoder().encode(s).byteLength;

export function describeEventBusContract(
  name: string,
  make: () => Promise<BusUnderTest>,
  options: BusContractOptions = {},
): void {
  const astral = options.withoutAstral === undefined;
  const title = astral ? name : `${name} [without astral characters: ${options.withoutAstral}]`;
  describe(`EventBus contract: ${title}`, () => {
    const contractEvent = (id?: string) => busContractEvent(id, astral);
    let sut: BusUnderTest;
    let bus: EventBus;
    beforeEach(async () => {
      sut = await make();
      bus = sut.bus;
    });
    afterEach(async () => {
      await sut?.cleanup?.();
    });
    const test = (id: BusContractCase, title: string, fn: () => Promise<void>) => {
      const skip = options.skip?.[id];
      const bug = options.knownBugs?.[id];
      if (skip) it.skip(`${title} [skipped: ${skip}]`, fn);
      else if (bug) it.failing(`${title} [known bug: ${bug}]`, fn);
      else it(title, fn);
    };

    test('round-trip', 'one published event is received once, equal to what was published (extensions, non-ASCII data)', async () => {
      const event = contractEvent();
      const sent = structuredClone(event);
      await bus.publish(event);
      expect(event).toEqual(sent); // publish does not alter the caller's event
      const got = await sut.received();
      expect(got).toEqual([sent]);
      expect(got[0]).toMatchObject({ tenant: 'acme', origin: 'webhook:github-prod' });
      expect((got[0]!.data as { edge: string }).edge).toBe('a\uFFFEb\u2028c\uD800d\u0000e "q" \\ \n\t');
    });

    test('several', 'several events published at once are all received, each once and intact (as a set by id)', async () => {
      const { data: _data, datacontenttype: _ct, dataschema: _schema, ...bare } = contractEvent('several-bare');
      const events: CloudEvent[] = [
        contractEvent('several-1'),
        { ...contractEvent('several-2'), tenant: 'globex', origin: 'api:key-2' },
        { ...contractEvent('several-text'), datacontenttype: 'text/plain', data: 'plain text ✓\nline 2' },
        { ...bare, id: 'several-binary', datacontenttype: 'application/octet-stream', data_base64: Buffer.from([0, 0xff, 0x80, 0x7f]).toString('base64') },
        bare,
        { ...contractEvent('several-array'), type: 'secorch.finding.resolved', data: [1, 'two', { three: 3 }] },
      ];
      expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
      await Promise.all(events.map((e) => bus.publish(e)));
      const got = await sut.received();
      expect(got).toHaveLength(events.length);
      expect(byId(got)).toEqual(byId(events));
    });

    test('accepted-on-resolve', 'publish resolves only once the bus holds the event: it is receivable right after each await', async () => {
      const events = ['first', 'second', 'third'].map((id) => contractEvent(`seq-${id}`));
      const seen: CloudEvent[] = [];
      for (const e of events) {
        await bus.publish(e);
        const got = await sut.received();
        expect(got.map((g) => g.id).sort()).toEqual([...seen, e].map((g) => g.id).sort());
        seen.push(e);
      }
      expect(byId(await sut.received())).toEqual(byId(events));
    });

    test('size-limit', 'an event over maxBytes (UTF-8 bytes, not characters) rejects with bus_message_too_large and is not received, one well under is (with no limit: a 1 MiB event is)', async () => {
      if (sut.maxBytes === undefined) {
        // No limit: a large event (1 MiB of two-byte characters) goes through whole.
        const big = { ...contractEvent('big'), data: { blob: 'é'.repeat(512 * 1024) } };
        await bus.publish(big);
        expect(await sut.received()).toEqual([big]);
        return;
      }
      const limit = sut.maxBytes;
      // A quarter of the limit in bytes: under it however the bus encodes (base64 adds a third).
      const under = { ...contractEvent('under'), data: { blob: 'é'.repeat(Math.floor(limit / 8)) } };
      // Over the limit in bytes, yet only half of it in UTF-16 characters: a length check lets it pass.
      const blob = 'é'.repeat(Math.floor(limit / 2) + 1);
      expect(blob.length).toBeLessThan(limit);
      expect(utf8Bytes(blob)).toBeGreaterThan(limit);
      const over = { ...contractEvent('over'), data: { blob } };
      await bus.publish(under);
      const err = await bus.publish(over).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect(err).toMatchObject({ code: 'bus_message_too_large', retryable: false });
      expect(await sut.received()).toEqual([under]);
    });

    test('check', 'check() resolves on a healthy bus; an unhealthy one rejects check() and publish()', async () => {
      await expect(bus.check()).resolves.toBeUndefined();
      if (!sut.unhealthy) throw new Error('make() must return unhealthy, or skip this case with the reason');
      const broken = await sut.unhealthy();
      await expect(broken.check()).rejects.toThrow();
      await expect(broken.publish(contractEvent('lost'))).rejects.toThrow();
      await expect(bus.check()).resolves.toBeUndefined();
      expect(await sut.received()).toEqual([]);
    });
  });
}
