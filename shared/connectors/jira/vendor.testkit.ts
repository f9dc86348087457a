import { reply, startVendorServer, type VendorReply, type VendorRequest, type VendorServer } from '../../../test/support/vendor-server';

/**
 * A small Jira Cloud on the local vendor server, for tests: issues with labels, entity properties,
 * comments and a three-status workflow; JQL search (`project =`, `labels =`, `updated >=`,
 * `ORDER BY`) paged by nextPageToken, reading an index that can lag writes by `indexLagMs`, as
 * Jira's does. Shapes follow the REST v3 description (../shared/fixtures/openapi) so the contract
 * tests can check every answer given here; `answers` records them.
 */
export interface FakeIssue {
  id: string;
  key: string;
  fields: { summary: string; labels: string[]; status: Status; updated: string; [k: string]: unknown };
  properties: Record<string, unknown>;
  comments: unknown[];
  createdAt: number;
}
type Status = { id: string; name: string; statusCategory: { id: number; key: string; name: string } };

export const STATUS = {
  todo: { id: '10000', name: 'To Do', statusCategory: { id: 2, key: 'new', name: 'To Do' } },
  progress: { id: '3', name: 'In Progress', statusCategory: { id: 4, key: 'indeterminate', name: 'In Progress' } },
  done: { id: '10001', name: 'Done', statusCategory: { id: 3, key: 'done', name: 'Done' } },
  wontDo: { id: '10002', name: "Won't Do", statusCategory: { id: 3, key: 'done', name: 'Done' } },
} satisfies Record<string, Status>;

/**
 * "Done" is a global transition ("all statuses can transition to this one"): Jira offers such a
 * transition from every status, its own target included, unless a condition hides it.
 */
export type FakeTransition = { id: string; name: string; to: Status; from: string[] };
export const TRANSITIONS: FakeTransition[] = [
  { id: '21', name: 'Start progress', to: STATUS.progress, from: ['10000'] },
  { id: '31', name: 'Done', to: STATUS.done, from: ['10000', '3', '10001', '10002'] },
  { id: '41', name: 'Reopen', to: STATUS.todo, from: ['10001', '10002'] },
  { id: '51', name: "Won't do", to: STATUS.wontDo, from: ['3'] },
];

export const ROUTES = {
  create: 'POST /rest/api/3/issue',
  get: 'GET /rest/api/3/issue/:key',
  comment: 'POST /rest/api/3/issue/:key/comment',
  transitions: 'GET /rest/api/3/issue/:key/transitions',
  transition: 'POST /rest/api/3/issue/:key/transitions',
  property: 'PUT /rest/api/3/issue/:key/properties/:prop',
  search: 'POST /rest/api/3/search/jql',
  myself: 'GET /rest/api/3/myself',
} as const;

export interface FakeJira {
  vendor: VendorServer;
  issues: FakeIssue[];
  answers: { method: string; url: string; status: number; body: unknown }[];
  /** Moves an issue to a status as a person would, stamping `updated` with the clock. */
  setStatus(key: string, status: Status): void;
  close(): Promise<void>;
}

/** Jira's own timestamp form, e.g. 2030-01-01T10:00:00.000+0000. */
export const jiraTime = (ms: number) => new Date(ms).toISOString().replace('Z', '+0000');

/** Epoch ms of a JQL date literal `yyyy-MM-dd HH:mm` read in `timeZone`. */
function localToEpoch(literal: string, timeZone: string): number {
  const [d, hm = '00:00'] = literal.split(' ');
  const [y, mo, da] = d!.split(/[-/]/).map(Number);
  const [h, mi] = hm.split(':').map(Number);
  const naive = Date.UTC(y!, mo! - 1, da!, h!, mi!);
  const offset = (at: number) => {
    const p = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).formatToParts(at).map((x) => [x.type, x.value]));
    return Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!) - Math.floor(at / 60_000) * 60_000;
  };
  return naive - offset(naive - offset(naive));
}

