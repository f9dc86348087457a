import * as z from 'zod/mini';
import { AppError } from '../../shared/errors';
import { sanitizeExtraHeaders } from '../../shared/delivery/model';
import { validateOutboundUrl } from '../../shared/http/egress';
import { REDACTED } from '../../shared/log/redact';
import { type Filter, filterProblems } from '../../shared/routing/filter';
import { compileTransform } from '../../shared/transform/jsonata';

/**
 * The body of POST and PATCH /subscriptions. Strict: an unknown field is an error that names it
 * (a typo like `filters` must not silently deliver every event). PATCH is a JSON merge patch
 * (RFC 7396): `null` removes an optional field, and subscriptions.ts has already merged the
 * members of `headers`, `filter` and `rateLimit` into the stored ones, so what is validated here
 * is the whole result. Every problem is a `path: reason` string in `extra.problems`.
 */
const MAX_URL = 2048;

/**
 * The slowest rate: the token bucket lives for burst / perSecond seconds, and one token per 10^300
 * seconds was an expiry past what PostgreSQL, Redis, Azure Tables and Firestore store: every
 * attempt of the subscription ended in an error, its deliveries pending for good. 10000 s x a
 * burst of 10000 is about three years.
 */
const MIN_PER_SECOND = 0.0001;

const rateLimit = z.strictObject({
  perSecond: z.number({ error: 'must be a number' }).check(z.gte(MIN_PER_SECOND, `must be at least ${MIN_PER_SECOND} (one every ${1 / MIN_PER_SECOND} seconds)`), z.lte(1000, 'must be at most 1000')),
  burst: z.optional(z.number({ error: 'must be a number' }).check(z.int('must be an integer'), z.positive('must be greater than 0'), z.lte(10_000, 'must be at most 10000'))),
});

const removable = <T extends z.core.SomeType>(t: T) => z.optional(z.nullable(t));

const inputSchema = z.strictObject({
  url: z.optional(z.string({ error: 'must be a string' }).check(z.minLength(1, 'must not be empty'), z.maxLength(MAX_URL, `must be at most ${MAX_URL} characters`))),
  filter: removable(z.unknown()),
  transform: removable(z.string({ error: 'must be a JSONata expression string' })),
  headers: removable(z.unknown()),
  rateLimit: removable(rateLimit),
  enabled: z.optional(z.boolean({ error: 'must be true or false' })),
});

/** What a request changes. `null`: remove the field (PATCH only). */
export interface SubscriptionChanges {
  url?: string;
  filter?: Filter | null;
  transform?: string | null;
  headers?: Record<string, string> | null;
  rateLimit?: { perSecond: number; burst?: number } | null;
  enabled?: boolean;
}

export interface InputContext {
  mode: 'create' | 'update';
  allowPrivate: readonly string[];
  /** The stored headers (update): a value sent back as "[redacted]" keeps the stored one. */
  storedHeaders?: Record<string, string>;
}

const renderPath = (path: readonly PropertyKey[]) =>
  path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '');

/** Validates a request body; throws 422 `invalid_subscription` (or a `url_*` code) listing every problem. */
export function parseSubscriptionInput(body: Record<string, unknown>, ctx: InputContext): SubscriptionChanges {
  const parsed = inputSchema.safeParse(body);
  const problems: string[] = [];
  let input: z.output<typeof inputSchema>;
  if (parsed.success) input = parsed.data;
  else {
    for (const i of parsed.error.issues) {
      const base = renderPath(i.path);
      const keys = (i as { keys?: string[] }).keys;
      if (i.code === 'unrecognized_keys' && keys) problems.push(...keys.map((k) => `${base ? `${base}.` : ''}${k}: unknown field`));
      else problems.push(`${base || '(body)'}: ${i.message}`);
    }
    // The fields that passed are still checked, so one answer lists every problem.
    const bad = new Set(parsed.error.issues.map((i) => i.path[0]));
    input = Object.fromEntries(Object.entries(body).filter(([k]) => k in inputSchema.shape && !bad.has(k)));
  }
  let urlCode: string | undefined;
  const out: SubscriptionChanges = {};
  if (input.url !== undefined) {
    const checked = validateOutboundUrl(input.url, ctx.allowPrivate);
    if (checked.ok) out.url = input.url;
    else {
      urlCode = checked.code;
      problems.push(`url: ${checked.message}`);
    }
  } else if (ctx.mode === 'create' && !('url' in body)) problems.push('url: required');
  if (input.filter !== undefined) {
    const found = input.filter === null ? [] : filterProblems(input.filter, 'filter');
    problems.push(...found);
    out.filter = input.filter as Filter | null;
  }
  if (input.transform !== undefined) {
    const compiled = input.transform === null ? undefined : compileTransform(input.transform);
    if (compiled && !compiled.ok) problems.push(`transform: ${compiled.error}`);
    out.transform = input.transform;
  }
  if (input.headers !== undefined) {
    if (input.headers === null) out.headers = null;
    else {
      const sanitized = sanitizeExtraHeaders(input.headers, 'headers');
      if (!sanitized.ok) problems.push(...sanitized.problems);
      else out.headers = keepRedacted(sanitized.headers, ctx.storedHeaders ?? {}, problems);
    }
  }
  if (input.rateLimit !== undefined) out.rateLimit = input.rateLimit;
  if (input.enabled !== undefined) out.enabled = input.enabled;
  if (problems.length > 0) throw invalidSubscription(problems, urlCode);
  return out;
}

/**
 * A value echoed back as "[redacted]" (GET masks secret-looking headers) means: keep what is stored.
 * Header names are client data: only own members are looked up and the result is built from
 * entries, so `__proto__` or `constructor` is a header like any other, never Object.prototype's.
 */
function keepRedacted(headers: Record<string, string>, stored: Record<string, string>, problems: string[]): Record<string, string> {
  const out: [string, string][] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value !== REDACTED) out.push([name, value]);
    else if (Object.hasOwn(stored, name)) out.push([name, stored[name]!]);
    else problems.push(`headers[${JSON.stringify(name)}]: "${REDACTED}" keeps a stored value, and there is none`);
  }
  return Object.fromEntries(out);
}

/** 422 `invalid_subscription` (or the `url_*` code of the URL's problem) listing `problems`. */
export function invalidSubscription(problems: string[], code = 'invalid_subscription'): AppError {
  const message = code === 'invalid_subscription' ? 'The subscription is not valid' : problems.find((p) => p.startsWith('url: '))!.slice(5);
  return new AppError(code, message, { status: 422, extra: { problems: problems.slice(0, 50) } });
}
