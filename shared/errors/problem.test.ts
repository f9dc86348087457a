import { AppError } from './app-error';
import { errors } from './codes';
import { problemResponse } from './problem';

describe('problem+json rendering (RFC 9457)', () => {
  test('an exposed error keeps its code, status, detail and headers', async () => {
    const res = problemResponse(errors.methodNotAllowed(['POST']), '/webhooks/x');
    expect(res.status).toBe(405);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.headers.get('allow')).toBe('POST');
    expect(await res.json()).toEqual({
      type: 'urn:secorch:problem:method_not_allowed', title: 'Method Not Allowed', status: 405,
      code: 'method_not_allowed', detail: 'Method not allowed; use POST', instance: '/webhooks/x',
    });
  });

  test('an unexpected error becomes a generic 500 with no message and no stack', async () => {
    const res = problemResponse(new Error('connect ECONNREFUSED 10.0.0.5:5432 password=hunter2'));
    const text = await res.text();
    expect(res.status).toBe(500);
    expect(JSON.parse(text)).toEqual({ type: 'urn:secorch:problem:internal_error', title: 'Internal Server Error', status: 500, code: 'internal_error' });
    expect(text).not.toMatch(/ECONNREFUSED|hunter2|at /);
  });

  test('an unexposed AppError hides its message too', async () => {
    const res = problemResponse(new AppError('db_down', 'secret detail', { status: 503, expose: false }));
    expect(await res.json()).toMatchObject({ status: 500, code: 'internal_error' });
  });
});
