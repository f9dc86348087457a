import { randomUUID } from 'node:crypto';
import * as z from 'zod/mini';
import type { Config } from '../../config/schema';
import { configuredDestination } from '../../config/destination';
import type { JiraConfig } from '../../connectors/jira/config';
import { accountTimeZone } from '../../connectors/jira/myself';
import { jqlDate, parseJiraTime } from '../../connectors/jira/jql-date';
import { type Drift, nextSince, notePage } from '../../connectors/jira/search-drift';
import { searchIssues } from '../../connectors/jira/search-issues';
import { observe, remember, type SyncScope } from '../../connectors/jira/status-change';
import { jiraTransport } from '../../connectors/jira/transport';
import { FINDING_PROPERTY, jqlString, MARK_LABEL } from '../../connectors/jira/uid';
import { isConnectorError } from '../../connectors/errors';
import type { Transport, TransportOptions } from '../../connectors/types';
import { errors } from '../../errors';
import type { Deps } from '../../ports';
import type { JiraSyncJob } from './jira-sync-config';
import { statusKeys, targetOf } from './jira-sync-target';
import { deleteRetired, keysOf, settleTarget, targetFieldsShape } from './sync-target';
import type { JobContext, JobResult } from './types';

export { jiraSyncJobSchema, type JiraSyncJob } from './jira-sync-config';

/**
 * `since`: where the next round starts (epoch ms of an `updated`); `round`: the round under way;
 * `target`, `legacy`, `retired`: what the position is of (jira-sync-target.ts, sync-target.ts).
 */
const num = z.number().check(z.refine(Number.isFinite));
const syncStateSchema = z.object({
  since: z.optional(num),
  round: z.optional(z.object({
    from: z.optional(num), token: z.optional(z.string()), max: z.optional(num),
    marks: z.optional(z.array(z.tuple([num, num]))), recheck: z.optional(num),
  })),
  ...targetFieldsShape,
});
type SyncState = z.output<typeof syncStateSchema>;

