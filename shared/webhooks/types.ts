/**
 * Inbound webhook verification. A scheme is prepared once from its configuration (secrets decoded
 * at cold start) and then verifies requests on the raw body bytes, in constant time.
 */
export interface VerifyInput {
  /** Request headers (case-insensitive). */
  headers: Headers;
  /** The raw body bytes exactly as received. Never re-serialized JSON. */
  body: Uint8Array;
  /** The full request URL as the sender addressed it. */
  url: string;
  /** Current time, epoch ms, from the injected clock. */
  now: number;
}

export interface Verified {
  /** The sender's delivery id (X-GitHub-Delivery, webhook-id, ...), used for replay protection. */
  deliveryId?: string;
  /** Sender's event name when the scheme carries one (X-GitHub-Event). */
  event?: string;
}

/**
 * Throws an AppError, 401 with one of the codes missing_signature, invalid_signature,
 * missing_timestamp, invalid_timestamp, timestamp_out_of_tolerance.
 */
export type Verifier = (input: VerifyInput) => Verified;
