import { isAppError } from '../../errors';
import type { CheckResult, Transport } from '../types';
import { checkSlackAnswer } from './errors';

/**
 * The readiness check of a token destination: auth.test (https://api.slack.com/methods/auth.test),
 * one attempt, GET as its API description declares it. Unlike transport.check() it reads the body, as Slack says `ok: false` with HTTP 200.
 */
export async function authTest(t: Transport, now: () => number): Promise<CheckResult> {
  const started = now();
  try {
    const res = await t.request<unknown>({ path: '/auth.test', budgetMs: 0 });
    checkSlackAnswer(res.body, res.headers, { connector: t.name, method: 'GET', path: new URL(res.url).pathname }, now());
    return { ok: true, latencyMs: now() - started };
  } catch (e) {
    const error = isAppError(e) ? { code: e.code, message: e.message } : { code: 'internal_error', message: `${t.name}: check failed` };
    return { ok: false, latencyMs: now() - started, error };
  }
}
