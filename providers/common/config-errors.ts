import { scrubber } from '../../shared/connectors/scrub';
import { AppError } from '../../shared/errors';
import { referableValues } from '../../shared/secrets';

/**
 * A configuration error without any of `values` (the values secret references resolved to).
 * Checks quote what they refuse (an allowlist entry, a cron expression, a destination name),
 * which helps with a literal and leaks a value kept in a secret manager; the message keeps the
 * path with the value replaced. Anything else, or an error quoting none of them, is returned as
 * it is. No cause on the copy: it is the error that quoted the value.
 */
export function withoutSecretValues(e: unknown, values: readonly string[]): unknown {
  if (!(e instanceof Error) || values.length === 0) return e;
  const message = scrubber(() => values.flatMap(referableValues))(e.message);
  if (message === e.message) return e;
  if (!(e instanceof AppError)) return new Error(message);
  return new AppError(e.code, message, { status: e.status, retryable: e.retryable, expose: e.expose, extra: e.extra, headers: e.headers });
}