/** The stored state, or undefined when it is not one this job wrote (a bad edit, a truncated write). */
function parseState(value: string): SyncState | undefined {
  try {
    const parsed = syncStateSchema.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

const OVERLAP_MS = 60_000;
const stateKey = (ctx: JobContext) => `jira-sync:${ctx.schedule}:${ctx.tenant}`;

function destinationOf(config: Pick<Config, 'destinations'>, name: string): JiraConfig | undefined {
  const dest = configuredDestination(config, name);
  return dest?.type === 'jira' ? (dest as unknown as JiraConfig) : undefined;
}

/**
 * `jira-sync`: reports status changes of the issues a `jira` destination made (label `secorch`)
 * as `secorch.ticket.status_changed` events, one per change. Each round asks for the issues
 * updated since the last one, oldest first (`updated >= ... ORDER BY updated ASC`), paged by
 * nextPageToken; the round's position is stored after every page, so a run that stops (an error,
 * its deadline) resumes from that page. Issues updated while a round pages can make it skip one at
 * a page boundary: the next round then starts early enough to read it (search-drift.ts). Issues
 * read twice (rounds overlap by a minute, JQL dates have minute precision) change nothing: an
 * event needs a status other than the last one seen. The state records the site and project read
 * (jira-sync-target.ts): a destination pointed at another one starts there as a first run does.
 */
export function jiraSyncJobWith(overrides: Partial<TransportOptions> = {}) {
  const transports = new WeakMap<JiraConfig, Transport>();
  return {
    async run(job: JiraSyncJob, ctx: JobContext, deps: Deps): Promise<JobResult> {
      const config = destinationOf(deps.config, job.destination);
      if (!config) throw errors.config(`"${job.destination}" is not a jira destination`, 'schedules');
      let t = transports.get(config);
      if (!t) transports.set(config, (t = jiraTransport(job.destination, config, deps, overrides)));
      const held = await deps.store.get(stateKey(ctx));
      const parsed = held && parseState(held.value);
      if (held && !parsed) {
        // Restarting is safe: each issue's last status is kept apart, so a change is still reported
        // once; the cost is one read of the project. Failing every run until someone deletes the
        // key would stop the sync instead.
        deps.logger.warn('jira-sync: stored state unreadable; starting over from the whole project', { schedule: ctx.schedule, key: stateKey(ctx) });
      }
      const { fields, before } = await settleTarget(deps.store, statusKeys(ctx), parsed || undefined, targetOf(config));
      if (before !== undefined) {
        deps.logger.warn('jira-sync: the destination names another site or project now; the sync starts over there (statuses recorded, not reported, on first sight) and the earlier statuses are deleted', {
          schedule: ctx.schedule, before, now: fields.target,
        });
      }
      // The position of another target is dropped: its cursor and page token mean nothing here.
      let state: SyncState = before === undefined && parsed ? { since: parsed.since, round: parsed.round, ...fields } : fields;
      let version = held?.version;
      /** False when another run saved since this one read or wrote: this run stops. */
      const save = async (next: SyncState, deletes: readonly string[] = []): Promise<boolean> => {
        // The version is ours to choose: reading it back after the write could return that of
        // another run that saved in between, and this run would then overwrite its cursor.
        const newVersion = randomUUID();
        const cond = version === undefined ? { ifAbsent: true } : { ifVersion: version };
        const value = JSON.stringify(next);
        const ok = deletes.length === 0
          ? await deps.store.put(stateKey(ctx), value, { ...cond, newVersion })
          : await deps.store.putAll([{ key: stateKey(ctx), value, opts: { ...cond, newVersion } }, ...deletes.map((key) => ({ key, delete: true as const }))]);
        if (!ok) return false;
        version = newVersion;
        state = next;
        return true;
      };
      const zone = await accountTimeZone(t);
      const round = state.round ?? { from: state.since, max: state.since };
      const scope: SyncScope = { schedule: ctx.schedule, tenant: ctx.tenant, baseUrl: t.baseUrl, baseline: state.since === undefined && round.from === undefined, target: keysOf(state) };
      const since = round.from === undefined ? '' : ` AND updated >= ${jqlString(jqlDate(round.from - OVERLAP_MS, zone))}`;
      const jql = `project = ${jqlString(config.project)} AND labels = ${jqlString(MARK_LABEL)}${since} ORDER BY updated ASC, key ASC`;
      const counts = { pages: 0, issues: 0, changes: 0, partial: false };
      const overtaken = () => {
        // Overtaken by another run, which carries on from its own cursor: nothing failed. A
        // warning and `conflict: true`, as the identity sync reports it.
        deps.logger.warn('jira-sync: another run moved the cursor; this one stops', { schedule: ctx.schedule });
        return { destination: job.destination, ...counts, conflict: true };
      };
      let max = round.max;
      let token = round.token;
      let drift: Drift = { marks: round.marks, recheck: round.recheck };
      const pages = () => searchIssues(t, { jql, fields: ['status', 'updated'], properties: [FINDING_PROPERTY], pageSize: job.pageSize, startToken: token });
      let it = pages();
      for (;;) {
        let next;
        try {
          next = await it.next();
        } catch (e) {
          // Tokens expire after 7 days: a stale one restarts the round, which rereads safely.
          if (counts.pages > 0 || token === undefined || !isConnectorError(e) || e.facts.vendorStatus !== 400) throw e;
          deps.logger.warn('jira-sync: stored page token refused; restarting the round', { schedule: ctx.schedule });
          token = undefined;
          it = pages();
          continue;
        }
        if (next.done) break;
        const page = next.value;
        const fetchedAt = deps.clock.now();
        const updates: number[] = [];
        for (const issue of page.items) {
          const seen = await observe(deps.store, scope, issue);
          if (seen.kind === 'changed') {
            await deps.bus.publish(seen.event);
            await remember(deps.store, scope, issue.id, seen.status);
            counts.changes++;
          }
          const updated = parseJiraTime(issue.fields.updated);
          if (updated !== undefined) {
            max = Math.max(max ?? updated, updated);
            updates.push(updated);
          }
        }
        drift = notePage(drift, fetchedAt, updates);
        counts.pages++;
        counts.issues += page.items.length;
        token = page.next;
        const kept = { target: state.target, legacy: state.legacy, retired: state.retired };
        if (!(await save(page.next === undefined ? { since: max === undefined ? (round.from ?? ctx.due) : nextSince(max, drift), ...kept } : { since: state.since, round: { from: round.from, token: page.next, max, ...drift }, ...kept }))) {
          return overtaken();
        }
        if (page.next === undefined && state.retired !== undefined) {
          // After the round: the new target's baseline goes first, the deletion takes what time is left.
          const left = await deleteRetired(deps.store, statusKeys(ctx), state.retired, (retired, deletes) => save({ ...state, retired }, deletes), () => deps.clock.now() >= ctx.deadline);
          if (left === false) return overtaken();
          if (left.length === 0) deps.logger.info('jira-sync: the statuses of the earlier site or project are deleted', { schedule: ctx.schedule });
        }
        if (page.next !== undefined && deps.clock.now() >= ctx.deadline) {
          counts.partial = true;
          break;
        }
      }
      return { destination: job.destination, ...counts };
    },
  };
}

export const jiraSyncJob = jiraSyncJobWith();
