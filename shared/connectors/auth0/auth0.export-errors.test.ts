import { gzipSync } from 'node:zlib';
import { reply } from '../../../test/support/vendor-server';
import type { FakeJob } from './export.testkit';
import { idsOf, read, type Rig, startRig } from './sync.testkit';

/**
 * Failures of Auth0's user export job, against the stand-in of export.testkit.ts (there is no
 * Auth0 emulator): a failed or endless job, a broken or oversized file. Each is a typed error
 * naming the job (and the line), and the run after it recovers.
 */
const POST_JOB = 'POST /api/v2/jobs/users-exports';
const JOB1 = 'job_0000000000000001';
let rig: Rig;

beforeEach(async () => {
  rig = await startRig(2_500);
});
afterEach(() => rig.close());

/** Replaces line `n` (from 1) of each new job's file. */
const withLine = (n: number, text: string) => (job: FakeJob) => {
  const lines = job.ndjson.split('\n');
  lines[n - 1] = text;
  job.file = gzipSync(lines.join('\n'));
};

test('stand-in: a failed job is a typed error naming it; the next run starts a new job and completes', async () => {
  rig.tenant.exports.plan = ['processing', 'failed'];
  const { bus, run } = rig.job();
  await expect(run()).rejects.toMatchObject({
    code: 'connector_unavailable', retryable: true,
    message: `auth0-prod: the user export job ${JOB1} failed (Failed to export users); the next run starts a new one`,
    extra: { jobId: JOB1, jobStatus: 'failed' },
  });
  rig.tenant.exports.plan = [];
  expect(await run()).toMatchObject({ complete: true, round: 1, events: 2_500 });
  expect(rig.vendor.requestsTo(POST_JOB)).toHaveLength(2);
  expect(new Set(bus.events.map((e) => e.subject)).size).toBe(2_500);
});

test('stand-in: a job still running after maxWaitMs is a connector_timeout naming it; the next run waits for the same job', async () => {
  rig.tenant.exports.plan = ['pending', 'processing', 'processing', 'processing'];
  const pages: unknown[] = [];
  const first = rig.source({}, { maxWaitMs: 5_000 }).pages(undefined, undefined);
  const failed = (async () => { for await (const p of first) pages.push(p); })();
  await expect(failed).rejects.toMatchObject({ code: 'connector_timeout', message: `auth0-prod: the user export job ${JOB1} is still processing after 3 s; the next run waits for it again`, extra: { jobId: JOB1 } });
  expect(pages).toEqual([{ users: [], next: `export:${JOB1}:0` }]);
  expect(rig.h.waits).toEqual([1_000, 2_000]);
  const rest = await read(rig.source({}, { maxWaitMs: 5_000 }).pages(`export:${JOB1}:0`, undefined));
  expect(idsOf(rest)).toHaveLength(2_500);
  expect(rig.vendor.requestsTo(POST_JOB)).toHaveLength(1);
});

test('stand-in: a truncated gzip file is a typed error naming the job and the line reached', async () => {
  rig.tenant.exports.onCreate = (job) => void (job.file = job.file.subarray(0, Math.floor(job.file.length / 2)));
  const failure = read(rig.source().pages(undefined, undefined));
  await expect(failure).rejects.toMatchObject({ code: 'connector_bad_response', message: expect.stringMatching(new RegExp(`^auth0-prod: the user export of job ${JOB1} is not valid gzip at line \\d+$`)) });
  const line = ((await failure.catch((e: { extra: { line: number } }) => e)) as { extra: { line: number } }).extra.line;
  expect(line).toBeGreaterThan(100);
  expect(line).toBeLessThan(2_500);
});

test('stand-in: a file with the gzip magic but no deflate stream fails at line 1', async () => {
  rig.tenant.exports.onCreate = (job) => void (job.file = Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from('not deflate at all')]));
  await expect(read(rig.source().pages(undefined, undefined))).rejects.toMatchObject({ code: 'connector_bad_response', extra: { jobId: JOB1, line: 1 } });
});

test('stand-in: a malformed NDJSON line, or a record without user_id, is a typed error naming its line', async () => {
  rig.tenant.exports.onCreate = withLine(1_234, '{"user_id": "auth0|broken", "email": ');
  await expect(read(rig.source().pages(undefined, undefined))).rejects.toMatchObject({
    code: 'connector_bad_response', message: `auth0-prod: line 1234 of the user export of job ${JOB1} is not valid JSON`, extra: { line: 1_234, jobId: JOB1 },
  });
  rig.tenant.exports.onCreate = withLine(7, '{"email": "nobody@example.com"}');
  await expect(read(rig.source().pages(undefined, undefined))).rejects.toMatchObject({ message: 'auth0-prod: line 7 of the user export of job job_0000000000000002 has no user_id', extra: { line: 7 } });
});

test('stand-in: a storage host that never answers is a connector_timeout after timeoutMs (a real 100 ms timer)', async () => {
  rig.storage.queue('GET /user-exports/:id/:file', reply.hang());
  await expect(read(rig.source({}, { timeoutMs: 100 }).pages(undefined, undefined))).rejects.toMatchObject({ code: 'connector_timeout', extra: { jobId: JOB1, host: new URL(rig.storage.url).host } });
});

test('stand-in: a file past the download cap, or inflating past its cap, is refused', async () => {
  await expect(read(rig.source({}, { maxBytes: 4_096 }).pages(undefined, undefined))).rejects.toMatchObject({
    code: 'connector_bad_response', message: `auth0-prod: the user export of job ${JOB1} exceeds 4096 bytes`,
  });
  await expect(read(rig.source({}, { maxInflatedBytes: 50_000 }).pages(undefined, undefined))).rejects.toMatchObject({
    code: 'connector_bad_response', message: expect.stringContaining('inflates past the size limit at line'),
  });
});

test('stand-in: a refused link starts one new job per run; when its link is refused too, a typed error names it', async () => {
  const first = await read(rig.source().pages(undefined, undefined), 3);
  rig.tenant.exports.jobs.get(JOB1)!.refused = true;
  rig.tenant.exports.onCreate = (job) => void (job.refused = true);
  await expect(read(rig.source().pages(first.at(-1)!.next, undefined))).rejects.toMatchObject({
    code: 'connector_unavailable', extra: { jobId: 'job_0000000000000002' },
    message: 'auth0-prod: the download link of the user export job job_0000000000000002, started in this run, was refused; retry later',
  });
  expect(rig.vendor.requestsTo(POST_JOB)).toHaveLength(2);
});
