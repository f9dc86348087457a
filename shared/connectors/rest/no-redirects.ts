import type { HttpClient } from '../../ports/http';

/**
 * The client of a `rest` destination: redirects are not followed, the 3xx comes back as the
 * answer (a failure unless listed in expectStatus). Followed as fetch does, a 301/302/303 turns
 * the POST into a GET without its body, whose 2xx would pass for the delivery, and a 307/308
 * resends the event to whatever host the Location names. Every other member of the client (the
 * egress guard's check) is kept. A caller that asks for a mode itself keeps it (the transport's
 * same-origin redirects of an `api-token` in a custom header, ../redirects.ts).
 */
export function noRedirects<T extends HttpClient>(http: T): T {
  return { ...http, fetch: (input, init) => http.fetch(input, { ...init, redirect: init?.redirect ?? 'manual' }) };
}
