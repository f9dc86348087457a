import { createHash, randomBytes } from 'node:crypto';
import { testDeps } from '../../test/deps';
import { getDeadLetter, keepDeadLetter, listDeadLetters, rawBody } from '../deadletters/store';
import { fanOut } from '../delivery/engine/fanout';
import { seedSubscription } from '../delivery/engine/testkit';
import { eventRef, keys } from '../delivery/keys';
import type { CloudEvent } from '../events/cloudevent';
import type { Clock } from '../ports/clock';
import type { StateStore } from '../ports/store';

/**
 * The capabilities that lost data on a cloud while its state store refused values over one item:
 * a verified webhook that could not be processed is kept as a dead letter with its raw body (the
 * webhook body limit is 1 MiB by default), and the router stores every event before creating its
 * deliveries. Each cloud store runs these with sizes over its own item limit; `make` returns a
 * fresh store reading `clock`.
 */
export interface LargeValueSizes {
  /** The dead letters' bodies: random bytes (kept as base64) and multi-byte text of about this many bytes. */
  bodyBytes: number;
  /** The `data` of the fanned-out event. */
  eventBytes: number;
}

const digest = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export function describeLargeValueCapabilities(name: string, make: (clock: Clock) => StateStore, sizes: LargeValueSizes): void {
  const on = () => {
    const t = testDeps();
    t.deps.store = make(t.clock);
    return t;
  };

  describe(`capabilities with large values on ${name}`, () => {
    test(`a webhook body of ${sizes.bodyBytes} bytes kept as a dead letter (base64 when not UTF-8, text otherwise) reads back byte for byte`, async () => {
      const { deps, clock } = on();
      const binary = new Uint8Array(randomBytes(sizes.bodyBytes));
      // 2-, 4- and 3-byte characters and a quote (escaped again in the record's JSON): 11 bytes a repeat.
      const text = new TextEncoder().encode(JSON.stringify({ findings: 'é🔐中"'.repeat(Math.floor((sizes.bodyBytes - 15) / 11)) }));
      const reason = { code: 'event_too_large', message: 'too large for the bus' };
      const kept = [];
      for (const body of [binary, text]) {
        kept.push(await keepDeadLetter(deps, { tenant: 'acme', kind: 'webhook', source: 'github', reason, body }));
        clock.advance(1000); // dead letters list oldest first
      }
      expect(kept.map((k) => k.encoding)).toEqual(['base64', 'utf8']);
      for (const [i, body] of [binary, text].entries()) {
        const found = await getDeadLetter(deps, 'acme', kept[i]!.id);
        expect(found?.record.id).toBe(kept[i]!.id);
        expect(digest(rawBody(found!.record))).toBe(digest(body));
      }
      const listed = await listDeadLetters(deps, 'acme');
      expect(listed.items.map((i) => digest(rawBody(i.record)))).toEqual([digest(binary), digest(text)]);
    });

    test(`fanOut of an event with ${sizes.eventBytes} bytes of data stores the event and creates its delivery`, async () => {
      const { deps } = on();
      const { sub } = await seedSubscription(deps, { url: 'https://hooks.example.com/large' });
      const event: CloudEvent = {
        specversion: '1.0', id: 'e-large', source: 'test/scanner', type: 'secorch.finding.created', tenant: 'default',
        datacontenttype: 'application/json', data: { report: 'x'.repeat(sizes.eventBytes) },
      };
      const { created, existing } = await fanOut(event, deps);
      expect(created.map((d) => d.subscriptionId)).toEqual([sub.id]);
      expect(existing).toBe(0);
      const stored = await deps.store.get(keys.event('default', eventRef(event.source, event.id)));
      expect(stored?.value.length).toBe(JSON.stringify(event).length);
      expect(stored?.value === JSON.stringify(event)).toBe(true);
      expect(await deps.store.get(keys.delivery('default', created[0]!.id))).toBeDefined();
      // A redelivered router message creates nothing new.
      expect(await fanOut(event, deps)).toEqual({ created: [], existing: 1 });
    });
  });
}
