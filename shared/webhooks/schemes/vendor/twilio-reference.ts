/**
 * The oracle of the Twilio form tests (not a test file itself): what twilio-node signs after the
 * URL for a form body, read by the platform's WHATWG urlencoded parser (URLSearchParams) from the
 * body's bytes as a receiver decodes them, in twilio-node's order: names sorted (by code units),
 * each followed by its value; a repeated name, each distinct value once, sorted.
 */
export function referenceFormData(body: Uint8Array): string {
  const text = new TextDecoder().decode(body);
  const byName = new Map<string, string[]>();
  // The constructor drops a leading '?' (a query string); a body keeps it: lead with an empty pair.
  for (const [k, v] of new URLSearchParams(`&${text}`)) byName.set(k, [...(byName.get(k) ?? []), v]);
  return [...byName.keys()].sort().map((k) => {
    const values = byName.get(k)!;
    return values.length === 1 ? k + values[0] : [...new Set(values)].sort().map((v) => k + v).join('');
  }).join('');
}
