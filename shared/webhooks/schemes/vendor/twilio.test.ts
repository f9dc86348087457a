import fc from 'fast-check';
import twilio from 'twilio';
import { twilioVerifier } from './twilio';
import { codeOf, errorText, flipChar, input } from './test-kit';

// The oracle is twilio-node: getExpectedTwilioSignature signs, validateRequest (form parameters)
// and validateRequestWithBody (bodySHA256) must agree with us on the same URL and body.
const TOKEN = '9f2c1e7a5b3d4c6e8f0a1b2c3d4e5f60';
const URL_ = 'https://hooks.example.com/webhooks/twilio';
const FORM = 'application/x-www-form-urlencoded';
const sms = {
  ToCountry: 'US', SmsMessageSid: 'SM1f0e2a3b4c5d6e7f8091a2b3c4d5e6f7', NumMedia: '0', From: '+14155550100', To: '+14155550199',
  Body: 'Alert: disk 91% on db-1 & rising', MessageSid: 'SM1f0e2a3b4c5d6e7f8091a2b3c4d5e6f7', AccountSid: 'AC0123456789abcdef0123456789abcdef',
  ApiVersion: '2010-04-01',
};
const form = new URLSearchParams(sms).toString();
/** The parameters as Express hands them to twilio-node: repeated names become arrays (any name: no prototype). */
function paramsOf(body: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  for (const [k, v] of new URLSearchParams(body)) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}
const sig = (url: string, body = form, token = TOKEN) => twilio.getExpectedTwilioSignature(token, url, paramsOf(body));
const headers = (signature: string | undefined, type: string | null = FORM, extra: Record<string, string> = {}) => ({
  ...(signature === undefined ? {} : { 'X-Twilio-Signature': signature }), ...(type === null ? {} : { 'Content-Type': type }), ...extra,
});
const ours = twilioVerifier({ scheme: 'twilio', secret: TOKEN });
const run = (h: Record<string, string>, body: string = form, url = URL_, v = ours) => codeOf(() => v(input(h, body, { url })));

