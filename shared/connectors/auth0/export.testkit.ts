import { gzipSync } from 'node:zlib';
import { reply, type VendorServer } from '../../../test/support/vendor-server';
import type { Auth0User } from './user';

/**
 * A stand-in for Auth0's user export job (there is no Auth0 emulator): POST
 * /api/v2/jobs/users-exports and GET /api/v2/jobs/{id} on the Management API server, shaped as
 * go-auth0's stubs and https://auth0.com/docs/manage-users/user-migration/bulk-user-exports
 * describe them, and the file on a second server standing for Auth0's storage host: gzipped
 * NDJSON built with node:zlib, one line per user holding the requested fields the user has,
 * behind a link with a signature in its query. The file is built when the job is created, from the
 * users as they are then.
 */
export interface FakeJob {
  id: string;
  fields: string[];
  /** GET /api/v2/jobs/{id} calls so far. */
  polls: number;
  /** The served file: gzip of `ndjson`, unless a test replaced it. */
  file: Buffer;
  ndjson: string;
  /** Downloads answered 403, as an expired link is. */
  refused: boolean;
  /** The exports' plan when the job was created: a failed job stays failed. */
  plan: string[];
}

export interface FakeExports {
  jobs: Map<string, FakeJob>;
  /** The statuses each new job reports to its polls before `completed`; `failed` is final. */
  plan: string[];
  /** Called with each new job: a test may replace its file (corrupt it, add a bad line). */
  onCreate?: (job: FakeJob) => void;
  /** Download requests that carried an Authorization header; the stand-in answers them 400. */
  leaks: string[];
  /** Jobs created so far (ids are numbered from 1, never reused). */
  created: number;
}

const exportedLine = (u: Auth0User, fields: string[]) =>
  JSON.stringify(Object.fromEntries(fields.flatMap((f) => (u[f as keyof Auth0User] === undefined ? [] : [[f, u[f as keyof Auth0User]]]))));

export function fakeExports(): FakeExports {
  return { jobs: new Map(), plan: ['processing'], leaks: [], created: 0 };
}

export function installExports(x: FakeExports, users: Auth0User[], vendor: VendorServer, storage: VendorServer): void {
  const notFound = () => reply.json({ statusCode: 404, error: 'Not Found', message: 'The job does not exist.', errorCode: 'inexistent_job' }, 404);
  const view = (job: FakeJob, status: string) => ({
    type: 'users_export', status, format: 'json', fields: job.fields.map((name) => ({ name })), id: job.id, created_at: '2030-01-01T00:00:00.000Z',
    ...(status === 'completed' ? { location: `${storage.url}/user-exports/${job.id}/example-tenant.json.gz?Expires=1893456060&Key-Pair-Id=APKAEXAMPLE&Signature=sig-${job.polls}` } : {}),
    ...(status === 'failed' ? { status_details: 'Failed to export users' } : {}),
  });
  vendor.on('POST /api/v2/jobs/users-exports', (req) => {
    const body = req.json() as { format?: string; fields?: { name: string }[] };
    if (body.format !== 'json' || !Array.isArray(body.fields)) return reply.json({ statusCode: 400, error: 'Bad Request', message: 'format json and fields expected by this stand-in' }, 400);
    const fields = body.fields.map((f) => f.name);
    const ndjson = users.map((u) => `${exportedLine(u, fields)}\n`).join('');
    const job: FakeJob = { id: `job_${String(++x.created).padStart(16, '0')}`, fields, polls: 0, file: gzipSync(ndjson), ndjson, refused: false, plan: [...x.plan] };
    x.jobs.set(job.id, job);
    x.onCreate?.(job);
    return reply.json(view(job, 'pending'));
  });
  vendor.on('GET /api/v2/jobs/:id', (req) => {
    const job = x.jobs.get(req.params.id!);
    if (!job) return notFound();
    job.polls += 1;
    const failedAt = job.plan.indexOf('failed');
    const status = failedAt !== -1 && job.polls > failedAt ? 'failed' : (job.plan[job.polls - 1] ?? 'completed');
    return reply.json(view(job, status));
  });
  storage.on('GET /user-exports/:id/:file', (req) => {
    if (req.headers.authorization !== undefined) {
      x.leaks.push(String(req.headers.authorization));
      return reply.json({ message: 'Only one auth mechanism allowed' }, 400);
    }
    const job = x.jobs.get(req.params.id!);
    if (!job) return reply.json({ message: 'NoSuchKey' }, 404);
    if (job.refused || !req.query.get('Signature')) return reply.json({ message: 'AccessDenied' }, 403);
    return { status: 200, headers: { 'content-type': 'application/octet-stream' }, body: job.file };
  });
}
