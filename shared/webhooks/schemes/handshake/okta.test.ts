import { rejection, run, schemeFrom, verifyInput } from './test-helpers';

// Okta's one-time verification request, as Okta documents it:
// https://support.okta.com/help/s/article/Unable-to-verify-event-hook-Hook-hook-name-execution-failed
const SECRET = 'my-shared-secret';
const CHALLENGE = 'Me_rShK8JHsTnbyYrWXCEoMGbM_zsZ6k0hLPZ_Pg';
const verification = (auth: Record<string, string> = { Authorization: SECRET }, challenge: Record<string, string> = { 'X-Okta-Verification-Challenge': CHALLENGE }) => ({
  method: 'GET',
  headers: { 'User-Agent': 'Okta-Integrations', Accept: 'application/json', 'X-Okta-Request-Id': 'XOZfPkReFFZ10KWyGkzAMwAAADA', 'x-any-key': 'my-header-value', ...challenge, ...auth },
});

// The sample event delivery payload of https://developer.okta.com/docs/concepts/event-hooks/ (verbatim).
const SAMPLE = {
  eventType: 'com.okta.event_hook', eventTypeVersion: '1.0', cloudEventsVersion: '0.1', contentType: 'application/json',
  eventId: 'b5a188b9-5ece-4636-b041-482ffda96311', eventTime: '2019-03-27T16:59:53.032Z',
  source: 'https://{yourOktaDomain}/api/v1/eventHooks/whoql0HfiLGPWc8Jx0g3',
  data: { events: [{
    version: '0', severity: 'INFO',
    client: { zone: 'OFF_NETWORK', device: 'Unknown', userAgent: { os: 'Unknown', browser: 'UNKNOWN', rawUserAgent: 'UNKNOWN-DOWNLOAD' }, ipAddress: '12.97.85.90' },
    actor: { id: '00u1qw6mqitPHM8AJ0g7', type: 'User', alternateId: 'admin@example.com', displayName: 'Example Admin' },
    outcome: { result: 'SUCCESS' }, uuid: 'f790999f-fe87-467a-9880-6982a583986c', published: '2018-03-28T22:23:07.777Z',
    eventType: 'user.session.start', displayMessage: 'User login to Okta', transaction: { type: 'WEB', id: 'V04Oy4ubUOc5UuG6s9DyNQAABtc' },
    legacyEventType: 'core.user_auth.login_success', authenticationContext: { authenticationStep: 0, externalSessionId: '1013FfF-DKQSvCI4RVXChzX-w' },
  }] },
};
const delivery = (payload: unknown = SAMPLE, auth: Record<string, string> = { Authorization: SECRET }) => ({
  method: 'POST', headers: { Accept: 'application/json', 'Content-Type': 'application/json', ...auth }, body: JSON.stringify(payload),
});

