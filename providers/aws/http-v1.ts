import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { bodyBytes, headerValue, requestUrl, resultBody, singleHeaders, withoutStage } from './http-common';

/**
 * A member of a header or query map; names are the client's, so `constructor` or `toString` is
 * looked up among the map's own members only, never found on Object.prototype.
 */
const own = <V>(map: Record<string, V>, name: string): V | undefined => (Object.hasOwn(map, name) ? map[name] : undefined);

/**
 * API Gateway REST API, Lambda proxy integration (payload format 1.0):
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html#api-gateway-simple-proxy-for-lambda-input-format
 * The multi-value maps are preferred: they keep repeated headers and query keys that the
 * single-value maps collapse to their last value.
 */
export function v1ToRequest(event: APIGatewayProxyEvent): Request {
  const headers = new Headers();
  const multi = event.multiValueHeaders ?? {};
  const single = event.headers ?? {};
  const names = new Set([...Object.keys(multi), ...Object.keys(single)]);
  for (const name of names) {
    const values = (own(multi, name) ?? [own(single, name)]).filter((v): v is string => typeof v === 'string').map(headerValue);
    // Several Cookie headers are one list joined by "; " (RFC 6265 5.4), not by the ", " of append.
    if (name.toLowerCase() === 'cookie') headers.set(name, values.join('; '));
    else for (const v of values) headers.append(name, v);
  }

  const query = new URLSearchParams();
  const multiQuery = event.multiValueQueryStringParameters ?? {};
  const singleQuery = event.queryStringParameters ?? {};
  for (const key of new Set([...Object.keys(multiQuery), ...Object.keys(singleQuery)])) {
    // API Gateway hands over decoded values; URLSearchParams encodes them again.
    for (const v of own(multiQuery, key) ?? [own(singleQuery, key)]) if (typeof v === 'string') query.append(key, v);
  }

  // A REST API's event.path has no stage; requestContext.path does ("/prod/hello"): the HTTP API
  // is the same path on every cloud (DESIGN.md section 3). An HTTP API sending payload 1.0 (the
  // only 1.0 events with `version`) keeps a named stage in `path`, as 2.0 does in rawPath.
  const httpApi = (event as { version?: unknown }).version === '1.0';
  const path = httpApi ? withoutStage(event.path, event.requestContext?.stage) : event.path;
  const body = bodyBytes(event.httpMethod, event.body, event.isBase64Encoded);
  return new Request(requestUrl(headers, path, query.toString()), { method: event.httpMethod, headers, body });
}

export async function v1Result(res: Response): Promise<APIGatewayProxyResult> {
  const result: APIGatewayProxyResult = { statusCode: res.status, headers: singleHeaders(res), ...(await resultBody(res)) };
  // Several Set-Cookie headers cannot share one value: payload 1.0 carries them in multiValueHeaders.
  const cookies = res.headers.getSetCookie();
  if (cookies.length > 0) result.multiValueHeaders = { 'set-cookie': cookies };
  return result;
}
