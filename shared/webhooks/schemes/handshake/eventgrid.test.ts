import { fixtureBytes } from '../../../../test/fixtures';
import { handshakeInput, rejection, run, schemeFrom } from './test-helpers';

// Real Event Grid bodies from the Azure docs (../shared/fixtures/SOURCES.md).
const VALIDATION = fixtureBytes('events/azure-eventgrid-subscription-validation-event.json');
const BLOB = fixtureBytes('events/azure-eventgrid-schema-blobcreated.json');
const BLOB_CE = fixtureBytes('events/azure-eventgrid-cloudevent-schema-blobcreated.json');

const URL_ = 'https://hooks.example.com/webhooks/azure';
const SECRET = 'eg-delivery-secret';
// The headers Event Grid sends on webhook deliveries (https://learn.microsoft.com/azure/event-grid/delivery-and-retry),
// plus the static delivery property carrying the secret.
const post = (body: Uint8Array, type = 'Notification', auth: Record<string, string> = { 'X-Api-Key': SECRET }, url = URL_) => ({
  url,
  body,
  headers: { 'content-type': 'application/json', 'aeg-event-type': type, 'aeg-subscription-name': 'SECORCH', 'aeg-delivery-count': '0', 'aeg-metadata-version': '1', 'aeg-data-version': '1', ...auth },
});
// CloudEvents abuse-protection request (https://learn.microsoft.com/azure/event-grid/end-point-validation-cloud-events-schema).
const options = (origin: string | undefined = 'eventgrid.azure.net', auth: Record<string, string> = { 'X-Api-Key': SECRET }) => ({
  method: 'OPTIONS', url: URL_, headers: { ...(origin ? { 'WebHook-Request-Origin': origin } : {}), ...auth },
});

