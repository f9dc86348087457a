import { textResponse } from '../http/response-body';
import { toAppError } from './app-error';

/**
 * RFC 9457 problem details. The `type` is a stable URN built from the code so clients can match
 * on either. Unexposed errors (anything unexpected) are rendered as a generic 500: no message,
 * no stack, nothing from the cause.
 */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/**
 * A status an error can be answered with. Anything else (a 2xx or 3xx would read as success, a
 * 204 or 304 cannot carry this body, and the Response constructor throws outside 200-599) is
 * answered as an internal error.
 */
const isErrorStatus = (status: number) => Number.isInteger(status) && status >= 400 && status <= 599;

const internal = (instance?: string): { problem: Problem; headers: Record<string, string> } => ({
  problem: { type: 'urn:secorch:problem:internal_error', title: TITLES[500]!, status: 500, code: 'internal_error', instance },
  headers: {},
});

export function toProblem(e: unknown, instance?: string): { problem: Problem; headers: Record<string, string> } {
  const err = toAppError(e);
  if (!err.expose || !isErrorStatus(err.status)) return internal(instance);
  const problem: Problem = {
    ...err.extra,
    type: `urn:secorch:problem:${err.code}`,
    title: TITLES[err.status] ?? 'Error',
    status: err.status,
    code: err.code,
    detail: err.message,
  };
  if (instance !== undefined) problem.instance = instance;
  return { problem, headers: err.headers };
}

export function problemResponse(e: unknown, instance?: string): Response {
  const { problem, headers } = toProblem(e, instance);
  try {
    return respond(problem, headers);
  } catch {
    // Extension members JSON cannot write (a bigint, a cycle) or a header value a Response
    // refuses (a line break): the answer of last resort must not throw from the error handler.
    const fallback = internal(instance);
    return respond(fallback.problem, fallback.headers);
  }
}

function respond(problem: Problem, headers: Record<string, string>): Response {
  return textResponse(JSON.stringify(problem), {
    status: problem.status,
    headers: Object.assign({}, headers, { 'content-type': PROBLEM_CONTENT_TYPE }),
  });
}
