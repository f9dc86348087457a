/**
 * Vendor payload mappers, selected by name from a source's `mapper:` setting (secorch.yaml).
 * Add a vendor by adding its mapper here and its name to the config schema's enum.
 */
import { githubMapper } from './github';
import type { Mapper } from './types';

export const mappers: Record<'github', Mapper> = {
  github: githubMapper,
};

export type MapperName = keyof typeof mappers;

/** The configured names, for config validation (z.enum(MAPPER_NAMES)). */
export const MAPPER_NAMES = Object.keys(mappers) as [MapperName, ...MapperName[]];

/** The mapper of a name read from configuration; undefined for unknown names ("constructor" too). */
export const mapperFor = (name: string): Mapper | undefined =>
  Object.hasOwn(mappers, name) ? mappers[name as MapperName] : undefined;

export { findingUid, githubMapper } from './github';
export { OCSF_VERSION, type Finding } from './ocsf';
export * from './types';