describe('twilio verifier, form parameters', () => {
  it("accepts the example of Twilio's security doc (auth token 12345), as twilio-node does", () => {
    const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
    const body = 'Digits=1234&To=%2B18005551212&From=%2B14158675310&Caller=%2B14158675310&CallSid=CA1234567890ABCDE';
    const v = twilioVerifier({ scheme: 'twilio', secret: '12345' });
    expect(twilio.validateRequest('12345', 'GvWf1cFY/Q7PnoempGyD5oXAezc=', url, paramsOf(body))).toBe(true);
    expect(v(input(headers('GvWf1cFY/Q7PnoempGyD5oXAezc='), body, { url }))).toEqual({ signature: 'GvWf1cFY/Q7PnoempGyD5oXAezc=' });
  });

  it('returns I-Twilio-Idempotency-Token as the delivery id when Twilio sends it', () => {
    const h = headers(sig(URL_), FORM, { 'I-Twilio-Idempotency-Token': 'b6c1e4f2-1a2b-4c3d-9e8f-0a1b2c3d4e5f' });
    expect(ours(input(h, form, { url: URL_ }))).toEqual({ deliveryId: 'b6c1e4f2-1a2b-4c3d-9e8f-0a1b2c3d4e5f', signature: expect.any(String) });
  });

  const good = sig(URL_);
  it.each<[string, string, string?, string?]>([
    ['a parameter value with one byte changed', good, form.replace('91%25', '81%25')],
    ['a parameter added', good, `${form}&Extra=1`],
    ['a parameter removed', good, form.replace('&NumMedia=0', '')],
    ['a signature with one character changed', flipChar(good, 5)],
    ['the wrong auth token', sig(URL_, form, 'other-token')],
    ['another path', good, form, `${URL_}/x`],
    ['another query', good, form, `${URL_}?a=1`],
    ['http instead of https', good, form, URL_.replace('https:', 'http:')],
  ])('rejects, like twilio-node, %s', (_, s, body = form, url = URL_) => {
    expect(twilio.validateRequest(TOKEN, s, url, paramsOf(body))).toBe(false);
    expect(run(headers(s), body, url)).toBe('signature_invalid');
  });

  it.each([
    ['signed with :443, received without', `https://hooks.example.com:443/webhooks/twilio`, URL_],
    ['signed without a port, received with :8443', URL_, 'https://hooks.example.com:8443/webhooks/twilio'],
    ['signed and received with :8443', 'https://hooks.example.com:8443/webhooks/twilio', 'https://hooks.example.com:8443/webhooks/twilio'],
    ['signed with :80, received as http without', 'http://hooks.example.com:80/webhooks/twilio', 'http://hooks.example.com/webhooks/twilio'],
  ])('handles the port as twilio-node does: %s', (_, signedUrl, receivedUrl) => {
    expect(twilio.validateRequest(TOKEN, sig(signedUrl), receivedUrl, paramsOf(form))).toBe(true);
    expect(run(headers(sig(signedUrl)), form, receivedUrl)).toBe('accepted');
  });

  it('uses the configured public URL when a proxy rewrote scheme, host and port, keeping the query', () => {
    const publicUrl = `${URL_}?src=sms`;
    const internal = 'http://10.0.0.5:3000/webhooks/twilio?src=sms';
    expect(run(headers(sig(publicUrl)), form, internal)).toBe('signature_invalid');
    const behindProxy = twilioVerifier({ scheme: 'twilio', secret: TOKEN, url: URL_ });
    expect(run(headers(sig(publicUrl)), form, internal, behindProxy)).toBe('accepted');
    expect(run(headers(sig(publicUrl)), form, 'http://10.0.0.5:3000/webhooks/twilio?src=mms', behindProxy)).toBe('signature_invalid');
    expect(() => twilioVerifier({ scheme: 'twilio', secret: TOKEN, url: publicUrl })).toThrow(expect.objectContaining({ code: 'invalid_config' }));
  });

  it('signs each distinct value of a repeated parameter, sorted, as twilio-node does', () => {
    const body = 'b=x&a=2&a=1&a=1&MediaUrl0=https%3A%2F%2Fapi.twilio.com%2Fm';
    expect(twilio.validateRequest(TOKEN, sig(URL_, body), URL_, paramsOf(body))).toBe(true);
    expect(run(headers(sig(URL_, body)), body)).toBe('accepted');
  });

  it.each([
    ['+ as space and UTF-8 escapes', 'Body=caf%C3%A9+%F0%9F%9A%A8+ok&From=%2B14155550100'],
    ['a malformed escape, kept literally', 'Body=100%25+%zz+done&To=x'],
    ['a name without value and empty pairs', 'Flag&&Body=a%3Db&=orphan'],
  ])('decodes the form as the urlencoded parser does: %s', (_, body) => {
    expect(twilio.validateRequest(TOKEN, sig(URL_, body), URL_, paramsOf(body))).toBe(true);
    expect(run(headers(sig(URL_, body)), body)).toBe('accepted');
    expect(run(headers(sig(URL_, body)), body.replace('Body=', 'Body=x'))).toBe('signature_invalid');
  });

  it.each([
    ['escapes that are not UTF-8', 'Body=%FF%FE+x&To=%C3'],
    ['an escaped name', 'caf%C3%A9=1&Body=x'],
    ['a non-ASCII body', 'Body=caf\u00e9+\u{1f6a8}&To=x'],
    ['more than 128 parameters', Array.from({ length: 130 }, (_, i) => `P${i}=${i}`).join('&')],
  ])('verifies a form the fast parser declines as twilio-node does: %s', (_, body) => {
    expect(twilio.validateRequest(TOKEN, sig(URL_, body), URL_, paramsOf(body))).toBe(true);
    expect(run(headers(sig(URL_, body)), body)).toBe('accepted');
    expect(run(headers(sig(URL_, body)), body.replace('=', '=x'))).toBe('signature_invalid');
  });

  it('verifies a body too big for the parser\'s scratch buffer, and a body given as a plain Uint8Array', () => {
    const big = `${form}&${Array.from({ length: 10 }, (_, i) => `MediaUrl${i}=${'https%3A%2F%2Fapi.twilio.com%2Fm%3Fa%3Db'.repeat(25)}`).join('&')}`;
    expect(run(headers(sig(URL_, big)), big)).toBe('accepted');
    expect(run(headers(sig(URL_, big)), big.replace('%3Db', '%3Dc'))).toBe('signature_invalid');
    expect(codeOf(() => ours(input(headers(good), new Uint8Array(Buffer.from(form)), { url: URL_ })))).toBe('accepted');
  });

  it('accepts any form body exactly when signed with the token, as twilio-node computes it', () => {
    const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom('From', 'FromCity', 'Body', 'a b', '+1', '%', '='));
    fc.assert(fc.property(fc.array(fc.tuple(text, text), { maxLength: 20 }), (pairs) => {
      const body = new URLSearchParams(pairs).toString();
      expect(run(headers(sig(URL_, body)), body)).toBe('accepted');
      expect(run(headers(sig(URL_, body, 'other-token')), body)).toBe('signature_invalid');
    }), { numRuns: 200 });
  });

  it('refuses a form body relabelled as another type (its parameters would go unsigned)', () => {
    expect(run(headers(good, 'text/plain'))).toBe('signature_invalid');
    expect(run(headers(good, null))).toBe('signature_invalid');
  });

  it('accepts a body-less request signed on the URL alone', () => {
    expect(run(headers(twilio.getExpectedTwilioSignature(TOKEN, URL_, {}), null), '')).toBe('accepted');
  });

  it('needs the header, in canonical base64', () => {
    expect(run(headers(undefined))).toBe('signature_missing');
    expect(run(headers(Buffer.from(good, 'base64').toString('hex')))).toBe('signature_invalid');
    expect(run(headers(good.slice(0, -1)))).toBe('signature_invalid');
  });

  it('accepts the primary and the secondary auth token during a rotation, and nothing else', () => {
    const rotating = twilioVerifier({ scheme: 'twilio', secrets: ['secondary-token', TOKEN] });
    expect(run(headers(sig(URL_, form, 'secondary-token')), form, URL_, rotating)).toBe('accepted');
    expect(run(headers(good), form, URL_, rotating)).toBe('accepted');
    expect(run(headers(sig(URL_, form, 'third')), form, URL_, rotating)).toBe('signature_invalid');
  });

  it('never puts the token or the expected signature in the error', () => {
    const text = errorText(() => ours(input(headers(sig(URL_, form, 'x')), form, { url: URL_ })));
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(good);
  });
});

