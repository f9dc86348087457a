import { redact, REDACTED } from '../log/redact';

/**
 * Removes credentials from text before it reaches an error or a log line: every value the auth
 * currently holds (passwords, tokens, the Base64 of a basic credential), and anything shaped like
 * a bearer credential (shared/log/redact). Vendors do echo them: some 400 bodies quote the request.
 */
export type Scrub = (text: string) => string;

/** Shorter values would blank out ordinary words; no real credential is this short. */
const MIN_SECRET_LENGTH = 6;

export function scrubber(secrets: () => readonly string[]): Scrub {
  return (text) => {
    let out = text;
    for (const s of secrets()) {
      if (s.length < MIN_SECRET_LENGTH) continue;
      // As sent, and as an echo would quote it: JSON-escaped or percent-encoded.
      for (const form of new Set([s, JSON.stringify(s).slice(1, -1), encodeURIComponent(s)])) out = out.split(form).join(REDACTED);
    }
    return redact(out) as string;
  };
}

export const MAX_ERROR_BODY = 1024;

/** The first MAX_ERROR_BODY characters of a scrubbed body, marked when cut. */
export function truncate(text: string, max = MAX_ERROR_BODY): string {
  return text.length <= max ? text : `${text.slice(0, max)}...[${text.length - max} more characters]`;
}
