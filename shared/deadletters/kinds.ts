/**
 * The kinds of inbound dead letter (shared/deadletters/store.ts), one place for the store's type,
 * the API's `?kind=` filter and the OpenAPI document. Apart from the store so the document does
 * not pull the store into the functions that serve it.
 */
export const DEAD_LETTER_KINDS = ['webhook', 'event', 'notification', 'eventbridge'] as const;
export type DeadLetterKind = (typeof DEAD_LETTER_KINDS)[number];
