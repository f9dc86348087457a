import { errors } from '../errors';
import { parseCidrList } from '../net/cidr';
import { filterProblems } from '../routing/filter';
import { buildScheme } from '../webhooks/registry';
import type { SchemeEnv } from '../webhooks/scheme';
import { guardedHttp } from '../http/egress';
import type { Logger } from '../ports/logger';
import type { Secrets } from '../ports/secrets';
import { findSecretRefs, refuseSecretRef, replaceSecretRefs, resolveSecretRefs, type SecretRef } from '../secrets/refs';
import { graphqlProblems } from '../connectors/graphql/problems';
import { restProblems } from '../connectors/rest/problems';
import { scheduleProblems } from '../schedules/problems';
import { prefixProblem } from '../destinations/archive/prefix';
import { DEFAULT_RETRY_POLICY } from '../delivery/schedule';
import './zod-messages';
import { assertConfigDepth } from './depth';
import { configuredDestination } from './destination';
import { interpolate } from './interpolate';
import { type Config, configSchema } from './schema';
import { type SecretsConfig, secretsSchema, secretsSectionProblems } from './sections/secrets';

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, child: () => quiet };

/**
 * Schemes are built here only to check their options: nothing is fetched or logged. The egress
 * policy is the configured one, so a scheme can check a URL (a jwksUrl) against it.
 */
function validationEnv(allowPrivate: string[]): SchemeEnv {
  const refuse = () => Promise.reject(new Error('no outbound calls while validating configuration'));
  return { http: guardedHttp({ fetch: refuse }, { allowPrivate, resolve: refuse }), clock: { now: () => 0 }, logger: quiet };
}

/** A zod issue path rendered as `sources.github.verify.secret` / `routes[0].to`. */
function renderPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '');
}

type Issues = { issues: { code: string; path: PropertyKey[]; message: string }[] };

/** zod issues as `path: message` problems, each path under `base`. */
function issueProblems(error: Issues, base: readonly PropertyKey[] = []): string[] {
  return error.issues.map((i) => {
    const keys = (i as { keys?: string[] }).keys;
    const at = renderPath([...base, ...i.path]);
    if (i.code === 'unrecognized_keys' && keys) {
      return keys.map((k) => `${at ? `${at}.` : ''}${k}: unknown key`).join('; ');
    }
    return `${at || '(root)'}: ${i.message}`;
  });
}

/** zod issues as one config error: every problem, each with its path under `base`. */
function schemaError(error: Issues, base: readonly PropertyKey[] = []): Error {
  return errors.config(`Invalid configuration: ${issueProblems(error, base).join('; ')}`, renderPath([...base, ...(error.issues[0]?.path ?? [])]));
}

export interface CompileOptions {
  /**
   * What a `secret://` reference becomes when no secret manager is at hand. Default: refused
   * with an error naming it (compileConfigAsync resolves references); builds pass a placeholder.
   */
  secretRef?: (ref: SecretRef, path: string) => string;
}

/**
 * Turns the raw (parsed, not yet interpolated) configuration into a validated Config. Runs at
 * cold start in every function, so it takes plain data: the YAML is parsed at build time.
 */
export function compileConfig(raw: unknown, env: Record<string, string | undefined>, opts: CompileOptions = {}): Config {
  assertConfigDepth(raw);
  return validate(replaceSecretRefs(interpolate(raw ?? {}, env), opts.secretRef ?? refuseSecretRef));
}

/** The `secrets` section alone, validated: it says how the references elsewhere are resolved. */
export function compileSecretsSection(data: unknown): SecretsConfig {
  const section = data && typeof data === 'object' ? (data as Record<string, unknown>).secrets : undefined;
  const parsed = secretsSchema.safeParse(section ?? {});
  if (!parsed.success) throw schemaError(parsed.error as unknown as Issues, ['secrets']);
  const problems = secretsSectionProblems(parsed.data);
  if (problems.length > 0) throw errors.config(`Invalid configuration: ${problems.join('; ')}`, problems[0]!.split(':')[0]);
  return parsed.data;
}

/**
 * compileConfig with `secret://name` references resolved: `${VAR}` interpolation first, then
 * every reference replaced by its value from `secretsFor(section)` (called only when there is
 * a reference), then validation, so a referenced secret is checked like a literal one.
 */
