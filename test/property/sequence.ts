import fc from 'fast-check';
import type { Outcome, Wire } from './harness';
import { type Delivery, deliveryFor, signedWire } from './mutations';
import { DEDUPE_TTL_SECONDS, type SchemeCase, signatureParts } from './schemes';

/**
 * Several deliveries to ONE receiver, new ones and replays of earlier ones, with the clock moving
 * on. The model of replay protection: a request is a duplicate when one of its identities was
 * accepted before. Its identities are its delivery id, and its signature too when the id is not
 * signed (or there is none): a replay could change an unsigned id, so GitHub deliveries and
 * id-less HMAC deliveries are also recognised by their signature (two deliveries with the same
 * signed content are indistinguishable from a replay). A replay may change anything unsigned
 * (header case, unsigned headers, the hex case of a signature, an unsigned id): still a duplicate,
 * and recorded under its signature only, since its unsigned id may be the replayer's choice.
 *
 * Identities are remembered for the source's dedupeTtlSeconds, and at least 2 x tolerance + 1 s:
 * a timestamp passes the whole-second check while the current second is within the tolerance of
 * it either way, so a delivery signed `tolerance` seconds ahead and accepted at once can be
 * replayed 2 x tolerance seconds later, up to the last millisecond of that second. A scheme
 * without timestamps gets the default tolerance's window (300 s) as that floor
 * (functions/webhook-ingress/replay.ts). The property configuration's dedupeTtlSeconds
 * (DEDUPE_TTL_SECONDS) is shorter than every such window and than a sequence, so the floor is what
 * is exercised: records expire within a sequence, and one that died at the window's last second
 * instead of after it would let a replay through.
 */
export type Cosmetic = 'header-case' | 'user-agent' | 'content-type' | 'hex-case' | 'unsigned-id' | 'no-unsigned-id';

export type Step =
  | { kind: 'new'; delivery: Delivery; advanceSeconds: number }
  | { kind: 'replay'; of: number; cosmetic: Cosmetic; advanceSeconds: number };

export const stepsFor = (s: SchemeCase): fc.Arbitrary<Step[]> => {
  // The window's edges often: a delivery signed at the far edge and replayed 2 x tolerance later
  // is where a record that expires one second early lets the replay through.
  const span = 2 * (s.timestamp?.toleranceSeconds ?? 300);
  const advance = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: span }) }, fc.constantFrom(span, span + 1));
  const fresh = fc.record({ kind: fc.constant('new' as const), delivery: deliveryFor(s), advanceSeconds: advance });
  const replay = fc.record({
    kind: fc.constant('replay' as const),
    of: fc.nat(),
    cosmetic: fc.constantFrom<Cosmetic>('header-case', 'user-agent', 'content-type', 'hex-case', 'unsigned-id', 'no-unsigned-id'),
    advanceSeconds: advance,
  });
  return fc.tuple(fresh, fc.array(fc.oneof(fresh, replay), { maxLength: 6 })).map(([first, rest]) => [first, ...rest]);
};

const idIsSigned = (s: SchemeCase) => s.deliveryHeader !== undefined && s.roles[s.deliveryHeader] === 'signed';

/** How long the identities of an accepted delivery are remembered (see the model above), in ms. */
const recordMs = (s: SchemeCase) => 1000 * Math.max(DEDUPE_TTL_SECONDS, 2 * (s.timestamp?.toleranceSeconds ?? 300) + 1);

/**
 * The replay identities of a request signed at `signedAt` (see the model above). Where every
 * configured secret's signature is recorded (`everySecret`), the signature identity is what was
 * signed, whichever secret signed it.
 */
export function identities(s: SchemeCase, wire: Wire, signedAt: number): string[] {
  const h = new Headers(wire.headers);
  const out: string[] = [];
  const id = s.deliveryHeader ? h.get(s.deliveryHeader) || undefined : undefined;
  if (id !== undefined) out.push(`id:${id}`);
  if (s.signature.everySecret) {
    out.push(`sig:${s.timestamp ? Math.floor(signedAt / 1000) : ''}:${Buffer.from(wire.body ?? []).toString('hex')}`);
  } else if (!idIsSigned(s)) {
    const { text } = signatureParts(s, h.get(s.signature.header) ?? '');
    out.push(`sig:${Buffer.from(text, s.signature.encoding).toString('hex')}`);
  }
  return out;
}

