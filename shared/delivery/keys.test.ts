import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { eventRef, keys, parseDue, SAFE_PART, sortableId } from './keys';

const bytes = (...b: number[]) => () => Uint8Array.from(b);
const zeros = () => new Uint8Array(10);

describe('sortableId', () => {
  it('is the prefix, 10 base-32 characters of the millisecond time, then the 80 random bits as 16 characters', () => {
    expect(sortableId('msg_', 0, zeros)).toBe(`msg_${'0'.repeat(26)}`);
    // 2^50 - 1 ms is the largest time 10 characters hold: all Z (31).
    expect(sortableId('msg_', 2 ** 50 - 1, zeros)).toBe(`msg_${'Z'.repeat(10)}${'0'.repeat(16)}`);
    expect(sortableId('', 32 * 32 + 5, zeros).slice(0, 10)).toBe('0000000105');
    // Five bits per character, most significant first, in Crockford's alphabet (no I, L, O or U).
    // 0x08 0x86 0x42 0x98 0xE8 = 00001 00010 00011 00100 00101 00110 00111 01000 -> 1..8.
    expect(sortableId('', 0, bytes(0x08, 0x86, 0x42, 0x98, 0xe8, 0xff, 0xff, 0xff, 0xff, 0xff)).slice(10)).toBe('12345678ZZZZZZZZ');
    expect(sortableId('', 0, bytes(0x8c, 0xab, 0x6d, 0x7c, 0x00, 0, 0, 0, 0, 0x01)).slice(10, 18)).toBe('HJNPTZ00'); // 17 18 21 22 26 31: no I, L, O or U
    expect(sortableId('', 0, bytes(0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01)).slice(10)).toBe('0000000000000001');
  });

  it('asks the random source for 10 bytes', () => {
    const asked: number[] = [];
    sortableId('x_', 1, (n) => (asked.push(n), new Uint8Array(n)));
    expect(asked).toEqual([10]);
  });

  it('sorts as a string in time order, whatever the random part', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 2 ** 48 }), fc.integer({ min: 0, max: 2 ** 48 }),
      fc.uint8Array({ minLength: 10, maxLength: 10 }), fc.uint8Array({ minLength: 10, maxLength: 10 }),
      (t1, t2, r1, r2) => {
        fc.pre(t1 !== t2);
        const [a, b] = [sortableId('msg_', t1, () => r1), sortableId('msg_', t2, () => r2)];
        expect(a < b).toBe(t1 < t2);
      },
    ), { numRuns: 500 });
  });

  // Every random bit counts: bytes that differ only in their upper 3 bits (lost by one character per byte) give other ids.
  test('carries 80 random bits as documented: bytes that differ give ids that differ', () => {
    const a = sortableId('msg_', 1_700_000_000_000, zeros);
    const b = sortableId('msg_', 1_700_000_000_000, () => new Uint8Array(10).fill(32));
    expect(a).not.toBe(b);
  });
});

describe('eventRef', () => {
  it('keeps the id alone for a record written before the source was kept', () => {
    expect(eventRef(undefined, 'e-1')).toBe('e-1');
  });

  it('prefixes a 16-character base64url digest of the source, so two sources reusing an id differ', () => {
    const a = eventRef('scanner-a', '1');
    const b = eventRef('scanner-b', '1');
    expect(a).toMatch(/^[A-Za-z0-9_-]{16}:1$/);
    expect(b).toMatch(/^[A-Za-z0-9_-]{16}:1$/);
    expect(a).not.toBe(b);
    expect(eventRef('scanner-a', '1')).toBe(a); // stable: the key of a retry days later
    expect(eventRef('scanner-a', '2')).toBe(`${a.slice(0, 16)}:2`);
    // The empty source is a source, not "no source".
    expect(eventRef('', 'e-1')).not.toBe('e-1');
  });

  // The digest is kept per source (keys.ts): stored events are found by it for days, so a kept
  // answer must be the very digest, before and after the bound of kept sources pushes it out.
  it('is the SHA-256 of the source whatever was kept, also after more sources than the bound', () => {
    const digest = (source: string) => createHash('sha256').update(source, 'utf8').digest('base64url').slice(0, 16);
    expect(eventRef('secorch/github', 'e-1')).toBe(`${digest('secorch/github')}:e-1`);
    for (let i = 0; i < 1500; i++) expect(eventRef(`source-${i}`, 'x')).toBe(`${digest(`source-${i}`)}:x`);
    expect(eventRef('secorch/github', 'e-2')).toBe(`${digest('secorch/github')}:e-2`);
    expect(eventRef('source-7', 'y')).toBe(`${digest('source-7')}:y`);
  });
});

