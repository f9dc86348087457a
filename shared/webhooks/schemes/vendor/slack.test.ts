import { createHmac } from 'node:crypto';
import type { Scheme } from '../../scheme';
import { slackReply, slackScheme, slackVerifier } from './slack';
import { codeOf, errorText, flipByte, flipChar, input, NOW, NOW_S } from './test-kit';

// Slack's published example, "Verifying requests from Slack":
// https://api.slack.com/authentication/verifying-requests-from-slack
const DOC_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const DOC_TS = 1531420618;
const DOC_BODY = 'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const DOC_SIG = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';

// Slack's published url_verification payload: https://api.slack.com/events/url_verification
const CHALLENGE = '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P';
const URL_VERIFICATION = `{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"${CHALLENGE}","type":"url_verification"}`;

// Other requests are signed as the doc's steps say: v0:<timestamp>:<body>, HMAC-SHA256, hex.
const SECRET = 'slack-signing-secret-0123456789ab';
const sign = (body: string | Buffer, ts = NOW_S, secret = SECRET) =>
  `v0=${createHmac('sha256', secret).update(`v0:${ts}:`).update(body).digest('hex')}`;
const body = '{"type":"event_callback","event_id":"Ev08MFMKH6","event":{"type":"app_mention","text":"hi"}}';
// ts null: no timestamp header (undefined would take the default).
const headers = (sig: string | undefined, ts: number | string | null = NOW_S): Record<string, string> => ({
  ...(sig === undefined ? {} : { 'X-Slack-Signature': sig }),
  ...(ts === null ? {} : { 'X-Slack-Request-Timestamp': String(ts) }),
});
const ours = slackVerifier({ scheme: 'slack', secret: SECRET });
const run = (h: Record<string, string>, bytes: string | Buffer = body, verify = ours) => codeOf(() => verify(input(h, bytes)));

/** What the ingress does with a scheme: verify, then (only then) let reply answer. */
function handle(scheme: Scheme, h: Record<string, string>, bytes: string): Response | undefined {
  const req = input(h, bytes);
  scheme.verify(req);
  return scheme.reply?.({ method: 'POST', url: new URL(req.url), headers: req.headers, body: req.body }, JSON.parse(bytes));
}

describe('slack verifier', () => {
  it("accepts Slack's published example and returns its signature as the replay key", () => {
    const v = slackVerifier({ scheme: 'slack', secret: DOC_SECRET });
    const req = input(headers(DOC_SIG, DOC_TS), DOC_BODY, { now: DOC_TS * 1000 + 60_000 });
    expect(v(req)).toEqual({ signature: DOC_SIG, toleranceSeconds: 300 });
    expect(sign(DOC_BODY, DOC_TS, DOC_SECRET)).toBe(DOC_SIG);
  });

  it.each<[string, Record<string, string>, string | Buffer]>([
    ['a body with one byte changed', headers(sign(body)), flipByte(body, 30)],
    ['a signature with one hex digit changed', headers(flipChar(sign(body), 30)), body],
    ['the timestamp moved by one second', headers(sign(body), NOW_S - 1), body],
    ['the wrong secret', headers(sign(body, NOW_S, 'other')), body],
    ['no v0= prefix', headers(sign(body).slice(3)), body],
    ['another version tag', headers(`v1=${sign(body).slice(3)}`), body],
    ['trailing junk', headers(`${sign(body)}0`), body],
  ])('rejects %s', (_, h, bytes) => {
    expect(run(h, bytes)).toBe('signature_invalid');
  });

  it('needs both headers, and a timestamp in Unix seconds', () => {
    expect(run(headers(undefined))).toBe('signature_missing');
    expect(run(headers(sign(body), null))).toBe('timestamp_missing');
    expect(run(headers(sign(body), ''))).toBe('timestamp_missing');
    expect(run(headers(sign(body, NOW), NOW))).toBe('timestamp_too_new');
    expect(run(headers(sign(body), `${NOW_S}.5`))).toBe('timestamp_invalid');
  });

  it.each([[-300, 'accepted'], [300, 'accepted'], [-301, 'timestamp_too_old'], [301, 'timestamp_too_new']])(
    'with a timestamp %i s from now: %s', (offset, expected) => {
      expect(run(headers(sign(body, NOW_S + offset), NOW_S + offset))).toBe(expected);
    },
  );

  it('takes toleranceSeconds from the configuration', () => {
    const strict = slackVerifier({ scheme: 'slack', secret: SECRET, toleranceSeconds: 30 });
    expect(run(headers(sign(body, NOW_S - 30), NOW_S - 30), body, strict)).toBe('accepted');
    expect(run(headers(sign(body, NOW_S - 31), NOW_S - 31), body, strict)).toBe('timestamp_too_old');
  });

  it('accepts the old and the new signing secret during a rotation, and nothing else', () => {
    const rotating = slackVerifier({ scheme: 'slack', secrets: ['old-secret', SECRET] });
    expect(run(headers(sign(body, NOW_S, 'old-secret')), body, rotating)).toBe('accepted');
    expect(run(headers(sign(body)), body, rotating)).toBe('accepted');
    expect(run(headers(sign(body, NOW_S, 'third')), body, rotating)).toBe('signature_invalid');
  });

  it('never puts the secret or the expected signature in the error', () => {
    const text = errorText(() => ours(input(headers(`v0=${'0'.repeat(64)}`), body)));
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(sign(body).slice(3));
  });
});

describe('slack url_verification', () => {
  const scheme = slackScheme({ scheme: 'slack', secret: SECRET });

  it('answers a signed url_verification with 200 and the challenge as text/plain', async () => {
    const res = handle(scheme, headers(sign(URL_VERIFICATION)), URL_VERIFICATION)!;
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await res.text()).toBe(CHALLENGE);
  });

  it('never answers an unsigned or badly signed one: reply runs only after verify', () => {
    const reply = jest.fn(slackReply);
    const spied: Scheme = { ...scheme, reply };
    expect(codeOf(() => handle(spied, {}, URL_VERIFICATION))).toBe('signature_missing');
    expect(codeOf(() => handle(spied, headers(sign(URL_VERIFICATION, NOW_S, 'guess')), URL_VERIFICATION))).toBe('signature_invalid');
    expect(codeOf(() => handle(spied, headers(sign(URL_VERIFICATION, NOW_S - 3600), NOW_S - 3600), URL_VERIFICATION))).toBe('timestamp_too_old');
    expect(reply).not.toHaveBeenCalled();
  });

  it.each<[string, unknown]>([
    ['an event callback', JSON.parse(body)],
    ['a non-string challenge', { type: 'url_verification', challenge: 42 }],
    ['a challenge without the type', { challenge: CHALLENGE }],
    ['a form payload', 'token=x&challenge=y'],
    ['nothing', null],
  ])('lets %s through to publishing', (_, payload) => {
    expect(slackReply({ method: 'POST', url: new URL('https://x/'), headers: new Headers(), body: new Uint8Array() }, payload)).toBeUndefined();
  });
});
