import type { Clock } from '../../ports/clock';
import { ConnectorError } from '../errors';
import type { Sleep, Transport } from '../types';
import { path } from '../url';
import { USER_FIELDS } from './user';

/**
 * Auth0's user export job (https://auth0.com/docs/manage-users/user-migration/bulk-user-exports):
 * POST /api/v2/jobs/users-exports (https://auth0.com/docs/api/management/v2/jobs/post-users-exports,
 * scope `read:users`) starts it; GET /api/v2/jobs/{id}
 * (https://auth0.com/docs/api/management/v2/jobs/get-jobs-by-id, `read:users` or `create:users`)
 * reports `pending`, `processing`, then `completed` with `location`, a signed download link valid
 * for 60 seconds that a later GET renews, or `failed`. Auth0 deletes a job and its file after 24
 * hours (then GET answers 404). Not available on Auth0's Free plan.
 */
export interface ExportJob {
  id: string;
  status: string;
  location?: string;
  status_details?: string;
}

/** The listing's fields (USER_FIELDS), so both paths map through auth0Observation alike. */
const FIELDS = USER_FIELDS.split(',').map((name) => ({ name }));
export const WAITING = new Set(['pending', 'processing']);

const isJob = (b: unknown): b is ExportJob => typeof (b as ExportJob)?.id === 'string' && typeof (b as ExportJob).status === 'string';
const badJob = (t: Transport, method: string, p: string) =>
  new ConnectorError('connector_bad_response', `${t.name}: the answer to ${method} /api/v2${p} is not an Auth0 job`, { connector: t.name, method, path: `/api/v2${p}` });

/** Starts an export of every user of every connection (no `connection_id`, no `limit`), as NDJSON. */
export async function createExportJob(t: Transport): Promise<ExportJob> {
  const res = await t.request<unknown>({ method: 'POST', path: '/jobs/users-exports', body: { format: 'json', fields: FIELDS } });
  if (!isJob(res.body)) throw badJob(t, 'POST', '/jobs/users-exports');
  return res.body;
}

/** The job, or undefined once Auth0 no longer knows it (404). */
export async function getJob(t: Transport, id: string): Promise<ExportJob | undefined> {
  const p = path`/jobs/${id}`;
  const res = await t.request<unknown>({ path: p, allowStatus: [404] });
  if (res.status === 404) return undefined;
  if (!isJob(res.body)) throw badJob(t, 'GET', p);
  return res.body;
}

export interface WaitOptions {
  clock: Clock;
  sleep: Sleep;
  /** Longest wait for one job within one run; then a connector_timeout naming the job. */
  maxWaitMs: number;
  /** The run's deadline: a wait that would pass it ends quietly, and the next run waits on. */
  deadline?: number;
}

/** Pauses between polls: Auth0 exports take seconds for small tenants, minutes for large ones. */
export const POLL_MS = [1_000, 2_000, 4_000, 8_000, 15_000];

const facts = (t: Transport, job: ExportJob) => ({ connector: t.name, method: 'GET', path: '/api/v2/jobs/{id}', jobId: job.id, jobStatus: job.status });

/**
 * Polls the job until it is completed and returns its fresh download link; undefined when the
 * run's deadline comes first. A failed or vanished job, or one still running after `maxWaitMs`,
 * is a typed error naming the job id.
 */
export async function completedLocation(t: Transport, first: ExportJob, o: WaitOptions): Promise<string | undefined> {
  const started = o.clock.now();
  let job = first;
  for (let polls = 0; ; polls++) {
    if (job.status === 'completed') {
      if (typeof job.location === 'string' && job.location !== '') return job.location;
      throw new ConnectorError('connector_bad_response', `${t.name}: the user export job ${job.id} completed without a download location`, facts(t, job));
    }
    if (!WAITING.has(job.status)) {
      const details = job.status_details ? ` (${job.status_details.slice(0, 200)})` : '';
      throw new ConnectorError('connector_unavailable', `${t.name}: the user export job ${job.id} ${job.status}${details}; the next run starts a new one`, facts(t, job));
    }
    const wait = POLL_MS[Math.min(polls, POLL_MS.length - 1)]!;
    if (o.deadline !== undefined && o.clock.now() + wait > o.deadline) return undefined;
    if (o.clock.now() - started + wait > o.maxWaitMs) {
      const s = Math.round((o.clock.now() - started) / 1000);
      throw new ConnectorError('connector_timeout', `${t.name}: the user export job ${job.id} is still ${job.status} after ${s} s; the next run waits for it again`, facts(t, job));
    }
    await o.sleep(wait);
    const next = await getJob(t, job.id);
    if (!next) throw new ConnectorError('connector_unavailable', `${t.name}: Auth0 no longer knows the user export job ${job.id}; the next run starts a new one`, facts(t, job));
    job = next;
  }
}
