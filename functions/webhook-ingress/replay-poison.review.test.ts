import { testDeps } from '../../test/deps';
import { githubHeaders } from '../../test/support/sign';
import { webhookIngress } from './handler';

const SECRET = 'poison-secret';
const config = { sources: { github: { verify: { scheme: 'github', secret: SECRET } } } };
const send = (deps: ReturnType<typeof testDeps>['deps'], body: string, headers: Record<string, string>) =>
  webhookIngress(new Request('https://h.example/webhooks/github', { method: 'POST', body, headers }), deps);
const published = (bus: { events: { type: string }[] }) => bus.events.filter((e) => !e.type.startsWith('secorch.audit.'));

describe('replay of a captured delivery under a chosen unsigned id', () => {
  test('does not mark that id as seen: a later genuine delivery carrying it is published', async () => {
    const { deps, bus } = testDeps(config);
    const captured = '{"zen":"captured"}';
    expect((await send(deps, captured, githubHeaders(SECRET, captured, 'ping', 'd-1'))).status).toBe(202);
    // The replay is a duplicate (its signature was seen), whatever X-GitHub-Delivery it carries.
    const replay = await send(deps, captured, githubHeaders(SECRET, captured, 'ping', 'd-2'));
    expect([replay.status, await replay.json()]).toEqual([200, { duplicate: true }]);
    // d-2 was never delivered: the sender's own d-2, with another body and signature, is new.
    const genuine = '{"zen":"genuine"}';
    const res = await send(deps, genuine, githubHeaders(SECRET, genuine, 'ping', 'd-2'));
    expect(res.status).toBe(202);
    expect(published(bus)).toHaveLength(2);
  });
});
