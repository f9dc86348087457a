import type { Scheme, SchemeEnv } from '../../scheme';

/** Builders of the handshake schemes, by scheme name. */
export const handshakeSchemes: Record<string, (config: never, env: SchemeEnv) => Scheme> = {};
