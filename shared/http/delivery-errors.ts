import { AppError } from '../errors';

/** The retryable failures of ./delivery-client.ts; egress_denied comes from ./egress-agent.ts. */
export const timedOut = (timeoutMs: number) =>
  new AppError('delivery_timeout', 'The delivery timed out', { status: 504, retryable: true, expose: false, extra: { timeoutMs } });

/** The system error code (ECONNREFUSED ...) of a failure, which fetch wraps as the cause of a TypeError. */
function systemCode(e: unknown): string {
  for (let c = e as { code?: unknown; cause?: unknown } | undefined, i = 0; c && i < 5; c = c.cause as typeof c, i++) {
    if (typeof c.code === 'string' && c.code !== 'UND_ERR_SOCKET') return c.code;
  }
  return 'unknown';
}

export const connectFailed = (cause: unknown) =>
  new AppError('connect_failed', 'The connection to the destination failed', {
    status: 502, retryable: true, expose: false, cause, extra: { reason: systemCode(cause) },
  });
