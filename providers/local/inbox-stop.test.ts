import { getEventListeners } from 'node:events';
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestDeps, REPORT_FINDINGS } from '../../functions/storage-ingest/ingest.testkit';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { fixturePath } from '../../test/fixtures';
import { inbox } from './inbox';
import { dirObjects } from './objects-dir';

/**
 * Stopping the inbox worker (npm start's SIGTERM aborts the run signal): it must stop between
 * files and between findings, leave an interrupted report safe to read again, and not pile up
 * abort listeners while it idles. Real folder, real folder store.
 */
let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'secorch-inbox-stop-'));
  await mkdir(join(root, 'inbox'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

/** Deps whose bus calls `after(n)` after the n-th accepted publish. */
const setup = (after: (n: number, e: CloudEvent) => void = () => undefined) => {
  const t = ingestDeps();
  let n = 0;
  const bus = { publish: async (e: CloudEvent) => (await t.bus.publish(e), after(++n, e)), check: () => t.bus.check() };
  const deps = { ...t.deps, bus, objects: dirObjects({ root }) };
  return { ...t, watcher: inbox({ deps, dir: join(root, 'inbox') }) };
};
const pending = async () => (await readdir(join(root, 'inbox'))).filter((f) => !f.startsWith('.')).sort();
const JSONL_FINDINGS = 300;
const jsonl = () => Array.from({ length: JSONL_FINDINGS }, (_, i) => JSON.stringify({ title: `t${i}`, severity: 'high', rule: `r${i}`, file: `src/f${i}.js`, line: i + 1 })).join('\n');

test('a stop between files leaves the files not yet read in the inbox', async () => {
  const stop = new AbortController();
  const t = setup((_n, e) => e.type === 'secorch.system.ingest.completed' && stop.abort());
  for (const f of ['trivy-alpine-310.json', 'trivy-fluentd-gems.json', 'trivy-secrets.json']) await copyFile(fixturePath(`scanner/${f}`), join(root, 'inbox', f));
  expect(await t.watcher.poll(stop.signal)).toEqual([]);
  const handled = await t.watcher.poll(stop.signal);
  expect(handled).toHaveLength(1);
  expect(t.system('completed')).toHaveLength(1);
  expect(await pending()).toHaveLength(2);
});

test('a stop midway through a report: it stays in the inbox, released, and the next start reads it whole with the same ids', async () => {
  const stop = new AbortController();
  const t = setup((n) => n === 20 && stop.abort());
  await writeFile(join(root, 'inbox', 'big.jsonl'), jsonl());
  await t.watcher.poll(stop.signal);
  expect(await t.watcher.poll(stop.signal)).toEqual([{ file: 'big.jsonl', error: 'worker_stopping' }]);
  const before = t.findings().length;
  expect(before).toBeGreaterThanOrEqual(20);
  expect(before).toBeLessThan(JSONL_FINDINGS);
  expect(t.system('completed')).toEqual([]);
  expect(await pending()).toEqual(['big.jsonl']);

  // The next start: no lease to wait for (the stopped attempt released it), every finding once more at most.
  const next = inbox({ deps: { ...t.deps, objects: dirObjects({ root }) }, dir: join(root, 'inbox') });
  await next.poll();
  expect(await next.poll()).toEqual([{ file: 'big.jsonl', result: expect.objectContaining({ status: 'ingested', findings: JSONL_FINDINGS }) }]);
  expect(new Set(t.findings().map((e) => e.id)).size).toBe(JSONL_FINDINGS);
  expect(t.findings()).toHaveLength(JSONL_FINDINGS + before);
  expect(t.system('completed')).toHaveLength(1);
  expect(await pending()).toEqual([]);
});

test('idle polling keeps at most one abort listener on the signal and stops at once on abort', async () => {
  const t = setup();
  await copyFile(fixturePath('scanner/trivy-alpine-310.json'), join(root, 'inbox', 'trivy.json'));
  const stop = new AbortController();
  const run = t.watcher.run(stop.signal, 5);
  // Until the report is in (however long a loaded machine takes), then a while of idle passes,
  // sampling the listeners between them: a leak grows by one a pass.
  await until(() => t.system('completed').length === 1, 20_000, 'the report ingested');
  let listeners = 0;
  for (let i = 0; i < 40; i++) {
    await new Promise((r) => setTimeout(r, 5));
    listeners = Math.max(listeners, getEventListeners(stop.signal, 'abort').length);
  }
  stop.abort();
  await run;
  expect(listeners).toBeLessThanOrEqual(1);
  expect(t.findings()).toHaveLength(REPORT_FINDINGS['scanner/trivy-alpine-310.json']);

  // "At once": an idle worker between passes an hour apart ends on abort, not at its next pass.
  // The bound is far from both the hour and a loaded machine's scheduling delays.
  const idle = new AbortController();
  const long = t.watcher.run(idle.signal, 3600_000);
  await until(() => getEventListeners(idle.signal, 'abort').length === 1, 20_000, 'the worker waiting for its next pass');
  idle.abort();
  const ended = await Promise.race([long.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000).unref())]);
  expect(ended).toBe(true);
});

/** Polls `cond` until it holds; `ms` is an upper bound for a loaded machine, not an expected time. */
async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  for (const end = Date.now() + ms; !cond(); await new Promise((r) => setTimeout(r, 5))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
  }
}
