import type { CloudEvent } from '../../events/cloudevent';
import { findingLine } from '../finding-line';

/**
 * The issue summary: one line of at most 255 characters, never blank (../finding-line.ts).
 * Jira caps the summary at 255 characters
 * (https://support.atlassian.com/jira-cloud-administration/docs/what-are-issue-field-limits/) and
 * refuses a create without one (400 `{"errors": {"summary": "You must specify a summary of the
 * issue."}}`), or with a line break in it (400 "The summary is invalid because it contains newline
 * characters.").
 */
export const SUMMARY_MAX = 255;

export const summaryOf = (template: string, event: CloudEvent, uid: string): string => findingLine(template, event, uid, SUMMARY_MAX);
