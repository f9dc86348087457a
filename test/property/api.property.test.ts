import fc from 'fast-check';
import { keys } from '../../shared/delivery/keys';
import { type Answer, exchange, fail } from './api-exchange';
import {
  anyRequest, apiKey, type Auth, build, cursorFor, GOOD_URLS, invalidAuth, type Kind, type Payload, query, type Template, TEMPLATES, utf8, validAuth,
} from './api-requests';
import { adminOf, type ApiKey, API_KEYS, MARK, NOW, other, SEEDED, seedId, seedWorld, type Tenant, TENANTS, world } from './api-world';

/**
 * Property-based tests of the REST API (/events, /subscriptions, /deliveries, /dead-letters)
 * through the in-process router, as the GCP function and the local server run it. Every request
 * goes through `exchange`, which checks what holds whatever the request:
 * - no 5xx, no throw; a 4xx is application/problem+json with a code, its status, no stack;
 * - the API key decides first: 401 for a missing or bad key, 403 for a missing scope, never 2xx;
 * - a rejected request (and any GET) leaves the state store and the bus exactly as they were;
 * - no answer carries a subscription secret (except the create and rotate answers), a sealed
 *   secret, a credential-looking header value, or an API key; a 2xx answer carries nothing of
 *   the other tenant.
 * The properties: arbitrary requests; bodies of every writing route with a key that passes auth;
 * another tenant's ids and cursors; sequences of requests by both tenants against a model of
 * whose subscriptions exist. About 26,000 requests in all (isolation cases send three or four,
 * sequences about twelve), some 12 s on two cores. A failure prints the seed, the path and the
 * shrunk request; re-run one with `fc.assert(..., { seed, path })`.
 */
const RUNS = { requests: 8_000, bodies: 4_000, isolation: 2_000, sequences: 600 };
const TIMEOUT = 120_000;

// --- the properties --------------------------------------------------------------------------

const ID_TEMPLATES = TEMPLATES.filter((t) => t.kind !== undefined);
const BODY_TEMPLATES = TEMPLATES.filter((t) => t.payload !== undefined);
const LIST_TEMPLATES = TEMPLATES.filter((t) => t.list);
const CREATE = TEMPLATES.findIndex((t) => t.method === 'POST' && t.path === '/subscriptions');
const LIST_SUBSCRIPTIONS = TEMPLATES.findIndex((t) => t.method === 'GET' && t.path === '/subscriptions');
const KIND_OF_LIST: Record<string, Kind> = { '/subscriptions': 'sub', '/deliveries': 'dlv', '/dead-letters': 'dlq' };
const PREFIX_OF: Record<Kind, (t: string) => string> = { sub: keys.subscriptions, dlv: keys.deliveries, dlq: keys.deadLetters };
/** Bodies the owner of a record gets a 2xx (or a state-dependent 409/422) for. */
const VALID_PAYLOAD: Record<string, fc.Arbitrary<Payload>> = {
  'PATCH /subscriptions/{id}': fc.constantFrom({ enabled: false }, { url: GOOD_URLS[0] }, { headers: { 'x-team': null } }).map((b): Payload => ({ headers: [['content-type', 'application/merge-patch+json']], body: utf8(JSON.stringify(b)) })),
  'POST /subscriptions/{id}/rotate-secret': fc.constant({ headers: [], body: utf8('{"overlapSeconds":0}') }),
  'POST /subscriptions/{id}/recover': fc.constant({ headers: [], body: utf8(JSON.stringify({ since: new Date(NOW - 86_400_000).toISOString() })) }),
  'POST /subscriptions': fc.constant({ headers: [], body: utf8(JSON.stringify({ url: GOOD_URLS[0], headers: { 'x-api-key': `${MARK}-x`, 'x-team': 'red' } })) }),
};
const validPayload = (t: Template): fc.Arbitrary<Payload | undefined> => VALID_PAYLOAD[`${t.method} ${t.path}`] ?? fc.constant(undefined);
const NOT_FOUND: Record<Kind, string> = { sub: 'subscription_not_found', dlv: 'delivery_not_found', dlq: 'dead_letter_not_found' };
/** An id of the right shape that no tenant has. */
const UNKNOWN: Record<Kind, string> = { sub: seedId('sub_', 'acme', 31), dlv: seedId('msg_', 'acme', 31), dlq: seedId('dlq_', 'acme', 31) };
const keyAuth = (k: ApiKey): Auth => ({ headers: [['authorization', `Bearer ${k.key}`]], key: k, label: k.id });
const plain = { suffix: '', extra: [] as [string, string][] };
/** An answer without its `instance` (the path, which holds the id): what must not depend on whose id it is. */
const shape = (a: Answer) => JSON.stringify({ status: a.status, doc: a.doc === undefined ? undefined : { ...(a.doc as object), instance: undefined } });

