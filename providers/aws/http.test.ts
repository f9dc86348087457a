import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2, APIGatewayProxyResult, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { HttpHandler } from '../../shared/contracts';
import { errors, problemResponse } from '../../shared/errors';
import { readBody } from '../../shared/http/body';
import { httpRouter } from '../../shared/http/router';
import { healthRoutes } from '../../functions/health/routes';
import { testDeps } from '../../test/deps';
import { fixtureJson } from '../../test/fixtures';
import { awsHttp, toRequest } from './http';

// Real API Gateway events (aws/aws-lambda-go testdata, see ../shared/fixtures/SOURCES.md), cloned per test.
const v1 = (): APIGatewayProxyEvent => fixtureJson('events/aws-apigw-rest-v1-proxy.json');
const v2 = (): APIGatewayProxyEventV2 => fixtureJson('events/aws-apigw-http-v2.json');
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const BINARY = Uint8Array.from([0x00, 0xff, 0xfe, 0x80]); // not valid UTF-8

const echo: HttpHandler = async (req) => {
  const url = new URL(req.url);
  const bytes = new Uint8Array(await req.arrayBuffer());
  return Response.json({
    method: req.method, origin: url.origin, path: url.pathname, query: url.search,
    sha256: sha256(bytes), length: bytes.length,
    headerName: req.headers.get('headername'), cookie: req.headers.get('cookie'),
  });
};
const run = (h: HttpHandler) => awsHttp(h, async () => testDeps().deps);
const json = (r: { body?: string }) => JSON.parse(r.body ?? '');

describe('awsHttp, REST API payload 1.0', () => {
  test('path without stage, query, headers and a UTF-8 body arrive unchanged', async () => {
    const event = v1();
    event.requestContext.path = '/testStage/hello/world'; // what API Gateway puts there: must not be used
    event.multiValueQueryStringParameters = { name: ['me'], tag: ['a b', 'c&d'] };
    const r = (await run(echo)(event)) as APIGatewayProxyResult;
    expect(r.statusCode).toBe(200);
    expect(r.isBase64Encoded).toBe(false);
    expect(json(r)).toEqual({
      method: 'POST', origin: 'https://gy415nuibc.execute-api.us-east-1.amazonaws.com', path: '/hello/world',
      query: '?name=me&tag=a+b&tag=c%26d', sha256: sha256(Buffer.from('{\r\n\t"a": 1\r\n}', 'utf8')), length: 13,
      headerName: 'headerValue', cookie: null,
    });
  });

  test('a base64 encoded binary body arrives byte for byte', async () => {
    const event = { ...v1(), body: Buffer.from(BINARY).toString('base64'), isBase64Encoded: true };
    expect(json(await run(echo)(event))).toMatchObject({ sha256: sha256(BINARY), length: 4 });
  });

  test('a non-ASCII UTF-8 body is not re-encoded', async () => {
    const text = 'héllo ✓ 😀';
    expect(json(await run(echo)({ ...v1(), body: text }))).toMatchObject({ sha256: sha256(Buffer.from(text)), length: 15 });
  });

  test('GET carries no body; the single-value maps are the fallback', async () => {
    const event = { ...v1(), httpMethod: 'GET', multiValueHeaders: {}, multiValueQueryStringParameters: null };
    expect(json(await run(echo)(event))).toMatchObject({ method: 'GET', query: '?name=me', length: 0, headerName: 'headerValue' });
  });

  test('Set-Cookie headers come back in multiValueHeaders', async () => {
    const h: HttpHandler = async () => {
      const res = new Response('ok', { headers: { 'content-type': 'text/plain' } });
      res.headers.append('set-cookie', 'a=1; Secure');
      res.headers.append('set-cookie', 'b=2; HttpOnly');
      return res;
    };
    const r = (await run(h)(v1())) as APIGatewayProxyResult;
    expect(r.multiValueHeaders).toEqual({ 'set-cookie': ['a=1; Secure', 'b=2; HttpOnly'] });
    expect(r.headers).toEqual({ 'content-type': 'text/plain' });
    expect(r.body).toBe('ok');
  });
});

