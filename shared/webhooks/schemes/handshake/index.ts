import type { Scheme, SchemeEnv } from '../../scheme';
import { eventgridScheme } from './eventgrid';
import { msgraphScheme } from './msgraph';
import { oktaScheme } from './okta';

/**
 * Builders of the handshake schemes, by scheme name: senders that authenticate with a static
 * shared value and open with a handshake (README, "Handshake schemes").
 */
export const handshakeSchemes: Record<string, (config: never, env: SchemeEnv) => Scheme> = {
  okta: oktaScheme,
  msgraph: msgraphScheme,
  eventgrid: eventgridScheme,
};
