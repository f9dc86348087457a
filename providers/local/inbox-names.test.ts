import { createHash } from 'node:crypto';
import { copyFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { REPORT_FINDINGS } from '../../functions/storage-ingest/ingest.testkit';
import { fixtureBytes, fixturePath } from '../../test/fixtures';
import { eachInboxRoot, watchedInbox } from './inbox.testkit';

/**
 * Files the inbox cannot ingest are never dropped in silence nor retried forever: a name that
 * cannot be an object key (a backslash; bytes that are not UTF-8, which the file system allows)
 * goes to quarantine with one log line; a report another attempt still holds is an expected
 * wait, logged once. Real folder, real folder store, a logger that records.
 */
const TRIVY = 'scanner/trivy-alpine-310.json';
let root: string;
eachInboxRoot('secorch-inbox-names-', (r) => (root = r));

const setup = () => watchedInbox(root);
const polls = async (w: ReturnType<typeof setup>['watcher'], clock: { advance(ms: number): void }, n: number) => {
  const out = [];
  for (let i = 0; i < n; i++, clock.advance(6000)) out.push(...(await w.poll()));
  return out;
};

test('names that cannot be object keys go to quarantine under a safe name, logged once with the original bytes', async () => {
  const t = setup();
  await copyFile(fixturePath(TRIVY), join(root, 'inbox', 'win\\scan.json'));
  await copyFile(fixturePath(TRIVY), Buffer.from(`${join(root, 'inbox')}/latin1-\xe9.json`, 'latin1'));
  const results = await polls(t.watcher, t.clock, 4);
  expect(results).toEqual([
    { file: 'latin1-\\xe9.json', error: 'object_key_invalid', quarantinedTo: expect.stringMatching(/^quarantine\/unsafe-name-[0-9a-f]{12}-latin1-_\.json$/) },
    { file: 'win\\\\scan.json', error: 'object_key_invalid', quarantinedTo: expect.stringMatching(/^quarantine\/unsafe-name-[0-9a-f]{12}-win_scan\.json$/) },
  ]);
  expect((await readdir(join(root, 'inbox'))).filter((f) => !f.startsWith('.'))).toEqual(['quarantine']);
  expect((await readdir(join(root, 'inbox', 'quarantine'))).sort()).toEqual(results.map((r) => r.quarantinedTo!.slice('quarantine/'.length)).sort());
  expect(t.loud().map((l) => [l.level, l.msg, l.fields.file])).toEqual([
    ['error', 'inbox file cannot be ingested; moved to quarantine', 'latin1-\\xe9.json'],
    ['error', 'inbox file cannot be ingested; moved to quarantine', 'win\\\\scan.json'],
  ]);
  expect(t.system('failed').map((e) => e.data)).toEqual([
    expect.objectContaining({ bucket: 'inbox', key: 'latin1-\\xe9.json', code: 'object_key_invalid' }),
    expect.objectContaining({ bucket: 'inbox', key: 'win\\\\scan.json', code: 'object_key_invalid' }),
  ]);
  expect(t.findings()).toEqual([]);
});

test("a report a stopped worker's lease still holds is an expected wait: logged once, then read when the lease ends", async () => {
  const t = setup();
  await copyFile(fixturePath(TRIVY), join(root, 'inbox', 'trivy.json'));
  const etag = createHash('sha256').update(fixtureBytes(TRIVY)).digest('hex');
  const leaseUntil = t.clock.now() + 60_000;
  await t.deps.store.put(`ing:inbox:trivy.json@${etag}`, JSON.stringify({ state: 'in-progress', leaseUntil, attempt: 1 }), { ttlSeconds: 3600 });
  const waiting = await polls(t.watcher, t.clock, 8);
  expect(waiting.every((r) => r.error === 'ingest_in_progress')).toBe(true);
  expect(t.loud()).toEqual([
    { level: 'warn', msg: expect.stringContaining('held by another attempt'), fields: expect.objectContaining({ file: 'trivy.json', leaseUntil: new Date(leaseUntil).toISOString() }) },
  ]);
  t.clock.advance(60_000);
  expect(await t.watcher.poll()).toEqual([{ file: 'trivy.json', result: expect.objectContaining({ status: 'ingested', findings: REPORT_FINDINGS[TRIVY] }) }]);
});