describe('awsHttp, HTTP API payload 1.0', () => {
  // An HTTP API integration can ask for payload 1.0 ("version": "1.0", REST's shape); unlike a
  // REST API it keeps a named stage in `path`, as 2.0 keeps it in rawPath:
  // https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
  const httpApiV1 = (stage: string, path: string): APIGatewayProxyEvent => {
    const e = { ...v1(), version: '1.0', path } as APIGatewayProxyEvent;
    e.requestContext = { ...e.requestContext, stage, path };
    return e;
  };

  test('a named stage is stripped from path; $default strips nothing', async () => {
    expect(json(await run(echo)(httpApiV1('prod', '/prod/webhooks/github')))).toMatchObject({ path: '/webhooks/github', query: '?name=me' });
    expect(json(await run(echo)(httpApiV1('prod', '/prod')))).toMatchObject({ path: '/' });
    expect(json(await run(echo)(httpApiV1('$default', '/prod/webhooks/github')))).toMatchObject({ path: '/prod/webhooks/github' });
  });

  test('a REST API event (no version) keeps a path that starts like its stage: REST paths carry no stage', async () => {
    const e = { ...v1(), path: '/webhooks/github' };
    e.requestContext = { ...e.requestContext, stage: 'webhooks' };
    expect(json(await run(echo)(e))).toMatchObject({ path: '/webhooks/github' });
  });
});

describe('awsHttp, HTTP API payload 2.0', () => {
  const post = (over: Partial<APIGatewayProxyEventV2> = {}): APIGatewayProxyEventV2 => {
    const e = { ...v2(), ...over };
    e.requestContext = { ...e.requestContext, http: { ...e.requestContext.http, method: 'POST' } };
    return e;
  };

  test('a named stage is stripped from rawPath; rawQueryString and cookies are kept', async () => {
    const e = post({ rawPath: '/prod/webhooks/github', rawQueryString: 'a=1&b=two%20words&a=3', cookies: ['s=1', 't=2'] });
    e.requestContext.stage = 'prod';
    expect(json(await run(echo)(e))).toMatchObject({
      method: 'POST', origin: 'https://aaaaaaaaaa.execute-api.us-west-2.amazonaws.com',
      path: '/webhooks/github', query: '?a=1&b=two%20words&a=3', cookie: 's=1; t=2',
    });
  });

  test('the $default stage strips nothing', async () => {
    const e = post({ rawPath: '/prod/webhooks/github' });
    expect(e.requestContext.stage).toBe('$default');
    expect(json(await run(echo)(e))).toMatchObject({ path: '/prod/webhooks/github', query: '' });
  });

  test('a base64 encoded binary body arrives byte for byte; a UTF-8 one unchanged', async () => {
    const bin = post({ body: Buffer.from(BINARY).toString('base64'), isBase64Encoded: true });
    expect(json(await run(echo)(bin))).toMatchObject({ sha256: sha256(BINARY), length: 4 });
    const text = '{"é":"✓"}';
    expect(json(await run(echo)(post({ body: text })))).toMatchObject({ sha256: sha256(Buffer.from(text)), length: 12 });
  });

  test('a forged Host cannot move the path; x-forwarded-proto http is honoured', async () => {
    const e = post({ rawPath: '/health', headers: { host: 'evil.example/steal?', 'x-forwarded-proto': 'http' } });
    const req = toRequest(e);
    expect(new URL(req.url).href).toBe('http://localhost/health');
  });

  test('Set-Cookie headers come back in cookies', async () => {
    const h: HttpHandler = async () => {
      const res = new Response(null, { status: 204 });
      res.headers.append('set-cookie', 'a=1');
      res.headers.append('set-cookie', 'b=2');
      return res;
    };
    const r = (await run(h)(v2())) as APIGatewayProxyStructuredResultV2;
    expect(r).toMatchObject({ statusCode: 204, cookies: ['a=1', 'b=2'], body: '', isBase64Encoded: false });
  });
});

