import type { CloudEvent } from '../../events/cloudevent';
import { render, type Template } from '../template';
import { head } from '../../events/text-cut';
import { adf } from './adf';
import type { JiraConfig } from './config';
import type { NewIssue } from './create-issue';
import { summaryOf } from './summary';
import { FINDING_PROPERTY, type FindingMark, MARK_LABEL, uidLabel } from './uid';

/** Labels cannot hold spaces (https://support.atlassian.com/jira-software-cloud/docs/add-labels-to-issues/); at most 255 characters. */
const label = (v: unknown) => head(String(v).trim().replace(/\s+/g, '-'), 255);

const asText = (v: unknown) => (v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

/** The priority the configuration maps this finding's severity to (text, case-insensitive, or severity_id). */
export function priorityFor(config: JiraConfig, event: CloudEvent): string | undefined {
  if (!config.priority) return undefined;
  const severity = render('{{ data.severity }}', event);
  const id = render('{{ data.severity_id }}', event);
  const table = new Map(Object.entries(config.priority).map(([k, v]) => [k.toLowerCase(), v]));
  for (const k of [severity, id]) if (k !== undefined && table.has(String(k).toLowerCase())) return table.get(String(k).toLowerCase());
  return undefined;
}

/** The create request of a finding's issue: configured fields rendered, plus the finding's marks (uid.ts). */
export function newIssue(config: JiraConfig, event: CloudEvent, mark: FindingMark): NewIssue {
  const extra = config.fields ? (render(config.fields as Template, event) as Record<string, unknown>) : {};
  // Labels from `fields.labels` are kept alongside `labels`; the marks are always added.
  const given = [...config.labels.map((t) => render(t, event)), ...(Array.isArray(extra.labels) ? extra.labels : [])];
  const labels = given.flat().filter((v) => v !== undefined && v !== null && v !== '').map(label).filter(Boolean);
  const priority = priorityFor(config, event);
  return {
    fields: {
      ...extra,
      project: /^\d+$/.test(config.project) ? { id: config.project } : { key: config.project },
      issuetype: { name: config.issueType },
      summary: summaryOf(config.summary, event, mark.uid),
      description: adf(asText(render(config.description, event))),
      labels: [...new Set([...labels, MARK_LABEL, uidLabel(mark.tenant, mark.uid)])],
      ...(priority ? { priority: { name: priority } } : {}),
    },
    properties: [{ key: FINDING_PROPERTY, value: mark }],
  };
}
