import { reply, type VendorHandler, type VendorRequest, type VendorServer } from '../../../test/support/vendor-server';
import type { Clock } from '../../ports/clock';
import { eachTestVendor, type VendorTest } from '../transport.testkit';

/**
 * A ServiceNow instance's Table API for tests, served by the vendor test server: records in
 * memory, POST / PUT / GET with encoded queries (`=`, `!=`, `>`, `>=`, `<`, `<=`, `^`, `^NQ`,
 * ORDERBY, ORDERBYDESC), sysparm_fields, sysparm_limit and sysparm_offset, and the paging headers
 * the real one sends (`Link` with first/prev/next/last and `X-Total-Count`,
 * https://www.servicenow.com/docs/bundle/latest/page/integrate/inbound-rest/concept/c_TableAPI.html#table-GET).
 * Values are strings and timestamps `YYYY-MM-DD HH:MM:SS` (UTC) as the instance returns them. The
 * incident data policy is modelled: state 6 without close_code and close_notes is refused with 403.
 * As on a real instance, `=` and `!=` compare strings without regard to case (GlideRecord queries
 * are case-insensitive), a query value starting with `javascript:` is evaluated rather than
 * compared (the fake evaluates every script to ''), incidents go inactive when Closed (7) or
 * Canceled (8), and rows the account may not read (`hidden`) are dropped from a page after the
 * query ran, so the page comes back short while X-Total-Count and Link still count them
 * (KB0718678: ACLs are evaluated page by page).
 */
export type Row = Record<string, string>;

export interface FakeInstance {
  rows: Row[];
  /** Work notes per sys_id, in order. */
  notes: Map<string, string[]>;
  /** Inserts a row directly (as another user would), stamped like an API insert. */
  insert(fields: Row): Row;
  /** Changes a row directly, bumping sys_updated_on. */
  change(sysId: string, fields: Row): Row;
  /** The GET handler, to queue real answers ahead of scripted failures. */
  listing: VendorHandler;
}

export interface FakeOptions {
  clock: Clock;
  /** Send Link headers (default true); false leaves only X-Total-Count, as sysparm_suppress_pagination_header does. */
  link?: boolean;
  /** Rows a read ACL hides from the integration account. */
  hidden?: (row: Row) => boolean;
}

const stamp = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
const TERM = /^([a-z_][a-z0-9_]*)(>=|<=|!=|=|>|<)(.*)$/s;

function matches(row: Row, group: string[]): boolean {
  return group.every((term) => {
    const m = TERM.exec(term);
    if (!m) return true; // The instance ignores invalid terms by default.
    const [, field, op, value] = m as unknown as [string, string, string, string];
    const v = row[field] ?? '';
    const given = value.startsWith('javascript:') ? '' : value;
    const same = v.toLowerCase() === given.toLowerCase();
    return op === '=' ? same : op === '!=' ? !same : op === '>' ? v > given : op === '>=' ? v >= given : op === '<' ? v < given : v <= given;
  });
}

export function select(rows: Row[], query: string): Row[] {
  const orders: [string, number][] = [];
  const groups = query.split('^NQ').map((g) => g.split('^').filter((term) => {
    const o = /^ORDERBY(DESC)?(.+)$/.exec(term);
    if (o) orders.push([o[2]!, o[1] ? -1 : 1]);
    return !o && term !== '';
  }));
  const found = rows.filter((r) => groups.some((g) => matches(r, g)));
  return found.sort((a, b) => {
    for (const [f, dir] of orders) if ((a[f] ?? '') !== (b[f] ?? '')) return (a[f] ?? '') < (b[f] ?? '') ? -dir : dir;
    return 0;
  });
}