describe('awsHttp, header values beyond Latin-1', () => {
  // API Gateway hands header values over as text decoded from UTF-8: a city a CDN in front adds
  // (cf-ipcity "Srīperumbūdūr"), a name a sender puts in a header, U+FFFD for bytes that were not
  // UTF-8. A Web Headers value holds one byte per character, so such a value must arrive as its
  // UTF-8 bytes (as Node's own server shows them), not end the request in a 500 before any handler.
  const CITY = 'Srīperumbūdūr \uFFFD';
  const utf8 = (v: string | null) => (v === null ? null : Buffer.from(v, 'latin1').toString('utf8'));
  const reading: HttpHandler = async (req) => Response.json({ city: utf8(req.headers.get('cf-ipcity')), cookie: utf8(req.headers.get('cookie')), plain: req.headers.get('headername') });

  test('payload 1.0: single- and multi-value maps', async () => {
    const e = v1();
    e.headers = { ...e.headers, 'CF-IPCity': CITY, Cookie: 'who=Łukasz' };
    e.multiValueHeaders = { ...e.multiValueHeaders, 'CF-IPCity': [CITY], Cookie: ['who=Łukasz'] };
    const r = await run(reading)(e);
    expect(r.statusCode).toBe(200);
    expect(json(r)).toEqual({ city: CITY, cookie: 'who=Łukasz', plain: 'headerValue' });
  });

  test('payload 2.0: headers and cookies', async () => {
    const e = { ...v2(), cookies: ['who=Łukasz'] };
    e.headers = { ...e.headers, 'cf-ipcity': CITY };
    const r = await run(reading)(e);
    expect(r.statusCode).toBe(200);
    expect(json(r)).toEqual({ city: CITY, cookie: 'who=Łukasz', plain: null });
  });
});

describe('awsHttp responses', () => {
  test.each([['1.0', v1], ['2.0', v2]] as const)('payload %s: problem+json comes back as text with its status', async (_v, make) => {
    const r = await run(async () => problemResponse(errors.unauthorized('bad_signature', 'Signature mismatch')))(make());
    expect(r).toMatchObject({ statusCode: 401, isBase64Encoded: false, headers: { 'content-type': 'application/problem+json' } });
    expect(json(r)).toMatchObject({ status: 401, code: 'bad_signature', detail: 'Signature mismatch' });
  });

  test.each([['1.0', v1], ['2.0', v2]] as const)('payload %s: a binary response is base64', async (_v, make) => {
    const r = await run(async () => new Response(BINARY, { headers: { 'content-type': 'application/octet-stream' } }))(make());
    expect(r.isBase64Encoded).toBe(true);
    expect(Buffer.from(r.body ?? '', 'base64')).toEqual(Buffer.from(BINARY));
  });

  test('gzip encoded JSON is binary; textual bytes that are not UTF-8 are too', async () => {
    const gz = await run(async () => new Response('x', { headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } }))(v2());
    expect(gz).toMatchObject({ isBase64Encoded: true, body: 'eA==' });
    const latin1 = await run(async () => new Response(Uint8Array.from([0xe9]), { headers: { 'content-type': 'text/plain; charset=latin1' } }))(v1());
    expect(latin1).toMatchObject({ isBase64Encoded: true, body: '6Q==' });
  });

  test.each([['1.0', v1], ['2.0', v2]] as const)('payload %s: a thrown error is a 500 problem without its message', async (_v, make) => {
    const r = await run(async () => {
      throw new Error('db password=hunter2 at /srv/x.ts:12');
    })(make());
    expect(r).toMatchObject({ statusCode: 500, isBase64Encoded: false, headers: { 'content-type': 'application/problem+json' } });
    expect(json(r)).toEqual({ type: 'urn:secorch:problem:internal_error', title: 'Internal Server Error', status: 500, code: 'internal_error' });
    expect(r.body).not.toMatch(/hunter2|x\.ts/);
  });

  test('deps that fail to build also give a generic 500', async () => {
    const spy = jest.spyOn(console, 'error').mockImplementation(() => {});
    const r = await awsHttp(echo, async () => {
      throw new Error('SECRET_X is not set');
    })(v2());
    expect(r).toMatchObject({ statusCode: 500 });
    expect(r.body).not.toContain('SECRET_X');
    expect(spy).toHaveBeenCalled();
    spy.mockRestore();
  });

  test('the log line of deps that failed to build leaves out a credential the error quotes', async () => {
    const lines: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((line: unknown) => void lines.push(String(line)));
    try {
      await awsHttp(echo, async () => {
        throw new Error('connect ECONNREFUSED (redis://default:hunter2pw@cache.internal:6379)');
      })(v2());
    } finally {
      spy.mockRestore();
    }
    expect(lines.join('\n')).toContain('ECONNREFUSED');
    expect(lines.join('\n')).not.toContain('hunter2pw');
  });
});

