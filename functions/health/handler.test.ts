import { testDeps } from '../../test/deps';
import { memoryObjects } from '../../shared/objects/memory';
import { ready } from './handler';

/** GET /health/ready: every dependency the configuration uses is probed, by name. */
const config = {
  destinations: { lake: { type: 'archive', bucket: 'secorch-archive' }, copy: { type: 'archive', bucket: 'secorch-archive' }, out: { type: 'file', path: '/tmp/x.jsonl' } },
};
const body = async (res: Response) => (await res.json()) as { status: string; checks: { name: string; status: string }[] };

test('store, bus and each archive bucket once: 200 when all answer', async () => {
  const { deps } = testDeps(config);
  const objects = memoryObjects(deps.clock);
  const checked: (string | undefined)[] = [];
  objects.check = async (bucket) => void checked.push(bucket);
  const res = await ready(new Request('http://x/health/ready'), { ...deps, objects });
  const b = await body(res);
  expect(res.status).toBe(200);
  expect(b.checks.map((c) => [c.name, c.status])).toEqual([['store', 'ok'], ['bus', 'ok'], ['objects:secorch-archive', 'ok']]);
  expect(checked).toEqual(['secorch-archive']);
});

test('a bucket that does not answer, or no object storage at all, is 503 naming the check', async () => {
  const { deps } = testDeps(config);
  const objects = memoryObjects(deps.clock);
  objects.check = () => Promise.reject(new Error('AccessDenied'));
  const failing = await ready(new Request('http://x/health/ready'), { ...deps, objects });
  expect(failing.status).toBe(503);
  expect((await body(failing)).checks.find((c) => c.name === 'objects:secorch-archive')?.status).toBe('failed');
  const none = await ready(new Request('http://x/health/ready'), { ...deps, objects: undefined });
  expect(none.status).toBe(503);
});
