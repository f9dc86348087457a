import twilio from 'twilio';
import { twilioVerifier } from './twilio';
import { codeOf, input } from './test-kit';

/**
 * Twilio signs the URL as entered in its console. A query character that the WHATWG URL parser
 * percent-encodes (`'` in a special URL's query) reaches the verifier escaped, since every
 * adapter builds a Request from the URL; twilio-node's validateRequest, given that URL, falls
 * back to Node's legacy querystring form, which turns `%27` back into `'`, and accepts.
 */
const TOKEN = '9f2c1e7a5b3d4c6e8f0a1b2c3d4e5f60';
const FORM = 'application/x-www-form-urlencoded';
const body = 'From=%2B14155550100&To=%2B14155550199&Body=hi';
const params = Object.fromEntries(new URLSearchParams(body));

describe('twilio, a console URL whose query the URL parser escapes', () => {
  const signedAt = "https://hooks.example.com/webhooks/twilio?team=o'brien&x=1";
  const received = new Request(signedAt).url;
  const signature = twilio.getExpectedTwilioSignature(TOKEN, signedAt, params);

  it('is accepted, as twilio-node accepts it on the URL as received', () => {
    expect(received).toBe('https://hooks.example.com/webhooks/twilio?team=o%27brien&x=1');
    expect(twilio.validateRequest(TOKEN, signature, received, params)).toBe(true);
    const verify = twilioVerifier({ scheme: 'twilio', secret: TOKEN });
    expect(codeOf(() => verify(input({ 'X-Twilio-Signature': signature, 'Content-Type': FORM }, body, { url: received })))).toBe('accepted');
  });

  it('is accepted with a configured public URL too (the query comes from the request)', () => {
    const verify = twilioVerifier({ scheme: 'twilio', secret: TOKEN, url: 'https://hooks.example.com/webhooks/twilio' });
    const behindProxy = 'http://internal:8080/webhooks/twilio?team=o%27brien&x=1';
    expect(codeOf(() => verify(input({ 'X-Twilio-Signature': signature, 'Content-Type': FORM }, body, { url: behindProxy })))).toBe('accepted');
  });

  it('still refuses a signature over another query', () => {
    const other = twilio.getExpectedTwilioSignature(TOKEN, "https://hooks.example.com/webhooks/twilio?team=o'brian&x=1", params);
    expect(twilio.validateRequest(TOKEN, other, received, params)).toBe(false);
    const verify = twilioVerifier({ scheme: 'twilio', secret: TOKEN });
    expect(codeOf(() => verify(input({ 'X-Twilio-Signature': other, 'Content-Type': FORM }, body, { url: received })))).toBe('signature_invalid');
  });
});
