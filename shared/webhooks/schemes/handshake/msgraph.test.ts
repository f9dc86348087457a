import { readFileSync } from 'node:fs';
import { fixturePath } from '../../../../test/fixtures';
import { handshakeInput, rejection, run, schemeFrom, verifyInput } from './test-helpers';

const URL_ = 'https://hooks.example.com/webhooks/graph';
const STATE = 'secretClientValue';

// The change notification example of https://learn.microsoft.com/graph/change-notifications-delivery-webhooks (verbatim).
const item = {
  id: 'lsgTZMr9KwAAA', subscriptionId: '{subscription_guid}', subscriptionExpirationDateTime: '2016-03-19T22:11:09.952Z',
  clientState: STATE, changeType: 'created', resource: 'users/{user_guid}@{tenant_guid}/messages/{long_id_string}',
  tenantId: '84bd8158-6d4d-4958-8b9f-9d6445542f95',
  resourceData: { '@odata.type': '#Microsoft.Graph.Message', '@odata.id': 'Users/{user_guid}@{tenant_guid}/Messages/{long_id_string}', '@odata.etag': 'W/"CQAAABYAAADkrWGo7bouTKlsgTZMr9KwAAAUWRHf"', id: '{long_id_string}' },
};
// The lifecycle notification structure of https://learn.microsoft.com/graph/change-notifications-lifecycle-events.
const lifecycle = { subscriptionId: '<subscription_guid>', subscriptionExpirationDateTime: '2019-03-20T11:00:00.0000000Z', tenantId: '<tenant_guid>', clientState: STATE, lifecycleEvent: 'reauthorizationRequired' };

const notify = (value: unknown[]) => ({ url: URL_, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ value }) });
// Graph's validation request (same page): POST {notificationUrl}?validationToken=..., Content-Type text/plain, no clientState.
const validate = (query: string) => ({ url: `${URL_}?${query}`, headers: { 'content-type': 'text/plain; charset=utf-8' } });
// A token as Graph words it (the text of its validation message, shown in
// https://learn.microsoft.com/answers/questions/2146042), URL-encoded as Graph sends it.
const TOKEN = 'Validation: Testing client application reachability for subscription Request-Id: 522a8e7e-096a-494c-aaf1-ac0dcfca45b7';