describe('twilio verifier, JSON body with bodySHA256', () => {
  const json = JSON.stringify({ AccountSid: sms.AccountSid, EventType: 'com.twilio.messaging.message.delivered', MessageSid: sms.MessageSid });
  const urlFor = (body: string) => `${URL_}?bodySHA256=${twilio.getExpectedBodyHash(body)}`;
  const url = urlFor(json);
  const signature = twilio.getExpectedTwilioSignature(TOKEN, url, {});
  const JSON_TYPE = 'application/json';

  it('accepts what validateRequestWithBody accepts', () => {
    expect(twilio.validateRequestWithBody(TOKEN, signature, url, json)).toBe(true);
    expect(run(headers(signature, JSON_TYPE), json, url)).toBe('accepted');
  });

  it.each([
    ['a body with one byte changed', signature, json.replace('delivered', 'delivereD'), url],
    ['a body changed and its hash recomputed (the signed URL changes)', signature, `${json} `, urlFor(`${json} `)],
    ['an empty bodySHA256', twilio.getExpectedTwilioSignature(TOKEN, `${URL_}?bodySHA256=`, {}), json, `${URL_}?bodySHA256=`],
  ])('rejects, like twilio-node, %s', (_, s, body, u) => {
    expect(twilio.validateRequestWithBody(TOKEN, s, u, body)).toBe(false);
    expect(run(headers(s, JSON_TYPE), body, u)).toBe('signature_invalid');
  });

  it('refuses a JSON body under a URL-only signature (twilio-node validateRequest never sees the body)', () => {
    const urlOnly = twilio.getExpectedTwilioSignature(TOKEN, URL_, {});
    expect(twilio.validateRequest(TOKEN, urlOnly, URL_, {})).toBe(true);
    expect(run(headers(urlOnly, JSON_TYPE), json, URL_)).toBe('signature_invalid');
  });
});
