import type { CloudEvent } from './cloudevent';

/** The tenant of everything configured without one (sources, API keys) and of events that name none. */
export const DEFAULT_TENANT = 'default';

/**
 * The tenant an event belongs to: its `tenant` extension attribute, which the server stamps from
 * the verified source or the API key (a client cannot set it); `default` when it names none.
 */
export const tenantOf = (event: CloudEvent): string =>
  typeof event.tenant === 'string' && event.tenant !== '' ? event.tenant : DEFAULT_TENANT;
