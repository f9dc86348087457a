import ipaddr from 'ipaddr.js';
import { errors } from '../errors';

/**
 * Address ranges: per-source allowlists (`contains`) and the egress guard's refusal of private
 * and reserved destinations (`isPrivateOrReserved`, BLOCKED_RANGES). Parsing is strict: ipaddr.js
 * alone accepts legacy IPv4 forms ("010.0.0.1" is octal, 8.0.0.1; "127.1" is 127.0.0.1), which
 * must never let an address slip past a range it appears to be outside of.
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
  const hex = t.includes(':') ? withoutDottedQuad(t) : undefined;
  if (hex === undefined || !ipaddr.IPv6.isValid(hex)) return undefined;
  const v6 = ipaddr.IPv6.parse(hex);
  return v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6;
}

/**
 * IPv6 text with a trailing dotted quad (`::ffff:10.0.0.1`) rewritten as its two hex groups, or
 * undefined when the quad is not four plain decimals. ipaddr.js alone reads `010` and `0x7f` in
 * there (as 10 and 127), and reads the IPv4-compatible `::a.b.c.d` as the IPv4-mapped
 * `::ffff:a.b.c.d`: another address, which parseIp would then take for the IPv4 one.
 */
function withoutDottedQuad(text: string): string | undefined {
  const zone = text.indexOf('%');
  const addr = zone === -1 ? text : text.slice(0, zone);
  if (!addr.includes('.')) return text;
  const colon = addr.lastIndexOf(':');
  const quad = addr.slice(colon + 1);
  if (!ipaddr.IPv4.isValidFourPartDecimal(quad)) return undefined;
  const [a, b, c, d] = ipaddr.IPv4.parse(quad).octets as [number, number, number, number];
  const groups = `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  return addr.slice(0, colon + 1) + groups + (zone === -1 ? '' : text.slice(zone));
}

/**
 * The network a client address stands for when it is counted (per-client rate limits): an IPv4
 * address itself, an IPv6 address its /64. One IPv6 subscriber is given a whole /64 (RFC 6177)
 * and may send from any address in it (privacy addresses, RFC 8981), so counting addresses
 * would give it 2^64 fresh buckets. IPv4-mapped addresses count as the IPv4 address; text that
 * is no address is used as it is.
 */
export function clientNetwork(text: string): string {
  const ip = parseIp(text);
  if (!ip) return text;
  if (ip instanceof ipaddr.IPv4) return ip.toString();
  const p = ip.parts;
  return `${[p[0], p[1], p[2], p[3]].map((h) => h!.toString(16)).join(':')}::/64`;
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

/**
 * Destinations outbound requests never reach unless `egress.allowPrivate` opens them: the IANA
 * special-purpose registries (https://www.iana.org/assignments/iana-ipv4-special-registry,
 * https://www.iana.org/assignments/iana-ipv6-special-registry), whole blocks where the registry
 * splits them, and one public address a cloud platform answers on for its own hosts only (last
 * entry). IPv4-mapped ::ffff:0:0/96 is not listed: parseIp turns it into the IPv4 address it
 * carries, which is judged by this table (so ::ffff:127.0.0.1 is 127.0.0.1, refused).
 */
export const BLOCKED_RANGES: readonly string[] = [
  '0.0.0.0/8', // "this network"; 0.0.0.0 reaches the local host on Linux
  '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', // RFC 1918
  '100.64.0.0/10', // shared address space, CGNAT (RFC 6598)
  '127.0.0.0/8', // loopback
  '169.254.0.0/16', // link-local, incl. the cloud metadata service 169.254.169.254 (RFC 3927)
  '192.0.0.0/24', // IETF protocol assignments (RFC 6890)
  '192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24', // documentation (RFC 5737)
  '192.31.196.0/24', '192.175.48.0/24', '192.52.193.0/24', // AS112 (RFC 7534, 7535), AMT (RFC 7450)
  '192.88.99.0/24', // 6to4 relay anycast, deprecated (RFC 7526)
  '198.18.0.0/15', // benchmarking (RFC 2544)
  '224.0.0.0/4', // multicast
  '240.0.0.0/4', '255.255.255.255/32', // reserved, limited broadcast
  '::/128', '::1/128', // unspecified, loopback (and the rest of ::/8 lies outside 2000::/3 below)
  '64:ff9b:1::/48', // local-use IPv4/IPv6 translation (RFC 8215)
  '100::/64', // discard-only (RFC 6666)
  '2001::/23', // IETF protocol assignments, incl. Teredo 2001::/32, benchmarking, ORCHID (RFC 2928)
  '2001:db8::/32', '3fff::/20', // documentation (RFC 3849, RFC 9637)
  '2002::/16', // 6to4 (RFC 3056, deprecated by RFC 7526): tunnels to any IPv4 address, refused outright
  '2620:4f:8000::/48', // AS112-v6 (RFC 7534)
  '5f00::/16', // SRv6 SIDs (RFC 9602)
  'fc00::/7', // unique-local, incl. AWS's metadata address fd00:ec2::254 (RFC 4193)
  'fe80::/10', 'fec0::/10', // link-local, deprecated site-local (RFC 3879)
  'ff00::/8', // multicast
  // Azure's WireServer (https://learn.microsoft.com/azure/virtual-network/what-is-ip-address-168-63-129-16):
  // a public address that, from inside Azure, reaches the host of the very machine asking: its
  // DNS, its health probes and the agent endpoints that hand out the VM's configuration, without
  // authentication. No webhook or vendor API lives there. Name resolution is unaffected: the
  // platform resolver is reached by getaddrinfo, not through this guard.
  '168.63.129.16/32',
];
const BLOCKED: CidrList = parseCidrList(BLOCKED_RANGES);
const GLOBAL_UNICAST_V6: Range = [ipaddr.IPv6.parse('2000::'), 3];
const NAT64: Range = [ipaddr.IPv6.parse('64:ff9b::'), 96];

/**
 * Whether an address must not be reached by outbound requests: anything in BLOCKED_RANGES, and
 * every IPv6 address outside global unicast 2000::/3 (IPv4-compatible ::a.b.c.d, ::ffff:0:a.b.c.d
 * and the rest of the reserved space). Two IPv6 forms are judged by the IPv4 address they carry,
 * because the packet ends up there: IPv4-mapped ::ffff:a.b.c.d (see parseIp), and the NAT64
 * well-known prefix 64:ff9b::/96 (RFC 6052), which a DNS64 resolver hands out for every IPv4-only
 * host in an IPv6-only subnet, so refusing it outright would refuse all such hosts.
 * Unparseable text counts as private: fail closed.
 */
export function isPrivateOrReserved(ip: string | Address): boolean {
  const addr = typeof ip === 'string' ? parseIp(ip) : ip;
  if (!addr) return true;
  if (addr instanceof ipaddr.IPv4) return contains(BLOCKED, addr);
  if (addr.match(NAT64)) {
    const [hi, lo] = [addr.parts[6]!, addr.parts[7]!];
    return contains(BLOCKED, new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]));
  }
  return !addr.match(GLOBAL_UNICAST_V6) || contains(BLOCKED, addr);
}
