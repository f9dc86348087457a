import { AppError } from '../../../errors';

/**
 * Errors of the credential schemes. A 401 carries the scheme's challenge (RFC 9110 section 11.6.1:
 * a 401 response sends WWW-Authenticate); messages never contain the credential.
 */
const challenge = (value?: string) => (value ? { 'www-authenticate': value } : undefined);

export const credentialMissing = (what: string, scheme?: string) =>
  new AppError('credential_missing', `${what} is missing`, { status: 401, headers: challenge(scheme) });

export const credentialInvalid = (message = 'The credential is not valid', scheme?: string) =>
  new AppError('credential_invalid', message, { status: 401, headers: challenge(scheme) });

/**
 * The key set could not be fetched: the sender's retry may succeed (503, retryable). Retry-After
 * says when the next fetch may go, while a failed one is remembered (jwt-jwks-retry.ts).
 */
export const jwksUnavailable = (cause: unknown, retryAfterSeconds?: number) =>
  new AppError('jwks_unavailable', 'The signing keys could not be fetched; retry later', {
    status: 503, retryable: true, expose: true, cause,
    headers: retryAfterSeconds === undefined ? undefined : { 'retry-after': String(retryAfterSeconds) },
  });
