import { type Template, templateProblems } from '../template';
import { authHeader, authProblems } from './auth';
import type { RestConfig } from './config';
import { METHODS } from './config';
import { headerNameProblem, headerProblems } from './headers';
import { onProblems } from './on';
import { pathProblems } from './path';

/**
 * What the schema cannot see in a `rest` destination, as `path: reason` strings under `at`
 * (`destinations.<name>`); [] when it is valid. Run once at config time (shared/config/compile.ts),
 * so a bad placeholder or a refused header fails the cold start, not the first delivery.
 */
const MEDIA_TYPE = /^[\w!#$&^.+-]+\/[\w!#$&^.+-]+(\s*;[\t\x20-\x7e]*)?$/;
const hasPlaceholder = (t: string) => t.includes('{{');

/** The parts shared with the graphql destination: base URL, auth, headers and `on`. */
export function commonProblems(c: { auth: RestConfig['auth']; headers: Record<string, string>; on?: string[] }, url: string, urlAt: string, at: string): string[] {
  const problems = [...authProblems(c.auth, `${at}.auth`), ...headerProblems(c.headers, authHeader(c.auth), `${at}.headers`), ...onProblems(c.on, `${at}.on`)];
  const u = URL.canParse(url) ? new URL(url) : undefined;
  if (u && (u.username || u.password)) problems.push(`${at}.${urlAt}: must not carry credentials (configure them under auth)`);
  if (u && (u.search || u.hash)) problems.push(`${at}.${urlAt}: must not have a query or fragment`);
  if (c.auth.type === 'api-token') {
    const why = headerNameProblem(c.auth.header, undefined);
    // The auth header may be Authorization, unlike a configured one.
    if (why && c.auth.header.toLowerCase() !== 'authorization') problems.push(`${at}.auth.header: ${why}`);
  }
  return problems;
}

export function restProblems(c: RestConfig, at: string): string[] {
  const problems = commonProblems(c, c.baseUrl, 'baseUrl', at);
  problems.push(...templateProblems(c.method, `${at}.method`));
  const literalMethod = hasPlaceholder(c.method) ? undefined : c.method.toUpperCase();
  if (literalMethod !== undefined && !(METHODS as readonly string[]).includes(literalMethod)) problems.push(`${at}.method: must be one of ${METHODS.join(', ')}`);
  if (c.path !== undefined) problems.push(...pathProblems(c.path, `${at}.path`));
  for (const [k, t] of Object.entries(c.query)) problems.push(...templateProblems(t, `${at}.query.${k}`));
  if (c.body !== undefined) problems.push(...templateProblems(c.body as Template, `${at}.body`));
  if (typeof c.body === 'string' && c.contentType === undefined) problems.push(`${at}.contentType: is required with a text body`);
  if (c.contentType !== undefined && !MEDIA_TYPE.test(c.contentType)) problems.push(`${at}.contentType: is not a media type such as text/plain`);
  if (literalMethod === 'GET' && c.body !== undefined) problems.push(`${at}.body: a GET request has no body`);
  const keyHeader = c.idempotencyKeyHeader;
  if (keyHeader !== undefined) {
    const why = headerNameProblem(keyHeader, authHeader(c.auth)) ??
      (Object.keys(c.headers).some((h) => h.toLowerCase() === keyHeader.toLowerCase()) ? 'is also under headers' : undefined);
    if (why) problems.push(`${at}.idempotencyKeyHeader: ${why}`);
    if (c.idempotent === false) problems.push(`${at}.idempotent: cannot be false with idempotencyKeyHeader (the key makes repeats safe)`);
  }
  return problems;
}
