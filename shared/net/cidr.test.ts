import ipaddr from 'ipaddr.js';
import { AppError } from '../errors';
import { BLOCKED_RANGES, contains, isPrivateOrReserved, parseCidrList, parseIp } from './cidr';

// Ranges from the IANA special-purpose registries (RFC 6890 and successors):
// https://www.iana.org/assignments/iana-ipv4-special-registry and iana-ipv6-special-registry.
describe('parseCidrList / contains', () => {
  const list = parseCidrList(['10.0.0.0/8', '192.168.1.7', '2001:db8:abcd::/48', '::ffff:172.16.0.0/108']);

  it.each([
    ['10.0.0.1', true], ['10.255.255.255', true], ['11.0.0.0', false], ['9.255.255.255', false],
    ['192.168.1.7', true], ['192.168.1.8', false],
    ['::ffff:10.0.0.1', true], ['::ffff:a00:1', true], ['[::ffff:10.1.2.3]', true], ['::ffff:11.0.0.1', false],
    ['2001:db8:abcd:1::1', true], ['2001:db8:abce::1', false], ['[2001:db8:abcd::5]', true],
    ['172.16.0.1', true], ['172.31.255.255', true], ['172.32.0.0', false],
  ])('%s -> %s', (ip, expected) => {
    expect(contains(list, ip)).toBe(expected);
  });

  it('never matches legacy IPv4 notations that ipaddr.js alone would accept', () => {
    // 012.0.0.1 is octal (10.0.0.1) for inet_aton; 167772161 is 10.0.0.1 as one number.
    for (const odd of ['012.0.0.1', '0xa.0.0.1', '167772161', '10.1', '10.0.0.1 ', '', 'localhost']) {
      expect(contains(list, odd)).toBe(false);
    }
    expect(parseIp('010.0.0.1')).toBeUndefined();
  });

  it('matches every address of a /0 of its family only', () => {
    const all4 = parseCidrList(['0.0.0.0/0']);
    expect(contains(all4, '8.8.8.8')).toBe(true);
    expect(contains(all4, '::ffff:8.8.8.8')).toBe(true);
    expect(contains(all4, '2606:4700::1')).toBe(false);
  });

  it.each(['10.0.0.0/33', '10.0.0.0/-1', '10.0.0.0/8x', '10.0.0/8', 'fd00::/129', 'nope', '::ffff:10.0.0.0/90', '300.0.0.0/8'])(
    'refuses %s at parse time with invalid_config',
    (bad) => {
      expect(() => parseCidrList([bad])).toThrow(AppError);
      expect(() => parseCidrList([bad])).toThrow(expect.objectContaining({ code: 'invalid_config' }));
    },
  );
});

/** The first and last address of a range, in canonical text (BigInt arithmetic, independent of cidr.ts). */
function bounds(cidr: string): [string, string] {
  const [text, bitsText] = cidr.split('/') as [string, string];
  const addr = ipaddr.parse(text);
  const width = addr.kind() === 'ipv4' ? 32 : 128;
  const value = addr.toByteArray().reduce((n, b) => (n << 8n) | BigInt(b), 0n);
  const host = (1n << BigInt(width - Number(bitsText))) - 1n;
  const render = (n: bigint) => {
    const bytes = Array.from({ length: width / 8 }, (_, i) => Number((n >> BigInt(width - 8 * (i + 1))) & 0xffn));
    return ipaddr.fromByteArray(bytes).toString();
  };
  return [render(value & ~host), render(value | host)];
}