/** `transitions`: the workflow, TRANSITIONS unless given. */
export async function startFakeJira(o: { clock: { now(): number }; indexLagMs?: number; timeZone?: string; project?: string; transitions?: FakeTransition[] }): Promise<FakeJira> {
  const workflow = o.transitions ?? TRANSITIONS;
  const vendor = await startVendorServer();
  const issues: FakeIssue[] = [];
  let made = 0;
  const answers: FakeJira['answers'] = [];
  const project = o.project ?? 'SEC';
  const answer = (req: VendorRequest, r: VendorReply): VendorReply => (answers.push({ method: req.method, url: req.url.href, status: r.status ?? 200, body: r.json }), r);
  const byKey = (k: string) => issues.find((i) => i.key === k || i.id === k);
  const missing = (req: VendorRequest) => answer(req, reply.notFound({ errorMessages: ['Issue does not exist or you do not have permission to see it.'], errors: {} }));
  const touch = (i: FakeIssue) => void (i.fields.updated = jiraTime(o.clock.now()));

  vendor.on(ROUTES.create, (req) => {
    const body = req.json() as { fields: Record<string, unknown>; properties?: { key: string; value: unknown }[] };
    // Jira Cloud's answer to a multi-line summary (quoted in ryanhoskin/pd2jira#19).
    if (/[\r\n]/.test(String(body.fields.summary))) {
      return answer(req, reply.json({ errorMessages: [], errors: { summary: 'The summary is invalid because it contains newline characters.' } }, 400));
    }
    // Summary is a required field (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-post).
    if (typeof body.fields.summary !== 'string' || body.fields.summary.trim() === '') {
      return answer(req, reply.json({ errorMessages: [], errors: { summary: 'You must specify a summary of the issue.' } }, 400));
    }
    if (body.fields.summary.length > 255) return answer(req, reply.json({ errorMessages: [], errors: { summary: 'Summary must be less than 255 characters.' } }, 400));
    // Keys and ids are never reused, not even after an issue is deleted.
    const n = ++made;
    const issue: FakeIssue = {
      id: String(10000 + n), key: `${project}-${n}`, createdAt: o.clock.now(), comments: [],
      fields: { ...body.fields, summary: String(body.fields.summary), labels: (body.fields.labels as string[]) ?? [], status: STATUS.todo, updated: jiraTime(o.clock.now()) },
      properties: Object.fromEntries((body.properties ?? []).map((p) => [p.key, p.value])),
    };
    issues.push(issue);
    return answer(req, reply.json({ id: issue.id, key: issue.key, self: `${vendor.url}/rest/api/3/issue/${issue.id}` }, 201));
  });
  vendor.on(ROUTES.get, (req) => {
    const i = byKey(req.params.key!);
    if (!i) return missing(req);
    // `fields` and `properties` are comma-separated lists, as Jira reads them.
    const list = (name: string) => (req.query.get(name) ?? '').split(',').filter(Boolean);
    const fields = req.query.has('fields') ? list('fields') : ['status'];
    const issue = {
      id: i.id, key: i.key, self: `${vendor.url}/rest/api/3/issue/${i.id}`,
      fields: Object.fromEntries(fields.filter((f) => f in i.fields).map((f) => [f, i.fields[f]])),
      ...(req.query.has('properties') ? { properties: Object.fromEntries(list('properties').filter((p) => p in i.properties).map((p) => [p, i.properties[p]])) } : {}),
    };
    return answer(req, reply.json(issue));
  });
  vendor.on(ROUTES.comment, (req) => {
    const i = byKey(req.params.key!);
    if (!i) return missing(req);
    const body = (req.json() as { body: unknown }).body;
    i.comments.push(body);
    touch(i);
    const at = new Date(o.clock.now()).toISOString();
    return answer(req, reply.json({ id: String(i.comments.length), self: `${vendor.url}/rest/api/3/issue/${i.id}/comment/${i.comments.length}`, body, created: at, updated: at }, 201));
  });
  vendor.on(ROUTES.transitions, (req) => {
    const i = byKey(req.params.key!);
    if (!i) return missing(req);
    const list = workflow.filter((x) => x.from.includes(i.fields.status.id)).map(({ id, name, to }) => ({ id, name, to, hasScreen: false, isGlobal: id === '31', isInitial: false, isAvailable: true, isConditional: false }));
    return answer(req, reply.json({ transitions: list }));
  });
  vendor.on(ROUTES.transition, (req) => {
    const i = byKey(req.params.key!);
    if (!i) return missing(req);
    const id = (req.json() as { transition?: { id?: string } }).transition?.id;
    const tr = workflow.find((x) => x.id === id && x.from.includes(i.fields.status.id));
    if (!tr) return answer(req, reply.json({ errorMessages: [`Transition id '${id}' is not valid for this issue.`], errors: {} }, 400));
    i.fields.status = tr.to;
    touch(i);
    return answer(req, { status: 204 });
  });
  vendor.on(ROUTES.property, (req) => {
    const i = byKey(req.params.key!);
    if (!i) return missing(req);
    const created = !(req.params.prop! in i.properties);
    i.properties[req.params.prop!] = req.json();
    return answer(req, { status: created ? 201 : 200 });
  });
  vendor.on(ROUTES.myself, (req) => answer(req, reply.json({
    accountId: '5b10a2844c20165700ede21g', accountType: 'atlassian', active: true, displayName: 'secorch', emailAddress: 'secorch@example.com',
    timeZone: o.timeZone ?? 'UTC', locale: 'en_US', self: `${vendor.url}/rest/api/3/user?accountId=5b10a2844c20165700ede21g`,
  })));
  vendor.on(ROUTES.search, (req) => {
    const body = req.json() as { jql: string; maxResults?: number; nextPageToken?: string; fields?: string[]; properties?: string[] };
    const filter = parseJql(body.jql, o.timeZone ?? 'UTC');
    if (typeof filter === 'string') return answer(req, reply.json({ errorMessages: [filter], errors: {} }, 400));
    const visible = issues.filter((i) => o.clock.now() >= i.createdAt + (o.indexLagMs ?? 0) && filter.match(i)).sort(filter.order);
    const start = body.nextPageToken === undefined ? 0 : Number(Buffer.from(body.nextPageToken, 'base64url').toString());
    if (!Number.isInteger(start) || start < 0) return answer(req, reply.json({ errorMessages: ['The provided next page token is invalid or expired.'], errors: {} }, 400));
    const end = start + (body.maxResults ?? 50);
    const page = visible.slice(start, end).map((i) => ({
      id: i.id, key: i.key, self: `${vendor.url}/rest/api/3/issue/${i.id}`,
      fields: Object.fromEntries((body.fields ?? []).filter((f) => f in i.fields).map((f) => [f, i.fields[f]])),
      ...(body.properties ? { properties: Object.fromEntries(body.properties.filter((p) => p in i.properties).map((p) => [p, i.properties[p]])) } : {}),
    }));
    const more = end < visible.length;
    return answer(req, reply.json({ issues: page, isLast: !more, ...(more ? { nextPageToken: Buffer.from(String(end)).toString('base64url') } : {}) }));
  });

  return {
    vendor, issues, answers,
    setStatus(key, status) {
      const i = byKey(key)!;
      i.fields.status = status;
      touch(i);
    },
    close: () => vendor.close(),
  };
}

