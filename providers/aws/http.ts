import type {
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  APIGatewayProxyResult,
  APIGatewayProxyStructuredResultV2,
} from 'aws-lambda';
import type { HttpHandler } from '../../shared/contracts';
import { problemResponse, toAppError } from '../../shared/errors';
import { setClientInfo } from '../../shared/http/client-info';
import { type ApiGatewayEventLike, certFromApiGateway } from '../common/client-cert';
import type { Deps } from '../../shared/ports';
import { livenessWithoutDeps, readinessWithoutDeps } from '../../functions/health/without-deps';
import { v1Result, v1ToRequest } from './http-v1';
import { v2Result, v2ToRequest } from './http-v2';
import { redactText } from '../../shared/log/redact';

/**
 * AWS HTTP adapter, after honojs/hono src/adapter/aws-lambda/handler.ts: one converter per API
 * Gateway payload format, picked by a type guard, around the portable HttpHandler.
 * The API must list binary media types (e.g. `*\/*`) so that bodies reach us base64 encoded and
 * unchanged: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-payload-encodings.html
 */
export type AwsHttpEvent = APIGatewayProxyEvent | APIGatewayProxyEventV2;
export type AwsHttpResult = APIGatewayProxyResult | APIGatewayProxyStructuredResultV2;
export type PayloadVersion = '1.0' | '2.0';

/** HTTP API and function URL events say `version: "2.0"`; REST API events carry no version. */
export const isV2 = (event: AwsHttpEvent): event is APIGatewayProxyEventV2 =>
  (event as { version?: unknown }).version === '2.0';

/**
 * The Web Request of an API Gateway event, with the caller's address as API Gateway saw it
 * (`sourceIp`: the TCP peer of API Gateway, not a header the client can set).
 */
export function toRequest(event: AwsHttpEvent): Request {
  // mTLS facts of an API Gateway custom domain come from the event too, never from headers.
  const cert = certFromApiGateway(event as ApiGatewayEventLike);
  if (isV2(event)) return setClientInfo(v2ToRequest(event), { ip: event.requestContext?.http?.sourceIp, cert });
  return setClientInfo(v1ToRequest(event), { ip: event.requestContext?.identity?.sourceIp ?? undefined, cert });
}

export function toResult(res: Response, version: '1.0'): Promise<APIGatewayProxyResult>;
export function toResult(res: Response, version: '2.0'): Promise<APIGatewayProxyStructuredResultV2>;
export function toResult(res: Response, version: PayloadVersion): Promise<AwsHttpResult>;
export function toResult(res: Response, version: PayloadVersion): Promise<AwsHttpResult> {
  return version === '2.0' ? v2Result(res) : v1Result(res);
}

/**
 * Wraps a portable HTTP handler for API Gateway (REST and HTTP APIs) and function URLs.
 * `getDeps` should return the composition root's memoized deps (built once per cold start);
 * liveness is answered without them.
 * Anything thrown, even before the handler runs, is answered by a problem document; an
 * unexpected error is a generic 500 with no message or stack (DESIGN.md section 2).
 */
export function awsHttp(handler: HttpHandler, getDeps: () => Promise<Deps>) {
  return async (event: AwsHttpEvent): Promise<AwsHttpResult> => {
    const version: PayloadVersion = isV2(event) ? '2.0' : '1.0';
    let deps: Deps | undefined;
    let req: Request | undefined;
    try {
      req = toRequest(event);
      // Liveness needs nothing but the request: no deps are built for it (functions/health).
      const early = livenessWithoutDeps(req.method, new URL(req.url).pathname);
      if (early) return await toResult(early, version);
      deps = await getDeps();
      return await toResult(await handler(req, deps), version);
    } catch (e) {
      const err = toAppError(e);
      const fields = { code: err.code, status: err.status, error: e instanceof Error ? e.message : String(e) };
      // Logs stay ours (CloudWatch); the caller sees only the problem document.
      if (deps) deps.logger[err.status >= 500 ? 'error' : 'warn']('http request failed', fields);
      else console.error(JSON.stringify({ level: 'error', msg: 'http request failed before deps', ...fields, error: redactText(fields.error) }));
      const notReady = !deps && req ? readinessWithoutDeps(req.method, new URL(req.url).pathname) : undefined;
      return toResult(notReady ?? problemResponse(e), version);
    }
  };
}
