import fc from 'fast-check';
import { readable, signedChaos, unsignedRequest } from './arbitraries';
import { checkAuditsLeakNothing, NOW, type Outcome, type Wire, world } from './harness';
import { type Delivery, deliveryFor, mutate, mutationFor, receivedAt, signedRequest } from './mutations';
import { SCHEMES, schemeNamed } from './schemes';
import { runSteps, stepsFor } from './sequence';

/**
 * Property-based tests of POST /webhooks/{source} through the in-process handler, for every
 * scheme in ./schemes (signed with the vendors' own libraries where they are installed, else as
 * the vendors document the algorithm). About 30,000 requests in all (the sequences average about
 * four requests each), spread over the schemes.
 * A failure prints the seed and the shrunk request/mutation; re-run one with
 * `fc.assert(..., { seed, path })`.
 */
const RUNS = { unsigned: 12_000, signed: 3_000, mutations: 8_000, sequences: 2_000 };
const TIMEOUT = 120_000;
const schemeName = fc.constantFrom(...SCHEMES.map((s) => s.name));

function expectAccepted(out: Outcome, s: (typeof SCHEMES)[number], d: Delivery, wire: Wire): void {
  if (out.status !== 202) throw new Error(`expected 202, got ${out.status} ${out.code ?? ''}`);
  const event = out.published[0]!;
  expect(event).toMatchObject({ source: `/webhooks/${s.name}`, origin: `webhook:${s.name}`, datacontenttype: 'application/json' });
  expect(event.data).toEqual(JSON.parse(d.text));
  const id = s.deliveryHeader ? new Headers(wire.headers).get(s.deliveryHeader) || undefined : undefined;
  expect(event.deliveryid).toBe(id);
}

function expectRejected(out: Outcome, status = 401): void {
  if (out.status !== status || out.published.length > 0) {
    throw new Error(`expected ${status} with nothing published, got ${out.status} ${out.code ?? ''} (${out.published.length} published)`);
  }
}

describe('webhook ingress (property-based)', () => {
  test(`arbitrary unsigned requests are refused with a 4xx problem and publish nothing (${RUNS.unsigned} runs)`, async () => {
    const { send } = world();
    await fc.assert(
      fc.asyncProperty(unsignedRequest, async (wire) => {
        const out = await send(wire);
        if (out.status < 400 || out.published.length > 0) throw new Error(`unsigned request answered ${out.status}, ${out.published.length} published`);
        checkAuditsLeakNothing(out, wire);
      }),
      { numRuns: RUNS.unsigned },
    );
  }, TIMEOUT);

  test(`validly signed requests with arbitrary bodies, content types and charsets never 5xx; 202 iff published (${RUNS.signed} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(signedChaos, async (c) => {
        const s = schemeNamed(c.source.replace(/-tiny$/, ''));
        const { send } = world();
        const path = `/webhooks/${c.source}${c.trailingSlash ? '/' : ''}`;
        const signed = await signedRequest(s, path, c.text, NOW + c.skewSeconds * 1000, { id: c.id, secret: s.secrets[c.secret % s.secrets.length]! });
        const headers: [string, string][] = [...Object.entries(signed.headers), ...c.extra];
        if (c.contentType !== undefined) headers.push(['content-type', c.contentType]);
        const wire = readable({ method: 'POST', path: signed.path, headers, body: new Uint8Array(Buffer.from(c.text, 'utf8')) });
        const out = await send(wire); // the invariants are checked in send()
        if (![202, 400, 401, 413, 415].includes(out.status)) throw new Error(`signed request answered ${out.status} ${out.code ?? ''}`);
        checkAuditsLeakNothing(out, wire);
      }),
      { numRuns: RUNS.signed },
    );
  }, TIMEOUT);

  test(`one mutation of a valid delivery is refused unless it leaves the signed content intact (${RUNS.mutations} runs)`, async () => {
    const cases = schemeName.chain((name) => fc.tuple(fc.constant(name), deliveryFor(schemeNamed(name)), mutationFor(schemeNamed(name))));
    await fc.assert(
      fc.asyncProperty(cases, async ([name, d, m]) => {
        const s = schemeNamed(name);
        const { wire, expected } = await mutate(s, d, m);
        const out = await world(receivedAt(d)).send(readable(wire));
        if (expected === 'accept') expectAccepted(out, s, d, wire);
        else if (expected === 'reject') expectRejected(out);
        else if (out.status !== 202) expectRejected(out, 415);
      }),
      { numRuns: RUNS.mutations },
    );
  }, TIMEOUT);

  test(`deliveries to one receiver: new ones accepted and published once, replays duplicates in the window, refused after (${RUNS.sequences} runs)`, async () => {
    const cases = schemeName.chain((name) => fc.tuple(fc.constant(name), fc.integer({ min: 0, max: 999 }), stepsFor(schemeNamed(name))));
    await fc.assert(
      fc.asyncProperty(cases, async ([name, ms, steps]) => {
        const s = schemeNamed(name);
        const w = world(NOW + ms);
        await runSteps(s, steps, NOW + ms, {
          send: (wire) => w.send(readable(wire)),
          setClock: (t) => w.clock.set(t),
          accepted: (out, d, wire) => expectAccepted(out, s, d, wire),
        });
      }),
      { numRuns: RUNS.sequences },
    );
  }, TIMEOUT);
});
