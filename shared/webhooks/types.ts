/**
 * Inbound webhook verification. A scheme is prepared once from its configuration (secrets decoded
 * at cold start) and then verifies requests on the raw body bytes, in constant time.
 */

/** What the platform (never a client-set header) says about the caller. */
export interface ClientInfo {
  /** The client address as the platform saw it (API Gateway sourceIp, trusted proxy hops). */
  ip?: string;
  /** The client certificate of an mTLS connection, as the platform forwarded it. */
  cert?: ClientCertificate;
}

export interface ClientCertificate {
  /** SHA-256 fingerprint, lower-case hex without separators. */
  fingerprint256?: string;
  subject?: string;
  issuer?: string;
  /** Whether the platform validated the chain (API Gateway mTLS always does). */
  verified?: boolean;
}

export interface VerifyInput {
  /** Request headers (case-insensitive). */
  headers: Headers;
  /** The raw body bytes exactly as received. Never re-serialized JSON. */
  body: Uint8Array;
  /** The full request URL as the sender addressed it. */
  url: string;
  /** Current time, epoch ms, from the injected clock. */
  now: number;
  /** The HTTP method (POST unless the scheme allows others). */
  method?: string;
  client?: ClientInfo;
}

export interface Verified {
  /** The sender's delivery id (X-GitHub-Delivery, webhook-id, ...), used for replay protection. */
  deliveryId?: string;
  /** Sender's event name when the scheme carries one (X-GitHub-Event). */
  event?: string;
  /**
   * The verified signature, in one canonical form, for signature schemes whose delivery id is
   * absent or not covered by the signature: replays are deduplicated on it as well as on the id,
   * so changing an unsigned id header does not make a captured request new. Credential schemes
   * leave it unset: a valid credential is legitimately reused.
   */
  signature?: string;
  /**
   * Every form of the verified signature when a request may carry several (one per secret while
   * a secret rolls: Stripe, PagerDuty): the HMAC under each configured secret, `signature` first.
   * Each is a replay key, so dropping one of the signatures does not make a captured request new.
   */
  signatures?: string[];
  /** The scheme's timestamp tolerance; replay records are kept at least twice this long. */
  toleranceSeconds?: number;
}

/**
 * Throws an AppError, 401 with one of the codes signature_missing, signature_invalid,
 * timestamp_missing, timestamp_invalid, timestamp_too_old, timestamp_too_new (or a scheme's own,
 * e.g. credential_invalid, too_many_signatures). May return a promise (JWKS lookups).
 */
export type Verifier = (input: VerifyInput) => Verified | Promise<Verified>;

/** A verifier that never waits (every HMAC scheme): callers and benchmarks may skip the await. */
export type SyncVerifier = (input: VerifyInput) => Verified;
