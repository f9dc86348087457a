import type { CloudEvent } from '../../events/cloudevent';
import { ConnectorError, isConnectorError } from '../errors';
import { withSignal } from '../ticket-abort';
import { render } from '../template';
import type { ReopenResult, TicketRef, TicketSystem } from '../tickets';
import type { Transport } from '../types';
import { addComment } from './add-comment';
import type { JiraConfig } from './config';
import { createIssue } from './create-issue';
import { newIssue } from './fields';
import { findingFacts } from './finding';
import { getIssue, type IssueFacts } from './get-issue';
import { type JiraTransition, listTransitions } from './list-transitions';
import { searchIssues } from './search-issues';
import { setIssueProperty } from './set-property';
import { transitionIssue } from './transition-issue';
import { FINDING_PROPERTY, jqlString, readMark, uidLabel } from './uid';

/**
 * Jira as the target of shared/connectors/tickets.ts: one issue per finding, found again by its
 * `secorch-<hash>` label (uid.ts). That search is eventually consistent (search-issues.ts): an
 * issue created moments ago may not be found yet. applyFindingEvent only searches after a crashed
 * attempt's lease (120 s by default) has run out; the lease starts before the create call, which
 * can take 60 s (30 s of waits after 429s, then an attempt with its 30 s deadline), so a second
 * issue needs the index to lag about 60 s behind the create (less for a create Jira commits after
 * the attempt gave up on it).
 *
 * A finding reported open again after its issue was resolved moves a done issue back out of the
 * done category (reopenTransition, else the first transition there), so the people working the
 * project see it; a workflow with no such transition leaves it done (../tickets.ts warns).
 *
 * Later events act on the issue by its id, and only once a read of it shows it is still this
 * finding's (its `secorch.finding` property, or the finding's label when a person removed the
 * property): an id or a key alone does not say which issue it is. Issue ids count from 10000 on
 * every site, so after the destination was pointed at another site the recorded id names an
 * unrelated issue there; a project key of a deleted project can be taken by a new project, whose
 * SEC-1 is another issue. Such an issue counts as gone (../tickets.ts): an open finding gets a new
 * issue, a resolved one needs none. The id, unlike the key, also survives a move to another project.
 *
 * Every request of a call goes with the call's `signal` (withSignal): a call made under a lease
 * that is running out is aborted, whichever request it is at.
 */
