import { encodeSegment, path } from '../url';

/**
 * The path of one user, by object id or userPrincipalName: `/users/{id | userPrincipalName}`, the
 * value percent-encoded as one segment (a guest UPN's `#EXT#` included). A UPN that begins with
 * `$` fails in that form with 400 (OData keeps `$` for system query options), so it is given as a
 * key, `/users('$x@y.com')` (https://learn.microsoft.com/graph/api/user-get), where a single quote
 * is doubled as OData string literals require (OData 4.01 URL conventions, section 5.1.1.6.1).
 * `then` is what follows, e.g. `/revokeSignInSessions`. An id with a lone UTF-16 surrogate is
 * refused (`template_refused`, ../url.ts): no URL can carry it.
 */
export function userPath(id: string, then = ''): string {
  if (!id.startsWith('$')) return `${path`/users/${id}`}${then}`;
  return `/users('${encodeSegment(id.replace(/'/g, "''"))}')${then}`;
}
