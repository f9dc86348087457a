import type { CloudEvent } from '../../events/cloudevent';
import { renderText, renderValues } from '../template';
import { clip } from '../../events/text-cut';
import type { ServiceNowConfig } from './config';
import { correlationId } from './correlation';
import { inertCodeTags } from './journal-text';
import { CORRELATION_DISPLAY } from './records';
import { ratingOf } from './severity';
import { shortDescriptionOf } from './short-description';

/**
 * The record's fields for a finding event, rendered from the destination's templates. Text is
 * cut to the column sizes of the incident table (short_description String(160): short-description.ts;
 * description and close_notes String(4000)), which the instance would otherwise truncate or
 * refuse. The cut never splits a surrogate pair (../text-cut.ts): half an emoji is invalid
 * Unicode in the JSON body. Event values in them carry no journal `[code]` tag (journal-text.ts).
 */
const LONG = 4000;

const optional = (template: string | undefined, event: CloudEvent): string | undefined => {
  if (template === undefined) return undefined;
  const v = renderValues(template, event, inertCodeTags);
  return v === '' ? undefined : v;
};

export function createFields(config: ServiceNowConfig, finding: { tenant: string; uid: string }, event: CloudEvent): Record<string, string> {
  const f = config.fields;
  const { urgency, impact } = ratingOf(event.data, config.severity);
  const fields: Record<string, string | undefined> = {};
  for (const [column, template] of Object.entries(f.extra ?? {})) fields[column] = optional(template, event);
  Object.assign(fields, {
    short_description: shortDescriptionOf(f.shortDescription, event, finding.uid),
    description: clip(String(optional(f.description, event) ?? '').trim(), LONG),
    urgency,
    impact,
    assignment_group: optional(f.assignmentGroup, event),
    caller_id: optional(f.caller, event),
    category: optional(f.category, event),
    correlation_id: correlationId(finding.tenant, finding.uid),
    correlation_display: CORRELATION_DISPLAY,
  });
  return Object.fromEntries(Object.entries(fields).filter((e): e is [string, string] => e[1] !== undefined));
}

export function workNote(config: ServiceNowConfig, event: CloudEvent): string {
  return clip(renderText(config.workNote, event, 'workNote', inertCodeTags), LONG);
}

/** state, close_code and close_notes together: the data policy checks them in one update. */
export function resolveFields(config: ServiceNowConfig, event: CloudEvent): Record<string, string> {
  const r = config.resolve;
  return { state: r.state, close_code: r.closeCode, close_notes: clip(renderText(r.closeNotes, event, 'resolve.closeNotes', inertCodeTags), LONG) };
}

/** The state to go back to and the work note saying why, in one update. */
export function reopenFields(config: ServiceNowConfig, event: CloudEvent): Record<string, string> {
  return { state: config.reopen.state, work_notes: clip(renderText(config.reopen.workNote, event, 'reopen.workNote', inertCodeTags), LONG) };
}

/** The work note of a record made in place of the finding's closed one, which the instance keeps read-only. */
export function replacementNote(replaced: string, uid: string): string {
  return clip(`Opened by secorch in place of ${replaced}, which is closed and can no longer be reopened: finding ${inertCodeTags(uid)} was reported open again.`, LONG);
}