describe('isPrivateOrReserved', () => {
  // The IANA special-purpose registries, written out here rather than read from cidr.ts, with the
  // nearest addresses on either side that are public (where the neighbour is itself public).
  it.each<[string, string[]]>([
    ['0.0.0.0/8', ['1.0.0.0']], ['10.0.0.0/8', ['9.255.255.255', '11.0.0.0']], ['100.64.0.0/10', ['100.63.255.255', '100.128.0.0']],
    ['127.0.0.0/8', ['126.255.255.255', '128.0.0.0']], ['169.254.0.0/16', ['169.253.255.255', '169.255.0.0']],
    ['172.16.0.0/12', ['172.15.255.255', '172.32.0.0']], ['192.0.0.0/24', ['191.255.255.255', '192.0.1.0']],
    ['192.0.2.0/24', ['192.0.3.0']], ['192.88.99.0/24', ['192.88.98.255', '192.88.100.0']],
    ['192.168.0.0/16', ['192.167.255.255', '192.169.0.0']], ['198.18.0.0/15', ['198.17.255.255', '198.20.0.0']],
    ['198.51.100.0/24', ['198.51.99.255', '198.51.101.0']], ['203.0.113.0/24', ['203.0.112.255', '203.0.114.0']],
    ['192.31.196.0/24', ['192.31.195.255', '192.31.197.0']], ['192.175.48.0/24', ['192.175.47.255', '192.175.49.0']],
    ['192.52.193.0/24', ['192.52.192.255', '192.52.194.0']],
    ['224.0.0.0/4', ['223.255.255.255']], ['240.0.0.0/4', []], ['255.255.255.255/32', []],
    ['::/128', []], ['::1/128', []], ['64:ff9b:1::/48', []], ['100::/64', []],
    ['2001::/23', ['2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff', '2001:200::']], ['2001::/32', []],
    ['2001:db8::/32', ['2001:db7:ffff:ffff:ffff:ffff:ffff:ffff', '2001:db9::']], ['2002::/16', ['2001:ffff::1', '2003::']],
    ['3fff::/20', ['3ffe:ffff::1', '3fff:1000::']], ['2620:4f:8000::/48', ['2620:4f:7fff:ffff:ffff:ffff:ffff:ffff', '2620:4f:8001::']],
    ['5f00::/16', []], ['fc00::/7', []], ['fe80::/10', []], ['fec0::/10', []], ['ff00::/8', []],
  ])('refuses all of %s (first and last address), not its neighbours %j', (cidr, outside) => {
    const [first, last] = bounds(cidr);
    expect([first, last].map((ip) => isPrivateOrReserved(ip))).toEqual([true, true]);
    for (const ip of outside) expect([ip, isPrivateOrReserved(ip)]).toEqual([ip, false]);
  });

  it.each([
    // the cloud metadata services (AWS, GCP, Azure over IPv4; AWS over IPv6), loopback and friends
    '169.254.169.254', 'fd00:ec2::254', '127.0.0.1', '10.0.0.1', '::1', '::', 'fe80::1%eth0',
    // IPv4-mapped: judged as the IPv4 address carried, in both spellings
    '::ffff:127.0.0.1', '::ffff:169.254.169.254', '::ffff:10.0.0.1', '::ffff:7f00:1', '[::ffff:127.0.0.1]',
    // NAT64 well-known prefix carrying a blocked IPv4 address; the local-use prefix always
    '64:ff9b::a00:1', '64:ff9b::127.0.0.1', '64:ff9b::a9fe:a9fe', '64:ff9b:1::a00:1', '64:ff9b:1::808:808',
    // the carried address read in network order: 10.1.8.8 (its halves swapped, 8.8.10.1, would be public)
    '64:ff9b::a01:808', '64:ff9b::10.1.8.8',
    // only the /96 carries an IPv4 address: the rest of 64:ff9b::/64 lies outside 2000::/3, refused
    // whatever its last 32 bits hold
    '64:ff9b::1:0:808:808', '64:ff9b::0:1:808:808',
    // 6to4 and Teredo outright, whatever they carry; IPv4-translated and IPv4-compatible (outside 2000::/3)
    '2002:a00:1::1', '2002:808:808::1', '2001:0:4136:e378:8000:63bf:3fff:fdd2', '::ffff:0:a00:1', '::ffff:0:808:808',
    '::127.0.0.1', '::a00:1', '::808:808',
    // unparseable or legacy text fails closed
    'not-an-ip', '', '127.1', '0x7f.0.0.1', '2130706433', '017700000001',
  ])('%s is refused', (ip) => {
    expect(isPrivateOrReserved(ip)).toBe(true);
  });

  it.each([
    '8.8.8.8', '1.1.1.1', '93.184.216.34', '2606:4700:4700::1111', '2a00:1450:4001::200e',
    '::ffff:8.8.8.8', '64:ff9b::808:808', '64:ff9b::93.184.216.34',
    // 8.8.10.1, whose halves swapped (10.1.8.8) would be private
    '64:ff9b::808:a01',
  ])('%s is public', (ip) => {
    expect(isPrivateOrReserved(ip)).toBe(false);
  });

  it('refuses Azure\'s platform address 168.63.129.16 (a public address), in its IPv6 forms too, not its neighbours', () => {
    for (const ip of ['168.63.129.16', '::ffff:168.63.129.16', '::ffff:a83f:8110', '64:ff9b::a83f:8110']) expect([ip, isPrivateOrReserved(ip)]).toEqual([ip, true]);
    for (const ip of ['168.63.129.15', '168.63.129.17', '64:ff9b::a83f:8111']) expect([ip, isPrivateOrReserved(ip)]).toEqual([ip, false]);
  });

  it('lists every range once, each of them parseable', () => {
    expect(new Set(BLOCKED_RANGES).size).toBe(BLOCKED_RANGES.length);
    expect(() => parseCidrList(BLOCKED_RANGES)).not.toThrow();
  });
});

describe('IPv4 written inside IPv6 text', () => {
  it('reads the dotted quad of an IPv6 address as strictly as a bare IPv4 address', () => {
    // inet_pton refuses these; ipaddr.js alone reads 010 as 10 and 0x7f as 127.
    for (const odd of ['::ffff:010.0.0.1', '::ffff:0x7f.0.0.1', '::ffff:10.0.0.01', '64:ff9b::0177.0.0.1', '::ffff:10.1', '::ffff:256.0.0.1']) {
      expect([odd, parseIp(odd)]).toEqual([odd, undefined]);
      expect([odd, isPrivateOrReserved(odd)]).toEqual([odd, true]);
    }
    expect(() => parseCidrList(['::ffff:010.0.0.0/104'])).toThrow(expect.objectContaining({ code: 'invalid_config' }));
    expect(parseIp('::ffff:10.0.0.1%eth0')?.toString()).toBe('10.0.0.1');
  });

  it('keeps an IPv4-compatible address (::a.b.c.d) the IPv6 address it is, in either spelling', () => {
    // ::8.8.8.8 is ::808:808 (RFC 4291 section 2.5.5.1), not the IPv4-mapped ::ffff:8.8.8.8.
    expect(parseIp('::8.8.8.8')?.toString()).toBe(parseIp('::808:808')?.toString());
    expect(isPrivateOrReserved('::8.8.8.8')).toBe(true);
    const list = parseCidrList(['10.0.0.0/8']);
    expect([contains(list, '::10.0.0.1'), contains(list, '::a00:1'), contains(list, '::ffff:10.0.0.1')]).toEqual([false, false, true]);
  });
});
