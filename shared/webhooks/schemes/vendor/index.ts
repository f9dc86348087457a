import type { Scheme, SchemeEnv } from '../../scheme';

/** Builders of the vendor schemes, by scheme name. */
export const vendorSchemes: Record<string, (config: never, env: SchemeEnv) => Scheme> = {};
