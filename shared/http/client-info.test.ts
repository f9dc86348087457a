import { clientInfo, forwardedClient, setClientInfo } from './client-info';

describe('client info', () => {
  test('travels beside the request, not in its headers', () => {
    const req = setClientInfo(new Request('https://h/x', { headers: { 'x-client-ip': '6.6.6.6' } }), { ip: '203.0.113.9' });
    expect(clientInfo(req)).toEqual({ ip: '203.0.113.9' });
    expect(clientInfo(new Request('https://h/x'))).toEqual({});
  });

  test('X-Forwarded-For is read from the right, as many hops as are trusted', () => {
    const forged = '10.0.0.1, 198.51.100.7, 203.0.113.9';
    expect(forwardedClient(forged, 1)).toBe('203.0.113.9');
    expect(forwardedClient(forged, 2)).toBe('198.51.100.7');
    expect(forwardedClient(forged, 4)).toBeUndefined();
    expect(forwardedClient('203.0.113.9:53211', 1)).toBe('203.0.113.9');
    expect(forwardedClient('[2001:db8::1]:443', 1)).toBe('2001:db8::1');
    expect(forwardedClient('2001:db8::1', 1)).toBe('2001:db8::1');
    expect(forwardedClient(undefined, 1)).toBeUndefined();
    expect(forwardedClient('1.2.3.4', 0)).toBeUndefined();
  });
});
