/**
 * Certificate names as `openssl x509 -noout -subject -nameopt RFC2253` prints them, which users
 * copy into an mtls source's `subjects`. Node's X509Certificate gives the names in certificate
 * order without OpenSSL's escaping of non-ASCII bytes and without the value tags; no library in
 * the dependencies reads a Name's DER, and only its outline is needed here (the issuer and subject
 * value elements), so this walks it: a few lines, bounded by the certificate's own lengths.
 */

/** A DER element: its tag, where it starts, where its content starts and where it ends. */
interface Element { tag: number; at: number; start: number; end: number }

function element(der: Buffer, at: number, limit: number): Element {
  let start = at + 2;
  let length = der[at + 1] ?? 0;
  if (length & 0x80) {
    const n = length & 0x7f;
    // Indefinite (n = 0) or absurd lengths are no DER: the names then stay unread.
    if (n === 0 || n > 4) throw new Error('not DER');
    length = der.readUIntBE(start, n);
    start += n;
  }
  if (start + length > limit) throw new Error('not DER');
  return { tag: der[at]!, at, start, end: start + length };
}

function children(der: Buffer, parent: Element): Element[] {
  const out: Element[] = [];
  for (let at = parent.start; at < parent.end; at = out[out.length - 1]!.end) out.push(element(der, at, parent.end));
  return out;
}

/** Issuer and subject Names (RFC 5280 section 4.1) as RDNs, each the value elements of its attributes. */
export function derNames(der: Buffer): { issuer: Element[][]; subject: Element[][] } {
  const tbs = children(der, element(der, 0, der.length))[0]!;
  const fields = children(der, tbs);
  const skip = fields[0]?.tag === 0xa0 ? 1 : 0; // [0] version
  const rdns = (name: Element) => children(der, name).map((set) => children(der, set).map((ava) => children(der, ava)[1]!));
  return { issuer: rdns(fields[skip + 2]!), subject: rdns(fields[skip + 4]!) };
}

/** Universal tags OpenSSL prints as text (a_strex.c tag2nbyte); any other value it dumps. */
const TEXT_TAGS = new Set([12, 18, 19, 20, 22, 23, 24, 26, 28, 30]);
const NUMERIC_OID = /^\d+(?:\.\d+)+$/;
const escapeMsb = (value: string) => value.replace(/[\u0080-\u{10ffff}]/gu, (c) => [...Buffer.from(c, 'utf8')].map((b) => `\\${b.toString(16).toUpperCase()}`).join(''));

/**
 * A name as `openssl x509 -noout -subject -nameopt RFC2253` prints it, from Node's multiline form
 * (`C=DE\nO=...\nOU=Ops + CN=...`: certificate order, RFC 2253 escaping without OpenSSL's
 * ASN1_STRFLGS_ESC_MSB and dump flags) and the DER of the name. What RFC2253 adds, as OpenSSL does:
 * every attribute in reverse (XN_FLAG_DN_REV: the RDNs and the values inside a multi-valued one),
 * bytes of UTF-8 above 0x7f as `\XX`, and `#` with the hex DER of a value whose attribute type has
 * no name (printed as a dotted OID) or which is no string (RFC 4514 section 2.4). Undefined when
 * the two readings disagree on the attributes.
 */
export function rfc2253(multiline: string, rdns: Element[][], der: Buffer): string | undefined {
  // An empty name (Node's reading is then undefined) names no one.
  if (rdns.length === 0 || !multiline) return undefined;
  const texts = multiline.split('\n').map((rdn) => rdn.split(' + '));
  if (texts.length !== rdns.length || texts.some((avas, i) => avas.length !== rdns[i]!.length)) return undefined;
  return texts.map((avas, i) => avas.map((ava, j) => {
    const eq = ava.indexOf('=');
    if (eq < 1) throw new Error('not a name Node prints');
    const type = ava.slice(0, eq);
    const value = rdns[i]![j]!;
    const dump = NUMERIC_OID.test(type) || !TEXT_TAGS.has(value.tag);
    return `${type}=${dump ? `#${der.subarray(value.at, value.end).toString('hex').toUpperCase()}` : escapeMsb(ava.slice(eq + 1))}`;
  }).reverse().join('+')).reverse().join(',');
}