export function jiraTickets(t: Transport, config: JiraConfig, tenant: string): Required<TicketSystem> {
  const browse = (key: string) => new URL(`/browse/${encodeURIComponent(key)}`, t.baseUrl).href;
  const ref = (id: string, key: string): TicketRef => ({ id, key, url: browse(key) });

  return {
    async findByUid(uid, opts) {
      const api = withSignal(t, opts?.signal);
      const jql = `project = ${jqlString(config.project)} AND labels = ${jqlString(uidLabel(tenant, uid))} ORDER BY created ASC`;
      for await (const page of searchIssues(api, { jql, fields: ['status'], properties: [FINDING_PROPERTY], pageSize: 10, maxPages: 1 })) {
        // The label is a hash: the property, when present, must name this very finding.
        const marked = page.items.filter((i) => {
          const mark = readMark(i.properties[FINDING_PROPERTY]);
          return mark === undefined || (mark.uid === uid && mark.tenant === tenant);
        });
        const found = marked[0];
        if (!found) return undefined;
        // Labelled but unmarked (the property was deleted): restore it, the sync job reads it.
        if (readMark(found.properties[FINDING_PROPERTY]) === undefined) await setIssueProperty(api, found.id, FINDING_PROPERTY, { uid, tenant });
        return ref(found.id, found.key);
      }
      return undefined;
    },

    async create(uid, event, opts) {
      const created = await createIssue(withSignal(t, opts?.signal), newIssue(config, event, { uid, tenant }));
      return ref(created.id, created.key);
    },

    async update(issue, event, opts) {
      const api = withSignal(t, opts?.signal);
      try {
        await ownIssue(api, issue, event);
        await addComment(api, issue.id, commentText(config, event));
      } catch (e) {
        throw goneError(e, t.name, issue) ?? e;
      }
    },

    async resolve(issue, event, opts) {
      await resolveIssue(withSignal(t, opts?.signal), issue, event).catch((e: unknown) => {
        throw goneError(e, t.name, issue) ?? e;
      });
    },

    async reopen(issue, event, opts) {
      return reopenIssue(withSignal(t, opts?.signal), issue, event).catch((e: unknown) => {
        throw goneError(e, t.name, issue) ?? e;
      });
    },
  };

  /**
   * The issue as it is now, if it is still this finding's; else a connector_not_found naming what it
   * is instead. `api`: the transport with the calling action's signal (../ticket-abort.ts).
   */
  async function ownIssue(api: Transport, issue: TicketRef, event: CloudEvent): Promise<IssueFacts> {
    const facts = await getIssue(api, issue.id);
    const uid = findingFacts(event)?.uid;
    if (uid === undefined) return facts;
    const { mark } = facts;
    const ours = mark ? mark.uid === uid && mark.tenant === tenant : facts.labels.includes(uidLabel(tenant, uid));
    if (!ours) {
      const key = facts.key ?? issue.key ?? issue.id;
      throw new ConnectorError('connector_not_found', `${t.name}: issue ${key} (id ${issue.id}) at ${t.baseUrl.origin} is not this finding's issue: it carries another finding's mark or none (an issue of another site with the same id, after the destination was pointed there)`, {
        connector: t.name, issue: key, ticket: issue.key ?? issue.id, notOurs: true,
      });
    }
    // Labelled but unmarked (a person removed the property): restore it, the sync job reads it.
    if (!mark) await setIssueProperty(api, issue.id, FINDING_PROPERTY, { uid, tenant });
    return facts;
  }

  async function resolveIssue(api: Transport, issue: TicketRef, event: CloudEvent): Promise<void> {
    const facts = await ownIssue(api, issue, event);
    const key = facts.key ?? issue.key ?? issue.id;
    // Someone closed it already (Done, Won't Do, ...): nothing left to do. Checked first, since a
    // global transition ("all statuses can transition to this one") is offered from its own
    // target status too, and applying it would undo a person's choice of status and resolution.
    if (facts.status?.category === 'done') return;
    const transitions = await listTransitions(api, issue.id);
    return transitionIssue(api, issue.id, named(transitions, config.resolveTransition, 'resolveTransition', key).id);
  }

  /**
   * Back out of the done category: the configured transition, else the first one the issue offers
   * to a status outside it (Jira lists them in the workflow's order). An issue not done (a person
   * reopened it, or never closed it) is left as it is.
   */
  async function reopenIssue(api: Transport, issue: TicketRef, event: CloudEvent): Promise<ReopenResult> {
    const facts = await ownIssue(api, issue, event);
    if (facts.status?.category !== 'done') return { kind: 'open' };
    const key = facts.key ?? issue.key ?? issue.id;
    const transitions = await listTransitions(api, issue.id);
    const match = config.reopenTransition === undefined
      ? transitions.find((x) => x.toCategory !== undefined && x.toCategory !== 'done')
      : named(transitions, config.reopenTransition, 'reopenTransition', key);
    if (!match) {
      return { kind: 'stays', reason: `${t.name}: ${key} is ${facts.status.name} and offers no transition to a status outside the done category (available: ${names(transitions)}); set reopenTransition of ${t.name}, or add such a transition to the workflow` };
    }
    await transitionIssue(api, issue.id, match.id);
    return { kind: 'reopened', ...(match.to ? { status: match.to } : {}) };
  }

  /** The transition of this name or target status (any case); else an error naming the ones available and the setting. */
  function named(transitions: JiraTransition[], name: string, setting: string, key: string): JiraTransition {
    const wanted = name.toLowerCase();
    const match = transitions.find((x) => x.name.toLowerCase() === wanted) ?? transitions.find((x) => x.to?.toLowerCase() === wanted);
    if (match) return match;
    throw new ConnectorError('connector_rejected', `${t.name}: ${key} has no transition "${name}" from its current status (available: ${names(transitions)}); set ${setting} of ${t.name} to one of them`, {
      connector: t.name, issue: key, transitions: transitions.map((x) => x.name),
    });
  }
}

const names = (transitions: JiraTransition[]) => transitions.map((x) => `"${x.name}"`).join(', ') || 'none';

/**
 * A 404 on the finding's own issue: it was deleted, or the account may no longer browse it (Jira
 * answers both alike, "Issue does not exist or you do not have permission to see it."). The code
 * stays connector_not_found (not retryable: asking again cannot bring it back); the message names
 * the issue instead of pointing at the path or the baseUrl.
 */
function goneError(e: unknown, connector: string, issue: TicketRef): ConnectorError | undefined {
  if (!isConnectorError(e) || e.code !== 'connector_not_found' || e.facts.notOurs) return undefined;
  const key = issue.key ?? issue.id;
  const said = e.facts.vendorMessage ? `: ${e.facts.vendorMessage}` : '';
  return new ConnectorError('connector_not_found', `${connector}: issue ${key} is gone: deleted, or the account may no longer see it${said}`, { ...e.facts, ticket: key }, e);
}

function commentText(config: JiraConfig, event: CloudEvent): string {
  const v = render(config.comment, event);
  return typeof v === 'string' && v.trim() !== '' ? v : `Finding updated (${event.type}).`;
}
