import { AppError } from '../../errors';

/**
 * How rendered template values become request text, and the errors when an event's values cannot.
 * Both errors are final (422, not retryable): the same event would render the same way again.
 */
export const asText = (v: unknown): string => (v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

export const templateEmpty = (field: string) =>
  new AppError('template_empty', `The template of ${field} gave no text for this event`, { status: 422, retryable: false });

export const templateRefused = (field: string, why: string) =>
  new AppError('template_refused', `The template of ${field} ${why} for this event`, { status: 422, retryable: false });
