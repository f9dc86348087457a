import { startVendorServer, type VendorServer } from '../../test/support/vendor-server';
import { guardedHttp } from '../http/egress';
import { fixedClock } from '../ports/clock';
import type { Logger } from '../ports/logger';
import { createTransport } from './transport';
import type { Sleep, Transport, TransportOptions } from './types';

/**
 * What connector tests share: a fixed clock, a sleep that records each wait and moves the clock
 * instead of waiting, a logger that keeps every line, and the real egress-guarded client opened
 * to loopback only (the vendor server listens on 127.0.0.1).
 */
export interface Harness {
  clock: ReturnType<typeof fixedClock>;
  waits: number[];
  sleep: Sleep;
  logs: { level: string; msg: string; fields: Record<string, unknown> }[];
  logger: Logger;
  http: ReturnType<typeof guardedHttp>;
  transport(o: Partial<TransportOptions> & Pick<TransportOptions, 'baseUrl' | 'auth'>): Transport;
  close(): Promise<void>;
}

export function harness(start = Date.parse('2030-01-01T00:00:00Z')): Harness {
  const clock = fixedClock(start);
  const waits: number[] = [];
  const logs: Harness['logs'] = [];
  const logger = (bound: Record<string, unknown>): Logger => {
    const at = (level: string) => (msg: string, fields: Record<string, unknown> = {}) => void logs.push({ level, msg, fields: { ...bound, ...fields } });
    return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: (f) => logger({ ...bound, ...f }) };
  };
  const sleep: Sleep = async (ms) => {
    waits.push(ms);
    clock.advance(ms);
  };
  const http = guardedHttp({ allowPrivate: ['127.0.0.0/8'] });
  const root = logger({});
  return {
    clock, waits, sleep, logs, logger: root, http,
    transport: (o) => createTransport({ name: 'acme', http, clock, sleep, logger: root, random: () => 0.5, ...o }),
    close: async () => http.close?.(),
  };
}

export interface VendorTest {
  vendor: VendorServer;
  h: Harness;
}

/**
 * Per test, a local vendor server and a harness on a clock at `start`, both closed after it.
 * `set` receives them before each test, for the test file's own variables and fixtures.
 */
export function eachTestVendor(set: (t: VendorTest) => unknown, start?: number): void {
  let current: VendorTest | undefined;
  beforeEach(async () => {
    current = { vendor: await startVendorServer(), h: harness(start) };
    await set(current);
  });
  afterEach(async () => {
    await current?.h.close();
    await current?.vendor.close();
    current = undefined;
  });
}