describe('okta event hooks', () => {
  const scheme = schemeFrom({ scheme: 'okta', secret: SECRET });

  it('accepts GET and POST only', () => {
    expect(scheme.methods).toEqual(['GET', 'POST']);
  });

  it("answers Okta's verification request with the challenge as JSON", async () => {
    const { early, answer } = await run(scheme, verification());
    expect(early).toBeUndefined();
    expect(answer!.status).toBe(200);
    expect(answer!.headers.get('content-type')).toBe('application/json');
    expect(await answer!.text()).toBe(`{"verification":"${CHALLENGE}"}`);
  });

  it('never gives the verification GET a replay key, so a repeated verification is answered again', async () => {
    expect(await scheme.verify({ ...verifyInput(verification()), body: Buffer.from(JSON.stringify(SAMPLE)) })).toEqual({});
  });

  it.each([
    ['no Authorization header', {}, 'credential_missing'],
    ['a wrong secret', { Authorization: 'not-the-secret' }, 'credential_invalid'],
    ['the secret with one byte changed', { Authorization: 'my-shared-secreu' }, 'credential_invalid'],
    ['a truncated secret', { Authorization: 'my-shared-secre' }, 'credential_invalid'],
    ['the secret with a suffix', { Authorization: `${SECRET}x` }, 'credential_invalid'],
    ['the secret as a Bearer token', { Authorization: `Bearer ${SECRET}` }, 'credential_invalid'],
  ])('refuses the verification GET with %s', async (_, auth, code) => {
    expect(await rejection(() => run(scheme, verification(auth)))).toMatchObject({ status: 401, code });
  });

  it('refuses a GET without a challenge, and a challenge it will not echo', async () => {
    expect(await rejection(() => run(scheme, verification(undefined, {})))).toMatchObject({ status: 400, code: 'challenge_missing' });
    // README, "Handshake answers": none of < > & " ' \ or the backtick is ever echoed.
    for (const hostile of ['<script>alert(1)</script>', 'a"b', "a'b", 'a&b', 'a\\b', 'a`b', 'x'.repeat(513)]) {
      const r = await rejection(() => run(scheme, verification(undefined, { 'X-Okta-Verification-Challenge': hostile })));
      expect(r).toMatchObject({ status: 400, code: 'challenge_invalid' });
      expect(r.text).not.toContain(hostile);
    }
  });

  it("verifies Okta's sample delivery, keyed on the event's uuid, named by its type, with no handshake answer", async () => {
    const { early, verified, answer } = await run(scheme, delivery());
    expect(early).toBeUndefined();
    expect(answer).toBeUndefined();
    expect(verified).toEqual({ deliveryId: 'f790999f-fe87-467a-9880-6982a583986c', event: 'user.session.start' });
  });

  it('refuses a delivery without the secret or with a wrong one', async () => {
    expect(await rejection(() => run(scheme, delivery(SAMPLE, {})))).toMatchObject({ status: 401, code: 'credential_missing' });
    expect(await rejection(() => run(scheme, delivery(SAMPLE, { Authorization: 'my-shared-secreu' })))).toMatchObject({ status: 401, code: 'credential_invalid' });
  });

  it('keys a batch on all its uuids, whatever their order', async () => {
    const second = { ...SAMPLE.data.events[0]!, uuid: '0b9d3a1c-0000-4000-8000-000000000001', eventType: 'user.lifecycle.deactivate' };
    const batch = (events: unknown[]) => ({ ...SAMPLE, data: { events } });
    const a = (await run(scheme, delivery(batch([SAMPLE.data.events[0], second])))).verified!;
    const b = (await run(scheme, delivery(batch([second, SAMPLE.data.events[0]])))).verified!;
    expect(a.deliveryId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(b.deliveryId).toBe(a.deliveryId);
    // Mixed event types: the envelope's type names the delivery.
    expect(a.event).toBe('com.okta.event_hook');
    const alone = (await run(scheme, delivery(batch([second])))).verified!;
    expect(alone.deliveryId).toBe('0b9d3a1c-0000-4000-8000-000000000001');
  });

  it("falls back to the envelope's eventId when an event has no uuid", async () => {
    const noUuid = { ...SAMPLE, data: { events: [{ eventType: 'user.session.start' }] } };
    expect((await run(scheme, delivery(noUuid))).verified!.deliveryId).toBe('b5a188b9-5ece-4636-b041-482ffda96311');
  });

  it('accepts every secret of a rotation and nothing else', async () => {
    const rotating = schemeFrom({ scheme: 'okta', secrets: ['old-secret', 'new-secret'] });
    for (const s of ['old-secret', 'new-secret']) {
      expect((await run(rotating, verification({ Authorization: s }))).answer!.status).toBe(200);
      expect((await run(rotating, delivery(SAMPLE, { Authorization: s }))).verified!.event).toBe('user.session.start');
    }
    expect(await rejection(() => run(rotating, delivery(SAMPLE, { Authorization: 'third-secret' })))).toMatchObject({ code: 'credential_invalid' });
  });

  it('reads the secret from the configured header only', async () => {
    const custom = schemeFrom({ scheme: 'okta', secret: SECRET, header: 'X-Okta-Secret' });
    expect((await run(custom, delivery(SAMPLE, { 'X-Okta-Secret': SECRET }))).verified!.deliveryId).toBe('f790999f-fe87-467a-9880-6982a583986c');
    expect(await rejection(() => run(custom, delivery(SAMPLE)))).toMatchObject({ code: 'credential_missing' });
  });

  it('never puts the secret or the presented value in the error', async () => {
    const r = await rejection(() => run(scheme, delivery(SAMPLE, { Authorization: 'presented-value' })));
    expect(r.text).not.toContain(SECRET);
    expect(r.text).not.toContain('presented-value');
  });
});
