import * as z from 'zod/mini';

/**
 * `on`: the event types a generic destination acts on; unset means every event routed to it.
 * An entry ending in `*` matches by prefix (`secorch.finding.*`). Routes already filter; this
 * keeps one destination from acting on every type a shared route carries.
 */
export const onSchema = z.optional(z.array(z.string().check(z.minLength(1))));

export const selects = (on: readonly string[] | undefined, type: string): boolean =>
  on === undefined || on.some((p) => (p.endsWith('*') ? type.startsWith(p.slice(0, -1)) : p === type));

export const onProblems = (on: readonly string[] | undefined, at: string): string[] =>
  (on ?? []).flatMap((p, i) => (p.indexOf('*') !== -1 && p.indexOf('*') !== p.length - 1 ? [`${at}[${i}]: * may only end a type`] : []));
