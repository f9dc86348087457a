import fc from 'fast-check';
import { deliveryId } from './arbitraries';
import { NOW, ORIGIN, type Wire } from './harness';
import { COMMON_ROLES, type Role, type SchemeCase, signatureParts } from './schemes';

/**
 * A valid delivery, one mutation, and the model of what the mutation must do: `reject` (401,
 * nothing published) when it changes anything signed or checked, `accept` (202, published once)
 * when it changes only what the scheme does not sign (a header name's case, an unsigned header,
 * the clock for a scheme without timestamps).
 */
export interface Delivery {
  /** The JSON body as text (the vendor libraries sign strings). */
  text: string;
  contentType: string;
  id: string;
  /** Index into the scheme's secrets (rotation: each configured secret signs valid requests). */
  secret: number;
  /** Signing time relative to the receiver's clock, within the scheme's tolerance. */
  skewSeconds: number;
  /** Milliseconds past the whole second on the receiver's clock. */
  ms: number;
}

export const deliveryFor = (s: SchemeCase): fc.Arbitrary<Delivery> => {
  const window = s.timestamp?.toleranceSeconds ?? 1e6;
  return fc.record({
    text: fc.json({ maxDepth: 3, stringUnit: 'grapheme' }),
    contentType: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/json; charset="UTF-8"', 'application/vnd.api+json'),
    id: deliveryId,
    secret: fc.nat({ max: s.secrets.length - 1 }),
    // Either edge of the window often: off-by-ones live there.
    skewSeconds: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: -window, max: window }) }, fc.constantFrom(-window, window)),
    ms: fc.integer({ min: 0, max: 999 }),
  });
};

/** The receiver's clock for a delivery. */
export const receivedAt = (d: Delivery) => NOW + d.ms;

/**
 * The path (with the query the scheme signs, if any) and the headers of a valid delivery of
 * `text` to `path`, signed at `at` (epoch ms).
 */
export async function signedRequest(s: SchemeCase, path: string, text: string, at: number, opts: { id: string; secret: string }) {
  const full = path + (s.query?.(text) ?? '');
  return { path: full, headers: await s.sign(text, at, { ...opts, url: `${ORIGIN}${full}` }) };
}

/** The signed request of a delivery (optionally signed at another time or with another secret). */
export async function signedWire(s: SchemeCase, d: Delivery, at = receivedAt(d) + d.skewSeconds * 1000, secret = s.secrets[d.secret]!): Promise<Wire> {
  const signed = await signedRequest(s, `/webhooks/${s.name}`, d.text, at, { id: d.id, secret });
  const headers: [string, string][] = [...Object.entries(signed.headers), ['content-type', d.contentType], ['user-agent', 'secorch-property-test/1']];
  return { method: 'POST', path: signed.path, headers, body: new Uint8Array(Buffer.from(d.text, 'utf8')) };
}

export type Mutation =
  | { kind: 'body.flip'; at: number; bit: number }
  | { kind: 'body.truncate'; drop: number }
  | { kind: 'body.extend'; extra: number[] }
  | { kind: 'signature.flip'; at: number; bit: number }
  | { kind: 'signature.char'; at: number; char: string }
  | { kind: 'secret.wrong'; seed: string }
  | { kind: 'time.beyond'; direction: 1 | -1; seconds: number }
  | { kind: 'header.drop'; name: string }
  | { kind: 'header.duplicate'; name: string }
  | { kind: 'header.case'; name: string; mask: number };

export type Expected = 'accept' | 'reject' | 'either';

export const mutationFor = (s: SchemeCase): fc.Arbitrary<Mutation> => {
  const names = fc.constantFrom(...Object.keys(s.roles), ...Object.keys(COMMON_ROLES));
  const at = fc.nat({ max: 1000 });
  const bit = fc.integer({ min: 0, max: 7 });
  return fc.oneof(
    fc.record({ kind: fc.constant('body.flip' as const), at, bit }),
    fc.record({ kind: fc.constant('body.truncate' as const), drop: fc.nat() }),
    fc.record({ kind: fc.constant('body.extend' as const), extra: fc.array(fc.nat({ max: 255 }), { minLength: 1, maxLength: 8 }) }),
    fc.record({ kind: fc.constant('signature.flip' as const), at, bit }),
    fc.record({ kind: fc.constant('signature.char' as const), at, char: fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 }).filter((c) => c >= ' ' && c <= '~') }),
    fc.record({ kind: fc.constant('secret.wrong' as const), seed: fc.string({ minLength: 1, maxLength: 24 }) }),
    fc.record({ kind: fc.constant('time.beyond' as const), direction: fc.constantFrom(1 as const, -1 as const), seconds: fc.integer({ min: 1, max: 1e6 }) }),
    fc.record({ kind: fc.constant('header.drop' as const), name: names }),
    fc.record({ kind: fc.constant('header.duplicate' as const), name: names }),
    fc.record({ kind: fc.constant('header.case' as const), name: names, mask: fc.nat({ max: 0xffff }) }),
  );
};

