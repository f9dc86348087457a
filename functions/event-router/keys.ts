import { createHash } from 'node:crypto';
import { SAFE_PART, eventRef } from '../../shared/delivery/keys';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { tenantOf } from '../../shared/events/tenant';

/** A key part: plain when it cannot break the layout, else `~` and a digest ('~' is never plain). */
const part = (s: string): string => (SAFE_PART.test(s) ? s : `~${createHash('sha256').update(s, 'utf8').digest('hex').slice(0, 32)}`);

/**
 * The router's per (event, destination) keys: the kind, tenant, destination, then the event's
 * identity (source digest and id, as the delivery engine keys it: an id too long for a store key
 * becomes a digest there). The tenant is part of it because tenants choose their own sources and
 * ids: without it one tenant's event would mark another's as already delivered. The id comes
 * last, so a ':' in it cannot shift the other parts. At most 128 + 128 + 217 bytes after the
 * kind (8 bytes at most): within the 512 bytes the smallest cloud store key (Azure Table) takes.
 */
const routeKey = (kind: 'routed' | 'routing', event: CloudEvent, destination: string): string =>
  `${kind}:${part(tenantOf(event))}:${part(destination)}:${eventRef(event.source, event.id)}`;

/** The destination's mark of one event: delivered, or refused for good (./refusal.ts). */
export const routedKey = (event: CloudEvent, destination: string): string => routeKey('routed', event, destination);

/** The claim of one consumer calling the destination with the event right now (./claim.ts). */
export const claimKey = (event: CloudEvent, destination: string): string => routeKey('routing', event, destination);
