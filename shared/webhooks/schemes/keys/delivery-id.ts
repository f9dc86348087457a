import { isLosslessNumber, parse as parseLossless } from 'lossless-json';
import { errors } from '../../../errors';
import { MAX_JSON_DEPTH, nestedDeeperThan } from '../../../events/json-depth';
import { header, missingId } from '../../timing-safe';
import type { VerifyInput } from '../../types';

/**
 * Where a credential scheme finds the sender's delivery id, for replay protection: a header
 * (`idHeader`) or a dot path into the JSON body (`idPath`, e.g. `event.id`). Read only after the
 * credential was accepted, so an unauthenticated caller learns nothing about the body rules.
 */
export interface DeliveryIdOptions {
  idHeader?: string;
  idPath?: string;
}

export type DeliveryIdReader = (input: VerifyInput) => string | undefined;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const noId = (path: string) => errors.badRequest('malformed_body', `The body has no delivery id (string or number) at ${path}`);

function walk(root: unknown, segments: string[], path: string): unknown {
  let value = root;
  for (const key of segments) {
    // Own properties only: "__proto__" or "constructor" must not reach into prototypes.
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) throw noId(path);
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function atPath(body: Uint8Array, segments: string[], path: string): string {
  let text: string;
  let root: unknown;
  let value: unknown;
  try {
    text = utf8.decode(body);
    root = JSON.parse(text);
    value = walk(root, segments, path);
  } catch {
    throw noId(path);
  }
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  // JSON.parse rounds an integer past 2^53 (a 64-bit id such as 1234567890123456789) to the
  // nearest double, which distinct ids share: they would be taken for replays of each other.
  // The number's own text is the id: read again without rounding (lossless-json), only then.
  // lossless-json's parser recurses: a document deeper than the ingress accepts anyway (it is
  // refused there as malformed_body) would overflow the stack, a 500 instead of a 400.
  if (typeof value === 'number' && Number.isFinite(value)) {
    if (nestedDeeperThan(root, MAX_JSON_DEPTH, body)) throw errors.badRequest('malformed_body', `The body is nested deeper than ${MAX_JSON_DEPTH} levels`);
    const exact = walk(parseLossless(text), segments, path);
    if (isLosslessNumber(exact)) return exact.value;
  }
  if (typeof value === 'string' && value.length > 0) return value;
  throw noId(path);
}

export function deliveryIdReader({ idHeader, idPath }: DeliveryIdOptions, scheme: string): DeliveryIdReader {
  if (idHeader && idPath) throw errors.config(`${scheme}: give idHeader or idPath, not both`);
  if (idHeader) {
    return ({ headers }) => {
      const id = header(headers, idHeader);
      if (id === undefined) throw missingId(idHeader);
      return id;
    };
  }
  if (idPath) {
    const segments = idPath.split('.');
    if (segments.some((s) => s.length === 0)) throw errors.config(`${scheme}: idPath must be a dot path such as event.id`);
    return ({ body }) => atPath(body, segments, idPath);
  }
  return () => undefined;
}
