import * as z from 'zod/mini';
import { templateProblems } from '../template';

/**
 * `type: jira` destination (Jira Cloud REST API v3). Credentials arrive resolved (`${VAR}` or
 * `secret://name` in the file): an Atlassian account email and its API token, sent as HTTP Basic
 * (https://developer.atlassian.com/cloud/jira/platform/basic-auth-for-rest-apis/).
 */
const nonEmpty = z.string().check(z.minLength(1));
const template = nonEmpty.check(z.refine((t) => templateProblems(t).length === 0, "has a {{ }} placeholder that is not a field path or 'quoted text'"));

/** A finding without a title (empty, or only whitespace: summary.ts) is named by its uid. */
export const DEFAULT_SUMMARY = '[{{ data.severity || data.severity_id }}] {{ data.finding_info.title || subject || data.finding_info.uid }}';
export const DEFAULT_DESCRIPTION = [
  "{{ data.finding_info.desc || data.message || 'No description.' }}",
  '',
  "Severity: {{ data.severity || data.severity_id || 'unknown' }}",
  'Finding: {{ subject || data.finding_info.uid }}',
].join('\n');
export const DEFAULT_COMMENT = "Finding updated ({{ type }}): severity {{ data.severity || data.severity_id || 'unknown' }}, status {{ data.status || data.status_id || 'unknown' }}.";
export const DEFAULT_RESOLVE_TRANSITION = 'Done';

export const jiraDestinationSchema = z.strictObject({
  type: z.literal('jira'),
  /** https://<site>.atlassian.net */
  baseUrl: z.url({ protocol: /^https?$/ }),
  email: nonEmpty,
  apiToken: nonEmpty,
  /** Project key (SEC) or numeric id. */
  project: z.string().check(z.regex(/^[A-Za-z0-9_]{1,255}$/)),
  /** Issue type name, e.g. Bug or Task. */
  issueType: nonEmpty,
  summary: z._default(template, DEFAULT_SUMMARY),
  /** Plain text; sent as Atlassian Document Format (paragraphs at blank lines). */
  description: z._default(template, DEFAULT_DESCRIPTION),
  /** The comment written when a later event of the finding arrives. */
  comment: z._default(template, DEFAULT_COMMENT),
  /** Extra labels (templates); spaces become dashes, as Jira labels cannot hold them. */
  labels: z._default(z.array(template).check(z.maxLength(20)), []),
  /** Severity (text such as High, or severity_id such as 4) -> Jira priority name; unmatched: the project's default. */
  priority: z.optional(z.record(nonEmpty, nonEmpty)),
  /** Further issue fields (components, custom fields), each a template rendered against the event. */
  fields: z.optional(z.record(nonEmpty, z.unknown())),
  /** Name of the workflow transition applied when the finding is resolved. */
  resolveTransition: z._default(nonEmpty, DEFAULT_RESOLVE_TRANSITION),
  /**
   * Name (or target status) of the transition applied when the finding of a done issue is reported
   * open again. Unset: the first transition the issue offers to a status outside the done category.
   */
  reopenTransition: z.optional(nonEmpty),
});

export type JiraConfig = z.output<typeof jiraDestinationSchema>;
