import type { Logger } from '../../shared/ports';

/**
 * Asks serverless-offline to run the event router now, through its Lambda Invoke API
 * (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html) with InvocationType Event, so
 * an event reaches its destinations within moments of being queued. Best effort: the message is
 * already durable in the SQLite queue and the router's schedule drains it if a nudge is lost.
 */
export async function nudgeRouter(env: Record<string, string | undefined>, logger: Logger): Promise<void> {
  const port = env.SECORCH_LAMBDA_PORT || '3002';
  const name = env.SECORCH_ROUTER_FUNCTION || 'secorch-local-eventRouter';
  try {
    const res = await fetch(`http://127.0.0.1:${port}/2015-03-31/functions/${encodeURIComponent(name)}/invocations`, {
      method: 'POST',
      headers: { 'x-amz-invocation-type': 'Event', 'content-type': 'application/json' },
      body: JSON.stringify({ source: 'secorch.local', 'detail-type': 'Drain' }),
      signal: AbortSignal.timeout(1000),
    });
    await res.arrayBuffer();
    if (res.status >= 300) logger.warn('router nudge refused', { status: res.status });
  } catch (e) {
    logger.warn('router nudge failed; the schedule will drain the queue', { error: e });
  }
}

/**
 * At most one nudge in flight per worker, plus one trailing nudge for whatever was published
 * meanwhile: under load every publish would otherwise start its own router invocation (and
 * serverless-offline its own worker thread), while one drain already takes everything queued.
 * The first caller waits for its nudge to be sent; the trailing one runs after `windowMs`.
 */
export function coalesce(nudge: () => Promise<void>, windowMs = 50): () => Promise<void> {
  let busy = false;
  let again = false;
  const trail = async () => {
    while (again) {
      again = false;
      await new Promise((r) => setTimeout(r, windowMs));
      await nudge();
    }
    busy = false;
  };
  return async () => {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    await nudge();
    void trail();
  };
}
