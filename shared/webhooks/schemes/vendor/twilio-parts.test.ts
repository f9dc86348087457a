import fc from 'fast-check';
import { formData } from './twilio-parts';
import { referenceFormData } from './twilio-reference';

const enc = new TextEncoder();

/**
 * The form parser of the slow path (twilio-form.ts falls back to it) against the platform's:
 * URLSearchParams is the WHATWG urlencoded parser, and twilio-node signs `name + value` over the
 * names in sorted order (a repeated name: each distinct value once, sorted).
 */
const reference = (raw: string): string => referenceFormData(enc.encode(raw));

test('decodes +, ASCII and multi-byte escapes, malformed escapes, empty names and values as URLSearchParams does', () => {
  for (const text of [
    'To=%2B14155550199&Body=a+b%2Bc&From=x', 'Body=91%25+full&A=%3A%2C', 'a=%zz&b=%&c=%4', 'caf%C3%A9=%E2%9C%93&x=%FF',
    '=v&k=&&k2', 'b=2&a=1&b=1&b=2', 'k=v=w', '',
  ]) {
    expect(formData(enc.encode(text))).toBe(reference(text));
  }
});

test('any form a sender can encode gives the same signed string as the reference', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' })), { maxLength: 12 }), (pairs) => {
      const text = new URLSearchParams(pairs).toString();
      expect(formData(enc.encode(text))).toBe(reference(text));
    }),
    { numRuns: 500 },
  );
});

test('any raw body (hand-made escapes included) gives the same signed string as the reference', () => {
  const piece = fc.oneof(fc.constantFrom('%', '+', '&', '=', '%2B', '%25', '%C3%A9', '%e2%9c%93', '%G1', '%7', '%80'), fc.string({ maxLength: 4 }));
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 20 }), (pieces) => {
      const text = pieces.join('');
      expect(formData(enc.encode(text))).toBe(reference(text));
    }),
    { numRuns: 1000 },
  );
});