export function fakeInstance(vendor: VendorServer, o: FakeOptions): FakeInstance {
  const rows: Row[] = [];
  const notes = new Map<string, string[]>();
  let seq = 0;
  const insert = (given: Row): Row => {
    seq += 1;
    const now = stamp(o.clock.now());
    // A journal field given on insert is its first entry, as on an update.
    const { work_notes: note, ...fields } = given;
    const row: Row = { state: '1', active: 'true', sys_mod_count: '0', ...fields, sys_id: seq.toString(16).padStart(32, '0'), number: `INC${String(10000 + seq).padStart(7, '0')}`, sys_created_on: now, sys_updated_on: now, sys_class_name: 'incident' };
    if (note) notes.set(row.sys_id!, [note]);
    rows.push(row);
    return row;
  };
  const change = (sysId: string, fields: Row): Row => {
    const row = rows.find((r) => r.sys_id === sysId)!;
    const { work_notes: note, ...rest } = fields;
    if (note) notes.set(sysId, [...(notes.get(sysId) ?? []), note]);
    Object.assign(row, rest, { sys_updated_on: stamp(o.clock.now()), sys_mod_count: String(Number(row.sys_mod_count) + 1) });
    if (rest.state !== undefined) row.active = rest.state === '7' || rest.state === '8' ? 'false' : 'true';
    return row;
  };
  const pick = (row: Row, fields: string | null) => (fields ? Object.fromEntries(fields.split(',').map((f) => [f, row[f] ?? ''])) : { ...row, work_notes: '' });

  vendor.on('POST /api/now/table/:table', (req) => reply.json({ result: pick(insert(req.json() as Row), req.query.get('sysparm_fields')) }, 201));
  vendor.on('PUT /api/now/table/:table/:id', (req) => {
    if (!rows.some((r) => r.sys_id === req.params.id)) return reply.json({ error: { message: 'No Record found', detail: 'Record doesn\'t exist or ACL restricts the record retrieval' }, status: 'failure' }, 404);
    const fields = req.json() as Row;
    if (fields.state === '6' && (!fields.close_code || !fields.close_notes)) {
      return reply.json({ error: { message: 'Operation Failed', detail: 'Data Policy Exception: \n\tThe following fields are mandatory: Resolution code, Resolution notes\n' }, status: 'failure' }, 403);
    }
    return reply.json({ result: pick(change(req.params.id!, fields), req.query.get('sysparm_fields')) });
  });
  const listing: VendorHandler = (req) => list(req, rows, o.link !== false, pick, o.hidden);
  vendor.on('GET /api/now/table/:table', listing);
  vendor.on('GET /api/now/table/:table/:id', (req) => {
    const row = rows.find((r) => r.sys_id === req.params.id);
    if (!row) return reply.json({ error: { message: 'No Record found', detail: 'Record doesn\'t exist or ACL restricts the record retrieval' }, status: 'failure' }, 404);
    return reply.json({ result: pick(row, req.query.get('sysparm_fields')) });
  });
  return { rows, notes, insert, change, listing };
}

function list(req: VendorRequest, rows: Row[], link: boolean, pick: (r: Row, f: string | null) => Row, hidden: (r: Row) => boolean = () => false) {
  const found = select(rows, req.query.get('sysparm_query') ?? '');
  const limit = Number(req.query.get('sysparm_limit') ?? 10000);
  const offset = Number(req.query.get('sysparm_offset') ?? 0);
  const headers: Record<string, string> = { 'x-total-count': String(found.length) };
  if (link) {
    const at = (n: number) => {
      const u = new URL(req.url.href);
      u.searchParams.set('sysparm_offset', String(n));
      u.searchParams.set('sysparm_limit', String(limit));
      return u.href;
    };
    const last = Math.max(0, Math.floor((found.length - 1) / limit) * limit);
    const links = [`<${at(0)}>;rel="first"`];
    if (offset > 0) links.push(`<${at(Math.max(0, offset - limit))}>;rel="prev"`);
    if (offset + limit < found.length) links.push(`<${at(offset + limit)}>;rel="next"`);
    links.push(`<${at(last)}>;rel="last"`);
    headers.link = links.join(',');
  }
  const page = found.slice(offset, offset + limit).filter((r) => !hidden(r));
  return reply.json({ result: page.map((r) => pick(r, req.query.get('sysparm_fields'))) }, 200, headers);
}

/** eachTestVendor (../transport.testkit.ts) with a fake instance on each test's vendor server and clock. */
export const eachFakeInstance = (set: (t: VendorTest & { sn: FakeInstance }) => unknown): void =>
  eachTestVendor((t) => set({ ...t, sn: fakeInstance(t.vendor, { clock: t.h.clock }) }));
