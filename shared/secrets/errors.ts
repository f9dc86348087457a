import { AppError } from '../errors';

/**
 * Errors of secret lookups. Messages name the secret, never its value: a value is only ever
 * returned, never put in a message, a log line or an error's extra members.
 */

/** The manager could not answer (permission, throttling, network): a later attempt may succeed. */
export function secretUnavailable(provider: string, name: string, reason: string, cause?: unknown): AppError {
  return new AppError('secret_unavailable', `Secret "${name}" is unavailable from ${provider} (${reason})`, {
    status: 503, retryable: true, expose: false, cause, extra: { secret: name, provider },
  });
}

/** A name the provider cannot hold: a configuration mistake, not worth a retry. */
export function invalidSecretName(provider: string, name: string, rule: string): AppError {
  return new AppError('invalid_secret_name', `Secret name "${name}" is not valid for ${provider}: ${rule}`, {
    status: 500, retryable: false, expose: false, extra: { secret: name, provider },
  });
}

/** The manager answered with something that is not a text value (e.g. binary that is not UTF-8). */
export function unreadableSecret(provider: string, name: string, reason: string): AppError {
  return new AppError('secret_unreadable', `Secret "${name}" from ${provider} is unreadable (${reason})`, {
    status: 500, retryable: false, expose: false, extra: { secret: name, provider },
  });
}

/** Text of a secret held as bytes; invalid UTF-8 is refused rather than silently replaced. */
export function utf8Secret(provider: string, name: string, bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw unreadableSecret(provider, name, 'binary value is not UTF-8');
  }
}

/** Names shared by every provider: non-empty, no whitespace or control characters. */
export function checkCommonName(provider: string, name: string): void {
  // eslint-disable-next-line no-control-regex
  if (typeof name !== 'string' || name.length === 0 || /[\s\x00-\x1f\x7f]/.test(name)) {
    throw invalidSecretName(provider, String(name), 'it must be non-empty, without whitespace or control characters');
  }
}
