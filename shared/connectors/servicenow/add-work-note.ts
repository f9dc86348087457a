import type { Transport } from '../types';
import { updateRecord } from './update-record';

/**
 * A work note (internal, not sent to the caller) is written by updating the `work_notes` journal
 * field: each update appends one entry
 * (https://www.servicenow.com/docs/bundle/latest/page/use/using-forms/concept/c_UsingJournalFields.html).
 * Appending is not repeatable, so the note is not resent after an answer that never came.
 */
export async function addWorkNote(t: Transport, table: string, sysId: string, note: string): Promise<void> {
  await updateRecord(t, table, sysId, { work_notes: note }, { idempotent: false });
}
