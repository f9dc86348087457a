import { errors } from '../errors';
import { parseCidrList } from '../net/cidr';
import { filterProblems } from '../routing/filter';
import { buildScheme } from '../webhooks/registry';
import type { SchemeEnv } from '../webhooks/scheme';
import { guardedHttp } from '../http/egress';
import type { Logger } from '../ports/logger';
import { interpolate } from './interpolate';
import { type Config, configSchema } from './schema';

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

/**
 * Turns the raw (parsed, not yet interpolated) configuration into a validated Config. Runs at
 * cold start in every function, so it takes plain data: the YAML is parsed at build time.
 */
export function compileConfig(raw: unknown, env: Record<string, string | undefined>): Config {
  const data = interpolate(raw ?? {}, env);
  const parsed = configSchema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const keys = (i as { keys?: string[] }).keys;
      const base = renderPath(i.path);
      if (i.code === 'unrecognized_keys' && keys) {
        return keys.map((k) => `${base ? `${base}.` : ''}${k}: unknown key`).join('; ');
      }
      return `${base || '(root)'}: ${i.message}`;
    });
    throw errors.config(`Invalid configuration: ${problems.join('; ')}`, renderPath(parsed.error.issues[0]?.path ?? []));
  }
  const config = parsed.data;
  const problems: string[] = [];
  try {
    parseCidrList(config.egress.allowPrivate);
  } catch (e) {
    problems.push(`egress.allowPrivate: ${(e as Error).message}`);
  }
  const schemeEnv = validationEnv(problems.length > 0 ? [] : config.egress.allowPrivate);
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
      if (!config.destinations[d]) problems.push(`routes[${i}].to[${j}]: unknown destination "${d}"`);
    });
  });
  if (problems.length > 0) throw errors.config(`Invalid configuration: ${problems.join('; ')}`, problems[0]!.split(':')[0]);
  return config;
}
