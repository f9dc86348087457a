import { isWellFormed } from './text-and-ttl';
import { keyPart } from './key-part';

describe('keyPart', () => {
  it('keeps a short well-formed text as it is', () => {
    expect(keyPart('evt-1')).toBe('evt-1');
    expect(keyPart('clé-🔑')).toBe('clé-🔑');
  });

  it('turns a text with a lone surrogate into a digest of its own: UTF-8 stores would make two such ids one key', () => {
    const texts = ['a\uD800', 'a\uDC00', 'a\uFFFD', `~a\uD800`, `~a\uFFFD`, `\uD800${'x'.repeat(300)}`, `\uDC00${'x'.repeat(300)}`];
    const parts = texts.map((t) => keyPart(t));
    expect(new Set(parts).size).toBe(texts.length);
    for (const [i, part] of parts.entries()) {
      expect(isWellFormed(part)).toBe(true);
      if (i !== 2) expect(part).toMatch(/^~[A-Za-z0-9_-]{43}$/);
    }
  });

  it('turns a text with U+0000 into a digest, which PostgreSQL can store', () => {
    expect(keyPart('a\u0000b')).toMatch(/^~[A-Za-z0-9_-]{43}$/);
    expect(keyPart('a\u0000b')).not.toBe(keyPart('a\u0000c'));
  });
});
