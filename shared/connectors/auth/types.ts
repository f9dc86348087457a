import type { Clock } from '../../ports/clock';
import type { HttpClient } from '../../ports/http';

/**
 * How a connector proves who it is. The transport asks for headers before each attempt, naming
 * the request (a DPoP proof covers its method and URL); after a 401 it calls `reject()` once with
 * the answer, and retries once if that says a fresh credential may differ (a cached OAuth token
 * was dropped, or a DPoP server asked for a nonce). `secrets()` lists every credential value held
 * right now, so the transport can scrub them from error messages, bodies and logs.
 */
export interface AuthContext {
  /** Connector name, for error messages. */
  connector: string;
  /** deps.http: token endpoints go through the egress guard like API calls. */
  http: HttpClient;
  clock: Clock;
  /** A fresh deadline for a token request: shared by every caller waiting on it, so no one caller's abort cancels it. */
  timeoutSignal: () => AbortSignal;
}

/** The request an authorization is for. */
export interface AuthRequest {
  method: string;
  url: URL;
}

export interface Authorization {
  headers: Record<string, string>;
  /** After a 401: drops this credential if it is still the cached one; true when a retry may succeed. */
  reject?(answer?: { status: number; headers: Headers }): boolean;
}

export type AuthType = 'none' | 'basic' | 'api-token' | 'bearer' | 'oauth2-client-credentials' | 'oauth2-refresh-token';

export interface ConnectorAuth {
  readonly type: AuthType;
  authorize(ctx: AuthContext, request?: AuthRequest): Promise<Authorization>;
  secrets(): readonly string[];
}
