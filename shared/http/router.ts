import { type AppError, errors, problemResponse, toAppError } from '../errors';
import type { HttpHandler } from '../contracts';

export interface HttpRoute {
  method: string;
  /** Path pattern with `{name}` segments, e.g. /webhooks/{source}. */
  path: string;
  handler: HttpHandler;
}

function compile(path: string): RegExp {
  const body = path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[A-Za-z]+\\?\}/g, '[^/]+');
  return new RegExp(`^${body}/?$`);
}

/**
 * One HTTP handler for a set of routes: the GCP HTTP function and the local server route every
 * path through it, while AWS and Azure route in the platform and call the handlers directly.
 * Unknown paths are 404 problems, known paths with another method 405 with Allow.
 */
export function httpRouter(routes: HttpRoute[]): HttpHandler {
  const compiled = routes.map((r) => ({ ...r, re: compile(r.path) }));
  return async (req, deps) => {
    const path = new URL(req.url).pathname;
    const candidates = compiled.filter((r) => r.re.test(path));
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    const route = candidates.find((r) => r.method === method);
    let err: AppError | undefined;
    if (route) {
      try {
        return await route.handler(req, deps);
      } catch (e) {
        err = toAppError(e);
      }
    } else if (candidates.length > 0) {
      err = errors.methodNotAllowed([...new Set(candidates.map((r) => r.method))]);
    } else {
      err = errors.notFound('not_found', `No route for ${path}`);
    }
    if (!err.expose) deps.logger.error('unhandled error', { code: err.code, error: err.cause ?? err });
    return problemResponse(err, path);
  };
}
