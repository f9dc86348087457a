import { AppError } from '../../errors';
import type { CloudEvent } from '../../events/cloudevent';
import type { FindingTransition } from '../tickets';

/**
 * What a ticket destination does with an event: only `secorch.finding.created|updated|resolved`
 * act (the transition is the type's last segment); the finding uid is the event's subject, else
 * data.finding_info.uid (OCSF). Other events are not for ticket destinations and are skipped.
 */
const TRANSITIONS: ReadonlySet<string> = new Set(['created', 'updated', 'resolved']);

export type FindingAction = { act: true; uid: string; transition: FindingTransition } | { act: false; reason: string };

export function findingAction(event: CloudEvent): FindingAction {
  if (!event.type.startsWith('secorch.finding.')) return { act: false, reason: `not a finding event (${event.type})` };
  const transition = event.type.slice('secorch.finding.'.length);
  if (!TRANSITIONS.has(transition)) return { act: false, reason: `unknown finding transition (${event.type})` };
  const info = (event.data as { finding_info?: { uid?: unknown } } | undefined)?.finding_info;
  const uid = event.subject || (typeof info?.uid === 'string' ? info.uid : undefined);
  if (!uid) {
    throw new AppError('finding_uid_missing', `Finding event ${event.id} has neither a subject nor data.finding_info.uid`, { status: 422, retryable: false });
  }
  return { act: true, uid, transition: transition as FindingTransition };
}