describe('microsoft graph change notifications', () => {
  const scheme = schemeFrom({ scheme: 'msgraph', secret: STATE });

  it('answers the validation request before any verification with the decoded token as text/plain', async () => {
    const res = scheme.preflight!(handshakeInput(validate(`validationToken=${encodeURIComponent(TOKEN).replace(/%20/g, '+')}`)))!;
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toBe(TOKEN);
    // run() stops at preflight: verify, which would refuse this body without clientState, never runs.
    expect((await run(scheme, validate('validationToken=abc-123'))).early).toBeDefined();
  });

  it.each([
    ['a script tag', `validationToken=${encodeURIComponent('<script>alert(1)</script>')}`],
    ['an HTML attribute breakout', `validationToken=${encodeURIComponent('x" onload="alert(1)')}`],
    ['an ampersand entity', 'validationToken=%26lt%3Bb%26gt%3B'],
    ['control characters', 'validationToken=abc%0D%0ASet-Cookie%3A+x%3D1'],
    ['non-ASCII text', `validationToken=${encodeURIComponent('tökén')}`],
    ['an overlong token', `validationToken=${'a'.repeat(1025)}`],
    ['an empty token', 'validationToken='],
    ['two tokens', 'validationToken=a&validationToken=b'],
  ])('refuses to echo %s', async (_, query) => {
    const r = await rejection(() => scheme.preflight!(handshakeInput(validate(query))));
    expect(r).toMatchObject({ status: 400, code: 'validation_token_invalid' });
    expect(r.text).not.toMatch(/<script|onload|Set-Cookie|aaaaaaaa/);
  });

  it('accepts a token at the length limit', async () => {
    expect(await scheme.preflight!(handshakeInput(validate(`validationToken=${'a'.repeat(1024)}`)))!.text()).toBe('a'.repeat(1024));
  });

  it('leaves ordinary notifications to verification', () => {
    expect(scheme.preflight!(handshakeInput(notify([item])))).toBeUndefined();
    expect(scheme.preflight!(handshakeInput({ ...notify([item]), url: `${URL_}?tenant=contoso&validation=1` }))).toBeUndefined();
    expect(scheme.preflight!(handshakeInput({ method: 'GET', url: `${URL_}?validationToken=abc` }))).toBeUndefined();
  });

  it("verifies Graph's documented notification, keyed on its id and named by its change type", async () => {
    const { verified, answer } = await run(scheme, notify([item]));
    expect(verified).toEqual({ deliveryId: 'lsgTZMr9KwAAA', event: 'created' });
    expect(answer).toBeUndefined();
  });

  it('refuses a batch where any one item has a wrong or no clientState', async () => {
    const wrong = { ...item, id: 'other', clientState: 'secretClientValuf' };
    const { clientState: _, ...bare } = { ...item, id: 'bare' };
    for (const value of [[item, wrong], [wrong, item], [item, bare], [bare, item], [item, { ...item, clientState: 42 }]]) {
      expect(await rejection(() => run(scheme, notify(value)))).toMatchObject({ status: 401, code: 'credential_invalid' });
    }
  });

  it.each([
    ['no clientState at all', JSON.stringify({ value: [{ ...item, clientState: undefined }] })],
    ['an empty collection', JSON.stringify({ value: [] })],
    ['a body that is not JSON', 'clientState=secretClientValue'],
    ['an empty body', ''],
  ])('refuses %s as credential_missing', async (_, body) => {
    expect(await rejection(() => scheme.verify(verifyInput({ url: URL_, body })))).toMatchObject({ status: 401, code: 'credential_missing' });
  });

  it('refuses a clientState with one byte changed, truncated or extended', async () => {
    for (const s of ['secretClientValuf', 'secretClientValu', `${STATE} `, STATE.toUpperCase()]) {
      expect(await rejection(() => run(scheme, notify([{ ...item, clientState: s }])))).toMatchObject({ code: 'credential_invalid' });
    }
  });

  it('accepts items of subscriptions on different secrets of a rotation, and nothing else', async () => {
    const rotating = schemeFrom({ scheme: 'msgraph', secrets: ['old-state', 'new-state'] });
    const a = { ...item, id: 'a', clientState: 'old-state' };
    const b = { ...item, id: 'b', clientState: 'new-state' };
    const v = (await run(rotating, notify([a, b]))).verified!;
    expect(v.deliveryId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await run(rotating, notify([b, a]))).verified!.deliveryId).toBe(v.deliveryId);
    expect(await rejection(() => run(rotating, notify([a, { ...b, clientState: STATE }])))).toMatchObject({ code: 'credential_invalid' });
  });

  it('verifies lifecycle notifications, which carry no id and so no replay key', async () => {
    expect((await run(scheme, notify([lifecycle]))).verified).toEqual({ deliveryId: undefined, event: 'reauthorizationRequired' });
    expect(await rejection(() => run(scheme, notify([{ ...lifecycle, clientState: 'forged' }])))).toMatchObject({ code: 'credential_invalid' });
    // A batch mixing kinds has no single event name, and with one item lacking an id no replay key.
    expect((await run(scheme, notify([lifecycle, item]))).verified).toEqual({ deliveryId: undefined, event: undefined });
  });

  it("refuses at cold start a clientState longer than Graph's 255 characters", () => {
    // The limit as the vendor's OpenAPI description states it (../shared/fixtures/openapi).
    const spec = readFileSync(fixturePath('openapi/msgraph-v1.0-ChangeNotifications-subscriptions.yml'), 'utf8');
    expect(spec).toMatch(/clientState:[\s\S]*?The maximum length is 255 characters/);
    expect(() => schemeFrom({ scheme: 'msgraph', secret: 'x'.repeat(256) })).toThrow(/at most 255/);
    expect(() => schemeFrom({ scheme: 'msgraph', secret: 'x'.repeat(255) })).not.toThrow();
  });

  it('never puts a clientState in the error', async () => {
    const r = await rejection(() => run(scheme, notify([{ ...item, clientState: 'presented-state' }])));
    expect(r.text).not.toMatch(/presented-state|secretClientValue/);
  });
});