export async function compileConfigAsync(
  raw: unknown, env: Record<string, string | undefined>, secretsFor: (section: SecretsConfig) => Secrets,
): Promise<Config> {
  assertConfigDepth(raw);
  const data = interpolate(raw ?? {}, env);
  if (findSecretRefs(data).length === 0) return validate(data);
  return validate(await resolveSecretRefs(data, secretsFor(compileSecretsSection(data))));
}

function validate(data: unknown): Config {
  const parsed = configSchema.safeParse(data);
  if (!parsed.success) throw schemaError(parsed.error as unknown as Issues);
  const problems = crossProblems(parsed.data);
  if (problems.length > 0) throw errors.config(`Invalid configuration: ${problems.join('; ')}`, problems[0]!.split(':')[0]);
  return parsed.data;
}

/**
 * Every problem of interpolated configuration data as `path: message` (the schema's, else the
 * checks across sections); empty when it is valid. For checks that must go on past problems (a
 * build, which cannot know every value).
 */
export function configProblems(data: unknown): string[] {
  assertConfigDepth(data);
  const parsed = configSchema.safeParse(data);
  return parsed.success ? crossProblems(parsed.data) : issueProblems(parsed.error as unknown as Issues);
}

/** The checks the schema cannot make: keys decoded, filters, schedules, templates, references between sections. */
function crossProblems(config: Config): string[] {
  const problems = secretsSectionProblems(config.secrets);
  let allowPrivate = config.egress.allowPrivate;
  try {
    parseCidrList(allowPrivate);
  } catch (e) {
    problems.push(`egress.allowPrivate: ${(e as Error).message}`);
    allowPrivate = [];
  }
  const schemeEnv = validationEnv(allowPrivate);
  for (const [id, source] of Object.entries(config.sources)) {
    const v = source.verify as typeof source.verify & { secret?: string; secrets?: string[] };
    if (v.secret && v.secrets) {
      problems.push(`sources.${id}.verify: give secret or secrets, not both`);
      continue;
    }
    if (source.allow) {
      try {
        parseCidrList(source.allow);
      } catch (e) {
        problems.push(`sources.${id}.allow: ${(e as Error).message}`);
      }
    }
    try {
      // Decodes keys and checks scheme options (e.g. hmac templates) now, not at the first request.
      buildScheme(v, schemeEnv);
    } catch (e) {
      problems.push(`sources.${id}.verify: ${(e as Error).message}`);
    }
  }
  config.routes.forEach((route, i) => {
    problems.push(...filterProblems(route.filter, `routes[${i}].filter`));
    route.to.forEach((d, j) => {
      if (!configuredDestination(config, d)) problems.push(`routes[${i}].to[${j}]: unknown destination "${d}"`);
    });
  });
  // Cron expressions that do not parse or never fire, jobs naming unknown destinations.
  problems.push(...scheduleProblems(config));
  // A lease that ends while its request may still run lets a second worker send the same attempt.
  const d = config.deliveries;
  if (d?.leaseSeconds !== undefined && d.leaseSeconds <= d.timeoutSeconds) {
    problems.push(`deliveries.leaseSeconds: must be longer than deliveries.timeoutSeconds (${d.timeoutSeconds}), or a second worker may send an attempt still in flight`);
  }
  // An event is kept retentionDays from its fan-out: attempts scheduled later would find it gone
  // and fail as event_expired, never sent.
  if (d) {
    const schedule = d.retry?.schedule ?? DEFAULT_RETRY_POLICY.schedule;
    const spanMs = schedule.reduce((a, b) => a + b, 0) * (1 + (d.retry?.jitter ?? DEFAULT_RETRY_POLICY.jitter));
    if (spanMs >= d.retentionDays * 86_400_000) {
      problems.push(`deliveries.retentionDays: ${d.retentionDays} days is shorter than the retry schedule with its jitter (${(spanMs / 3_600_000).toFixed(1)} h): its last attempts would find their event gone`);
    }
  }
  // Templates of generic destinations: placeholders, header names, the GraphQL document.
  for (const [name, dest] of Object.entries(config.destinations)) {
    if (dest.type === 'rest') problems.push(...restProblems(dest, `destinations.${name}`));
    if (dest.type === 'graphql') problems.push(...graphqlProblems(dest, `destinations.${name}`));
    if (dest.type === 'archive') {
      // Also refused at delivery (a bundle compiled before this check): here it stops start-up.
      const problem = prefixProblem(dest.prefix);
      if (problem) problems.push(`destinations.${name}.prefix: ${JSON.stringify(dest.prefix)} ${problem}`);
    }
  }
  return problems;
}
