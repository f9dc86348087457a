import { AppError } from '../errors';
import type { Filter } from '../routing/filter';

/**
 * The records the delivery engine stores, and the few pure helpers that belong to them. Times are
 * ISO 8601 strings in records (readable in the delivery log) and epoch ms in function arguments.
 */
export interface SubscriptionSecret {
  /** The `whsec_` secret sealed by the secrets port; never stored or logged in clear. */
  sealed: string;
  createdAt: string;
  /** Set when a newer secret replaced this one: it keeps signing until then (rotation overlap). */
  expiresAt?: string;
}

export interface Subscription {
  id: string;
  tenant: string;
  url: string;
  /** CloudEvents Subscriptions filter; absent = every event of the tenant. */
  filter?: Filter;
  /** JSONata expression applied to the event before sending. */
  transform?: string;
  /** Extra request headers, already passed through sanitizeExtraHeaders. */
  headers?: Record<string, string>;
  rateLimit?: { perSecond: number; burst?: number };
  enabled: boolean;
  /** Why it was disabled: `gone` (410), `failing` (5 days of failure), `user`. */
  disabledReason?: string;
  createdAt: string;
  updatedAt: string;
  secrets: SubscriptionSecret[];
}

export interface Attempt {
  /** 1-based attempt number. */
  n: number;
  at: string;
  status?: number;
  /** Transport error code (`timeout`, `egress_denied`, `ECONNREFUSED` ...) when there was no response. */
  error?: string;
  durationMs: number;
  /** The first RESPONSE_BODY_LIMIT bytes of the response, as text. */
  responseBody?: string;
  responseHeaders?: Record<string, string>;
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface Delivery {
  /** Also the `webhook-id` header (`msg_...`): stable across retries, receivers dedupe on it. */
  id: string;
  tenant: string;
  subscriptionId: string;
  eventId: string;
  /** The event's source; with eventId it identifies the event (absent on records written before it was kept). */
  eventSource?: string;
  eventType: string;
  status: DeliveryStatus;
  attempts: Attempt[];
  nextAttemptAt?: string;
  createdAt: string;
  updatedAt: string;
  lastError?: string;
}

export const DELIVERY_ID_PREFIX = 'msg_';
export const isFinal = (status: DeliveryStatus): boolean => status !== 'pending';

/** How long a replaced secret keeps signing after a rotation (Svix and others use 24 h too). */
export const DEFAULT_ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;
/**
 * A subscription holds at most this many secrets, so a delivery carries at most this many
 * signatures: the current one and four still in their overlap. A rotation that would need a
 * sixth is refused (tooManySecrets) rather than dropping one before the expiry its rotation
 * answered (`previousSecretExpiresAt`), which its receivers may still be verifying with.
 */
export const MAX_SECRETS = 5;

const expiry = (s: SubscriptionSecret) => (s.expiresAt === undefined ? Infinity : Date.parse(s.expiresAt));
const newestFirst = (a: SubscriptionSecret, b: SubscriptionSecret) => Date.parse(b.createdAt) - Date.parse(a.createdAt);

/** The sealed secrets that sign at `now`, newest first: one during normal life, two or more in an overlap. */
export function signingSecrets(secrets: readonly SubscriptionSecret[], now: number): string[] {
  return liveSecrets(secrets, now).map((s) => s.sealed);
}

/** The secrets that sign at `now`, newest first, as records (their expiry says until when). */
export function liveSecrets(secrets: readonly SubscriptionSecret[], now: number): SubscriptionSecret[] {
  // An unparseable expiresAt compares false: such a secret stops signing rather than signing forever.
  return secrets.filter((s) => expiry(s) > now).sort(newestFirst);
}

/** 409 `too_many_secrets`: `firstExpiry` is when the earliest of the secrets still signing stops. */
export function tooManySecrets(firstExpiry: number): AppError {
  const at = new Date(firstExpiry).toISOString();
  return new AppError(
    'too_many_secrets',
    `A subscription keeps at most ${MAX_SECRETS} secrets, and ${MAX_SECRETS} sign now: the current one and ${MAX_SECRETS - 1} earlier ones still within their overlap. `
      + `Another rotation would drop the oldest before ${at}, the time its rotation said it stops signing. `
      + `Rotate again from ${at}, or rotate with overlapSeconds 0 to retire every earlier secret at once.`,
    { status: 409, extra: { maxSecrets: MAX_SECRETS, oldestSecretExpiresAt: at } },
  );
}

/**
 * Adds a new secret; the current ones keep signing for `overlapMs` more (never longer than they
 * already would); expired ones are dropped. Throws tooManySecrets when MAX_SECRETS would be
 * exceeded by secrets still signing: an overlap of 0 (which retires them all) is always taken.
 */
export function rotateSecrets(
  secrets: readonly SubscriptionSecret[], sealed: string, now: number, overlapMs = DEFAULT_ROTATION_OVERLAP_MS,
): SubscriptionSecret[] {
  const until = now + overlapMs;
  const kept = secrets
    .filter((s) => expiry(s) > now && until > now)
    .map((s) => ({ ...s, expiresAt: new Date(Math.min(expiry(s), until)).toISOString() }));
  // Each rotation caps the expiry of every earlier secret at its own: the oldest expires first.
  if (kept.length >= MAX_SECRETS) throw tooManySecrets(Math.min(...secrets.filter((s) => expiry(s) > now).map(expiry)));
  return [{ sealed, createdAt: new Date(now).toISOString() }, ...kept.sort(newestFirst)];
}

/** Response bodies are logged up to 20 KB; a UTF-8 sequence cut at the limit is dropped, not mangled. */
export const RESPONSE_BODY_LIMIT = 20 * 1024;
export function responseBodyPreview(bytes: Uint8Array, limit = RESPONSE_BODY_LIMIT): string {
  // Most answers are empty (204): no decoder for them.
  if (bytes.byteLength === 0) return '';
  return new TextDecoder('utf-8').decode(bytes.subarray(0, limit), { stream: true });
}

export { HEADER_BLOCKLIST, sanitizeExtraHeaders, type SanitizedHeaders } from './headers';
