import type { StateStore } from '../../ports/store';
import { ConnectorError, isConnectorError } from '../errors';
import { withSignal } from '../ticket-abort';
import type { ReopenResult, TicketRef, TicketSystem } from '../tickets';
import type { Transport } from '../types';
import { addWorkNote } from './add-work-note';
import type { ServiceNowConfig } from './config';
import { createRecord } from './create-record';
import { createFields, reopenFields, replacementNote, resolveFields, workNote } from './fields';
import { findByCorrelation } from './find-by-correlation';
import { getRecord } from './get-record';
import { fieldValue, type SnRecord } from './records';
import { rememberFinding } from './uid-map';
import { updateRecord } from './update-record';

/**
 * ServiceNow as the ticket system of ../tickets.ts, for one tenant: one record per finding, found
 * again by its tenant-scoped correlation_id (correlation.ts); later events add a work note; a
 * resolved finding sets the resolve state with close_code and close_notes, unless the record is in
 * that state already or inactive (task records, incidents among them, go inactive when Closed or
 * Canceled). A finding reported open again puts a record still active in the resolve state back
 * in `reopen.state`; an inactive one is read-only, and is replaced by a new record whose work note
 * names it. Every request of a call goes with the call's `signal` (withSignal), so a call made
 * under a lease that is running out (`leaseSeconds`) is aborted, whichever request it is at.
 */
export function servicenowTickets(t: Transport, config: ServiceNowConfig, store: StateStore, tenant: string): Required<TicketSystem> {
  const table = config.table;
  const ref = (r: SnRecord): TicketRef => ({
    id: r.sys_id,
    key: fieldValue(r, 'number') || undefined,
    url: new URL(`/${table}.do?sys_id=${encodeURIComponent(r.sys_id)}`, config.instanceUrl).href,
  });
  return {
    async findByUid(uid, opts) {
      const found = await findByCorrelation(withSignal(t, opts?.signal), table, tenant, uid);
      if (!found) return undefined;
      // Searched only when the state store holds no record of the ticket: if it lost that, it may
      // have lost the finding behind a hashed key too, which the sync job needs.
      await rememberFinding(store, tenant, uid);
      return ref(found);
    },
    async create(uid, event, opts) {
      const fields = createFields(config, { tenant, uid }, event);
      // Set on insert: the journal takes a first entry with the record.
      if (opts?.replaces) fields.work_notes = replacementNote(opts.replaces.key ?? opts.replaces.id, uid);
      await rememberFinding(store, tenant, uid);
      return ref(await createRecord(withSignal(t, opts?.signal), table, fields));
    },
    async update(r, event, opts) {
      await addWorkNote(withSignal(t, opts?.signal), table, r.id, workNote(config, event)).catch((e: unknown) => {
        throw goneError(e, t.name, table, r) ?? e;
      });
    },
    async resolve(r, event, opts) {
      const api = withSignal(t, opts?.signal);
      // Resolved, closed or canceled already (by a person, or before a redelivery): setting the
      // resolve state again would overwrite their close code and notes, or move a closed record
      // back to Resolved.
      const current = await getRecord(api, table, r.id, ['state', 'active']).catch((e: unknown) => {
        throw goneError(e, t.name, table, r) ?? e;
      });
      if (fieldValue(current, 'state') === config.resolve.state || fieldValue(current, 'active') === 'false') return;
      await updateRecord(api, table, r.id, resolveFields(config, event)).catch((e: unknown) => {
        throw dataPolicyError(e, t.name, 'resolving', 'resolve.state, resolve.closeCode and resolve.closeNotes to values the instance accepts') ?? goneError(e, t.name, table, r) ?? e;
      });
    },
    async reopen(r, event, opts): Promise<ReopenResult> {
      const api = withSignal(t, opts?.signal);
      const current = await getRecord(api, table, r.id, ['state', 'active']).catch((e: unknown) => {
        throw goneError(e, t.name, table, r) ?? e;
      });
      const state = fieldValue(current, 'state');
      // Closed or Canceled: the instance keeps the record read-only; a new one is made instead.
      if (fieldValue(current, 'active') === 'false') return { kind: 'final', reason: `${t.name}: ${r.key ?? r.id} is inactive (state ${state ?? 'unknown'}) and the instance keeps it read-only` };
      // Moved on by a person (In Progress, On Hold, ...): theirs to keep.
      if (state !== config.resolve.state) return { kind: 'open' };
      // With a work note: not repeated after an answer that never came; the next attempt reads the state again.
      await updateRecord(api, table, r.id, reopenFields(config, event), { idempotent: false }).catch((e: unknown) => {
        throw dataPolicyError(e, t.name, 'reopening', 'reopen.state to a state the instance accepts without further fields') ?? goneError(e, t.name, table, r) ?? e;
      });
      return { kind: 'reopened', status: config.reopen.state };
    },
  };
}

/**
 * A 404 on the finding's own record: it was deleted, or an ACL now hides it from the account (the
 * instance answers both alike, "Record doesn't exist or ACL restricts the record retrieval"). The
 * code stays connector_not_found (not retryable: asking again cannot bring it back); the message
 * names the record and what happened to it instead of pointing at the path or the baseUrl.
 */
function goneError(e: unknown, connector: string, table: string, r: TicketRef): ConnectorError | undefined {
  if (!isConnectorError(e) || e.code !== 'connector_not_found') return undefined;
  const said = e.facts.vendorMessage ? `: ${e.facts.vendorMessage}` : '';
  return new ConnectorError('connector_not_found', `${connector}: ${r.key ?? r.id} (sys_id ${r.id}) is no longer in ${table}: deleted, or hidden from the account by an ACL${said}`, { ...e.facts, ticket: r.key ?? r.id }, e);
}

/**
 * A data policy refusing the update comes back as HTTP 403 with "Data Policy Exception" (not a
 * missing permission): say which settings to fix instead of blaming the account's roles.
 */
function dataPolicyError(e: unknown, connector: string, doing: string, fix: string): ConnectorError | undefined {
  if (!isConnectorError(e) || !/data policy exception/i.test(String(e.facts.vendorMessage ?? ''))) return undefined;
  return new ConnectorError('connector_rejected', `${connector}: the instance's data policy refused ${doing} the record (${e.facts.vendorMessage}); set ${fix}`, { ...e.facts }, e);
}
