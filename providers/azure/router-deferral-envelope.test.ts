import { deferredMessageText, unwrapDeferred } from './router-deferral-envelope';

const event = { specversion: '1.0', id: 'e-1', source: 'secorch://webhook/github', type: 'secorch.webhook.received', tenant: 'acme', data: { a: 'ł"\\' } };

describe('deferred copy envelope', () => {
  it('gives back a JSON body, a text body and a base64 body exactly, with their counts', () => {
    for (const d of [
      { body: JSON.stringify(event), deferrals: 1, receives: 3 },
      { body: 'not json {', deferrals: 2, receives: 7 },
      { body: '{ "spaced": true }', deferrals: 1, receives: 1 }, // JSON, but not as JSON.stringify writes it: kept as text
      { body: '/wD+', bodyEncoding: 'base64' as const, deferrals: 8, receives: 12 },
      { body: '{"secorchClaimCheck":{"container":"secorch-claims","key":"events/x.json"}}', deferrals: 1, receives: 2 },
    ]) expect(unwrapDeferred(deferredMessageText(d))).toEqual(d);
  });

  it('embeds a JSON body as JSON: the copy is barely larger than the body', () => {
    const body = JSON.stringify(event);
    const text = deferredMessageText({ body, deferrals: 1, receives: 1 });
    expect(text).toContain(body);
    expect(text.length - body.length).toBeLessThan(80);
  });

  it('never takes a CloudEvent, a claim-check reference or a near miss for an envelope', () => {
    const valid = JSON.parse(deferredMessageText({ body: '{}', deferrals: 1, receives: 1 })) as { secorchDeferred: Record<string, unknown> };
    for (const body of [
      JSON.stringify(event),
      JSON.stringify({ ...event, secorchDeferred: valid.secorchDeferred }), // a CloudEvent carrying the member: more than one member
      JSON.stringify({ secorchDeferred: valid.secorchDeferred, specversion: '1.0' }),
      '{"secorchClaimCheck":{"container":"c","key":"events/x.json"}}',
      '{"secorchDeferred": nope',
      JSON.stringify({ secorchDeferred: { ...valid.secorchDeferred, deferrals: 0 } }),
      JSON.stringify({ secorchDeferred: { ...valid.secorchDeferred, receives: 1.5 } }),
      JSON.stringify({ secorchDeferred: { ...valid.secorchDeferred, text: 'both' } }),
      JSON.stringify({ secorchDeferred: { deferrals: 1, receives: 1 } }),
      JSON.stringify({ secorchDeferred: { ...valid.secorchDeferred, extra: 1 } }),
      JSON.stringify({ secorchDeferred: { ...valid.secorchDeferred, encoding: 'base64' } }), // encoding goes with text only
      JSON.stringify({ secorchDeferred: { deferrals: 1, receives: 1, text: 'x', encoding: 'hex' } }),
      JSON.stringify({ secorchDeferred: [] }),
    ]) expect(unwrapDeferred(body)).toBeUndefined();
  });
});
