import fc from 'fast-check';
import { fastSignedForm, signedForm } from './twilio-form';
import { referenceFormData } from './twilio-reference';

// The signed bytes (URL then parameters) of the hand-written parser, fast path and fallback,
// against the WHATWG parser as twilio-node signs its result, compared as bytes.
const URL_ = 'https://hooks.example.com/webhooks/twilio?src=sms&x=caf\u00e9';

/** Checks signedForm against the reference, and the fast path's result when it takes the body; returns whether it did. */
function check(body: Uint8Array, urlText = URL_): boolean {
  const url = Buffer.from(urlText);
  const expected = Buffer.from(urlText + referenceFormData(body));
  const fast = fastSignedForm(body, url);
  if (fast !== undefined) expect(Buffer.from(fast)).toEqual(expected); // copied: a view of scratch space
  expect(Buffer.from(signedForm(body, url))).toEqual(expected);
  return fast !== undefined;
}
const form = (text: string) => Buffer.from(text, 'latin1');

const sms = 'ToCountry=US&ToState=CA&SmsMessageSid=SM1f0e2a3b4c5d6e7f8091a2b3c4d5e6f7&NumMedia=0&ToCity=SAN+FRANCISCO'
  + '&FromZip=94105&Body=ALERT+sev1%3A+db-1+disk+91%25+and+rising%3B+ack+with+1&To=%2B14155550199&From=%2B14155550100'
  + '&AccountSid=AC0123456789abcdef0123456789abcdef&ApiVersion=2010-04-01';

describe('the fast path takes', () => {
  it.each([
    ['an SMS webhook', sms],
    ['+, escapes, upper and lower case hex', 'Body=a+b%2Bc%2b%3d&To=%2B1'],
    ['malformed escapes, kept as they are', 'a=%zz&b=%&c=%4&d=%%41&e=100%&f=%4g&g=%+1'],
    ['empty names and values, empty pairs, a pair without =, = in a value', '=v&k=&&k2&&x=a=b==&'],
    ['a lone =, and & at both ends', '&=&'],
    ['names with spaces, punctuation and control bytes', 'a b=1&a!=2&a"=3&a\x00=4&a\x7f=5&a*=6&~=7&a,b.c/d=8'],
    ['names sharing their first bytes, and prefixes of one another', 'FromCity=1&FromCountry=2&From=3&FromC=4&Fr=5&FromCountryCode=6&F=7'],
    ['escapes that decode to UTF-8', 'Body=caf%C3%A9+%F0%9F%9A%A8+%E2%9C%93&a=%ef%bb%bfBOM&b=%00'],
    ['names a digit or below = apart', 'a=1&a0=2&a-=3&a9=4&a<=5&a>=6'],
    ['a body of one pair, of one byte', 'x'],
    ['an empty body', ''],
  ])('%s', (_, text) => {
    expect(check(form(text))).toBe(true);
  });

  it('an escape cut by the end of the body, whatever bytes follow it (the URL is written there)', () => {
    expect(check(form('a=%4'), 'fe://x')).toBe(true);
    expect(check(form('a=%'), 'ff://x')).toBe(true);
    expect(check(form('a=1%4&b=%'), 'a://x')).toBe(true);
  });

  it('a body too big for the shared scratch buffer', () => {
    const pairs = Array.from({ length: 100 }, (_, i) => `P${i}=${'v%41+'.repeat(40)}${i}`);
    expect(check(form(pairs.reverse().join('&')))).toBe(true);
  });

  it('a big body of one name, words copied up to its last byte (the buffer has room past it)', () => {
    expect(check(form('x'.repeat(9001)))).toBe(true);
    expect(check(form(`${'y'.repeat(9002)}=${'z'.repeat(4001)}`))).toBe(true);
  });

  it('a plain Uint8Array, and a Buffer at an odd offset of a larger one', () => {
    expect(check(new Uint8Array(form(sms)))).toBe(true);
    expect(check(form(`xyz${sms}`).subarray(3))).toBe(true);
  });

  it('bodies one after the other (the scratch space holds the last one)', () => {
    expect(check(form(sms))).toBe(true);
    expect(check(form('b=1&a=2'))).toBe(true);
    expect(check(form(sms))).toBe(true);
  });
});

