import type { APIGatewayProxyEvent } from 'aws-lambda';
import { fixtureJson } from '../../test/fixtures';
import { v1ToRequest } from './http-v1';

/**
 * Header and query names are the client's. With only the single-value maps (the fallback), a
 * name such as `constructor` or `toString` found Object.prototype's function in the empty
 * multi-value map and the request failed (a 500) instead of carrying it.
 */
const v1 = (): APIGatewayProxyEvent => fixtureJson('events/aws-apigw-rest-v1-proxy.json');

test.each(['constructor', 'toString', 'valueOf', '__proto__'])('a header and a query parameter named %s arrive from the single-value maps', (name) => {
  const event: APIGatewayProxyEvent = {
    ...v1(), httpMethod: 'GET', body: null,
    headers: { ...v1().headers, [name]: 'h' }, multiValueHeaders: {},
    queryStringParameters: { [name]: 'q' }, multiValueQueryStringParameters: {},
  };
  const req = v1ToRequest(event);
  expect(req.headers.get(name)).toBe('h');
  expect(new URL(req.url).searchParams.getAll(name)).toEqual(['q']);
});