type Filter = { match: (i: FakeIssue) => boolean; order: (a: FakeIssue, b: FakeIssue) => number };

/** The JQL this connector writes; anything else is refused as Jira refuses a bad query (400). */
function parseJql(jql: string, timeZone: string): Filter | string {
  const [where, orderBy] = jql.split(/\s+ORDER BY\s+/i) as [string, string | undefined];
  const tests: ((i: FakeIssue) => boolean)[] = [];
  for (const clause of where.split(/\s+AND\s+/)) {
    const m = /^(project|labels|updated)\s*(=|>=)\s*"((?:[^"\\]|\\.)*)"$/.exec(clause.trim());
    if (!m) return `Error in the JQL Query: unsupported clause '${clause}'.`;
    const [, field, op, raw] = m;
    const value = raw!.replace(/\\(.)/g, '$1');
    if (field === 'project' && op === '=') tests.push((i) => i.key.startsWith(`${value}-`));
    else if (field === 'labels' && op === '=') tests.push((i) => i.fields.labels.includes(value));
    else if (field === 'updated' && op === '>=') {
      const since = localToEpoch(value, timeZone);
      tests.push((i) => Date.parse(i.fields.updated.replace(/([+-]\d\d)(\d\d)$/, '$1:$2')) >= since);
    } else return `Error in the JQL Query: unsupported clause '${clause}'.`;
  }
  const keys = (orderBy ?? '').split(',').map((s) => s.trim().split(/\s+/)).filter((k) => k[0]);
  const value = (i: FakeIssue, f: string) => (f === 'created' ? i.createdAt : f === 'updated' ? Date.parse(i.fields.updated.replace(/([+-]\d\d)(\d\d)$/, '$1:$2')) : Number(i.id));
  return {
    match: (i: FakeIssue) => tests.every((t) => t(i)),
    order: (a: FakeIssue, b: FakeIssue) => {
      for (const [f, dir] of keys) {
        const d = value(a, f!) - value(b, f!);
        if (d !== 0) return (dir ?? 'ASC').toUpperCase() === 'DESC' ? -d : d;
      }
      return 0;
    },
  };
}
