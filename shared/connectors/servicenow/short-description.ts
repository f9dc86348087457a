import type { CloudEvent } from '../../events/cloudevent';
import { findingLine } from '../finding-line';

/**
 * The record's short_description: one line of at most 160 characters, never blank
 * (../finding-line.ts). short_description is a String(160) column of the task tables, which the
 * instance would truncate, and the forms show a String column of 255 characters or fewer as a
 * one-line input.
 */
export const SHORT_DESCRIPTION_MAX = 160;

export const shortDescriptionOf = (template: string, event: CloudEvent, uid: string): string => findingLine(template, event, uid, SHORT_DESCRIPTION_MAX);
