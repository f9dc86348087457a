import type { DeliveryClient } from '../../shared/http/delivery-client';
import { testDeps } from '../../test/deps';
import type { StateStore } from '../../shared/ports/store';
import { runDeliveryLoop } from './delivery-loop';

/** The local delivery worker's loop: one failed sweep must not end it (it runs for the whole of `npm start`). */
const until = async (fn: () => boolean, ms: number) => {
  for (const end = Date.now() + ms; !fn(); await new Promise((r) => setTimeout(r, 5))) {
    if (Date.now() > end) throw new Error('timed out');
  }
};

test('a sweep that fails is logged and the loop sweeps again; it stops on abort', async () => {
  const { deps } = testDeps();
  const errors: string[] = [];
  deps.logger = { ...deps.logger, error: (msg: string) => void errors.push(msg) };
  const store = deps.store;
  let sweeps = 0;
  // The sweep reads the due index with list: the first read fails as a locked or damaged file would.
  const failingOnce: StateStore = {
    ...store,
    list: async (prefix, opts) => {
      if (++sweeps === 1) throw Object.assign(new Error('database disk image is malformed'), { code: 'SQLITE_CORRUPT' });
      return store.list(prefix, opts);
    },
  };
  deps.store = failingOnce;
  // Nothing is due, so nothing is sent: the engine only requires the port to be there.
  deps.outbound = {} as DeliveryClient;
  const stop = new AbortController();
  const loop = runDeliveryLoop(deps, { idleMs: 1, signal: stop.signal });
  try {
    await until(() => sweeps >= 3, 15_000); // a bound for a loaded machine, not an expected time
  } finally {
    stop.abort();
    await loop;
  }
  expect(errors).toEqual(['delivery sweep failed']);
});
