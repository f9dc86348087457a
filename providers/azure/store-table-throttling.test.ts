import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RestError } from '@azure/data-tables';
import { AppError } from '../../shared/errors';
import { fixedClock } from '../../shared/ports/clock';
import { tableStore } from './store-table';
import { azureStoreReason } from './unavailable';

/**
 * Table Storage too busy, or failing, for longer than the SDK's retries: a 503 store_unavailable
 * with Retry-After, which the webhook rate limiter refuses with and callers and queues retry, not
 * the raw RestError (a generic 500, and a rate limiter failing open). Azurite never throttles, so
 * a loopback HTTP server answers every request as Table Storage answers a throttled or failing
 * one (its JSON error format and `x-ms-error-code`); the store talks to it through its own SDK
 * client and retry policy (3 tries, here 20 ms apart).
 * https://learn.microsoft.com/rest/api/storageservices/table-service-error-codes
 */
const clock = fixedClock(Date.parse('2026-01-01T00:00:00Z'));
const KEY = Buffer.from('never-shown-account-key-0123456789').toString('base64');

interface Answering { url: string; requests: number; close(): Promise<void> }

async function answering(status: number, code: string, message: string): Promise<Answering> {
  const state = { requests: 0 };
  const server: Server = createServer((req, res) => {
    req.resume().on('end', () => {
      state.requests++;
      res.writeHead(status, { 'content-type': 'application/json;odata=minimalmetadata', 'x-ms-error-code': code, 'x-ms-request-id': 'r' });
      res.end(JSON.stringify({ 'odata.error': { code, message: { lang: 'en-US', value: `${message}\nRequestId:r\nTime:2026-01-01T00:00:00.0000000Z` } } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get requests() { return state.requests; },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const storeAt = (url: string) => tableStore({
  connectionString: `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${KEY};TableEndpoint=${url}/devstoreaccount1`,
  table: 'state', allowInsecureConnection: true, createTable: false, clock, retryDelayMs: 20,
});

describe('Table Storage busy or failing past the SDK\'s retries (loopback server answering as Table Storage: Azurite never throttles)', () => {
  test.each([
    [503, 'ServerBusy', 'Operations per second is over the account limit.', 'throttled'],
    [503, 'ServerBusy', 'The server is currently unable to receive requests. Please retry your request.', 'throttled'],
    [500, 'OperationTimedOut', 'Operation could not be completed within the specified time.', 'server timeout'],
    [500, 'InternalError', 'The server encountered an internal error. Please retry the request.', 'server error'],
  ])('%i %s ("%s") is a retryable 503 store_unavailable (%s) with Retry-After, after 3 tries', async (status, code, message, reason) => {
    const server = await answering(status, code, message);
    try {
      const store = storeAt(server.url);
      const ops = [['get', () => store.get('k')], ['put', () => store.put('k', 'v', { ifAbsent: true })]] as const;
      const failures = await Promise.all(ops.map(([, run]) => run().then(() => undefined, (err: unknown) => err)));
      for (const [i, e] of failures.entries()) {
        expect(e).toBeInstanceOf(AppError);
        expect(e).toMatchObject({ code: 'store_unavailable', status: 503, retryable: true, expose: true, headers: { 'retry-after': '1' } });
        expect((e as AppError).message).toBe(`Azure Table state store unavailable during ${ops[i]![0]} (${reason}); retry shortly`);
        expect((e as AppError).message).not.toContain('127.0.0.1');
        expect((e as AppError).cause).toMatchObject({ name: 'RestError', statusCode: status });
      }
      // Each call was sent 3 times (the SDK's tries) before it failed.
      expect(server.requests).toBe(6);
      await store.close();
    } finally {
      await server.close();
    }
  });

  test.each([
    [400, 'InvalidInput'],
    [403, 'AuthorizationFailure'],
    [404, 'TableNotFound'],
    [413, 'EntityTooLarge'],
  ])('the service\'s refusal %i %s keeps its error, sent once', async (status, code) => {
    const server = await answering(status, code, 'refused');
    try {
      const e = await storeAt(server.url).get('k').then(() => undefined, (err: unknown) => err);
      expect(e).not.toBeInstanceOf(AppError);
      expect(e).toMatchObject({ name: 'RestError', statusCode: status });
      expect(server.requests).toBe(1);
    } finally {
      await server.close();
    }
  });
});

describe('azureStoreReason', () => {
  const rest = (statusCode: number, code?: string) => new RestError('x', { statusCode, code });
  it('takes what the SDK retries (408, 5xx but 501 and 505) and throttling (429) as unavailable', () => {
    expect(azureStoreReason(rest(503, 'ServerBusy'))).toBe('throttled');
    expect(azureStoreReason(rest(429, 'TooManyRequests'))).toBe('throttled');
    expect(azureStoreReason(rest(500, 'OperationTimedOut'))).toBe('server timeout');
    expect(azureStoreReason(rest(408))).toBe('server timeout');
    expect(azureStoreReason(rest(504))).toBe('server timeout');
    expect(azureStoreReason(rest(500, 'InternalError'))).toBe('server error');
    expect(azureStoreReason(rest(502))).toBe('server error');
    expect(azureStoreReason(new RestError('reset', { code: 'ECONNRESET' }))).toBe('connection reset');
  });
  it('leaves the service\'s refusals and our own errors alone', () => {
    for (const [status, code] of [[400, 'InvalidInput'], [403, 'AuthorizationFailure'], [404, 'ResourceNotFound'], [404, 'TableNotFound'], [409, 'EntityAlreadyExists'],
      [412, 'UpdateConditionNotSatisfied'], [413, 'RequestBodyTooLarge'], [501, 'NotImplemented'], [505, 'UnsupportedHttpVerb']] as const) {
      expect(azureStoreReason(rest(status, code))).toBeUndefined();
    }
    expect(azureStoreReason(new TypeError('bug'))).toBeUndefined();
    expect(azureStoreReason(undefined)).toBeUndefined();
  });
});
