import fc from 'fast-check';
import type { Outcome, Wire } from './harness';
import { type Delivery, deliveryFor, signedWire } from './mutations';
import type { SchemeCase } from './schemes';

/**
 * Several deliveries to ONE receiver, new ones and replays of earlier ones, with the clock moving
 * on. The model of replay protection: a request is a duplicate when one of its identities was
 * accepted before. Its identities are its delivery id, and its signature too when the id is not
 * signed (or there is none): a replay could change an unsigned id, so GitHub deliveries and
 * id-less HMAC deliveries are also recognised by their signature (two deliveries with the same
 * signed content are indistinguishable from a replay). A replay may change anything unsigned
 * (header case, unsigned headers, the hex case of a signature, an unsigned id): still a duplicate,
 * and recorded under its signature only, since its unsigned id may be the replayer's choice.
 */
export type Cosmetic = 'header-case' | 'user-agent' | 'content-type' | 'hex-case' | 'unsigned-id' | 'no-unsigned-id';

export type Step =
  | { kind: 'new'; delivery: Delivery; advanceSeconds: number }
  | { kind: 'replay'; of: number; cosmetic: Cosmetic; advanceSeconds: number };

export const stepsFor = (s: SchemeCase): fc.Arbitrary<Step[]> => {
  const advance = fc.integer({ min: 0, max: 2 * (s.timestamp?.toleranceSeconds ?? 300) });
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

/** The replay identities of a request (see the model above). */
export function identities(s: SchemeCase, wire: Wire): string[] {
  const h = new Headers(wire.headers);
  const out: string[] = [];
  const id = s.deliveryHeader ? h.get(s.deliveryHeader) || undefined : undefined;
  if (id !== undefined) out.push(`id:${id}`);
  if (!idIsSigned(s)) {
    const text = (h.get(s.signature.header) ?? '').slice(s.signature.prefix.length);
    out.push(`sig:${Buffer.from(text, s.signature.encoding).toString('hex')}`);
  }
  return out;
}

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
      return s.signature.encoding === 'hex' ? map(([k, v]) => [k, k === s.signature.header ? s.signature.prefix + v.slice(s.signature.prefix.length).toUpperCase() : v]) : wire;
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
  const seen = new Set<string>();
  const sent: { wire: Wire; signedAt: number }[] = [];
  let now = start;
  for (const [i, step] of steps.entries()) {
    now += step.advanceSeconds * 1000;
    io.setClock(now);
    let wire: Wire;
    let signedAt: number;
    if (step.kind === 'new') {
      signedAt = now + step.delivery.skewSeconds * 1000;
      wire = await signedWire(s, step.delivery, signedAt);
      sent.push({ wire, signedAt });
    } else {
      const original = sent[step.of % sent.length]!;
      signedAt = original.signedAt;
      wire = cosmetic(s, original.wire, step.cosmetic, i);
    }
    const age = Math.floor(now / 1000) - Math.floor(signedAt / 1000);
    const ids = identities(s, wire);
    const out = await io.send(wire);
    const where = `step ${i} (${step.kind}${step.kind === 'replay' ? ` of ${step.of % sent.length}, ${step.cosmetic}` : ''})`;
    if (s.timestamp && Math.abs(age) > s.timestamp.toleranceSeconds) {
      if (out.status !== 401) throw new Error(`${where}: ${age} s old, expected 401, got ${out.status} ${out.code ?? ''}`);
    } else if (ids.some((id) => seen.has(id))) {
      if (out.status !== 200) throw new Error(`${where}: identities ${ids.join(', ')} seen, expected 200 duplicate, got ${out.status} ${out.code ?? ''}`);
      // A duplicate is recorded under its signature (a later copy with only that is one too), not
      // under an unsigned id, which a replayer may have chosen: the sender's own delivery of that
      // id is new.
      ids.filter((id) => id.startsWith('sig:') || idIsSigned(s)).forEach((id) => seen.add(id));
    } else {
      if (step.kind !== 'new') throw new Error(`${where}: a replay with unseen identities ${ids.join(', ')}`);
      if (out.status !== 202) throw new Error(`${where}: new identities ${ids.join(', ')}, expected 202, got ${out.status} ${out.code ?? ''}`);
      io.accepted(out, step.delivery, wire);
      ids.forEach((id) => seen.add(id));
    }
  }
}
