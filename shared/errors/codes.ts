import { AppError } from './app-error';

/** Constructors for the error codes the HTTP API exposes. Codes are part of the contract. */
export const errors = {
  badRequest: (code: string, message: string, extra?: Record<string, unknown>) =>
    new AppError(code, message, { status: 400, extra }),
  unauthorized: (code: string, message: string) => new AppError(code, message, { status: 401 }),
  notFound: (code: string, message: string) => new AppError(code, message, { status: 404 }),
  methodNotAllowed: (allow: string[]) =>
    new AppError('method_not_allowed', `Method not allowed; use ${allow.join(', ')}`, {
      status: 405,
      headers: { allow: allow.join(', ') },
    }),
  payloadTooLarge: (limit: number) =>
    new AppError('payload_too_large', `Request body exceeds the limit of ${limit} bytes`, {
      status: 413,
      extra: { limit },
    }),
  unsupportedMediaType: (type: string) =>
    new AppError('unsupported_media_type', `Content type ${JSON.stringify(type)} is not supported`, {
      status: 415,
    }),
  unsupportedContentEncoding: (coding: string) =>
    new AppError('unsupported_content_encoding', `Content-Encoding ${JSON.stringify(coding.slice(0, 64))} is not supported: send the body uncompressed`, {
      status: 415,
      headers: { 'accept-encoding': 'identity' },
    }),
  unavailable: (code: string, message: string, cause?: unknown) =>
    new AppError(code, message, { status: 503, retryable: true, expose: true, cause }),
  config: (message: string, path?: string) =>
    new AppError('invalid_config', message, { status: 500, retryable: false, expose: false, extra: { path } }),
};