const upperSignature = (s: SchemeCase, value: string) => {
  const { before, text } = signatureParts(s, value);
  return before + text.toUpperCase();
};

/** A replay of `wire` changed only where the scheme signs nothing. */
export function cosmetic(s: SchemeCase, wire: Wire, c: Cosmetic, n: number): Wire {
  const map = (f: (h: [string, string]) => [string, string] | undefined): Wire => ({
    ...wire,
    headers: wire.headers.map(f).filter((h): h is [string, string] => h !== undefined),
  });
  const unsignedId = s.deliveryHeader !== undefined && !idIsSigned(s) ? s.deliveryHeader : undefined;
  switch (c) {
    case 'header-case':
      return map(([k, v]) => [k.toUpperCase(), v]);
    case 'user-agent':
      return map(([k, v]) => [k, k === 'user-agent' ? `replayer/${n}` : v]);
    case 'content-type':
      return map(([k, v]) => [k, k === 'content-type' ? 'application/json; charset=UTF-8' : v]);
    case 'hex-case':
      return s.signature.encoding === 'hex' ? map(([k, v]) => [k, k === s.signature.header ? upperSignature(s, v) : v]) : wire;
    case 'unsigned-id':
      return map(([k, v]) => [k, k === unsignedId ? `${v}-replayed-${n}` : v]);
    case 'no-unsigned-id':
      return map(([k, v]) => (k === unsignedId ? undefined : [k, v]));
  }
}

/** Runs the steps through `send`, checking each answer against the model; throws on a mismatch. */
export async function runSteps(
  s: SchemeCase,
  steps: Step[],
  start: number,
  io: { send: (w: Wire) => Promise<Outcome>; setClock: (ms: number) => void; accepted: (o: Outcome, d: Delivery, w: Wire) => void },
): Promise<void> {
  // Identity -> when its record expires (epoch ms); a state store drops it at that instant.
  const records = new Map<string, number>();
  const seen = (id: string, now: number) => (records.get(id) ?? 0) > now;
  const sent: { wire: Wire; signedAt: number; delivery: Delivery }[] = [];
  let now = start;
  for (const [i, step] of steps.entries()) {
    now += step.advanceSeconds * 1000;
    io.setClock(now);
    let wire: Wire;
    let signedAt: number;
    let delivery: Delivery;
    if (step.kind === 'new') {
      delivery = step.delivery;
      signedAt = now + delivery.skewSeconds * 1000;
      wire = await signedWire(s, delivery, signedAt);
      sent.push({ wire, signedAt, delivery });
    } else {
      const original = sent[step.of % sent.length]!;
      ({ signedAt, delivery } = original);
      wire = cosmetic(s, original.wire, step.cosmetic, i);
    }
    const age = Math.floor(now / 1000) - Math.floor(signedAt / 1000);
    const ids = identities(s, wire, signedAt);
    const out = await io.send(wire);
    const where = `step ${i} (${step.kind}${step.kind === 'replay' ? ` of ${step.of % sent.length}, ${step.cosmetic}` : ''})`;
    if (s.timestamp && Math.abs(age) > s.timestamp.toleranceSeconds) {
      if (out.status !== 401) throw new Error(`${where}: ${age} s old, expected 401, got ${out.status} ${out.code ?? ''}`);
    } else if (ids.some((id) => seen(id, now))) {
      if (out.status !== 200) throw new Error(`${where}: identities ${ids.join(', ')} seen, expected 200 duplicate, got ${out.status} ${out.code ?? ''}`);
      // A duplicate is recorded under its signature (a later copy with only that is one too), not
      // under an unsigned id, which a replayer may have chosen: the sender's own delivery of that
      // id is new. A record that still lives keeps its expiry.
      ids.filter((id) => (id.startsWith('sig:') || idIsSigned(s)) && !seen(id, now)).forEach((id) => records.set(id, now + recordMs(s)));
    } else {
      // New, or a replay whose records expired (only a scheme without timestamps lets one in): accepted again.
      if (out.status !== 202) throw new Error(`${where}: identities ${ids.join(', ')} new or expired, expected 202, got ${out.status} ${out.code ?? ''}`);
      io.accepted(out, delivery, wire);
      ids.forEach((id) => records.set(id, now + recordMs(s)));
    }
  }
}
