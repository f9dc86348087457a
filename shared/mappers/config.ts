import * as z from 'zod/mini';
import { genericMapper, genericMapperSchema, type GenericMapperConfig } from './generic';
import { MAPPER_NAMES, mapperFor, type MapperName } from './index';
import type { AnyMapper } from './types';

const names = z.enum(MAPPER_NAMES);

/**
 * A source's `mapper:` setting: a vendor mapper's name, or a configurable mapper such as
 * `{ type: generic, ... }` (README, "Mappers"). Strings are names and objects are configurations:
 * the object is checked by its own schema so its errors keep their paths
 * (`sources.x.mapper.uid: invalid path "a..b": ...`) instead of collapsing into "no union branch".
 */
export const mapperConfigSchema = z.pipe(
  z.union([names, z.record(z.string(), z.unknown())], {
    error: `must be one of ${MAPPER_NAMES.join(', ')}, or a mapper object such as { type: generic, ... }`,
  }),
  z.transform((value, ctx): MapperName | GenericMapperConfig => {
    if (typeof value === 'string') return value;
    const parsed = genericMapperSchema.safeParse(value);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) ctx.issues.push({ ...issue, input: value } as (typeof ctx.issues)[number]);
    return z.NEVER;
  }),
);

export type MapperConfig = z.output<typeof mapperConfigSchema>;

/** Built configurable mappers, one per validated configuration object (one per cold start). */
const built = new WeakMap<GenericMapperConfig, AnyMapper>();

/**
 * The mapper a validated setting selects. It may return several events per delivery
 * (see MapperResult): publish one CloudEvent per element of `mappedEvents(result)`.
 */
export function resolveMapper(config: MapperConfig): AnyMapper {
  if (typeof config === 'string') {
    const mapper = mapperFor(config);
    if (!mapper) throw new Error(`Unknown mapper ${String(config)}`);
    return mapper;
  }
  let mapper = built.get(config);
  if (!mapper) built.set(config, (mapper = genericMapper(config)));
  return mapper;
}
