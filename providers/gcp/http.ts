import type { HttpFunction, Request as GcpRequest, Response as GcpResponse } from '@google-cloud/functions-framework';
import type { HttpHandler } from '../../shared/contracts';
import { AppError, problemResponse } from '../../shared/errors';
import type { Config } from '../../shared/config';
import { forwardedClient, setClientInfo } from '../../shared/http/client-info';
import { responseBytes } from '../../shared/http/response-body';
import type { ClientInfo } from '../../shared/webhooks';
import { certFromGcpHeaders, warnCertHeadersOff } from '../common/client-cert';
import type { Deps } from '../../shared/ports';
import { redactText } from '../../shared/log/redact';
import { livenessWithoutDeps, readinessWithoutDeps } from '../../functions/health/without-deps';

/**
 * Google Cloud Functions (functions-framework, Express 5) HTTP function -> portable HttpHandler.
 * One HTTP function serves every path and routes internally: the deploy URL's function-name
 * prefix is not part of req.url. https://cloud.google.com/functions/docs/writing/write-http-functions
 *
 * The framework runs body-parser before the function: it parses JSON/text/form bodies into
 * req.body (never used here) and keeps the exact bytes it read in req.rawBody.
 * https://cloud.google.com/functions/docs/writing/write-http-functions#parse_http
 * A request without a Content-Type passes the parsers unread; its body goes on as a stream that
 * only the handler reads (streamedBody).
 * body-parser inflates gzip/deflate/br bodies first (up to its 1024 MB limit, which applies to
 * the inflated bytes) and answers other codings with its own 415: rawBody is then not what was
 * sent. The request built here keeps the Content-Encoding header, so the core refuses the body
 * (415 unsupported_content_encoding in readBody) as on every cloud.
 */

const NO_BODY = new Set(['GET', 'HEAD']);

/**
 * TRACE: the Fetch standard forbids it in a Request (the constructor throws), yet Node's parser and
 * Express pass it on (CONNECT, also forbidden, never gets past Node's server). No route serves it,
 * so it is answered 501, the status for a method no resource supports (RFC 9110 section 15.6.2),
 * rather than failing as an internal error.
 */
const unsupportedMethod = (method: string): Response | undefined =>
  method.toUpperCase() === 'TRACE'
    ? problemResponse(new AppError('method_not_implemented', 'The TRACE method is not supported', { status: 501, retryable: false, expose: true }))
    : undefined;

/**
 * The body when no parser ran (no Content-Type header), as a stream the handler pulls from: the
 * framework skips such a request, so nothing has been read and nothing bounds it. Read here, a
 * sender could make an instance buffer any size before the webhook allowlist, rate limit and body
 * limit run; streamed, the core reads only after its allowlist and rate limit, stops at its limit
 * (readBody) and refuses a declared Content-Length over it before reading anything.
 * Nothing is read before the first pull (highWaterMark 0). Cancelling (readBody past its limit)
 * only stops reading: destroying the request would close the socket before the answer is sent.
 * gcpHttp drops what is left once it has answered.
 */
