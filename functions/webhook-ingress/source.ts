import type { SourceConfig } from '../../shared/config';
import { errors } from '../../shared/errors';
import type { Deps } from '../../shared/ports';
import { buildScheme, type Scheme } from '../../shared/webhooks';
import { type AddressList, addressList } from './addresses';

/** What a source needs per request, prepared once per configuration (once per cold start). */
export interface PreparedSource {
  id: string;
  config: SourceConfig;
  scheme: Scheme;
  allow?: AddressList;
  methods: readonly string[];
}

const prepared = new WeakMap<SourceConfig, PreparedSource>();

export function sourceFor(deps: Deps, id: string): PreparedSource {
  const config = Object.hasOwn(deps.config.sources, id) ? deps.config.sources[id] : undefined;
  if (!config) throw errors.notFound('unknown_source', `No webhook source named "${id}" is configured`);
  let p = prepared.get(config);
  if (!p) {
    const scheme = buildScheme(config.verify, { http: deps.http, clock: deps.clock, logger: deps.logger });
    p = { id, config, scheme, methods: scheme.methods ?? ['POST'] };
    if (config.allow) p.allow = addressList(config.allow);
    prepared.set(config, p);
  }
  return p;
}