describe('REST API (property-based)', () => {
  beforeAll(seedWorld);

  test(`arbitrary requests: no 5xx, problems with codes, auth first, rejections change nothing, no secret shown (${RUNS.requests} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(anyRequest, async (r) => {
        await exchange(await world(), r);
      }),
      { numRuns: RUNS.requests },
    );
  }, TIMEOUT);

  test(`bodies of every writing route, sent with the owner's all-scopes key: no 5xx, rejections change nothing, no secret shown (${RUNS.bodies} runs)`, async () => {
    const cases = fc.record({ tenant: fc.constantFrom(...TENANTS), template: fc.nat({ max: BODY_TEMPLATES.length - 1 }), which: fc.nat() })
      .chain((c) => fc.record({ c: fc.constant(c), payload: BODY_TEMPLATES[c.template]!.payload! }));
    await fc.assert(
      fc.asyncProperty(cases, async ({ c, payload }) => {
        const t = BODY_TEMPLATES[c.template]!;
        const ids = t.kind ? SEEDED[c.tenant][t.kind] : [''];
        await exchange(await world(), build(t, keyAuth(adminOf(c.tenant)), payload, ids[c.which % ids.length]!, '', plain));
      }),
      { numRuns: RUNS.bodies },
    );
  }, TIMEOUT);

  test(`another tenant's ids are answered as unknown ones (404), lists and cursors never cross tenants (${RUNS.isolation} runs)`, async () => {
    const cases = fc.record({
      attacker: fc.constantFrom(...TENANTS),
      template: fc.nat({ max: ID_TEMPLATES.length - 1 }),
      which: fc.nat(),
      random: fc.boolean(),
      list: fc.nat({ max: LIST_TEMPLATES.length - 1 }),
      query,
      theirCursor: fc.boolean(),
    }).chain((c) => {
      const t = ID_TEMPLATES[c.template]!;
      const key = fc.constantFrom(...API_KEYS.filter((k) => k.tenant === c.attacker));
      return fc.record({ c: fc.constant(c), auth: validAuth(key), payload: c.random && t.payload ? t.payload : validPayload(t) });
    });
    await fc.assert(
      fc.asyncProperty(cases, async ({ c, auth: a, payload }) => {
        const t = ID_TEMPLATES[c.template]!;
        const kind = t.kind!;
        const victim = other(c.attacker);
        const id = SEEDED[victim][kind][c.which % SEEDED[victim][kind].length]!;
        const w = await world();
        const theirs = build(t, a, payload, id, '', plain);
        const out = await exchange(w, theirs);
        const unknown = await exchange(await world(), build(t, a, payload, UNKNOWN[kind], '', plain));
        if (shape(out) !== shape(unknown)) fail(`answered otherwise than for an unknown id (${unknown.status} ${unknown.code})`, theirs, out);
        if (!c.random && a.key!.scopes.includes(t.scope) && (out.status !== 404 || out.code !== NOT_FOUND[kind])) fail(`${c.attacker} was not answered 404 for an id of ${victim}`, theirs, out);
        // The owner's same request finds the record: the 404 above is isolation, not a bad id.
        if (!c.random) {
          const mine = build(t, keyAuth(adminOf(victim)), payload, id, '', plain);
          const owner = await exchange(await world(), mine);
          if (owner.status === 404) fail(`the owner got 404 for its own ${kind}`, mine, owner);
        }

        // Lists: only the caller's records; a cursor of the other tenant's listing is refused.
        const l = LIST_TEMPLATES[c.list]!;
        const listKind = KIND_OF_LIST[l.path]!;
        const q = c.theirCursor ? `?cursor=${cursorFor(`${PREFIX_OF[listKind](victim)}${SEEDED[victim][listKind][0]}`)}` : c.query;
        const list = build(l, a, undefined, '', q, plain);
        const listed = await exchange(w, list);
        if (!a.key!.scopes.includes(l.scope)) return;
        if (c.theirCursor && (listed.status !== 400 || listed.code !== 'invalid_query')) fail('a cursor of another tenant was not refused', list, listed);
        if (listed.status === 200) {
          const items = (listed.doc as { items: { id: string; tenant?: string }[] }).items;
          // Delivery summaries carry no tenant; every item must be one of the caller's records.
          if (items.some((i) => (i.tenant ?? c.attacker) !== c.attacker || !SEEDED[c.attacker][listKind].includes(i.id))) fail('a list showed a record that is not the caller\'s', list, listed);
        }
      }),
      { numRuns: RUNS.isolation },
    );
  }, TIMEOUT);

  test(`sequences of requests by both tenants: cross-tenant ids answered as unknown ones, lists show exactly each tenant's live subscriptions (${RUNS.sequences} runs)`, async () => {
    const step = fc.record({ auth: fc.oneof({ weight: 4, arbitrary: validAuth(apiKey) }, invalidAuth), template: fc.oneof(fc.constant(CREATE), fc.nat({ max: TEMPLATES.length - 1 })), target: fc.nat(), valid: fc.boolean() })
      .chain((s) => {
        const t = TEMPLATES[s.template]!;
        const payload = s.valid || !t.payload ? validPayload(t) : t.payload;
        return fc.record({ s: fc.constant(s), payload, query });
      });
    const cases = fc.tuple(fc.array(step, { minLength: 2, maxLength: 8 }), fc.integer({ min: 1, max: 4 }));
    await fc.assert(
      fc.asyncProperty(cases, async ([steps, pageSize]) => {
        const w = await world();
        const live = new Map<string, Tenant>(TENANTS.flatMap((t) => SEEDED[t].sub.map((id) => [id, t] as [string, Tenant])));
        for (const { s, payload, query: q } of steps) {
          const t = TEMPLATES[s.template]!;
          const pool = t.kind === 'sub' ? [...w.owned.keys()].filter((id) => id.startsWith('sub_')) : t.kind ? SEEDED[TENANTS[s.target % 2]!][t.kind] : [''];
          const id = pool[s.target % pool.length]!;
          const r = build(t, s.auth, payload, id, q, plain);
          const owner = w.owned.get(id);
          const foreign = s.auth.key !== undefined && owner !== undefined && owner !== s.auth.key.tenant;
          // Probed first, in the same world: an unknown id changes nothing, whatever is asked of it.
          const unknown = foreign ? await exchange(w, build(t, s.auth, payload, UNKNOWN[t.kind!], q, plain)) : undefined;
          const out = await exchange(w, r);
          if (unknown && shape(out) !== shape(unknown)) fail(`a request on another tenant's id was answered otherwise than for an unknown id (${unknown.status} ${unknown.code})`, r, out);
          if (out.status === 201) {
            const created = (out.doc as { id: string }).id;
            w.owned.set(created, s.auth.key!.tenant);
            live.set(created, s.auth.key!.tenant);
          }
          if (out.status === 204 && t.kind === 'sub') live.delete(id);
        }
        for (const tenant of TENANTS) {
          const seen: string[] = [];
          for (let q = `?limit=${pageSize}`; ;) {
            const out = await exchange(w, build(TEMPLATES[LIST_SUBSCRIPTIONS]!, keyAuth(adminOf(tenant)), undefined, '', q, plain));
            const page = out.doc as { items: { id: string }[]; next_cursor?: string };
            seen.push(...page.items.map((i) => i.id));
            if (page.next_cursor === undefined) break;
            q = `?limit=${pageSize}&cursor=${page.next_cursor}`;
          }
          expect(seen).toEqual([...live].filter(([, owner]) => owner === tenant).map(([id]) => id).sort());
        }
      }),
      { numRuns: RUNS.sequences },
    );
  }, TIMEOUT);
});