describe('eventRef and lone surrogates', () => {
  // UTF-8 has no encoding for a lone surrogate: hashed as UTF-8, each became U+FFFD, and these
  // sources shared one digest, so one's stored event was sent for the other's deliveries.
  it('keeps sources apart that differ only in a lone surrogate, or in one against U+FFFD', () => {
    const sources = ['scanner\uD800', 'scanner\uDBFF', 'scanner\uDC00', 'scanner\uFFFD', '\uD800scanner', 'scanner\uDC00\uD800'];
    const refs = sources.map((s) => eventRef(s, '1'));
    expect(new Set(refs).size).toBe(sources.length);
    for (const r of refs) expect(r).toMatch(/^[A-Za-z0-9_-]{16}:1$/);
    expect(eventRef('scanner\uD800', '1')).toBe(refs[0]); // stable
  });

  it('keeps ids apart that differ only in a lone surrogate (keyPart digests them)', () => {
    const ids = ['e\uD800', 'e\uDBFF', 'e\uFFFD'].map((id) => eventRef('scanner', id));
    expect(new Set(ids).size).toBe(3);
  });

  it('leaves the digest of a well-formed source as it was, surrogate pairs included', () => {
    const utf8 = (source: string) => createHash('sha256').update(source, 'utf8').digest('base64url').slice(0, 16);
    for (const source of ['scanner', 'sc\u00e9nner', 'scanner-\u{1F6A8}', '']) expect(eventRef(source, 'x')).toBe(`${utf8(source)}:x`);
  });
});

describe('keys', () => {
  it('puts the record kind and the tenant first in every key', () => {
    expect(keys.subscription('t1', 'sub_1')).toBe('sub:t1:sub_1');
    expect(keys.subscription('t1', 'sub_1').startsWith(keys.subscriptions('t1'))).toBe(true);
    expect(keys.subscription('t10', 'sub_1').startsWith(keys.subscriptions('t1'))).toBe(false);
    expect(keys.delivery('t1', 'msg_1')).toBe('dlv:t1:msg_1');
    expect(keys.delivery('t1', 'msg_1').startsWith(keys.deliveries('t1'))).toBe(true);
    expect(keys.event('t1', 'r:1')).toBe('evt:t1:r:1');
    expect(keys.deliveryOf('t1', 'sub_1', 'r:1')).toBe('dlvkey:t1:sub_1:r:1');
    expect(keys.breaker('t1', 'sub_1')).toBe('brk:t1:sub_1');
    expect(keys.deadLetter('t1', 'dlq_1')).toBe('dlq:t1:dlq_1');
    expect(keys.deadLetter('t1', 'dlq_1').startsWith(keys.deadLetters('t1'))).toBe(true);
    // A body is outside the listing's prefix: listing dead letters never reads one.
    expect(keys.deadLetterBody('t1', 'dlq_1')).toBe('dlqbody:t1:dlq_1');
    expect(keys.deadLetterBody('t1', 'dlq_1').startsWith(keys.deadLetters('t1'))).toBe(false);
    // So is an attempt's response: listing deliveries never reads one.
    expect(keys.attemptResponse('t1', 'msg_1', 3)).toBe('dlvres:t1:msg_1:000003');
    expect(keys.attemptResponse('t1', 'msg_1', 3).startsWith(keys.attemptResponses('t1', 'msg_1'))).toBe(true);
    expect(keys.attemptResponse('t1', 'msg_1', 3).startsWith(keys.deliveries('t1'))).toBe(false);
    expect(keys.attemptResponse('t1', 'msg_10', 3).startsWith(keys.attemptResponses('t1', 'msg_1'))).toBe(false);
  });

  it('writes due keys with a 13-digit time so that they sort in time order; a time before 1970 is 0', () => {
    expect(keys.due(1_700_000_000_123.9, 't1', 'msg_1')).toBe('due:1700000000123:t1:msg_1');
    expect(keys.due(5, 't1', 'msg_1')).toBe('due:0000000000005:t1:msg_1');
    expect(keys.due(-5, 't1', 'msg_1')).toBe('due:0000000000000:t1:msg_1');
    expect(keys.due(999, 't', 'a') < keys.due(1000, 't', 'a')).toBe(true);
    expect(keys.due(5, 't', 'a').startsWith(keys.duePrefix)).toBe(true);
  });

  it('parses a due key back into its parts, and nothing else', () => {
    expect(parseDue(keys.due(1_700_000_000_123, 't1', 'msg_1'))).toEqual({ at: 1_700_000_000_123, tenant: 't1', id: 'msg_1' });
    expect(parseDue('due:1700000000123:t1:')).toBeUndefined();
    expect(parseDue('due:170000000012:t1:msg_1')).toBeUndefined();
    expect(parseDue('dlv:t1:msg_1')).toBeUndefined();
  });

  it('allows only separator-free tenant names and ids', () => {
    expect(['acme', 'sub_01H', 'a.b-c', 'x'.repeat(128)].every((s) => SAFE_PART.test(s))).toBe(true);
    expect(['', 'a:b', 'a b', 'a/b', 'x'.repeat(129), 'é'].some((s) => SAFE_PART.test(s))).toBe(false);
  });
});
