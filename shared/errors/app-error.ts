/**
 * Typed errors. Every failure the product reports carries a stable `code` (users and tests match
 * on it), an HTTP `status`, whether a retry may succeed (`retryable`) and whether its message may
 * be shown to the caller (`expose`). Unexposed errors are rendered as a generic 500.
 */
export interface AppErrorOptions {
  status: number;
  retryable?: boolean;
  expose?: boolean;
  /** Extra members for the problem document (RFC 9457 extension members). Never secrets. */
  extra?: Record<string, unknown>;
  /** Response headers, e.g. Retry-After. */
  headers?: Record<string, string>;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly retryable: boolean;
  readonly expose: boolean;
  readonly extra: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(code: string, message: string, opts: AppErrorOptions) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = opts.status;
    this.retryable = opts.retryable ?? opts.status >= 500;
    this.expose = opts.expose ?? opts.status < 500;
    this.extra = opts.extra ?? {};
    this.headers = opts.headers ?? {};
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;

/** Wraps anything thrown into an AppError; unknown errors become an unexposed, retryable 500. */
export function toAppError(e: unknown): AppError {
  if (isAppError(e)) return e;
  return new AppError('internal_error', 'Internal error', {
    status: 500,
    retryable: true,
    expose: false,
    cause: e,
  });
}
