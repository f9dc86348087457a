import * as z from 'zod/mini';
import { templateProblems } from '../template';

/**
 * `type: servicenow` destinations: one record (an incident by default) per finding in a
 * ServiceNow instance, through the Table API
 * (https://www.servicenow.com/docs/bundle/latest/page/integrate/inbound-rest/concept/c_TableAPI.html).
 * Field values are templates (../template.ts) rendered against the CloudEvent.
 */
const nonEmpty = z.string().check(z.minLength(1));

const template = z.string().check(z.superRefine((value, ctx) => {
  for (const message of templateProblems(value, 'template')) ctx.addIssue({ code: 'custom', message, input: value });
}));

/** https on a *.service-now.com (or custom) host; plain http only to loopback, for local tests. */
const instanceUrl = z.url().check(z.refine((u) => {
  const url = new URL(u);
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
  return (url.protocol === 'https:' || (url.protocol === 'http:' && loopback)) && (url.pathname === '/' || url.pathname === '') && !url.search && !url.username;
}, 'must be the instance root, e.g. https://acme.service-now.com'));

/** Table names are path segments: `incident`, `sn_si_incident`, `u_security_case`. */
const tableName = z.string().check(z.regex(/^[a-z][a-z0-9_]{0,79}$/, 'must be a table name such as incident'));

/**
 * OAuth at `<instance>/oauth_token.do` (https://www.servicenow.com/docs/bundle/latest/page/administer/security/concept/c_OAuthApplications.html).
 * The client credentials grant needs the Washington DC release or later with
 * `glide.oauth.inbound.client.credential.grant_type.enabled` set to true.
 */
const oauthClient = { clientId: nonEmpty, clientSecret: nonEmpty, tokenUrl: z.optional(z.url()) };
const auth = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('basic'), username: nonEmpty, password: nonEmpty }),
  z.strictObject({ type: z.literal('oauth2-client-credentials'), ...oauthClient }),
  z.strictObject({ type: z.literal('oauth2-refresh-token'), ...oauthClient, refreshToken: nonEmpty }),
]);

/** ServiceNow's 1 (high) .. 3 (low); priority is derived from impact x urgency by the instance's matrix. */
const level = z.enum(['1', '2', '3']);
const rating = z.strictObject({ urgency: level, impact: level });
const SEVERITIES = ['unknown', 'informational', 'low', 'medium', 'high', 'critical', 'fatal', 'other'] as const;

const FIELDS = {
  /** A finding without a title (empty, or only whitespace: short-description.ts) is named by its uid. */
  shortDescription: '{{ data.finding_info.title || data.message || subject || data.finding_info.uid }}',
  description: '{{ data.finding_info.desc || data.message }}\n\nFinding: {{ data.finding_info.uid || subject }}\nSeverity: {{ data.severity }}\nSource: {{ source }}',
};
const RESOLVE = {
  state: '6',
  closeCode: 'Solution provided',
  closeNotes: 'Resolved by secorch: finding {{ data.finding_info.uid || subject }} was reported fixed.',
};

const REOPEN = {
  state: '2',
  workNote: 'Reopened by secorch: finding {{ data.finding_info.uid || subject }} was reported open again.',
};

export const MIN_LEASE_SECONDS = 120;

const stateValue = z.string().check(z.regex(/^[0-9A-Za-z_]{1,40}$/));

export const servicenowDestinationSchema = z.strictObject({
  type: z.literal('servicenow'),
  instanceUrl,
  auth,
  table: z._default(tableName, 'incident'),
  fields: z._default(z.strictObject({
    shortDescription: z._default(template, FIELDS.shortDescription),
    description: z._default(template, FIELDS.description),
    /** A sys_user_group sys_id (or its name, which ServiceNow resolves for reference fields). */
    assignmentGroup: z.optional(template),
    /** caller_id: a sys_user sys_id or user name. */
    caller: z.optional(template),
    category: z.optional(template),
    /** Any other column, e.g. `cmdb_ci` or `u_source`: column name -> template. */
    extra: z.optional(z.record(z.string().check(z.regex(/^[a-z][a-z0-9_]{0,79}$/)), template)),
  }), FIELDS),
  /** OCSF severity caption (lower case) -> urgency and impact; unset ones keep the defaults (severity.ts). */
  severity: z.optional(z.partialRecord(z.enum(SEVERITIES), rating)),
  /** The work note added for each later event of an open finding. */
  workNote: z._default(template, 'secorch: {{ type }} for finding {{ data.finding_info.uid || subject }} ({{ data.severity }}): {{ data.finding_info.title || data.message }}'),
  /**
   * On `secorch.finding.resolved`. Incident state 6 is Resolved; recent releases enforce close_code
   * and close_notes on it through a data policy, so both are always sent. `closeCode` must be one
   * of the instance's choices (e.g. "Solution provided" / "Resolved by change" in Utah and later,
   * "Solved (Permanently)" in older ones).
   */
  resolve: z._default(z.strictObject({
    state: z._default(stateValue, RESOLVE.state),
    closeCode: z._default(nonEmpty, RESOLVE.closeCode),
    closeNotes: z._default(template, RESOLVE.closeNotes),
  }), RESOLVE),
  /**
   * On a created or updated event dated after the record's resolve (the finding reported open
   * again): a record still active in the resolve state goes back to `state` (incident 2 is In
   * Progress) with `workNote`. An inactive one (Closed, Canceled), which the instance keeps
   * read-only, is replaced by a new record naming it.
   */
  reopen: z._default(z.strictObject({
    state: z._default(stateValue, REOPEN.state),
    workNote: z._default(template, REOPEN.workNote),
  }), REOPEN),
  /**
   * How long a create may take before a redelivery searches by correlation_id and may create
   * (default 120, also the least accepted). A shorter lease runs out while a create call may
   * still be under way (up to 90 s: a token request and the attempt, 30 s each, and 30 s of waits
   * after 429s; the instance can commit an insert later still), and the redelivery's search,
   * not seeing that record yet, creates a second one.
   */
  leaseSeconds: z.optional(z.number().check(z.int(), z.gte(MIN_LEASE_SECONDS, `must be at least ${MIN_LEASE_SECONDS}: a shorter lease can run out while a create is still under way, and a redelivery then creates a second record`), z.lte(3600))),
}).check(z.superRefine((c, ctx) => {
  // A record is reopened only from the resolve state: the same state would leave it resolved.
  if (c.reopen.state === c.resolve.state) ctx.addIssue({ code: 'custom', path: ['reopen', 'state'], message: `must differ from resolve.state ("${c.resolve.state}")`, input: c.reopen.state });
}));

export type ServiceNowConfig = z.output<typeof servicenowDestinationSchema>;
export type ServiceNowAuthConfig = ServiceNowConfig['auth'];
export type Severity = (typeof SEVERITIES)[number];
export type Rating = z.output<typeof rating>;
