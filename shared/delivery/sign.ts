import { createHmac, type KeyObject } from 'node:crypto';
import { AppError } from '../errors';
import { decodeSecret } from './secret';

/**
 * Standard Webhooks signing of one outbound request.
 * https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#signature-scheme
 * The signed content is `${webhook-id}.${webhook-timestamp}.${body}` over the exact body bytes
 * sent; `webhook-signature` holds one `v1,<base64 HMAC-SHA256>` per secret, space-separated, so
 * during a rotation receivers holding the old or the new secret both find a match.
 */
export interface SignInput {
  /** The delivery id (`msg_...`), stable across retries: receivers dedupe on it. */
  id: string;
  /** Time of this attempt, whole seconds since the epoch (a retry gets a fresh one). */
  timestampSeconds: number;
  /** The exact bytes sent; a string is signed as its UTF-8 encoding. */
  body: string | Uint8Array;
  /** `whsec_` secrets, newest first; every one of them signs. */
  secrets: readonly string[];
}

export interface WebhookSignatureHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * The spec: id and timestamp must not contain `.` ("to prevent certain attacks": a dot would let
 * `a.b` + `c` and `a` + `b.c` sign alike). We also keep the id a safe header value.
 */
const ID = /^[A-Za-z0-9_\-:]{1,256}$/;

const badInput = (message: string) => new AppError('webhook_sign_invalid', message, { status: 500, retryable: false, expose: false });

/**
 * One `v1,` entry: HMAC-SHA256 with the decoded key over `${id}.${timestamp}.${body}`. The key as
 * bytes or as a secret KeyObject made of them (the engine keeps one per secret: createHmac then
 * does not copy and check the bytes on every call).
 */
export function signatureV1(key: Uint8Array | KeyObject, id: string, timestampSeconds: number, body: string | Uint8Array): string {
  const mac = createHmac('sha256', key).update(`${id}.${timestampSeconds}.`).update(body).digest('base64');
  return `v1,${mac}`;
}

function checkInput(id: string, timestampSeconds: number, count: number): void {
  if (!ID.test(id)) throw badInput('The webhook id must be 1-256 characters of [A-Za-z0-9_:-]');
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0) {
    throw badInput('The webhook timestamp must be whole non-negative seconds');
  }
  if (count === 0) throw badInput('At least one signing secret is needed');
}

function headers(id: string, timestampSeconds: number, body: string | Uint8Array, keys: readonly (Uint8Array | KeyObject)[]): WebhookSignatureHeaders {
  // The same secret listed twice (a rotation to itself) gives one entry, not two equal ones. One
  // secret (all but a rotation's overlap) is one entry: no set and no array for it.
  const signature = keys.length === 1
    ? signatureV1(keys[0]!, id, timestampSeconds, body)
    : [...new Set(keys.map((k) => signatureV1(k, id, timestampSeconds, body)))].join(' ');
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': signature,
  };
}

export function signDelivery(input: SignInput): WebhookSignatureHeaders {
  const { id, timestampSeconds, body, secrets } = input;
  checkInput(id, timestampSeconds, secrets.length);
  return headers(id, timestampSeconds, body, secrets.map(decodeSecret));
}

/**
 * signDelivery with the keys already decoded (decodeSecret), as bytes or secret KeyObjects: the
 * engine decodes a secret once, not per delivery.
 */
export function signWithKeys(input: Omit<SignInput, 'secrets'> & { keys: readonly (Uint8Array | KeyObject)[] }): WebhookSignatureHeaders {
  const { id, timestampSeconds, body, keys } = input;
  checkInput(id, timestampSeconds, keys.length);
  return headers(id, timestampSeconds, body, keys);
}
