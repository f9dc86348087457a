import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { bodyBytes, headerValue, requestUrl, resultBody, singleHeaders, withoutStage } from './http-common';

/**
 * API Gateway HTTP API (payload format 2.0), also the shape of Lambda function URLs:
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 * Repeated headers already arrive joined by commas; cookies arrive apart, in `cookies`.
 */
export function v2ToRequest(event: APIGatewayProxyEventV2): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (typeof value === 'string') headers.set(name, headerValue(value));
  }
  if (event.cookies && event.cookies.length > 0) headers.set('cookie', headerValue(event.cookies.join('; ')));

  // rawPath keeps the stage of a named stage ("/prod/webhooks/x"): stripped (http-common.ts).
  const path = withoutStage(event.rawPath || '/', event.requestContext?.stage);

  const method = event.requestContext?.http?.method ?? 'GET';
  const body = bodyBytes(method, event.body, event.isBase64Encoded);
  return new Request(requestUrl(headers, path, event.rawQueryString ?? ''), { method, headers, body });
}

export async function v2Result(res: Response): Promise<APIGatewayProxyStructuredResultV2> {
  const result: APIGatewayProxyStructuredResultV2 = { statusCode: res.status, headers: singleHeaders(res), ...(await resultBody(res)) };
  // Payload 2.0 returns Set-Cookie headers in their own array.
  const cookies = res.headers.getSetCookie();
  if (cookies.length > 0) result.cookies = cookies;
  return result;
}
