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

  test('an error whose status is not an error status, or whose members cannot be written, is a generic 500, never a throw', async () => {
    const odd = [0, 99, 101, 204, 302, 399, 600, 1.5, Number.NaN].map((status) => new AppError('odd_status', 'odd', { status, expose: true }));
    const unwritable = [
      new AppError('bad_extra', 'cannot be written', { status: 422, extra: { n: 1n } }),
      new AppError('bad_header', 'cannot be sent', { status: 429, headers: { 'retry-after': '1\r\nset-cookie: x=1' } }),
    ];
    for (const e of [...odd, ...unwritable]) {
      let res: Response | undefined;
      expect(() => (res = problemResponse(e, '/x'))).not.toThrow();
      expect(res!.status).toBe(500);
      expect(await res!.json()).toEqual({ type: 'urn:secorch:problem:internal_error', title: 'Internal Server Error', status: 500, code: 'internal_error', instance: '/x' });
    }
  });
});
