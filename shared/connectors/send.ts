import type { Clock } from '../ports/clock';
import type { HttpClient } from '../ports/http';
import type { Logger } from '../ports/logger';
import { redactUrlPath } from '../log/url';
import type { AuthContext, ConnectorAuth } from './auth/types';
import { parseBody, readCapped } from './body';
import type { Breaker } from './breaker';
import { ConnectorError, type ConnectorErrorFacts, isConnectorError } from './errors';
import { fetchFailure } from './failures';
import { encodeBody } from './request-body';
import { carriesOwnCredential, fetchWithinOrigin } from './redirects';
import { backoffMs, isIdempotent, retryableStatus, type RetryOptions } from './retry/policy';
import { requestedWaitMs } from './retry/rate-limit';
import type { Scrub } from './scrub';
import type { Sleep, TransportRequest, TransportResponse } from './types';
import { appendQuery, joinPath, sameOriginUrl } from './url';
import { vendorError } from './vendor-error';

/** Everything one transport shares between its calls. */
export interface Runtime {
  name: string;
  base: URL;
  auth: ConnectorAuth;
  authContext: AuthContext;
  http: HttpClient;
  clock: Clock;
  sleep: Sleep;
  random: () => number;
  timeoutMs: number;
  timeoutSignal: (ms: number) => AbortSignal;
  retry: RetryOptions;
  breaker: Breaker;
  maxResponseBytes: number;
  scrub: Scrub;
  headers: Record<string, string>;
  logger?: Logger;
}

/** Error bodies are only quoted, truncated: no need to read more of them. */
const ERROR_BODY_LIMIT = 64 * 1024;
const vendorFault = (e: unknown) => isConnectorError(e) && (e.code === 'connector_timeout' || e.code === 'connector_unreachable');

/**
 * One call: attempts until an answer is final, the attempts are used up, or the next wait would
 * exceed the call's budget (then the error carries retryAfterMs for the caller's queue).
 */
export async function send<T>(rt: Runtime, req: TransportRequest, maxAttempts = rt.retry.maxAttempts): Promise<TransportResponse<T>> {
  const method = (req.method ?? 'GET').toUpperCase();
  const target = req.url !== undefined ? sameOriginUrl(rt.name, rt.base, req.url) : joinPath(rt.name, rt.base, req.path ?? '');
  const url = appendQuery(target, req.query);
  // The path as errors and log lines name it: a segment that is the credential (a webhook token
  // in a generic destination's base path) is replaced (shared/log/url.ts).
  const path = redactUrlPath(url.hostname, url.pathname);
  const facts: ConnectorErrorFacts = { connector: rt.name, method, path };
  const idempotent = isIdempotent(method, req.idempotent);
  const { body, contentType } = encodeBody(req.body);
  const budget = req.budgetMs ?? rt.retry.budgetMs;
  const started = rt.clock.now();
  let reauthorized = false;

  /** Waits before the next attempt if allowed and within budget; else false. */
  const waitForRetry = async (attempt: number, asked: number | undefined, why: string | number): Promise<number | true> => {
    const wait = asked ?? backoffMs(attempt, rt.retry, rt.random);
    if (wait > budget - (rt.clock.now() - started)) return wait;
    rt.logger?.warn('connector retry', { connector: rt.name, method, path, reason: why, attempt, waitMs: wait });
    await rt.sleep(wait, req.signal);
    return true;
  };

  for (let attempt = 1; ; attempt++) {
    const admission = rt.breaker.admit();
    if (!admission.ok) {
      throw new ConnectorError('connector_circuit_open', `${rt.name}: calls are paused after repeated failures of ${rt.name}; retry later`, { ...facts, retryAfterMs: admission.retryAfterMs });
    }
    const probe = admission.probe;
    let authorization;
    try {
      authorization = await rt.auth.authorize(rt.authContext, { method, url });
    } catch (e) {
      rt.breaker.release(probe);
      throw e;
    }
    const deadline = rt.timeoutSignal(rt.timeoutMs);
    const signal = req.signal ? AbortSignal.any([deadline, req.signal]) : deadline;
    const headers = { accept: 'application/json', ...(contentType ? { 'content-type': contentType } : {}), ...rt.headers, ...req.headers, ...authorization.headers };
    let res: Response;
    let text: string;
    let over: boolean;
    try {
      const init = { method, headers, body, signal };
      res = carriesOwnCredential(authorization.headers) ? await fetchWithinOrigin(rt.http, url, init, facts) : await rt.http.fetch(url, init);
      const wanted = res.ok || req.allowStatus?.includes(res.status);
      ({ text, over } = await readCapped(res, wanted ? rt.maxResponseBytes : ERROR_BODY_LIMIT));
    } catch (e) {
      const failure = fetchFailure(e, facts, deadline, req.signal, signal);
      if (vendorFault(failure)) rt.breaker.failure(probe);
      else rt.breaker.release(probe);
      if (vendorFault(failure) && idempotent && attempt < maxAttempts && (await waitForRetry(attempt, undefined, (failure as ConnectorError).code)) === true) continue;
      throw failure;
    }

    if (res.status >= 500) rt.breaker.failure(probe);
    else rt.breaker.success();
    if (res.ok || req.allowStatus?.includes(res.status)) {
      if (over) throw new ConnectorError('connector_bad_response', `${rt.name}: the answer to ${method} ${path} exceeds ${rt.maxResponseBytes} bytes; page smaller`, facts);
      return { status: res.status, headers: res.headers, body: parseBody(text, res.headers.get('content-type'), req.expect ?? 'json', facts) as T, url: res.url || String(url) };
    }
    if (res.status === 401 && !reauthorized && authorization.reject?.({ status: res.status, headers: res.headers })) {
      // A cached token the vendor no longer accepts (revoked, rotated keys), or a DPoP nonce it asks
      // for: renew once, retry once.
      reauthorized = true;
      attempt--;
      rt.logger?.info('connector credential refused; renewing it', { connector: rt.name, method, path });
      continue;
    }
    const answer = { status: res.status, headers: res.headers, text };
    if (!retryableStatus(res.status)) throw vendorError(answer, facts, rt.scrub);
    const asked = requestedWaitMs(res.headers, rt.clock.now(), res.status === 429);
    const mayRepeat = res.status === 429 && rt.retry.rateLimited === 'all' ? true : idempotent;
    if (mayRepeat && attempt < maxAttempts) {
      const waited = await waitForRetry(attempt, asked, res.status);
      if (waited === true) continue;
      throw vendorError(answer, { ...facts, retryAfterMs: waited }, rt.scrub);
    }
    throw vendorError(answer, { ...facts, retryAfterMs: asked }, rt.scrub);
  }
}
