import { copyFile, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { INVALID_SARIF } from '../../functions/storage-ingest/ingest.testkit';
import { compileConfig } from '../../shared/config';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { fixturePath } from '../../test/fixtures';
import { inbox } from './inbox';
import { eachInboxRoot, watchedInbox } from './inbox.testkit';

/**
 * The content claim (inbox-claim.ts) makes a copy of a report under another name a duplicate only
 * once the first file was handled: a copy of a report whose attempt was killed midway waits for
 * its lease and is then ingested, and a copy of a refused report is refused and quarantined again.
 * Real folder, real folder store.
 */
let root = '';
eachInboxRoot('secorch-inbox-claim-', (r) => void (root = r));
const LEASE_MS = 900_000;
const FINDINGS = 300;
const jsonl = () => Array.from({ length: FINDINGS }, (_, i) => JSON.stringify({ title: `t${i}`, severity: 'high', rule: `r${i}` })).join('\n');
const inInbox = async () => (await readdir(join(root, 'inbox'), { recursive: true })).map(String).filter((p) => !p.includes('.secorch-')).sort();

/**
 * `big.jsonl` read by a worker killed after 20 findings (SIGKILL, OOM: its bus never answers
 * again, nothing is released), then moved out of the inbox; the same bytes copied in as
 * `big-rerun.jsonl` for the next start, whose watcher is returned.
 */
async function killedThenCopied() {
  const w = watchedInbox(root);
  let killed: () => void = () => undefined;
  const dead = new Promise<void>((r) => (killed = r));
  const hung: ((e: Error) => void)[] = [];
  const hang = () => new Promise<void>((_r, reject) => void hung.push(reject));
  const bus = { publish: (e: CloudEvent) => (w.findings().length >= 20 ? (killed(), hang()) : w.bus.publish(e)), check: () => w.bus.check() };
  const first = inbox({ deps: { ...w.deps, bus }, dir: join(root, 'inbox') });
  await writeFile(join(root, 'inbox', 'big.jsonl'), jsonl());
  await first.poll();
  const dying = first.poll();
  await dead;
  await rename(join(root, 'inbox', 'big.jsonl'), join(root, 'big-aside.jsonl'));
  await writeFile(join(root, 'inbox', 'big-rerun.jsonl'), jsonl());
  /** After the test: lets the dead attempt end, so that its file is closed. */
  const bury = async () => (hung.forEach((reject) => reject(new Error('killed (test)'))), await dying);
  return { ...w, bury, next: inbox({ deps: w.deps, dir: join(root, 'inbox') }) };
}

test('a copy of a report whose attempt was killed waits for the lease (one warning), then is ingested whole; a later copy is a duplicate of it', async () => {
  const t = await killedThenCopied();
  expect(await t.next.poll()).toEqual([]);
  expect(await t.next.poll()).toEqual([{ file: 'big-rerun.jsonl', error: 'ingest_in_progress' }]);
  t.clock.advance(6_000);
  expect(await t.next.poll()).toEqual([{ file: 'big-rerun.jsonl', error: 'ingest_in_progress' }]);
  expect(t.loud().filter((l) => l.msg.includes('held by another attempt'))).toEqual([
    expect.objectContaining({ level: 'warn', fields: expect.objectContaining({ file: 'big-rerun.jsonl' }) }),
  ]);
  expect(await inInbox()).toEqual(['big-rerun.jsonl']);

  t.clock.advance(LEASE_MS);
  expect(await t.next.poll()).toEqual([{ file: 'big-rerun.jsonl', result: expect.objectContaining({ status: 'ingested', findings: FINDINGS }) }]);
  expect(t.system('completed')).toEqual([expect.objectContaining({ subject: 'big-rerun.jsonl' })]);
  expect(new Set(t.findings().slice(20).map((e) => e.id)).size).toBe(FINDINGS);
  expect(await inInbox()).toEqual(['.processed', '.processed/big-rerun.jsonl']);

  await copyFile(join(root, 'big-aside.jsonl'), join(root, 'inbox', 'big-third.jsonl'));
  const published = t.bus.events.length;
  expect([...(await t.next.poll()), ...(await t.next.poll())]).toEqual([{ file: 'big-third.jsonl', sameAs: 'big-rerun.jsonl' }]);
  expect(t.bus.events).toHaveLength(published);
  await t.bury();
});

test('a copy of a report whose killed attempt left no record (it expired) but its claim is ingested', async () => {
  const t = await killedThenCopied();
  t.clock.advance(8 * LEASE_MS);
  await t.next.poll();
  expect(await t.next.poll()).toEqual([{ file: 'big-rerun.jsonl', result: expect.objectContaining({ status: 'ingested', findings: FINDINGS }) }]);
  expect(t.loud()).toContainEqual(expect.objectContaining({ level: 'warn', fields: { file: 'big-rerun.jsonl', earlier: 'big.jsonl' } }));
  await t.bury();
});

test('a copy of a refused report under another name is refused and quarantined too, with its own failed event', async () => {
  const t = watchedInbox(root);
  await copyFile(fixturePath(INVALID_SARIF), join(root, 'inbox', 'bad1.sarif'));
  await t.watcher.poll();
  expect(await t.watcher.poll()).toEqual([{ file: 'bad1.sarif', result: expect.objectContaining({ status: 'failed', code: 'report_invalid' }) }]);
  await copyFile(fixturePath(INVALID_SARIF), join(root, 'inbox', 'bad2.sarif'));
  await t.watcher.poll();
  expect(await t.watcher.poll()).toEqual([{ file: 'bad2.sarif', result: expect.objectContaining({ status: 'failed', code: 'report_invalid' }) }]);
  expect(t.system('failed').map((e) => e.subject)).toEqual(['bad1.sarif', 'bad2.sarif']);
  expect(await inInbox()).toEqual(['quarantine', 'quarantine/bad1.sarif', 'quarantine/bad2.sarif']);
});

test('once a copy of a refused report is ingested (its limit raised), a later copy is that copy\'s duplicate', async () => {
  const w = watchedInbox(root);
  const small = inbox({ deps: { ...w.deps, config: compileConfig({ ingest: { maxObjectBytes: 50 } }, {}) }, dir: join(root, 'inbox') });
  await writeFile(join(root, 'inbox', 'a.jsonl'), jsonl());
  await small.poll();
  expect(await small.poll()).toEqual([{ file: 'a.jsonl', result: expect.objectContaining({ status: 'failed', code: 'report_too_large' }) }]);
  // The limit raised, the worker started again, the report copied in again.
  const raised = inbox({ deps: w.deps, dir: join(root, 'inbox') });
  await writeFile(join(root, 'inbox', 'b.jsonl'), jsonl());
  await raised.poll();
  expect(await raised.poll()).toEqual([{ file: 'b.jsonl', result: expect.objectContaining({ status: 'ingested', findings: FINDINGS }) }]);
  const published = w.findings().length;
  await writeFile(join(root, 'inbox', 'c.jsonl'), jsonl());
  expect([...(await raised.poll()), ...(await raised.poll())]).toEqual([{ file: 'c.jsonl', sameAs: 'b.jsonl' }]);
  expect(w.findings()).toHaveLength(published);
});
