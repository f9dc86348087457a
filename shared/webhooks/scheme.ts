import type { Clock, HttpClient, Logger } from '../ports';
import type { Verifier } from './types';

/** What a handshake sees: the request as received (already verified, for `reply`). */
export interface HandshakeInput {
  method: string;
  url: URL;
  headers: Headers;
  body: Uint8Array;
}

/**
 * A verification scheme, built once per source at cold start. Besides verifying requests, some
 * vendors open with a handshake that must be answered:
 * - `preflight` runs BEFORE verification, for handshakes outside the signed flow (Microsoft
 *   Graph's `validationToken`, Event Grid's OPTIONS validation, which checks its own secret and
 *   may throw a 401/403 AppError); it answers or returns undefined to go on.
 * - `reply` runs AFTER verification and parsing, for handshakes inside an authenticated request
 *   (Slack `url_verification`, Event Grid `SubscriptionValidationEvent`, Okta's challenge); it
 *   answers instead of publishing, or returns undefined to go on.
 */
export interface Scheme {
  verify: Verifier;
  preflight?: (input: HandshakeInput) => Response | undefined;
  reply?: (input: HandshakeInput, payload: unknown) => Response | undefined;
  /** HTTP methods the scheme accepts; default POST only (Okta verifies with a GET). */
  methods?: readonly string[];
  /**
   * The parsed payload without the credential a sender puts in the body (Microsoft Graph's
   * `clientState`), run before it becomes event data: events reach every destination, and
   * whoever reads one could otherwise authenticate as the sender. The raw bytes are untouched.
   */
  scrub?: (payload: unknown) => unknown;
}

/** What a scheme may use besides its configuration: outbound HTTP (JWKS), the clock, a logger. */
export interface SchemeEnv {
  http: HttpClient;
  clock: Clock;
  logger: Logger;
}

/** A scheme made of a verifier alone. */
export const verifierOnly = (verify: Verifier): Scheme => ({ verify });
