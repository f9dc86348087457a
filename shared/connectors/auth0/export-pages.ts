import type { Logger } from '../../ports/logger';
import { ConnectorError } from '../errors';
import type { Transport } from '../types';
import { type DownloadOptions, openExport } from './export-download';
import { completedLocation, createExportJob, type ExportJob, getJob, WAITING, type WaitOptions } from './export-job';
import type { Auth0User } from './user';

/**
 * The users of a tenant too large for the listing, through one export job per round
 * (export-job.ts, export-download.ts), in pages of `pageSize` read from the file as it streams.
 * The position `export:<job id>:<users handled>` is saved after every page; the first page, empty,
 * is yielded as soon as the job exists, so a run that stops while Auth0 prepares the file leaves
 * the job id behind and the next run waits for that job instead of starting another. A resumed
 * run asks for the job again (which renews its 60-second link), downloads the file again and
 * skips the users already handled; a job Auth0 no longer knows (deleted after 24 hours), one that
 * failed, or a link refused on download (expired) starts a new job from the first user.
 */
export interface ExportOptions extends WaitOptions, DownloadOptions {
  pageSize: number;
  logger?: Logger;
}

export interface ExportPosition {
  job: string;
  done: number;
}

const POSITION = /^export:([^:]+):(\d+)$/;
export const exportPosition = (p: ExportPosition) => `export:${p.job}:${p.done}`;

export function parseExportPosition(text: string | undefined): ExportPosition | undefined {
  const m = text === undefined ? null : POSITION.exec(text);
  return m ? { job: m[1]!, done: Number(m[2]) } : undefined;
}

interface RawPage {
  users: Auth0User[];
  next?: string;
}

/** Pages of at most `size` users after the first `skip`; the last one (next undefined) may be empty. */
async function* pagesOf(users: AsyncGenerator<Auth0User>, job: string, skip: number, size: number): AsyncGenerator<RawPage> {
  let seen = 0;
  let batch: Auth0User[] = [];
  for await (const user of users) {
    seen += 1;
    if (seen <= skip) continue;
    // One user read ahead of a full batch: the last page is known when it is yielded.
    if (batch.length === size) {
      yield { users: batch, next: exportPosition({ job, done: seen - 1 }) };
      batch = [];
    }
    batch.push(user);
  }
  yield { users: batch };
}

export async function* exportPages(t: Transport, o: ExportOptions, from?: ExportPosition): AsyncGenerator<RawPage> {
  let job: ExportJob | undefined = from && (await getJob(t, from.job));
  let skip = from?.done ?? 0;
  const usable = (j: ExportJob | undefined): j is ExportJob => j !== undefined && (j.status === 'completed' || WAITING.has(j.status));
  let refused: string | undefined;
  for (let started = 0; ; ) {
    if (!usable(job)) {
      if (started++ > 0) {
        throw new ConnectorError('connector_unavailable', `${t.name}: the download link of the user export job ${refused}, started in this run, was refused; retry later`, { connector: t.name, jobId: refused });
      }
      job = await createExportJob(t);
      skip = 0;
      o.logger?.info('auth0 user export job started', { connector: t.name, jobId: job.id });
      yield { users: [], next: exportPosition({ job: job.id, done: 0 }) };
    }
    const location = await completedLocation(t, job, o);
    if (location === undefined) {
      o.logger?.info('auth0 user export job still running at the run deadline; the next run waits for it', { connector: t.name, jobId: job.id });
      return;
    }
    const users = await openExport(o, location, job.id, t.name);
    if (users) {
      yield* pagesOf(users, job.id, skip, o.pageSize);
      return;
    }
    o.logger?.warn('auth0 user export link refused; starting a new job', { connector: t.name, jobId: job.id });
    refused = job.id;
    job = undefined;
  }
}
