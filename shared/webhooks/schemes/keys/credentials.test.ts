import crypto from 'node:crypto';
import { AppError } from '../../../errors';
import type { Verifier, VerifyInput } from '../../types';
import { apiKeyVerifier, basicVerifier } from './credentials';
import { parseConfig, verdict } from './test-kit';

const KEY_A = 'sk_live_4f9c2b7e1d3a5f60';
const KEY_B = 'sk_live_0a1b2c3d4e5f6789';
const input = (h: Record<string, string>, body = '{"event":{"id":"evt_1","n":7}}'): VerifyInput =>
  ({ headers: new Headers(h), body: Buffer.from(body), url: 'https://x/', now: 0 });
const thrown = (fn: () => unknown): AppError => {
  try {
    fn();
  } catch (e) {
    return e as AppError;
  }
  throw new Error('accepted');
};
afterEach(() => jest.restoreAllMocks());

describe('api-key', () => {
  const verify = apiKeyVerifier(parseConfig({ scheme: 'api-key', keys: [KEY_A, KEY_B] })) as (i: VerifyInput) => object;

  it('accepts any configured key in X-API-Key (default header), as a credential: no replay key', () => {
    expect(verify(input({ 'x-api-key': KEY_A }))).toEqual({});
    expect(verify(input({ 'X-API-Key': KEY_B }))).toEqual({});
  });

  it.each([
    ['one character changed', { 'x-api-key': `${KEY_A.slice(0, -1)}1` }, 'credential_invalid'],
    ['a prefix of the key', { 'x-api-key': KEY_A.slice(0, 12) }, 'credential_invalid'],
    ['the key with a character more', { 'x-api-key': `${KEY_A}0` }, 'credential_invalid'],
    // The key is compared byte for byte: only the header name is case-insensitive.
    ['the key in another case', { 'x-api-key': KEY_A.toUpperCase() }, 'credential_invalid'],
    ['the key in another header', { authorization: KEY_A }, 'credential_missing'],
    ['an empty header', { 'x-api-key': '' }, 'credential_missing'],
  ])('rejects %s', (_, h, code) => {
    const e = thrown(() => verify(input(h)));
    expect([e.code, e.status]).toEqual([code, 401]);
    expect(e.message).not.toContain(KEY_A.slice(8));
  });

  it('compares every configured key at one fixed width, whichever matches and whatever is presented', () => {
    const spy = jest.spyOn(crypto, 'timingSafeEqual');
    verify(input({ 'x-api-key': KEY_A }));
    thrown(() => verify(input({ 'x-api-key': 'short' })));
    thrown(() => verify(input({ 'x-api-key': KEY_A.repeat(10) })));
    expect(spy).toHaveBeenCalledTimes(6);
    for (const [x, y] of spy.mock.calls) expect([(x as Buffer).byteLength, (y as Buffer).byteLength]).toEqual([KEY_A.length, KEY_A.length]);
  });

  it('uses a configured header and refuses keys shorter than 16 characters', () => {
    const custom = apiKeyVerifier(parseConfig({ scheme: 'api-key', header: 'Authorization', keys: [`Token ${KEY_A}`] }));
    expect(verdict(() => custom(input({ authorization: `Token ${KEY_A}` })))).toBe('accepted');
    expect(() => apiKeyVerifier(parseConfig({ scheme: 'api-key', keys: ['too-short'] }))).toThrow(expect.objectContaining({ code: 'invalid_config' }));
  });
});

describe('delivery ids of credential schemes', () => {
  const build = (over: Record<string, unknown>): Verifier => apiKeyVerifier(parseConfig({ scheme: 'api-key', keys: [KEY_A], ...over }));
  const ok = { 'x-api-key': KEY_A };

  it('reads idHeader, or idPath from the JSON body (strings and numbers)', () => {
    expect(build({ idHeader: 'X-Delivery' })(input({ ...ok, 'x-delivery': 'd-9' }))).toEqual({ deliveryId: 'd-9' });
    expect(build({ idPath: 'event.id' })(input(ok))).toEqual({ deliveryId: 'evt_1' });
    expect(build({ idPath: 'event.n' })(input(ok))).toEqual({ deliveryId: '7' });
  });

  it.each([
    ['a missing path', 'event.missing', '{"event":{}}'],
    ['an object at the path', 'event', '{"event":{"id":1}}'],
    ['a body that is not JSON', 'event.id', 'event=1'],
    ['a prototype key', '__proto__.id', '{"event":{"id":1}}'],
    ['an empty string id', 'event.id', '{"event":{"id":""}}'],
  ])('answers 400 malformed_body for %s, after the credential passed', (_, idPath, body) => {
    expect(verdict(() => build({ idPath })(input(ok, body)))).toBe('malformed_body');
    expect(verdict(() => build({ idPath })(input({ 'x-api-key': 'wrong-key-0000000000' }, body)))).toBe('credential_invalid');
  });

  it('requires the id header once configured, and refuses idHeader with idPath', () => {
    expect(verdict(() => build({ idHeader: 'X-Delivery' })(input(ok)))).toBe('delivery_id_missing');
    expect(() => build({ idHeader: 'X-Delivery', idPath: 'id' })).toThrow(expect.objectContaining({ code: 'invalid_config' }));
  });
});

describe('basic (RFC 7617)', () => {
  const users = [{ username: 'scanner', password: 'correct horse battery' }, { username: 'ops', password: 'p:a:s:s-0123456789' }];
  const verify = basicVerifier(parseConfig({ scheme: 'basic', users }));
  const basic = (u: string, p: string, scheme = 'Basic') => ({ authorization: `${scheme} ${Buffer.from(`${u}:${p}`).toString('base64')}` });

  it('accepts each user, a password with colons, and the scheme name in any case', () => {
    expect(verify(input(basic('scanner', 'correct horse battery')))).toEqual({});
    expect(verify(input(basic('ops', 'p:a:s:s-0123456789', 'basic')))).toEqual({});
  });

  it.each([
    ['a wrong password', basic('scanner', 'correct horse battery!'), 'credential_invalid'],
    ['the password of another user', basic('scanner', 'p:a:s:s-0123456789'), 'credential_invalid'],
    ['a user name in another case', basic('Scanner', 'correct horse battery'), 'credential_invalid'],
    ['a Bearer token', { authorization: 'Bearer abc' }, 'credential_invalid'],
    ['a credential without a colon', { authorization: `Basic ${Buffer.from('scanner').toString('base64')}` }, 'credential_invalid'],
    ['no Authorization header', {}, 'credential_missing'],
  ])('rejects %s with a Basic challenge', (_, h, code) => {
    const e = thrown(() => verify(input(h)));
    expect([e.code, e.status, e.headers['www-authenticate']]).toEqual([code, 401, 'Basic realm="webhooks", charset="UTF-8"']);
  });

  it('always compares both the user name and the password of every user', () => {
    const spy = jest.spyOn(crypto, 'timingSafeEqual');
    thrown(() => verify(input(basic('nobody', 'x'))));
    expect(spy).toHaveBeenCalledTimes(4);
  });

  it('refuses a user name with a colon and short passwords', () => {
    for (const u of [{ username: 'a:b', password: 'long enough password' }, { username: 'a', password: 'short' }]) {
      expect(() => basicVerifier(parseConfig({ scheme: 'basic', users: [u] }))).toThrow(expect.objectContaining({ code: 'invalid_config' }));
    }
  });
});
