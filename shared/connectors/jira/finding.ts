import { AppError } from '../../errors';
import type { CloudEvent } from '../../events/cloudevent';
import { tenantOf } from '../../events/tenant';
import type { FindingTransition } from '../tickets';

/**
 * What a ticket destination reads from an event: only `secorch.finding.created|updated|resolved`
 * act (the type's last segment); the finding uid is the event's `subject`, else
 * `data.finding_info.uid` (OCSF). Other events are not for ticket destinations: undefined.
 */
export interface FindingFacts {
  transition: FindingTransition;
  uid: string;
  tenant: string;
}

const PREFIX = 'secorch.finding.';
const TRANSITIONS: ReadonlySet<string> = new Set<FindingTransition>(['created', 'updated', 'resolved']);

export function findingFacts(event: CloudEvent): FindingFacts | undefined {
  if (!event.type.startsWith(PREFIX)) return undefined;
  const last = event.type.slice(PREFIX.length);
  if (!TRANSITIONS.has(last)) return undefined;
  const info = (event.data as { finding_info?: { uid?: unknown } } | undefined)?.finding_info;
  const uid = typeof event.subject === 'string' && event.subject !== '' ? event.subject : typeof info?.uid === 'string' && info.uid !== '' ? info.uid : undefined;
  if (uid === undefined) {
    throw new AppError('finding_uid_missing', `Event ${event.id} (${event.type}) has neither a subject nor data.finding_info.uid`, { status: 422, retryable: false });
  }
  return { transition: last as FindingTransition, uid, tenant: tenantOf(event) };
}
