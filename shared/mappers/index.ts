/**
 * Vendor payload mappers, selected by name from a source's `mapper:` setting (secorch.yaml).
 * Add a vendor by adding its mapper here: the config schema's name enum is MAPPER_NAMES.
 * Configurable mappers (`mapper: { type: generic, ... }`) are built by ./config.
 */
import { securityhubMapper } from './aws';
import { githubMapper } from './github';
import { oktaMapper } from './okta';
import { pagerdutyMapper } from './pagerduty';
import type { AnyMapper } from './types';

export const mappers = {
  github: githubMapper,
  pagerduty: pagerdutyMapper,
  okta: oktaMapper,
  securityhub: securityhubMapper,
} satisfies Record<string, AnyMapper>;

export type MapperName = keyof typeof mappers;

/** The configured names, for config validation (z.enum(MAPPER_NAMES)). */
export const MAPPER_NAMES = Object.keys(mappers) as [MapperName, ...MapperName[]];

/** The mapper of a name read from configuration; undefined for unknown names ("constructor" too). */
export const mapperFor = (name: string): AnyMapper | undefined =>
  Object.hasOwn(mappers, name) ? mappers[name as MapperName] : undefined;

export { AWS_FINDING_EVENTS, mapAwsFindingEvent, securityhubMapper, type AwsEventResult } from './aws';
export { genericMapper, type GenericMapperConfig } from './generic';
export { findingUid, githubMapper } from './github';
export { stableEventId } from '../events/ids';
export { OCSF_VERSION, type Finding } from './ocsf';
export { oktaMapper } from './okta';
export { pagerdutyMapper } from './pagerduty';
export * from './types';
