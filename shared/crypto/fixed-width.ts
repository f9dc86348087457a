import { timingSafeEqual } from 'node:crypto';

/**
 * Configured credentials (API keys, Basic user names and passwords, shared tokens), compared with what a request
 * presents in constant time and without revealing their lengths. Each value is kept zero-padded
 * to one width (the longest value's); the presented value is written into a scratch buffer of
 * that width (cut short when longer), and every configured value is compared over the whole
 * width, every time, together with the presented value's full length.
 *
 * This replaces hashing both sides (SHA-256 per request, about 1 µs) with a copy: node:crypto's
 * timingSafeEqual needs inputs of one length and leaves the length problem to the caller, which
 * is what the padding solves. The time taken depends on the width and the presented value only.
 */
export interface FixedWidthSecrets {
  /** For each configured value, 1 when `given` equals it byte for byte (UTF-8), else 0. */
  compare(given: string): Uint8Array;
  /** 1 when `given` equals any configured value, else 0: compare's bits OR-ed, without a list. */
  matchesAny(given: string): number;
}

export function fixedWidthSecrets(values: readonly string[]): FixedWidthSecrets {
  const lengths = values.map((v) => Buffer.byteLength(v, 'utf8'));
  const width = Math.max(0, ...lengths);
  const padded = values.map((v) => {
    const b = Buffer.alloc(width);
    b.write(v, 'utf8');
    return b;
  });
  const scratch = Buffer.alloc(width);
  /** Writes `given` into the scratch buffer; its full length in UTF-8 bytes. */
  const present = (given: string): number => {
    scratch.fill(0, scratch.write(given, 'utf8'));
    // A value cut short at the width is longer than every configured one, so its full length
    // matches none; a value of a configured length fits the width and was written whole.
    return Buffer.byteLength(given, 'utf8');
  };
  const bit = (i: number, length: number): number => Number(timingSafeEqual(scratch, padded[i]!)) & Number(length === lengths[i]);
  return {
    compare(given) {
      const length = present(given);
      const result = new Uint8Array(padded.length);
      for (let i = 0; i < padded.length; i++) result[i] = bit(i, length);
      return result;
    },
    matchesAny(given) {
      const length = present(given);
      let found = 0;
      for (let i = 0; i < padded.length; i++) found |= bit(i, length);
      return found;
    },
  };
}

/** 1 when any entry is 1, without branching on which. */
export const any = (bits: Uint8Array): number => bits.reduce((acc, b) => acc | b, 0);

/**
 * Whether a presented value equals any configured one: the comparison every shared-secret scheme
 * makes (api-key, GitLab's token, the handshakes' shared values, API keys).
 */
export function secretMatcher(values: readonly string[]): (given: string) => boolean {
  const secrets = fixedWidthSecrets(values);
  return (given) => secrets.matchesAny(given) === 1;
}