describe('azure event grid', () => {
  const scheme = schemeFrom({ scheme: 'eventgrid', secret: SECRET });

  it('accepts POST and OPTIONS', () => {
    expect(scheme.methods).toEqual(['POST', 'OPTIONS']);
  });

  it('answers the real SubscriptionValidationEvent with its validation code, after verification', async () => {
    const { early, verified, answer } = await run(scheme, post(VALIDATION, 'SubscriptionValidation'));
    expect(early).toBeUndefined();
    // No replay key: a retried validation must be answered again, not reported as a duplicate.
    expect(verified).toEqual({ event: 'Microsoft.EventGrid.SubscriptionValidationEvent' });
    expect(answer!.status).toBe(200);
    expect(answer!.headers.get('content-type')).toBe('application/json');
    expect(await answer!.text()).toBe('{"validationResponse":"512d38b6-c7b8-40c8-89fe-f46f9e9622b6"}');
  });

  it.each([
    ['no secret', {}, 'credential_missing'],
    ['a wrong secret', { 'X-Api-Key': 'wrong' }, 'credential_invalid'],
    ['the secret with one byte changed', { 'X-Api-Key': 'eg-delivery-secreu' }, 'credential_invalid'],
    ['the secret in another header', { Authorization: SECRET }, 'credential_missing'],
  ])('refuses the validation event with %s', async (_, auth, code) => {
    expect(await rejection(() => run(scheme, post(VALIDATION, 'SubscriptionValidation', auth)))).toMatchObject({ status: 401, code });
  });

  it('verifies the real BlobCreated events in both schemas, named by type and keyed on (topic or source, id)', async () => {
    const eg = await run(scheme, post(BLOB));
    const ce = await run(scheme, post(BLOB_CE, 'Notification', undefined));
    for (const r of [eg, ce]) {
      expect(r.early).toBeUndefined();
      expect(r.answer).toBeUndefined();
      expect(r.verified!.event).toBe('Microsoft.Storage.BlobCreated');
      expect(r.verified!.deliveryId).toMatch(/^sha256:[0-9a-f]{64}$/);
    }
    // Same topic/source and id: the same event delivered in either schema has one key.
    expect(ce.verified!.deliveryId).toBe(eg.verified!.deliveryId);
    expect((await run(scheme, post(BLOB))).verified!.deliveryId).toBe(eg.verified!.deliveryId);
    const other = JSON.stringify([{ ...(JSON.parse(BLOB.toString()) as object[])[0], id: '831e1650-001e-001b-66ab-eeb76e069632' }]);
    expect((await run(scheme, post(Buffer.from(other)))).verified!.deliveryId).not.toBe(eg.verified!.deliveryId);
    // A single structured-mode CloudEvent (not in an array) is verified the same way.
    const single = Buffer.from(JSON.stringify((JSON.parse(BLOB_CE.toString()) as object[])[0]));
    expect((await run(scheme, post(single))).verified!.deliveryId).toBe(ce.verified!.deliveryId);
  });

  it('takes the secret from the code query parameter, and refuses if any presented credential is wrong', async () => {
    expect((await run(scheme, post(BLOB, 'Notification', {}, `${URL_}?code=${SECRET}`))).verified!.event).toBe('Microsoft.Storage.BlobCreated');
    for (const [auth, url] of [[{}, `${URL_}?code=wrong`], [{ 'X-Api-Key': SECRET }, `${URL_}?code=wrong`], [{ 'X-Api-Key': 'wrong' }, `${URL_}?code=${SECRET}`], [{}, `${URL_}?code=${SECRET}&code=x`], [{}, `${URL_}?code=`]] as const) {
      expect(await rejection(() => run(scheme, post(BLOB, 'Notification', auth, url)))).toMatchObject({ code: 'credential_invalid' });
    }
    const headerOnly = schemeFrom({ scheme: 'eventgrid', secret: SECRET, queryParam: false, header: 'X-Eg-Key' });
    expect(await rejection(() => run(headerOnly, post(BLOB, 'Notification', {}, `${URL_}?code=${SECRET}`)))).toMatchObject({ code: 'credential_missing' });
    expect((await run(headerOnly, post(BLOB, 'Notification', { 'X-Eg-Key': SECRET }))).verified!.event).toBe('Microsoft.Storage.BlobCreated');
  });

  it('accepts every secret of a rotation and nothing else', async () => {
    const rotating = schemeFrom({ scheme: 'eventgrid', secrets: ['old-key', 'new-key'] });
    for (const k of ['old-key', 'new-key']) expect((await run(rotating, post(VALIDATION, 'SubscriptionValidation', { 'X-Api-Key': k }))).answer!.status).toBe(200);
    expect(await rejection(() => run(rotating, post(BLOB, 'Notification', { 'X-Api-Key': 'third-key' })))).toMatchObject({ code: 'credential_invalid' });
  });

  it('refuses a validation event riding along with other events, or a code it will not echo', async () => {
    const [v, b] = [JSON.parse(VALIDATION.toString()) as object[], JSON.parse(BLOB.toString()) as object[]];
    expect(await rejection(() => run(scheme, post(Buffer.from(JSON.stringify([...b, ...v])))))).toMatchObject({ status: 400, code: 'malformed_body' });
    const hostile = JSON.stringify([{ ...v[0], data: { validationCode: '<script>alert(1)</script>' } }]);
    expect(await rejection(() => run(scheme, post(Buffer.from(hostile))))).toMatchObject({ status: 400, code: 'validation_code_invalid' });
  });

  it('answers the CloudEvents OPTIONS handshake with WebHook-Allowed-Origin and WebHook-Allowed-Rate', async () => {
    const res = scheme.preflight!(handshakeInput(options()))!;
    expect(res.status).toBe(200);
    expect(res.headers.get('webhook-allowed-origin')).toBe('eventgrid.azure.net');
    expect(res.headers.get('webhook-allowed-rate')).toBe('*');
    expect(res.headers.get('allow')).toBe('OPTIONS, POST');
    expect(await res.text()).toBe('');
    const limited = schemeFrom({ scheme: 'eventgrid', secret: SECRET, allowedRate: 120 });
    expect(limited.preflight!(handshakeInput(options()))!.headers.get('webhook-allowed-rate')).toBe('120');
  });

  it('requires the secret on OPTIONS unless configured otherwise, and consents only to allowed origins', async () => {
    expect(await rejection(() => scheme.preflight!(handshakeInput(options(undefined, {}))))).toMatchObject({ status: 401, code: 'credential_missing' });
    expect(await rejection(() => scheme.preflight!(handshakeInput(options(undefined, { 'X-Api-Key': 'eg-delivery-secreu' }))))).toMatchObject({ status: 401, code: 'credential_invalid' });
    expect(await rejection(() => scheme.preflight!(handshakeInput(options('evil.example.com'))))).toMatchObject({ status: 403, code: 'origin_not_allowed' });
    // The origin must equal an allowed one: look-alikes that end or start with it are not it.
    for (const lookalike of ['evil-eventgrid.azure.net', 'x.eventgrid.azure.net', 'eventgrid.azure.net.evil.example']) {
      expect(await rejection(() => scheme.preflight!(handshakeInput(options(lookalike))))).toMatchObject({ status: 403, code: 'origin_not_allowed' });
    }
    const any = schemeFrom({ scheme: 'eventgrid', secret: SECRET, allowedOrigins: ['*'] });
    expect(any.preflight!(handshakeInput(options('events.example.net')))!.headers.get('webhook-allowed-origin')).toBe('events.example.net');
    expect(await rejection(() => any.preflight!(handshakeInput(options('a<b>.example.net'))))).toMatchObject({ status: 403 });
    const open = schemeFrom({ scheme: 'eventgrid', secret: SECRET, requireSecretOnOptions: false });
    expect(open.preflight!(handshakeInput(options(undefined, {})))!.headers.get('webhook-allowed-origin')).toBe('eventgrid.azure.net');
    // An OPTIONS without WebHook-Request-Origin is no handshake: methods only, no consent.
    const plain = scheme.preflight!(handshakeInput(options('')))!;
    expect([plain.status, plain.headers.get('webhook-allowed-origin')]).toEqual([204, null]);
  });

  it('leaves POST requests to verification', () => {
    expect(scheme.preflight!(handshakeInput(post(VALIDATION, 'SubscriptionValidation', {})))).toBeUndefined();
    expect(scheme.preflight!(handshakeInput({ ...post(BLOB), headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net' } }))).toBeUndefined();
  });

  it('never puts the secret or the presented value in the error', async () => {
    const r = await rejection(() => run(scheme, post(BLOB, 'Notification', { 'X-Api-Key': 'presented-key' })));
    expect(r.text).not.toMatch(/presented-key|eg-delivery-secret/);
  });
});