const roleOf = (s: SchemeCase, name: string): Role => s.roles[name] ?? COMMON_ROLES[name]!;

/** Applies `m` to the valid delivery `d` and says what the receiver must answer. */
export async function mutate(s: SchemeCase, d: Delivery, m: Mutation): Promise<{ wire: Wire; expected: Expected }> {
  const signAt = receivedAt(d) + d.skewSeconds * 1000;
  if (m.kind === 'secret.wrong') {
    const secret = s.secretFrom(m.seed);
    return { wire: await signedWire(s, d, signAt, secret), expected: s.secrets.includes(secret) ? 'accept' : 'reject' };
  }
  if (m.kind === 'time.beyond') {
    // Signed (validly) outside the window: the scheme's clock check must refuse it. GitHub signs no time.
    const tolerance = s.timestamp?.toleranceSeconds ?? 300;
    const at = receivedAt(d) + m.direction * (tolerance + m.seconds) * 1000;
    return { wire: await signedWire(s, d, at), expected: s.timestamp ? 'reject' : 'accept' };
  }
  const wire = await signedWire(s, d, signAt);
  const body = wire.body!;
  switch (m.kind) {
    case 'body.flip': {
      const i = m.at % body.length;
      body[i] = body[i]! ^ (1 << m.bit);
      return { wire, expected: 'reject' };
    }
    case 'body.truncate':
      return { wire: { ...wire, body: body.slice(0, body.length - 1 - (m.drop % body.length)) }, expected: 'reject' };
    case 'body.extend':
      return { wire: { ...wire, body: Uint8Array.from([...body, ...m.extra]) }, expected: 'reject' };
    case 'signature.flip':
    case 'signature.char':
      return mutateSignature(s, wire, m);
    case 'header.drop': {
      const role = roleOf(s, m.name);
      // Without a Content-Type the body is read as JSON, which it is.
      const expected = role === 'unsigned' || role === 'content-type' ? 'accept' : 'reject';
      return { wire: { ...wire, headers: wire.headers.filter(([k]) => k !== m.name) }, expected };
    }
    case 'header.duplicate': {
      const role = roleOf(s, m.name);
      const value = wire.headers.find(([k]) => k === m.name)![1];
      // A doubled Content-Type ("a, a") is not one media type: 415 and 202 are both defensible.
      const expected = role === 'unsigned' ? 'accept' : role === 'content-type' ? 'either' : role === 'signature' && s.signature.duplicateAccepted ? 'accept' : 'reject';
      return { wire: { ...wire, headers: [...wire.headers, [m.name, value]] }, expected };
    }
    case 'header.case': {
      const recase = (k: string) => [...k].map((c, i) => ((m.mask >> i % 16) & 1 ? c.toUpperCase() : c)).join('');
      return { wire: { ...wire, headers: wire.headers.map(([k, v]) => [k === m.name ? recase(k) : k, v]) }, expected: 'accept' };
    }
  }
}

/** Flips a bit of the decoded signature (always invalid), or replaces one character of its text. */
function mutateSignature(s: SchemeCase, wire: Wire, m: Extract<Mutation, { kind: 'signature.flip' | 'signature.char' }>): { wire: Wire; expected: Expected } {
  const { header, encoding } = s.signature;
  const { before, text } = signatureParts(s, wire.headers.find(([k]) => k === header)![1]);
  let changed: string;
  let expected: Expected = 'reject';
  if (m.kind === 'signature.flip') {
    const bytes = Buffer.from(text, encoding);
    const i = m.at % bytes.length;
    bytes[i] = bytes[i]! ^ (1 << m.bit);
    changed = bytes.toString(encoding);
  } else {
    const i = m.at % text.length;
    const old = text[i]!;
    changed = text.slice(0, i) + m.char + text.slice(i + 1);
    // Hex is case-insensitive; base64 is not, and any other change of canonical base64 is refused.
    if (m.char === old || (encoding === 'hex' && m.char.toLowerCase() === old.toLowerCase())) expected = 'accept';
  }
  return { wire: { ...wire, headers: wire.headers.map(([k, v]) => [k, k === header ? before + changed : v]) }, expected };
}
