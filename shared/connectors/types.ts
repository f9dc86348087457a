import type { Clock } from '../ports/clock';
import type { HttpClient } from '../ports/http';
import type { Logger } from '../ports/logger';
import type { ConnectorAuth } from './auth/types';
import type { BreakerOptions } from './breaker';
import type { RetryOptions } from './retry/policy';

/** Waits `ms`; rejects when `signal` aborts. Injected so that tests never wait on a real timer. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export type QueryValue = string | number | boolean | undefined | null | readonly (string | number | boolean)[];

export interface TransportOptions {
  /** Connector name as configured (`destinations.<name>`): named in every error so operators know which one to fix. */
  name: string;
  /** Vendor API root, e.g. `https://example.atlassian.net` or `https://graph.microsoft.com/v1.0`. */
  baseUrl: string;
  auth: ConnectorAuth;
  /** deps.http: the egress-guarded client, so the SSRF policy applies to API and token calls alike. */
  http: HttpClient;
  clock: Clock;
  /** Default: a real timer (./sleep.ts). */
  sleep?: Sleep;
  /** Uniform in [0, 1) for jitter; default Math.random. */
  random?: () => number;
  /** Deadline per attempt (connect, send, read). Default 30 s. */
  timeoutMs?: number;
  /** Builds the per-attempt deadline signal; default AbortSignal.timeout. Tests abort it by hand. */
  timeoutSignal?: (ms: number) => AbortSignal;
  retry?: Partial<RetryOptions>;
  breaker?: Partial<BreakerOptions>;
  /** Largest response body read, in bytes; default 16 MiB. */
  maxResponseBytes?: number;
  /** The cheap authenticated call of check(); default `GET /`. */
  check?: { method?: string; path: string; query?: Record<string, QueryValue> };
  /** Retries, re-authorizations and breaker changes are logged here (never headers, bodies or query strings). */
  logger?: Logger;
  /** Headers sent on every request (e.g. an API version pin). Never credentials: those belong to `auth`. */
  headers?: Record<string, string>;
}

export type ResponseType = 'json' | 'text' | 'none';

export interface TransportRequest {
  method?: string;
  /** Relative to baseUrl, starting with `/`; build it with `path\`...\`` (./url.ts) so values are encoded. */
  path?: string;
  /** An absolute URL the vendor handed back (a next-page link): must have the origin of baseUrl. */
  url?: string | URL;
  query?: Record<string, QueryValue>;
  headers?: Record<string, string>;
  /** Objects are sent as JSON; URLSearchParams as a form; strings and bytes as they are. */
  body?: unknown;
  /** Marks a POST (or PATCH) safe to repeat, e.g. a search or an upsert keyed by the caller. */
  idempotent?: boolean;
  /** How to read a 2xx body; default json (text when the answer is not JSON). */
  expect?: ResponseType;
  /** Statuses returned as responses instead of errors, e.g. [404] for a lookup that may miss. */
  allowStatus?: readonly number[];
  /** Caps the time spent waiting between attempts of this call; default retry.budgetMs. */
  budgetMs?: number;
  signal?: AbortSignal;
}

export interface TransportResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  /** The URL answered (after redirects the guard followed). */
  url: string;
}

export interface CheckResult {
  ok: boolean;
  latencyMs: number;
  error?: { code: string; message: string };
}

export interface Transport {
  readonly name: string;
  readonly baseUrl: URL;
  request<T = unknown>(req: TransportRequest): Promise<TransportResponse<T>>;
  /** One cheap authenticated call, no retries: for GET /health/ready. */
  check(): Promise<CheckResult>;
}