describe('awsHttp answers from the request alone, without building deps', () => {
  /** Deps that cannot be built, counting the attempts. */
  const unbuildable = () => {
    const calls = { n: 0 };
    return { calls, getDeps: async () => { calls.n++; throw new Error('secret manager unreachable'); } };
  };
  const get = (path: string, stage = '$default'): APIGatewayProxyEventV2 => {
    const e = { ...v2(), rawPath: path, rawQueryString: '', body: undefined, isBase64Encoded: false };
    e.requestContext = { ...e.requestContext, stage, http: { ...e.requestContext.http, method: 'GET', path } };
    return e;
  };
  const router = httpRouter(healthRoutes);
  const postV2 = (over: Partial<APIGatewayProxyEventV2>): APIGatewayProxyEventV2 => {
    const e = { ...v2(), ...over };
    e.requestContext = { ...e.requestContext, http: { ...e.requestContext.http, method: 'POST' } };
    return e;
  };

  test.each([['/health'], ['/health/'], ['/prod/health']])('GET %s is liveness: 200 {"status":"ok"} while deps cannot be built', async (path) => {
    const { calls, getDeps } = unbuildable();
    const r = await awsHttp(router, getDeps)(get(path, path.startsWith('/prod') ? 'prod' : '$default'));
    expect(r).toMatchObject({ statusCode: 200, headers: { 'content-type': 'application/json' } });
    expect(json(r)).toEqual({ status: 'ok' });
    expect(calls.n).toBe(0);
  });

  test('REST API payload 1.0 liveness too', async () => {
    const { calls, getDeps } = unbuildable();
    const r = await awsHttp(router, getDeps)({ ...v1(), httpMethod: 'GET', path: '/health', body: null });
    expect([r.statusCode, json(r)]).toEqual([200, { status: 'ok' }]);
    expect(calls.n).toBe(0);
  });

  test('readiness still needs deps: when they cannot be built it is 503 unavailable (what load balancers act on), other routes the generic 500', async () => {
    const { calls, getDeps } = unbuildable();
    const spy = jest.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const r = await awsHttp(router, getDeps)(get('/health/ready'));
      expect([r.statusCode, json(r)]).toEqual([503, { status: 'unavailable', checks: [{ name: 'startup', status: 'failed', ms: 0 }] }]);
      expect(calls.n).toBe(1);
      expect((await awsHttp(router, getDeps)(get('/openapi.json'))).statusCode).toBe(500);
    } finally {
      spy.mockRestore();
    }
  });

  test.each([['gzip'], ['deflate'], ['br'], ['GZIP'], ['identity, gzip']])('a body with Content-Encoding %s reaches the core as sent, which answers 415 unsupported_content_encoding, on both payload versions', async (coding) => {
    const gz = Buffer.from(gzipSync('{"a":1}')).toString('base64');
    const reading: HttpHandler = async (req) => new Response(String((await readBody(req, 1 << 20)).byteLength));
    for (const event of [
      { ...v1(), headers: { 'Content-Encoding': coding }, multiValueHeaders: {}, body: gz, isBase64Encoded: true },
      postV2({ headers: { 'content-encoding': coding }, body: gz, isBase64Encoded: true }),
    ]) {
      const r = await run(reading)(event);
      expect(r).toMatchObject({ statusCode: 415, headers: { 'content-type': 'application/problem+json', 'accept-encoding': 'identity' } });
      expect(json(r)).toMatchObject({ status: 415, code: 'unsupported_content_encoding' });
    }
  });

  test('Content-Encoding identity, and any coding on a GET (no body), reach the handler', async () => {
    const identity = await run(echo)(postV2({ headers: { 'content-encoding': 'identity' }, body: 'x' }));
    expect(json(identity)).toMatchObject({ length: 1 });
    const getWithCoding = { ...get('/x'), headers: { 'content-encoding': 'gzip' } };
    expect(await run(echo)(getWithCoding)).toMatchObject({ statusCode: 200 });
  });
});
