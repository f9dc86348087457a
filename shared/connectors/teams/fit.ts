import { head } from '../../events/text-cut';

/**
 * Teams refuses a webhook message over 28 KB ("The message size limit is 28 KB. When the size
 * exceeds 28 KB, you receive an error", https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook),
 * counted in bytes of the JSON that is posted. A character cap does not bound that: a CJK
 * character is 3 bytes in UTF-8, a Markdown character escaped with a backslash is 3 bytes in
 * JSON (`\\*`), a control character 6 (`\u0007`). So each piece of event text gets a byte budget.
 */

/** UTF-8 bytes a string takes inside a JSON document, without its quotes. */
export const jsonBytes = (s: string): number => Buffer.byteLength(JSON.stringify(s), 'utf8') - 2;

/**
 * `escape(text)`, or the escape of the longest prefix of text that fits `maxBytes` with a `…`
 * marking the cut. The prefix is escaped, never the escape cut, so no escape is left half done.
 */
export function fitBytes(text: string, maxBytes: number, escape: (s: string) => string): string {
  const whole = escape(text);
  if (jsonBytes(whole) <= maxBytes) return whole;
  const cut = (n: number) => `${escape(head(text, n))}…`;
  // The longest prefix length that fits: the escaped size only grows with the prefix.
  let lo = 0;
  let hi = text.length - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (jsonBytes(cut(mid)) <= maxBytes) lo = mid;
    else hi = mid - 1;
  }
  return cut(lo);
}
