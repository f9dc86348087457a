/**
 * The `Link` header field (RFC 8288 section 3): `<uri-reference>; rel="next"; title="x", <...>`.
 * A small tokenizer rather than a regular expression, because quoted parameter values may hold
 * commas and semicolons. `rel` may list several relation types separated by spaces (section
 * 3.3), compared case-insensitively.
 */
export interface LinkValue {
  target: string;
  params: Record<string, string>;
}

export function parseLinkHeader(value: string): LinkValue[] {
  const links: LinkValue[] = [];
  let i = 0;
  const skip = (chars: string) => {
    while (i < value.length && chars.includes(value[i]!)) i++;
  };
  const readUntil = (stops: string) => {
    const start = i;
    while (i < value.length && !stops.includes(value[i]!)) i++;
    return value.slice(start, i).trim();
  };
  const readQuoted = () => {
    let out = '';
    for (i++; i < value.length && value[i] !== '"'; i++) out += value[i] === '\\' ? value[++i] ?? '' : value[i];
    i++;
    return out;
  };

  while (i < value.length) {
    skip(' \t,');
    if (value[i] !== '<') {
      // Not a link-value: skip to the next one.
      readUntil(',');
      continue;
    }
    i++;
    const target = readUntil('>');
    i++;
    // No prototype: names are the vendor's, so `constructor` or `__proto__` is a parameter like
    // any other, neither taken for one already seen nor read back as Object.prototype's member.
    const params: Record<string, string> = Object.create(null) as Record<string, string>;
    for (skip(' \t'); value[i] === ';'; skip(' \t')) {
      i++;
      skip(' \t');
      const name = readUntil('=;,').toLowerCase();
      let v = '';
      if (value[i] === '=') {
        i++;
        skip(' \t');
        v = value[i] === '"' ? readQuoted() : readUntil(';,');
      }
      // Section 3: occurrences after the first of a parameter are ignored.
      if (name && !(name in params)) params[name] = v;
    }
    links.push({ target, params });
  }
  return links;
}

/** The target of the first link whose rel includes `rel`. */
export function linkWithRel(value: string | null, rel: string): string | undefined {
  if (!value) return undefined;
  const wanted = rel.toLowerCase();
  return parseLinkHeader(value).find((l) => (l.params.rel ?? '').toLowerCase().split(/\s+/).includes(wanted))?.target;
}