describe('the fast path declines, and formData decides', () => {
  it.each([
    ['escapes that are not UTF-8', 'a=%80&b=%FF'],
    ['a truncated UTF-8 sequence', 'a=%C3&b=1'],
    ['a sequence cut by the end of the value', 'a=x%E2%9C&b=%93'],
    ['an encoded surrogate, an overlong form, beyond U+10FFFF', 'a=%ED%A0%80&b=%C0%AF&c=%F4%90%80%80'],
    ['an escaped name', 'caf%C3%A9=1&a=2'],
    ['an escaped = in a name', 'a%3Db=1'],
    ['+ in a name', 'a+b=1&ab=2'],
    ['a repeated name', 'b=2&a=1&b=1&b=2'],
    ['a repeated empty name', '=1&=2'],
    ['a non-ASCII body', 'Body=caf\u00e9'],
    ['a byte-order mark', '\u00ef\u00bb\u00bfa=1'],
    ['raw bytes that are not UTF-8', 'a=\u00ff\u00fe&b=\u00c3'],
  ])('%s', (_, text) => {
    expect(check(form(text))).toBe(false);
  });

  it('more than 128 pairs', () => {
    expect(check(form(Array.from({ length: 129 }, (_, i) => `p${i}=${i}`).join('&')))).toBe(false);
    expect(check(form(Array.from({ length: 128 }, (_, i) => `p${i}=${i}`).join('&')))).toBe(true);
  });

  it('too many names alike in their first 5 bytes (a bound on the work)', () => {
    const names = Array.from({ length: 128 }, (_, i) => `Param${String(i).padStart(3, '0')}`);
    expect(check(form(names.reverse().map((n) => `${n}=1`).join('&')))).toBe(false);
    expect(check(form(names.slice(0, 20).map((n) => `${n}=1`).join('&')))).toBe(true);
  });
});

describe('any body', () => {
  // Names as Twilio sends them (ASCII, unescaped), each once; any values, as a sender encodes them.
  // At most 22 pairs: however alike the names, fewer than 256 ties.
  const twilioName = fc.stringMatching(/^[A-Za-z0-9_]{0,14}$/);
  const twilioForm = fc.uniqueArray(fc.tuple(twilioName, fc.string({ unit: 'binary' })), { selector: ([n]) => n, maxLength: 22 });

  it('a Twilio-like form takes the fast path and signs the reference bytes', () => {
    fc.assert(fc.property(twilioForm, (pairs) => {
      expect(check(form(new URLSearchParams(pairs).toString()))).toBe(true);
    }), { numRuns: 500 });
  });

  it('any form a sender can encode signs the reference bytes', () => {
    const text = fc.oneof(fc.string({ unit: 'binary' }), fc.constantFrom('From', 'FromCity', 'a b', 'x+y', '=', '&', '%'));
    fc.assert(fc.property(fc.array(fc.tuple(text, text), { maxLength: 12 }), (pairs) => {
      check(Buffer.from(new URLSearchParams(pairs).toString()));
    }), { numRuns: 500 });
  });

  it('any raw body (hand-made escapes, %80-%FF, names alike) signs the reference bytes, through both paths', () => {
    const hex = fc.integer({ min: 0, max: 255 }).map((b) => `%${b.toString(16).padStart(2, '0')}`);
    const piece = fc.oneof(
      fc.constantFrom('%', '+', '&', '=', '%2B', '%25', '%3D', '%26', '%C3%A9', '%e2%9c%93', '%F0%9F%9A%A8', '%G1', '%7', '%%', ' ', '\x00'),
      fc.constantFrom('From', 'FromC', 'FromCity', 'FromCountry', 'To', 'ToCity', 'SmsSid', 'SmsStatus', 'Body'),
      hex, hex.map((h) => h.toUpperCase()),
      fc.string({ maxLength: 6 }), fc.string({ unit: 'grapheme', maxLength: 2 }),
    );
    let fast = 0;
    let declined = 0;
    fc.assert(fc.property(fc.array(piece, { maxLength: 30 }), (pieces) => {
      if (check(Buffer.from(pieces.join('')))) fast++;
      else declined++;
    }), { numRuns: 2000 });
    // The property reached both paths.
    expect(fast).toBeGreaterThan(100);
    expect(declined).toBeGreaterThan(100);
  });

  it('any bytes sign the reference bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      check(bytes);
    }), { numRuns: 1000 });
  });
});
