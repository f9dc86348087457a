import type { CloudEvent } from '../events/cloudevent';
import { render } from './template';
import { clip } from '../events/text-cut';

/**
 * A ticket's one-line title rendered from its template: one line of at most `max` characters,
 * never blank. Used for the Jira summary (255 characters; Jira refuses a create without one, or
 * with a line break in it) and the ServiceNow short_description (a String(160) column, shown as a
 * one-line input). A refused create fails every event of that finding for good, and scanners do
 * send titles that are blank or only whitespace. So line breaks and other control characters
 * (with the spaces around them) become one space; a title with nothing else in it counts as
 * empty, so that the template's `||` alternatives apply to it; and a line left with no letter or
 * digit at all (empty, `[]`) is replaced by the finding's OCSF class and uid, which name it.
 */
export const oneLine = (s: string) => s.replace(/\s*[\p{Cc}\u2028\u2029][\s\p{Cc}\u2028\u2029]*/gu, ' ').trim();

const asText = (v: unknown) => (v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
const WORD = /[\p{L}\p{N}]/u;

export function findingLine(template: string, event: CloudEvent, uid: string, max: number): string {
  const text = oneLine(asText(render(template, blankTitleEmptied(event))));
  return clip(WORD.test(text) ? text : fallbackLine(event, uid), max);
}

/** `Vulnerability Finding: CVE-2024-1:pillow`, or `Security finding: <uid>` without a class name. */
export function fallbackLine(event: CloudEvent, uid: string): string {
  const cls = (event.data as { class_name?: unknown } | undefined)?.class_name;
  const name = typeof cls === 'string' && WORD.test(oneLine(cls)) ? oneLine(cls) : 'Security finding';
  return `${name}: ${oneLine(uid)}`;
}

/** The event with a whitespace-only data.finding_info.title as '', which templates read as missing. */
function blankTitleEmptied(event: CloudEvent): CloudEvent {
  const data = event.data as { finding_info?: { title?: unknown } } | undefined;
  const title = data?.finding_info?.title;
  if (typeof title !== 'string' || title === '' || oneLine(title) !== '') return event;
  return { ...event, data: { ...data, finding_info: { ...data!.finding_info, title: '' } } };
}
