import type { Scheme, SchemeEnv } from '../../scheme';

/** Builders of the keys schemes, by scheme name. */
export const keysSchemes: Record<string, (config: never, env: SchemeEnv) => Scheme> = {};
