import { createHash } from 'node:crypto';
import { sourceSecrets } from '../../../config/secrets';
import { secretMatcher } from '../../../crypto/fixed-width';
import { errors } from '../../../errors';

/**
 * What the handshake schemes share. Okta, Microsoft Graph and Event Grid authenticate with a
 * static shared value (a header, a `code` query parameter, Graph's `clientState`), not a
 * signature over the body, and none sends a delivery id header: the replay key comes from ids
 * inside the authenticated body.
 */

/** Whether a presented value equals one of the configured secrets. */
export type CredentialCheck = (presented: string) => boolean;

/**
 * Prepares a shared-secret comparison once per cold start: constant time at a fixed width
 * (fixed-width.ts), leaking neither the secrets' lengths nor their contents; every secret of a
 * rotation is compared, without stopping at the first match.
 */
export function credentialCheck(config: { secret?: string; secrets?: string[] }, scheme: string): CredentialCheck {
  const secrets = sourceSecrets(config);
  if (secrets.length === 0) throw errors.config(`The ${scheme} verifier needs secret or secrets`);
  return secretMatcher(secrets);
}

/** Codes for shared-secret credentials; the messages never carry a presented or expected value. */
export const credentialMissing = (what: string) => errors.unauthorized('credential_missing', `The ${what} is missing`);
export const credentialInvalid = (what: string) => errors.unauthorized('credential_invalid', `The ${what} does not match`);

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The body as JSON (RFC 8259: UTF-8), or undefined; the ingress parses it again and answers 400. */
export function readJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(utf8.decode(body));
  } catch {
    return undefined;
  }
}

/** A non-empty string, else undefined. */
export const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The value every item shares (a batch's event name), else undefined. */
export function uniform(values: readonly unknown[]): string | undefined {
  const first = text(values[0]);
  return first !== undefined && values.every((v) => v === first) ? first : undefined;
}

const PLAIN_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * The replay key of a batch from the ids of its items, or undefined unless every item has one
 * (an item without an id cannot be told from a legitimate repeat). A single short printable id
 * is used as is, readable in logs; otherwise a SHA-256 of the sorted ids, so a retry of the same
 * batch in another order is still recognised and the key stays short.
 */
const sha256 = (data: string): Buffer => createHash('sha256').update(data).digest();

export function batchKey(ids: readonly unknown[]): string | undefined {
  if (ids.length === 0 || !ids.every((id) => text(id) !== undefined)) return undefined;
  const all = ids as string[];
  if (all.length === 1 && PLAIN_ID.test(all[0]!)) return all[0];
  return `sha256:${sha256(JSON.stringify([...all].sort())).toString('hex')}`;
}

const PRINTABLE = /^[\x20-\x7e]+$/;
const MARKUP = /[<>&"'`\\]/;

/**
 * Whether a vendor's handshake token may be echoed: 1 to `max` printable ASCII characters, none
 * of which can open markup, an attribute or a script (`< > & " ' \` and the backtick), and no
 * control characters. Vendors' tokens are opaque strings well inside this set.
 */
export function echoable(v: string | null | undefined, max: number): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= max && PRINTABLE.test(v) && !MARKUP.test(v);
}

/** Response headers of every handshake answer: never sniffed as HTML, never cached. */
export const HANDSHAKE_HEADERS = { 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' } as const;
