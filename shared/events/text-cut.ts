/** Cutting event text to a vendor's length limit without producing invalid Unicode. */

/**
 * The first `n` UTF-16 units of text, one fewer when the cut would split a surrogate pair (an
 * emoji, a rare CJK character): half a pair is not valid Unicode (JSON.stringify writes it as a
 * lone `\udXXX` escape, RFC 8259 section 8.2), and a strict JSON parser refuses the whole message.
 */
export const head = (text: string, n: number): string => {
  const cut = text.slice(0, n);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
};

/** Cuts text to `max` characters, marking the cut. */
export const clip = (text: string, max: number): string => (text.length <= max ? text : `${head(text, max - 1)}…`);
