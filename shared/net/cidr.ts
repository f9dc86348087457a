import ipaddr from 'ipaddr.js';
import { errors } from '../errors';

/**
 * Address ranges: per-source allowlists (`contains`) and the egress guard's refusal of private
 * and reserved destinations (`isPrivateOrReserved`). Parsing is strict: ipaddr.js alone accepts
 * legacy IPv4 forms ("010.0.0.1" is octal, 8.0.0.1; "127.1" is 127.0.0.1), which must never
 * let an address slip past a range it appears to be outside of.
 */
type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Range = [Address, number];

/** A parsed CIDR list, built once (at cold start) and matched per request. */
export interface CidrList {
  readonly v4: readonly Range[];
  readonly v6: readonly Range[];
}

/**
 * An address in canonical text: dotted-quad IPv4 or IPv6 (brackets and a zone allowed); an
 * IPv4-mapped IPv6 address (::ffff:10.0.0.1) becomes the IPv4 address it carries.
 */
export function parseIp(text: string): Address | undefined {
  const t = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (ipaddr.IPv4.isValidFourPartDecimal(t)) return ipaddr.IPv4.parse(t);
  if (!t.includes(':') || !ipaddr.IPv6.isValid(t)) return undefined;
  const v6 = ipaddr.IPv6.parse(t);
  return v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6;
}

function parseRange(entry: string): Range | undefined {
  const slash = entry.indexOf('/');
  const ip = parseIp(slash === -1 ? entry : entry.slice(0, slash));
  if (!ip) return undefined;
  const full = ip instanceof ipaddr.IPv4 ? 32 : 128;
  if (slash === -1) return [ip, full];
  const bitsText = entry.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bitsText)) return undefined;
  let bits = Number(bitsText);
  // ::ffff:10.0.0.0/104 was turned into IPv4 by parseIp: its prefix counts the 96 mapping bits.
  if (ip instanceof ipaddr.IPv4 && entry.includes(':')) bits -= 96;
  return bits >= 0 && bits <= full ? [ip, bits] : undefined;
}

/** Parses `10.0.0.0/8`, `fd00::/8`, or a bare address (a /32 or /128). Throws invalid_config naming the bad entry. */
export function parseCidrList(entries: readonly string[]): CidrList {
  const v4: Range[] = [];
  const v6: Range[] = [];
  for (const entry of entries) {
    const range = parseRange(entry.trim());
    if (!range) throw errors.config(`Not an IP address or CIDR range: ${JSON.stringify(entry)}`);
    (range[0] instanceof ipaddr.IPv4 ? v4 : v6).push(range);
  }
  return { v4, v6 };
}

/** Whether `ip` lies in one of the ranges. Text that is not a canonical address is never contained. */
export function contains(list: CidrList, ip: string | Address): boolean {
  const addr = typeof ip === 'string' ? parseIp(ip) : ip;
  if (!addr) return false;
  const ranges = addr instanceof ipaddr.IPv4 ? list.v4 : list.v6;
  return ranges.some((r) => addr.match(r));
}

/** The IPv4 address inside an IPv6 translation prefix, or undefined. */
function embeddedV4(v6: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const p = v6.parts;
  const v4 = (hi: number, lo: number) => new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  switch (v6.range()) {
    case 'rfc6052': // NAT64 64:ff9b::/96: the last 32 bits. The local-use 64:ff9b:1::/48 stays refused.
      return p[2] === 0 && p[3] === 0 && p[4] === 0 && p[5] === 0 ? v4(p[6]!, p[7]!) : undefined;
    case 'rfc6145': // IPv4-translated ::ffff:0:a.b.c.d
      return v4(p[6]!, p[7]!);
    case '6to4': // 2002:AABB:CCDD::/48
      return v4(p[1]!, p[2]!);
    default:
      return undefined;
  }
}

const GLOBAL_UNICAST_V6: Range = [ipaddr.IPv6.parse('2000::'), 3];

/**
 * Whether an address must not be reached by outbound requests: anything but public unicast.
 * IPv4: loopback, RFC 1918, link-local (169.254.169.254, the cloud metadata service), CGNAT
 * 100.64/10, 0.0.0.0/8, multicast, broadcast, documentation and reserved ranges. IPv6: only
 * global unicast 2000::/3 may pass (so ::1, ::, fc00::/7, fe80::/10, ff00::/8, the deprecated
 * IPv4-compatible ::a.b.c.d are refused), except documentation, Teredo and other special ranges;
 * an IPv4 address carried in IPv6 (mapped, NAT64 64:ff9b::/96, IPv4-translated, 6to4) is judged
 * as that IPv4 address. Unparseable text counts as private: fail closed.
 */
export function isPrivateOrReserved(ip: string | Address): boolean {
  const addr = typeof ip === 'string' ? parseIp(ip) : ip;
  if (!addr) return true;
  if (addr instanceof ipaddr.IPv4) return addr.range() !== 'unicast';
  const v4 = embeddedV4(addr);
  if (v4) return v4.range() !== 'unicast';
  return !addr.match(GLOBAL_UNICAST_V6) || addr.range() !== 'unicast';
}
