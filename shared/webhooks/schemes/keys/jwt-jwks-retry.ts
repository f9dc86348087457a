import type { FetchImplementation } from 'jose';
import type { Clock } from '../../../ports';

/**
 * How long a failed fetch of a key set is remembered. jose shares one fetch among concurrent
 * callers and spaces the refetches an unknown "kid" triggers, but times both from the last
 * successful fetch: while the key server is down (refusing, timing out, answering 5xx or something
 * that is no key set) every verification would start a fetch of its own, relaying each request
 * sent to us onto the identity provider and holding it for up to the fetch timeout. Within this
 * window a fetch fails at once, without a request; the first one after it goes to the server.
 */
export const JWKS_RETRY_MS = 5_000;

/** A fetch not made because the last one failed less than JWKS_RETRY_MS ago; `cause` is that failure. */
export class RecentFailure extends Error {
  constructor(cause: unknown) {
    super('JWKS fetch failed recently', { cause });
  }
}

export interface RetryGate {
  /** `fetch`, remembering its failures and refusing at once while one is recent. */
  readonly fetch: FetchImplementation;
  /** Whole seconds (at least 1) until a fetch may go again, or undefined if one may go now. */
  retryAfterSeconds(): number | undefined;
}

/** One per key set: the window is the set's, on the injected clock. */
export function retryGate(fetch: FetchImplementation, clock: Clock): RetryGate {
  let failed: { until: number; cause: unknown } | undefined;
  const recent = () => (failed && clock.now() < failed.until ? failed : undefined);
  return {
    fetch: async (href, init) => {
      const last = recent();
      if (last) throw new RecentFailure(last.cause);
      try {
        const res = await fetch(href, init);
        failed = undefined;
        return res;
      } catch (e) {
        failed = { until: clock.now() + JWKS_RETRY_MS, cause: e };
        throw e;
      }
    },
    retryAfterSeconds() {
      const last = recent();
      return last && Math.max(1, Math.ceil((last.until - clock.now()) / 1000));
    },
  };
}
