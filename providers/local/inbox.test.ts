import { appendFile, copyFile, mkdir, mkdtemp, readdir, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestDeps, INVALID_SARIF, REPORT_FINDINGS } from '../../functions/storage-ingest/ingest.testkit';
import { fixtureBytes, fixturePath } from '../../test/fixtures';
import { inbox } from './inbox';
import { dirObjects } from './objects-dir';

/**
 * The inbox watcher on a real temporary folder with the real folder store (dirObjects) and real
 * Trivy and SARIF reports (../shared/fixtures/scanner); polls are driven by the test, not a timer.
 */
const TRIVY = 'scanner/trivy-alpine-310.json';
const SECRETS = 'scanner/trivy-secrets.json';
let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'secorch-inbox-'));
  await mkdir(join(root, 'inbox'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

const setup = () => {
  const t = ingestDeps();
  const deps = { ...t.deps, objects: dirObjects({ root }) };
  return { ...t, watcher: inbox({ deps, dir: join(root, 'inbox') }) };
};
const twice = async (w: ReturnType<typeof setup>['watcher']) => [...(await w.poll()), ...(await w.poll())];
const listInbox = async () => (await readdir(join(root, 'inbox'), { recursive: true })).map(String).filter((p) => !p.includes('.secorch-')).sort();

describe('local inbox watcher (real folder, real reports)', () => {
  test('a report copied in is ingested once stable, then moved to .processed/', async () => {
    const t = setup();
    await copyFile(fixturePath(TRIVY), join(root, 'inbox', 'trivy.json'));
    expect(await t.watcher.poll()).toEqual([]); // first sight: not yet known to be complete
    const [handled] = await t.watcher.poll();
    expect(handled).toMatchObject({ file: 'trivy.json', result: { status: 'ingested', findings: REPORT_FINDINGS[TRIVY], format: 'trivy' } });
    expect(t.findings()).toHaveLength(REPORT_FINDINGS[TRIVY]);
    expect(t.findings()[0]).toMatchObject({ source: '//storage/inbox', origin: 'storage:inbox' });
    expect(await listInbox()).toEqual(['.processed', '.processed/trivy.json']);
  });

  test('a report of a scan that did not complete is handled like an empty one: moved to .processed/, not read again', async () => {
    const t = setup();
    await copyFile(fixturePath('scanner/sarif-tutorials/Catastrophic_execution_error.sarif'), join(root, 'inbox', 'crashed.sarif'));
    const [handled] = await twice(t.watcher);
    expect(handled).toMatchObject({ file: 'crashed.sarif', result: { status: 'failed', code: 'report_scan_failed' } });
    expect(await listInbox()).toEqual(['.processed', '.processed/crashed.sarif']);
    expect(await t.watcher.poll()).toEqual([]);
  });

  test('the same report copied again, under another name or the same one: no new findings', async () => {
    const t = setup();
    await copyFile(fixturePath(TRIVY), join(root, 'inbox', 'trivy.json'));
    await twice(t.watcher);
    const published = t.bus.events.length;
    await copyFile(fixturePath(TRIVY), join(root, 'inbox', 'again.json'));
    expect(await twice(t.watcher)).toEqual([{ file: 'again.json', sameAs: 'trivy.json' }]);
    await copyFile(fixturePath(TRIVY), join(root, 'inbox', 'trivy.json'));
    expect(await twice(t.watcher)).toEqual([{ file: 'trivy.json', result: expect.objectContaining({ status: 'duplicate' }) }]);
    expect(t.bus.events).toHaveLength(published);
  });

  test('a partially written file is not read until its size and mtime stop changing', async () => {
    const t = setup();
    const body = fixtureBytes(TRIVY);
    const path = join(root, 'inbox', 'slow.json');
    await writeFile(path, body.subarray(0, 1000));
    expect(await t.watcher.poll()).toEqual([]);
    await appendFile(path, body.subarray(1000, 5000));
    expect(await t.watcher.poll()).toEqual([]);
    await appendFile(path, body.subarray(5000));
    expect(await t.watcher.poll()).toEqual([]);
    // The same size on two polls but a newer mtime (rewritten in place) still counts as a change.
    await utimes(path, new Date(), new Date(Date.now() + 5000));
    expect(await t.watcher.poll()).toEqual([]);
    expect(t.bus.events).toEqual([]);
    const [handled] = await t.watcher.poll();
    expect(handled).toMatchObject({ file: 'slow.json', result: { status: 'ingested', findings: REPORT_FINDINGS[TRIVY] } });
  });

  test('an invalid report goes to quarantine and is never read again from there; hidden and temp files are ignored', async () => {
    const t = setup();
    await copyFile(fixturePath(INVALID_SARIF), join(root, 'inbox', 'bad.sarif'));
    await writeFile(join(root, 'inbox', '.hidden.json'), fixtureBytes(TRIVY));
    await writeFile(join(root, 'inbox', 'download.json.part'), fixtureBytes(TRIVY));
    expect(await twice(t.watcher)).toEqual([{ file: 'bad.sarif', result: expect.objectContaining({ status: 'failed', code: 'report_invalid' }) }]);
    expect(await listInbox()).toEqual(['.hidden.json', 'download.json.part', 'quarantine', 'quarantine/bad.sarif']);
    expect(await twice(t.watcher)).toEqual([]);
    expect(t.system('failed')).toHaveLength(1);
    expect(t.findings()).toEqual([]);
  });

  test('a report saved over the file while it was read is not archived unread: it is read on a later poll', async () => {
    const t = ingestDeps();
    const objects = dirObjects({ root });
    const move = objects.move.bind(objects);
    let savedOver = false;
    // The user saves the next report over the first one just as the first is archived.
    objects.move = async (bucket, from, to, opts) => {
      if (!savedOver && to.startsWith('.processed/')) {
        savedOver = true;
        const temp = join(root, 'inbox', '.scan.json.tmp');
        await copyFile(fixturePath(SECRETS), temp);
        await utimes(temp, new Date(), new Date(Date.now() + 60_000));
        await rename(temp, join(root, 'inbox', 'scan.json'));
      }
      return move(bucket, from, to, opts);
    };
    const watcher = inbox({ deps: { ...t.deps, objects }, dir: join(root, 'inbox') });
    await copyFile(fixturePath(TRIVY), join(root, 'inbox', 'scan.json'));
    const results = [];
    for (let i = 0; i < 4; i++) results.push(...(await watcher.poll()));
    expect(results).toEqual([
      { file: 'scan.json', result: expect.objectContaining({ status: 'ingested', findings: REPORT_FINDINGS[TRIVY] }) },
      { file: 'scan.json', result: expect.objectContaining({ status: 'ingested', findings: REPORT_FINDINGS[SECRETS] }) },
    ]);
    expect(t.findings()).toHaveLength(REPORT_FINDINGS[TRIVY] + REPORT_FINDINGS[SECRETS]);
    expect(await listInbox()).toEqual(['.processed', '.processed/scan.json']);
  });

  test('a transient failure releases the content claim: the same report under another name is ingested, not taken as a copy', async () => {
    const t = setup();
    await copyFile(fixturePath(TRIVY), join(root, 'inbox', 'first.json'));
    t.bus.failAt(1);
    expect(await twice(t.watcher)).toEqual([{ file: 'first.json', error: 'ingest_unavailable' }]);
    const before = t.findings().length;
    // The user gives up on the first name and copies the report in again under another.
    await rm(join(root, 'inbox', 'first.json'));
    await copyFile(fixturePath(TRIVY), join(root, 'inbox', 'second.json'));
    expect(await twice(t.watcher)).toEqual([{ file: 'second.json', result: expect.objectContaining({ status: 'ingested', findings: REPORT_FINDINGS[TRIVY] }) }]);
    expect(t.findings().length - before).toBe(REPORT_FINDINGS[TRIVY]);
    expect(await listInbox()).toEqual(['.processed', '.processed/second.json']);
  });

  test('a transient failure leaves the file in place for a later poll', async () => {
    const t = setup();
    await copyFile(fixturePath(TRIVY), join(root, 'inbox', 'trivy.json'));
    t.bus.failAt(1);
    expect(await twice(t.watcher)).toEqual([{ file: 'trivy.json', error: 'ingest_unavailable' }]);
    expect(await listInbox()).toEqual(['trivy.json']);
    expect(await t.watcher.poll()).toEqual([]); // not before the retry delay
    t.clock.advance(5000);
    expect(await t.watcher.poll()).toEqual([{ file: 'trivy.json', result: expect.objectContaining({ status: 'ingested' }) }]);
    expect(new Set(t.findings().map((e) => e.id)).size).toBe(REPORT_FINDINGS[TRIVY]);
  });

  test('a clock set back after a transient failure (NTP stepping it) delays the retry by the retry delay, not by the step', async () => {
    const t = setup();
    await copyFile(fixturePath(TRIVY), join(root, 'inbox', 'trivy.json'));
    t.bus.failAt(1);
    expect(await twice(t.watcher)).toEqual([{ file: 'trivy.json', error: 'ingest_unavailable' }]);
    t.clock.set(t.clock.now() - 3_600_000);
    expect(await t.watcher.poll()).toEqual([]);
    t.clock.advance(5000);
    expect(await t.watcher.poll()).toEqual([{ file: 'trivy.json', result: expect.objectContaining({ status: 'ingested' }) }]);
  });
});
