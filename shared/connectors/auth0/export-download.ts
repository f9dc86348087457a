import type { HttpClient } from '../../ports/http';
import { ConnectorError, type ConnectorErrorFacts, isConnectorError } from '../errors';
import { fetchFailure } from '../failures';
import { inflated, NdjsonError, ndjsonLines } from '../../streams/ndjson';
import type { Auth0User } from './user';

/**
 * The file of a completed export job: a gzipped NDJSON file behind a signed link on Auth0's
 * storage host (`location`). It is fetched with deps.http, so the egress guard applies, and
 * without the Management API token: the link carries its own signature, and the token must not
 * reach another host. Read as a stream, one user per line.
 */
export interface DownloadOptions {
  http: HttpClient;
  /** Wait for the answer's headers, then for each chunk of the body; default 30 s. */
  timeoutMs?: number;
  /** Largest file read, compressed; default 1 GiB (tens of millions of users of five fields). */
  maxBytes?: number;
  /** Largest file read, inflated; default 16 GiB, a stop for a file that expands without bound. */
  maxInflatedBytes?: number;
}

const GiB = 1024 ** 3;
/** A user of five fields takes a few hundred bytes; a longer line is not an Auth0 user record. */
const MAX_LINE_BYTES = 1024 * 1024;
/** Answers of a link that expired (60 s) or whose file is gone: a new job is needed. */
const EXPIRED = new Set([403, 404, 410]);

/** Arms an abort while waiting on the network; disarmed while the caller handles a page. */
function watchdog(ms: number, controller: AbortController) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return {
    arm: () => void (timer = setTimeout(() => controller.abort(new Error(`no data for ${ms} ms`)), ms)),
    disarm: () => clearTimeout(timer),
  };
}

async function* capped(body: AsyncIterable<Uint8Array>, dog: ReturnType<typeof watchdog>, max: number, facts: ConnectorErrorFacts): AsyncGenerator<Uint8Array> {
  const it = body[Symbol.asyncIterator]();
  let size = 0;
  try {
    for (;;) {
      dog.arm();
      const r = await it.next().finally(dog.disarm);
      if (r.done) return;
      size += r.value.byteLength;
      if (size > max) throw new ConnectorError('connector_bad_response', `${facts.connector}: the user export of job ${facts.jobId} exceeds ${max} bytes`, facts);
      yield r.value;
    }
  } finally {
    await it.return?.().catch(() => undefined);
  }
}

const problemText = { not_gzip: 'is not valid gzip', too_large: 'inflates past the size limit', line_too_long: 'is longer than 1 MiB' } as const;

function readFailure(e: unknown, facts: ConnectorErrorFacts, timeout: AbortSignal): unknown {
  if (e instanceof NdjsonError) {
    return new ConnectorError('connector_bad_response', `${facts.connector}: the user export of job ${facts.jobId} ${problemText[e.problem]} at line ${e.line}`, { ...facts, line: e.line }, e.cause);
  }
  return isConnectorError(e) ? e : fetchFailure(e, facts, timeout);
}

/**
 * The users of the file at `location`, in file order, each with its line number; undefined when
 * the link is refused (expired or gone). A line that is not a JSON object with a `user_id` is a
 * connector_bad_response naming the line.
 */
export async function openExport(o: DownloadOptions, location: string, jobId: string, connector: string): Promise<AsyncGenerator<Auth0User> | undefined> {
  const url = new URL(location);
  // The path only: the query holds the link's signature.
  const facts: ConnectorErrorFacts = { connector, method: 'GET', path: url.pathname, host: url.host, jobId };
  const controller = new AbortController();
  const dog = watchdog(o.timeoutMs ?? 30_000, controller);
  let res: Response;
  dog.arm();
  try {
    res = await o.http.fetch(url, { method: 'GET', headers: { accept: 'application/gzip, application/x-ndjson, */*' }, signal: controller.signal });
  } catch (e) {
    throw fetchFailure(e, facts, controller.signal);
  } finally {
    dog.disarm();
  }
  const max = o.maxBytes ?? GiB;
  const refuse = (code: 'connector_unavailable' | 'connector_bad_response', why: string) => {
    controller.abort();
    return new ConnectorError(code, `${connector}: the user export of job ${jobId} ${why}`, { ...facts, vendorStatus: res.status });
  };
  if (EXPIRED.has(res.status)) return void controller.abort();
  if (!res.ok || !res.body) throw refuse(res.status >= 500 || res.status === 429 ? 'connector_unavailable' : 'connector_bad_response', `was answered ${res.status}`);
  if (Number(res.headers.get('content-length') ?? 0) > max) throw refuse('connector_bad_response', `exceeds ${max} bytes`);
  const body = res.body as unknown as AsyncIterable<Uint8Array>;
  return (async function* users() {
    try {
      const lines = ndjsonLines(inflated(capped(body, dog, max, facts), o.maxInflatedBytes ?? 16 * GiB), MAX_LINE_BYTES);
      for await (const { n, text } of lines) {
        let user: unknown;
        try {
          user = JSON.parse(text);
        } catch (e) {
          throw new ConnectorError('connector_bad_response', `${connector}: line ${n} of the user export of job ${jobId} is not valid JSON`, { ...facts, line: n }, e);
        }
        if (typeof (user as Auth0User | null)?.user_id !== 'string') {
          throw new ConnectorError('connector_bad_response', `${connector}: line ${n} of the user export of job ${jobId} has no user_id`, { ...facts, line: n });
        }
        yield user as Auth0User;
      }
    } catch (e) {
      throw readFailure(e, facts, controller.signal);
    } finally {
      controller.abort();
    }
  })();
}
