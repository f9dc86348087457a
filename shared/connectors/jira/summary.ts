import type { CloudEvent } from '../../events/cloudevent';
import { render } from '../template';
import { clip } from '../text-cut';

/**
 * The issue summary: one line of at most 255 characters, never blank.
 *
 * Jira caps the summary at 255 characters
 * (https://support.atlassian.com/jira-cloud-administration/docs/what-are-issue-field-limits/) and
 * refuses a create without one (400 `{"errors": {"summary": "You must specify a summary of the
 * issue."}}`), or with a line break in it (400 "The summary is invalid because it contains newline
 * characters."). A refused create fails every event of that finding for good, and scanners do send
 * titles that are blank or only whitespace. So line breaks and other control characters (with the
 * spaces around them) become one space; a title with nothing else in it counts as empty, so that
 * the template's `||` alternatives apply to it; and a summary left with no letter or digit at all
 * (empty, `[]`) is replaced by the finding's OCSF class and uid, which name it in the project.
 */
export const SUMMARY_MAX = 255;

export const oneLine = (s: string) => s.replace(/\s*[\p{Cc}\u2028\u2029][\s\p{Cc}\u2028\u2029]*/gu, ' ').trim();

const asText = (v: unknown) => (v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
const WORD = /[\p{L}\p{N}]/u;

export function summaryOf(template: string, event: CloudEvent, uid: string): string {
  const text = oneLine(asText(render(template, blankTitleEmptied(event))));
  return clip(WORD.test(text) ? text : fallbackSummary(event, uid), SUMMARY_MAX);
}

/** `Vulnerability Finding: CVE-2024-1:pillow`, or `Security finding: <uid>` without a class name. */
export function fallbackSummary(event: CloudEvent, uid: string): string {
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
