import type { CloudEvent } from '../../events/cloudevent';
import { render } from '../template';
import { clip } from '../text-cut';

/**
 * The record's short_description: one line of at most 160 characters, never blank.
 *
 * short_description is a String(160) column of the task tables, which the instance would
 * truncate, and the forms show a String column of 255 characters or fewer as a one-line input.
 * Scanners do send titles that are blank or only whitespace, and a template that gives no text
 * fails the create for good (`template_empty`), so every later event of the finding went to the
 * dead letters. So, as for the Jira summary (../jira/summary.ts): line breaks and other control
 * characters (with the spaces around them) become one space; a title with nothing else in it
 * counts as empty, so that the template's `||` alternatives apply to it; and a text left with no
 * letter or digit at all (empty, `[]`) is replaced by the finding's OCSF class and uid.
 */
export const SHORT_DESCRIPTION_MAX = 160;

const oneLine = (s: string) => s.replace(/\s*[\p{Cc}\u2028\u2029][\s\p{Cc}\u2028\u2029]*/gu, ' ').trim();
const asText = (v: unknown) => (v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
const WORD = /[\p{L}\p{N}]/u;

export function shortDescriptionOf(template: string, event: CloudEvent, uid: string): string {
  const text = oneLine(asText(render(template, blankTitleEmptied(event))));
  return clip(WORD.test(text) ? text : fallback(event, uid), SHORT_DESCRIPTION_MAX);
}

/** `Vulnerability Finding: CVE-2024-1:pillow`, or `Security finding: <uid>` without a class name. */
function fallback(event: CloudEvent, uid: string): string {
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
