import * as z from 'zod/mini';
import { MAPPER_NAMES, mapperFor } from './index';
import type { Mapper } from './types';

/**
 * A source's `mapper:` setting: the name of a vendor mapper. (Configurable mappers, such as a
 * generic one with field paths, extend this schema with their object form.)
 */
export const mapperConfigSchema = z.enum(MAPPER_NAMES);

export type MapperConfig = z.output<typeof mapperConfigSchema>;

/** The mapper a validated setting selects; built once per source configuration. */
export function resolveMapper(config: MapperConfig): Mapper {
  const mapper = mapperFor(config);
  if (!mapper) throw new Error(`Unknown mapper ${String(config)}`);
  return mapper;
}
