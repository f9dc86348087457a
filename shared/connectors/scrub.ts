import { REDACTED, redactText } from '../log/redact';

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
    // As sent, and as an echo would quote it: JSON-escaped or percent-encoded. Longest first: a
    // secret that begins with another would otherwise keep its rest after the shorter one's mark.
    const forms = new Set<string>();
    for (const s of secrets()) {
      if (s.length < MIN_SECRET_LENGTH) continue;
      forms.add(s).add(JSON.stringify(s).slice(1, -1)).add(encodeURIComponent(s));
    }
    for (const form of [...forms].sort((a, b) => b.length - a.length)) out = out.split(form).join(REDACTED);
    // The text patterns only: the log's own limits (cut strings) are for log lines, not this text.
    return redactText(out);
  };
}

export const MAX_ERROR_BODY = 1024;

/** The first MAX_ERROR_BODY characters of a scrubbed body, marked when cut. */
export function truncate(text: string, max = MAX_ERROR_BODY): string {
  return text.length <= max ? text : `${text.slice(0, max)}...[${text.length - max} more characters]`;
}
