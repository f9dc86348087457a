import { testDeps } from '../../test/deps';
import { webhookIngress } from './handler';

/**
 * Schemes that read a delivery id out of the body do so while verifying, before the ingress
 * refuses bodies nested deeper than 200 levels. A deeply nested body must still be a 400, not a
 * 500 from a recursion that overflowed the stack.
 */
const KEY = 'sk_live_4f9c2b7e1d3a5f60';
const SECRET = 'eg-delivery-secret';
const config = {
  sources: {
    tool: { verify: { scheme: 'api-key', keys: [KEY], idPath: 'event.id' } },
    azure: { verify: { scheme: 'eventgrid', secret: SECRET } },
  },
};
const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
const post = (source: string, body: string, headers: Record<string, string>) =>
  new Request(`https://h.example/webhooks/${source}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
const answer = async (res: Response) => [res.status, ((await res.json()) as { code: string }).code];

describe('delivery ids read from deeply nested bodies', () => {
  test('idPath with a 64-bit numeric id next to 100,000 nested arrays is 400 malformed_body', async () => {
    const { deps, bus } = testDeps(config);
    const body = `{"event":{"id":12345678901234567890},"x":${deep(100_000)}}`;
    expect(await answer(await webhookIngress(post('tool', body, { 'x-api-key': KEY }), deps))).toEqual([400, 'malformed_body']);
    expect(bus.events.filter((e) => !e.type.startsWith('secorch.audit.'))).toHaveLength(0);
  });

  test('an Event Grid event whose topic is 100,000 nested arrays is 400 malformed_body', async () => {
    const { deps, bus } = testDeps(config);
    const body = `[{"id":"e-1","eventType":"x","topic":${deep(100_000)}}]`;
    expect(await answer(await webhookIngress(post('azure', body, { 'x-api-key': SECRET }), deps))).toEqual([400, 'malformed_body']);
    expect(bus.events.filter((e) => !e.type.startsWith('secorch.audit.'))).toHaveLength(0);
  });
});
