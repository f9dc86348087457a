import { type ApiKeyAuth, type ApiPrincipal, createApiKeyAuth, type Scope } from '../../shared/auth/api-keys';
import { SAFE_PART } from '../../shared/delivery/keys';
import { errors } from '../../shared/errors';
import type { Deps } from '../../shared/ports';

/**
 * API-key authentication of the REST API, and the ids taken from its paths.
 *
 * The key digests are computed once per configuration object (a cold start builds one), not per
 * request: a WeakMap keyed by the keys map lets a test or a reload with a new config get fresh ones.
 */
const cache = new WeakMap<object, ApiKeyAuth>();

export function authenticate(req: Request, deps: Deps, scope: Scope): ApiPrincipal {
  const keys = deps.config.api.keys;
  let auth = cache.get(keys);
  if (!auth) {
    auth = createApiKeyAuth(keys);
    cache.set(keys, auth);
  }
  return auth.authenticate(req.headers, scope);
}

/**
 * The path segment at `index` (`/subscriptions/{id}` has the id at 1), percent-decoded. An id
 * that cannot be a record id is answered 404 like an unknown one: ids are state-store key parts,
 * so nothing that could escape its key (a `:` separator) ever reaches a lookup.
 */
export function pathId(req: Request, index: number, kind: Kind): string {
  const segment = new URL(req.url).pathname.split('/').filter((s) => s !== '')[index] ?? '';
  let id: string;
  try {
    id = decodeURIComponent(segment);
  } catch {
    id = '';
  }
  if (!SAFE_PART.test(id)) throw notFound(kind);
  return id;
}

type Kind = 'subscription' | 'delivery';

/**
 * The one answer for an id that is malformed, unknown, or another tenant's: the same status, code
 * and message (the id is not echoed), so no answer tells a caller that an id exists elsewhere.
 */
export const notFound = (kind: Kind) => errors.notFound(`${kind}_not_found`, `No such ${kind}`);
