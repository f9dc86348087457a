import { webhookIngress } from '../../functions/webhook-ingress/handler';
import type { Deps } from '../../shared/ports';
import { memoryBus } from '../../test/deps';
import { githubHeaders } from '../../test/support/sign';

/**
 * For the composition roots' metric tests: a webhook with a wrong signature goes through the real
 * ingress handler with the deps a root built (only the bus is swapped for a memory one, so no
 * cloud is called), and the JSON lines written to stdout meanwhile are returned.
 */
export const SECRET = 'metrics-test-secret';
export const githubSource = { github: { verify: { scheme: 'github', secret: SECRET } } };

const g = globalThis as { __SECORCH_CONFIG__?: unknown };
/** esbuild `define` puts the configuration in the bundle; in tests it is a global, as at runtime. */
export const bundle = (config: unknown) => void (g.__SECORCH_CONFIG__ = config);
export const unbundle = () => void delete g.__SECORCH_CONFIG__;

export async function stdoutOf(fn: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true));
  try {
    await fn();
  } finally {
    spy.mockRestore();
  }
  return lines.flatMap((l) => l.split('\n')).filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Stdout while a signed-with-the-wrong-secret webhook is posted to `path` with the deps `build` makes. */
export async function rejectedWebhook(build: () => Promise<Deps>, path = '/webhooks/github'): Promise<Record<string, unknown>[]> {
  return stdoutOf(async () => {
    const deps = { ...(await build()), bus: memoryBus() };
    const body = '{"zen":"ok"}';
    const res = await webhookIngress(new Request(`https://hooks.example.com${path}`, { method: 'POST', body, headers: githubHeaders('wrong-secret', body, 'ping', 'd-1') }), deps);
    if (res.status < 400) throw new Error(`expected a rejection, got ${res.status}`);
  });
}

/** The metric lines among them: EMF documents and JSON metric lines. */
export const metricLines = (docs: Record<string, unknown>[]) => docs.filter((d) => d._aws !== undefined || d.msg === 'metric');