function streamedBody(req: GcpRequest): ReadableStream<Uint8Array> {
  const chunks = req.iterator({ destroyOnReturn: false });
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { value, done } = await chunks.next();
        if (done) controller.close();
        else {
          const bytes = Buffer.isBuffer(value) ? value : Buffer.from(String(value));
          controller.enqueue(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
        }
      },
      async cancel() {
        await chunks.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}

/** A host name or address with an optional port: anything else in Host could move the path or add credentials. */
const SAFE_HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * The request URL from the request target as sent. The target is appended to the origin, never
 * resolved against it: resolving would read `//evil.example/webhooks/x` (or `/\evil.example/...`)
 * as another host with the path /webhooks/x, so a request for one path would reach another
 * path's handler. An absolute-form target (`POST http://other/x`) keeps only its path and query.
 */
function requestUrl(req: GcpRequest): string {
  // `trust proxy` is on in the framework, so req.protocol follows X-Forwarded-Proto's first value.
  const scheme = req.protocol === 'http' ? 'http' : 'https';
  const host = req.get('host') ?? '';
  let target = req.originalUrl;
  if (!target.startsWith('/')) {
    const absolute = URL.canParse(target) ? new URL(target) : undefined;
    target = absolute ? `${absolute.pathname}${absolute.search}` : '/';
  }
  // A Host of the right shape can still be one the URL parser refuses (port 99999, 1.2.3.999):
  // the client sent it, so it is replaced as any other unusable Host is, not left to throw.
  const url = `${scheme}://${SAFE_HOST.test(host) ? host : 'localhost'}${target}`;
  return new URL(URL.canParse(url) ? url : `${scheme}://localhost${target}`).href;
}

/** Builds the Web Request from the raw bytes (or the unread stream), path and query of the Express request. */
export async function gcpRequestToWeb(req: GcpRequest, ingress: Config['ingress'] = { trustedProxyHops: 1, trustClientCertHeaders: false }): Promise<Request> {
  const method = req.method.toUpperCase();
  const headers = new Headers();
  // rawHeaders keeps repeated headers as sent; req.headers would have merged them.
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  // Google's front end appends the client address to X-Forwarded-For (an external load balancer
  // appends one more entry: trustedProxyHops 2). Entries further left are client-controlled.
  const client: ClientInfo = { ip: forwardedClient(headers.get('x-forwarded-for'), ingress.trustedProxyHops) };
  // A Google load balancer's mTLS custom headers, when it is the only way in (see config).
  if (ingress.trustClientCertHeaders) client.cert = certFromGcpHeaders((name) => headers.get(name));
  if (NO_BODY.has(method)) return setClientInfo(new Request(requestUrl(req), { method, headers }), client);

  // Content-Encoding stays as sent, though the framework has inflated the body: the core refuses
  // a coded body (shared/http/body.ts readBody), as on every cloud, instead of checking a
  // signature over bytes that were not sent.
  // Node has already undone the chunked framing of either body.
  headers.delete('transfer-encoding');
  if (req.rawBody === undefined && !req.readableEnded) {
    // Content-Length, when sent, stays: Node holds the body to it, and readBody refuses one over
    // the limit before reading.
    const init = { method, headers, body: streamedBody(req), duplex: 'half' } as RequestInit;
    return setClientInfo(new Request(requestUrl(req), init), client);
  }
  // A complete buffer (or nothing left to read): say its real length (handlers check it against limits).
  const body = req.rawBody ?? Buffer.alloc(0);
  headers.set('content-length', String(body.byteLength));
  return setClientInfo(new Request(requestUrl(req), { method, headers, body: new Uint8Array(body) }), client);
}

/** Writes the Web Response to Express: status, every header (Set-Cookie kept apart), raw bytes. */
export async function sendWebResponse(res: Response, out: GcpResponse): Promise<void> {
  out.status(res.status);
  res.headers.forEach((value, name) => {
    if (name !== 'set-cookie') out.setHeader(name, value);
  });
  const cookies = res.headers.getSetCookie();
  if (cookies.length > 0) out.setHeader('set-cookie', cookies);
  // res.end, not res.send: send would add a content-type and convert strings.
  const bytes = await responseBytes(res);
  out.end(bytes === undefined ? undefined : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/**
 * Wraps a portable HTTP handler as a Cloud Functions HTTP function, for
 * `functions.http('api', gcpHttp(router, getDeps))`. Anything thrown becomes the generic
 * problem+json 500 (no message, no stack) instead of the framework's crash page. Liveness is
 * answered without deps.
 */
export function gcpHttp(handler: HttpHandler, getDeps: () => Promise<Deps>): HttpFunction {
  return async (req: GcpRequest, res: GcpResponse): Promise<void> => {
    let response: Response;
    let built = false;
    try {
      // Liveness and an unusable method need nothing but the request: no deps are built for them.
      // req.path is the path of the request target as sent, the one requestUrl keeps.
      const early = livenessWithoutDeps(req.method, req.path) ?? unsupportedMethod(req.method);
      if (early) response = early;
      else {
        const deps = await getDeps();
        built = true;
        warnCertHeadersOff(deps.config, deps.logger, "the load balancer's mTLS custom headers (X-Client-Cert-*)");
        response = await handler(await gcpRequestToWeb(req, deps.config.ingress), deps);
      }
    } catch (err) {
      console.error(JSON.stringify({ severity: 'ERROR', message: 'unhandled error in HTTP handler', error: redactText(String(err)) }));
      response = (built ? undefined : readinessWithoutDeps(req.method, req.path)) ?? problemResponse(err);
    }
    await sendWebResponse(response, res);
    // The part of a streamed body the handler left unread (a refused webhook, a body past its
    // limit) is dropped as it arrives, as Node does with a body no one reads and as the
    // framework's parsers do past their limit: never kept, and the connection can carry the next
    // request. Draining only after the answer lets a client see the refusal before it sends more.
    if (!req.readableEnded) req.resume();
  };
}
