import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { HttpHandler } from '../../shared/contracts';
import { problemResponse } from '../../shared/errors';
import type { Config } from '../../shared/config';
import { forwardedClient, setClientInfo } from '../../shared/http/client-info';
import { responseBytes } from '../../shared/http/response-body';
import type { ClientInfo } from '../../shared/webhooks';
import { certFromDerBase64, warnCertHeadersOff } from '../common/client-cert';
import type { Deps } from '../../shared/ports';
import { redactText } from '../../shared/log/redact';
import { livenessWithoutDeps, readinessWithoutDeps } from '../../functions/health/without-deps';
import { splitCookies } from './http-cookies';

/**
 * Azure Functions (Node programming model v4) HTTP trigger -> portable HttpHandler.
 * https://learn.microsoft.com/azure/azure-functions/functions-reference-node?pivots=nodejs-model-v4#http-request
 *
 * The function app's host.json sets `extensions.http.routePrefix: ""`, so `req.url` carries the
 * same paths as every other cloud (/webhooks/github, not /api/webhooks/github).
 */

/** Methods whose requests carry no body (the Fetch Request constructor throws if given one). */
const NO_BODY = new Set(['GET', 'HEAD']);

/**
 * Builds the Web Request from the raw body bytes: signatures are computed over the exact bytes
 * sent, so the body is never decoded or parsed here (req.json()/req.text() would).
 */
export async function azureRequestToWeb(req: HttpRequest, ingress: Config['ingress'] = { trustedProxyHops: 1, trustClientCertHeaders: false }): Promise<Request> {
  const method = req.method.toUpperCase();
  const body = NO_BODY.has(method) ? undefined : new Uint8Array(await req.arrayBuffer());
  const web = new Request(req.url, { method, headers: new Headers(req.headers), body });
  // The Functions front end appends the client address (with its port) to X-Forwarded-For, and
  // with client certificates enabled sets X-ARR-ClientCert (base64 DER) itself.
  const client: ClientInfo = { ip: forwardedClient(req.headers.get('x-forwarded-for'), ingress.trustedProxyHops) };
  const arr = ingress.trustClientCertHeaders ? req.headers.get('x-arr-clientcert') : null;
  if (arr) client.cert = certFromDerBase64(arr);
  return setClientInfo(web, client);
}

/**
 * Turns the Web Response into the v4 model's HttpResponseInit. The body goes back as bytes so
 * binary payloads are not re-encoded as text. Repeated headers go as one value joined by ", ",
 * as Headers holds them, except Set-Cookie: each one becomes an entry of `cookies`
 * (http-cookies.ts), since the worker keeps one value per header name.
 */
export async function webResponseToAzure(res: Response): Promise<HttpResponseInit> {
  const { headers, cookies } = splitCookies(res.headers);
  const init: HttpResponseInit = { status: res.status, headers, body: await responseBytes(res) };
  if (cookies.length > 0) init.cookies = cookies;
  return init;
}

/**
 * Wraps a portable HTTP handler as a v4 HTTP trigger handler, for
 * `app.http(name, { route: '{*path}', handler: azureHttp(h, getDeps) })`. Anything thrown,
 * including a failure to build deps, becomes the generic problem+json 500 (no message, no stack);
 * liveness is answered without deps.
 */
export function azureHttp(handler: HttpHandler, getDeps: () => Promise<Deps>) {
  return async (req: HttpRequest, ctx: InvocationContext): Promise<HttpResponseInit> => {
    let res: Response;
    let built = false;
    try {
      // Liveness needs nothing but the request: no deps are built for it.
      const early = livenessWithoutDeps(req.method, new URL(req.url).pathname);
      if (early) res = early;
      else {
        const deps = await getDeps();
        built = true;
        warnCertHeadersOff(deps.config, deps.logger, 'X-ARR-ClientCert');
        res = await handler(await azureRequestToWeb(req, deps.config.ingress), deps);
      }
    } catch (err) {
      // The platform log (Application Insights) keeps the invocation id for correlation.
      ctx.error('unhandled error in HTTP handler', { invocationId: ctx.invocationId, error: redactText(String(err)) });
      res = (built ? undefined : readinessWithoutDeps(req.method, new URL(req.url).pathname)) ?? problemResponse(err);
    }
    return webResponseToAzure(res);
  };
}
