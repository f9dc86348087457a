import { AppError } from '../errors';
import { checkTimestamp, decodeSignature, prepareKeys, safeEqual } from './timing-safe';

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
    return 'accepted';
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return (e as AppError).code;
  }
};

describe('safeEqual', () => {
  it('compares bytes, including different lengths, without throwing', () => {
    expect(safeEqual(Buffer.from('abc'), Buffer.from('abc'))).toBe(true);
    expect(safeEqual(Buffer.from('abc'), Buffer.from('abd'))).toBe(false);
    expect(safeEqual(Buffer.from('abc'), Buffer.from('abcd'))).toBe(false);
    expect(safeEqual(new Uint8Array(0), new Uint8Array(0))).toBe(true);
  });

  it('compares every byte of a MAC: one byte changed at any position is unequal', () => {
    const mac = Buffer.from('0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0', 'hex');
    for (let i = 0; i < mac.byteLength; i++) {
      const other = Buffer.from(mac);
      other[i] = other[i]! ^ 0x80;
      expect([i, safeEqual(mac, other)]).toEqual([i, false]);
    }
    expect(safeEqual(mac, Buffer.from(mac))).toBe(true);
  });

  it('never equates a value with its own prefix', () => {
    const mac = Buffer.from('0f1e2d3c4b5a6978', 'hex');
    expect(safeEqual(mac, mac.subarray(0, 7))).toBe(false);
    expect(safeEqual(mac.subarray(0, 1), mac)).toBe(false);
    expect(safeEqual(new Uint8Array(0), mac)).toBe(false);
  });
});

describe('decodeSignature', () => {
  const bytes = Buffer.from('0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0', 'hex');
  const b64 = bytes.toString('base64');

  it('decodes strict hex and base64', () => {
    expect(decodeSignature(bytes.toString('hex'), 'hex')).toEqual(bytes);
    expect(decodeSignature(bytes.toString('hex').toUpperCase(), 'hex')).toEqual(bytes);
    expect(decodeSignature(b64, 'base64')).toEqual(bytes);
  });

  it('refuses what Buffer.from would silently accept', () => {
    // Buffer.from stops at the first bad hex pair: the prefix would decode to the right bytes.
    expect(Buffer.from(`${bytes.toString('hex')}zz`, 'hex')).toEqual(bytes);
    expect(decodeSignature(`${bytes.toString('hex')}zz`, 'hex')).toBeUndefined();
    expect(decodeSignature(`${bytes.toString('hex')}0`, 'hex')).toBeUndefined();
    expect(decodeSignature('', 'hex')).toBeUndefined();
    // Other trailing bits in the last base64 character decode to the same bytes.
    const loose = `${b64.slice(0, 42)}${String.fromCharCode(b64.charCodeAt(42) + 1)}=`;
    expect(Buffer.from(loose, 'base64')).toEqual(bytes);
    expect(decodeSignature(loose, 'base64')).toBeUndefined();
    expect(decodeSignature(`${b64} `, 'base64')).toBeUndefined();
    expect(decodeSignature(b64.replace(/=$/, ''), 'base64')).toBeUndefined();
    expect(decodeSignature('', 'base64')).toBeUndefined();
  });
});

describe('checkTimestamp', () => {
  const now = 1_700_000_000_500;
  it.each<[string | undefined, string]>([
    [undefined, 'timestamp_missing'],
    ['1700000000', 'accepted'],
    ['1699999700', 'accepted'],
    ['1699999699', 'timestamp_too_old'],
    ['1700000300', 'accepted'],
    ['1700000301', 'timestamp_too_new'],
    ['-1700000000', 'timestamp_invalid'],
    [' 1700000000', 'timestamp_invalid'],
    ['1700000000.5', 'timestamp_invalid'],
    ['1e9', 'timestamp_invalid'],
    ['9'.repeat(16), 'timestamp_invalid'],
  ])('%s -> %s', (value, code) => {
    expect(codeOf(() => checkTimestamp(value, 'X-Ts', now, 300))).toBe(code);
  });
});

describe('prepareKeys', () => {
  it('refuses an empty secret list (it would reject every request)', () => {
    expect(() => prepareKeys([], 'github')).toThrow(expect.objectContaining({ code: 'invalid_config' }));
  });
});
