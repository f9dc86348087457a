import { AppError } from '../errors';
import { contains, isPrivateOrReserved, parseCidrList, parseIp } from './cidr';

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

describe('isPrivateOrReserved', () => {
  it.each([
    '127.0.0.1', '127.255.255.254', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.0.1',
    '169.254.169.254', '169.254.0.1', '100.64.0.1', '100.127.255.255', '0.0.0.0', '0.1.2.3',
    '224.0.0.1', '239.255.255.250', '255.255.255.255', '240.0.0.1', '192.0.2.1', '198.18.0.1',
    '::1', '::', 'fc00::1', 'fd12:3456::1', 'fe80::1', 'fe80::1%eth0', 'ff02::1', 'fec0::1',
    '::ffff:127.0.0.1', '::ffff:169.254.169.254', '::ffff:10.0.0.1', '::ffff:7f00:1',
    '64:ff9b::a00:1', '64:ff9b::127.0.0.1', '64:ff9b::a9fe:a9fe', '64:ff9b:1::a00:1',
    '::ffff:0:a00:1', '2002:a00:1::1', '2002:7f00:1::', '::127.0.0.1', '::a00:1',
    '2001:db8::1', '2001::1', '100::1', 'not-an-ip', '', '127.1', '0x7f.0.0.1',
  ])('%s is refused', (ip) => {
    expect(isPrivateOrReserved(ip)).toBe(true);
  });

  it.each([
    '8.8.8.8', '1.1.1.1', '100.63.255.255', '100.128.0.0', '172.15.255.255', '172.32.0.0',
    '169.253.255.255', '11.0.0.1', '2606:4700:4700::1111', '2a00:1450:4001::200e',
    '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1',
  ])('%s is public', (ip) => {
    expect(isPrivateOrReserved(ip)).toBe(false);
  });
});
