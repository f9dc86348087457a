import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { appendFile, copyFile, mkdir, readdir, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPORT_FINDINGS } from '../../functions/storage-ingest/ingest.testkit';
import { fixtureBytes, fixturePath } from '../../test/fixtures';
import { eachInboxRoot, watchedInbox } from './inbox.testkit';

/**
 * What lands in the inbox folder besides a finished report: a file a scanner is about to write,
 * symbolic links, a folder named like a report. Real folder, real folder store, real reports;
 * the test drives the polls.
 */
const TRIVY = 'scanner/trivy-alpine-310.json';
const SECRETS = 'scanner/trivy-secrets.json';
let root: string;
eachInboxRoot('secorch-inbox-entries-', (r) => (root = r));

const setup = () => watchedInbox(root);
type Watcher = ReturnType<typeof setup>['watcher'];
const polls = async (w: Watcher, n: number) => {
  const out = [];
  for (let i = 0; i < n; i++) out.push(...(await w.poll()));
  return out;
};
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const LINK = 'inbox entry is a symbolic link; it is not followed (copy or move the report itself into the inbox)';
const inboxFiles = async () => (await readdir(join(root, 'inbox'), { recursive: true })).map(String).filter((p) => !p.includes('.secorch-')).sort();

test('an empty file is a report not written yet (`scanner > inbox/x.json` makes it at once): it waits, and is read once written', async () => {
  const t = setup();
  const path = join(root, 'inbox', 'scan.json');
  await writeFile(path, '');
  // Before: two polls saw it "stable", read it as report_empty and moved it to .processed/, where
  // the scanner then wrote its report, never read.
  expect(await polls(t.watcher, 3)).toEqual([]);
  expect(await inboxFiles()).toEqual(['scan.json']);
  expect(t.loud()).toEqual([expect.objectContaining({ level: 'info', msg: 'inbox file is empty; it is read once written', fields: { file: 'scan.json' } })]);
  await appendFile(path, fixtureBytes(TRIVY));
  expect(await polls(t.watcher, 2)).toEqual([{ file: 'scan.json', result: expect.objectContaining({ status: 'ingested', findings: REPORT_FINDINGS[TRIVY] }) }]);
  expect(await inboxFiles()).toEqual(['.processed', '.processed/scan.json']);
});

test('symbolic links are not followed, to a file outside the inbox or a folder, and each is logged once', async () => {
  const t = setup();
  const outside = join(root, 'elsewhere');
  await mkdir(outside);
  await copyFile(fixturePath(TRIVY), join(outside, 'private.json'));
  await copyFile(fixturePath(SECRETS), join(outside, 'other.json'));
  await symlink(join(outside, 'private.json'), join(root, 'inbox', 'link.json'));
  await symlink(outside, join(root, 'inbox', 'folder'));
  expect(await polls(t.watcher, 3)).toEqual([]);
  expect(t.findings()).toEqual([]);
  expect((await readdir(join(root, 'inbox'))).sort()).toEqual(['folder', 'link.json']); // left as they are
  expect(await readdir(outside)).toEqual(['other.json', 'private.json']);
  expect(t.loud().map((l) => [l.level, l.msg, l.fields.file]).sort()).toEqual([
    ['warn', LINK, 'folder'],
    ['warn', LINK, 'link.json'],
  ]);
});

test('a file replaced by a symbolic link after the listing is not followed either', async () => {
  const t = setup();
  const path = join(root, 'inbox', 'scan.json');
  // A file of the same size and modification time elsewhere, which the inbox must not read.
  const outside = join(root, 'private.json');
  const when = new Date('2026-01-01T00:00:00Z');
  for (const p of [path, outside]) {
    await copyFile(fixturePath(TRIVY), p);
    await utimes(p, when, when);
  }
  expect(await t.watcher.poll()).toEqual([]);
  // The next poll lists the file; the link takes its place before the file is looked at.
  const readdir = fsp.readdir.bind(fsp);
  const swap = jest.spyOn(fsp, 'readdir').mockImplementationOnce((async (...args: Parameters<typeof fsp.readdir>) => {
    const listed = await readdir(...args);
    await rm(path);
    await symlink(outside, path);
    return listed;
  }) as typeof fsp.readdir);
  try {
    expect(await t.watcher.poll()).toEqual([]);
  } finally {
    swap.mockRestore();
  }
  expect(t.findings()).toEqual([]);
  expect(t.loud().map((l) => [l.msg, l.fields.file])).toEqual([[LINK, 'scan.json']]);
  expect(await polls(t.watcher, 2)).toEqual([]);
  expect(t.loud()).toHaveLength(1);
});

test('a folder named like a report beside an archived report of that name: its files are ingested and archived, nothing refused', async () => {
  const t = setup();
  await copyFile(fixturePath(TRIVY), join(root, 'inbox', 'scan.json'));
  expect(await polls(t.watcher, 2)).toEqual([{ file: 'scan.json', result: expect.objectContaining({ status: 'ingested' }) }]);
  // The next night's scanner writes a folder of that name.
  await mkdir(join(root, 'inbox', 'scan.json'));
  await copyFile(fixturePath(SECRETS), join(root, 'inbox', 'scan.json', 'secrets.json'));
  expect(await polls(t.watcher, 2)).toEqual([{ file: 'scan.json/secrets.json', result: expect.objectContaining({ status: 'ingested', findings: REPORT_FINDINGS[SECRETS] }) }]);
  expect(t.system('failed')).toEqual([]);
  expect(t.findings()).toHaveLength(REPORT_FINDINGS[TRIVY] + REPORT_FINDINGS[SECRETS]);
  const aside = `.processed/${sha256(fixtureBytes(SECRETS)).slice(0, 12)}/scan.json/secrets.json`;
  expect((await inboxFiles()).filter((f) => !f.endsWith('/') && !['.processed', aside.slice(0, 23), aside.slice(0, 33)].includes(f)))
    .toEqual([aside, '.processed/scan.json', 'scan.json']); // scan.json: the folder, emptied
  expect(await readFile(join(root, 'inbox', '.processed', 'scan.json'), 'utf8')).toBe(Buffer.from(fixtureBytes(TRIVY)).toString('utf8'));
});

test('the reverse: a report named like a folder archived before goes beside it', async () => {
  const t = setup();
  await mkdir(join(root, 'inbox', 'scan.json'));
  await copyFile(fixturePath(SECRETS), join(root, 'inbox', 'scan.json', 'secrets.json'));
  expect(await polls(t.watcher, 2)).toEqual([{ file: 'scan.json/secrets.json', result: expect.objectContaining({ status: 'ingested' }) }]);
  await rm(join(root, 'inbox', 'scan.json'), { recursive: true });
  await copyFile(fixturePath(TRIVY), join(root, 'inbox', 'scan.json'));
  expect(await polls(t.watcher, 2)).toEqual([{ file: 'scan.json', result: expect.objectContaining({ status: 'ingested', findings: REPORT_FINDINGS[TRIVY] }) }]);
  expect(t.system('failed')).toEqual([]);
  expect(await readFile(join(root, 'inbox', '.processed', sha256(fixtureBytes(TRIVY)).slice(0, 12), 'scan.json'), 'utf8')).toBe(Buffer.from(fixtureBytes(TRIVY)).toString('utf8'));
});

test('a report that was ingested but cannot be archived at all stays in the inbox, logged: not failed, not quarantined', async () => {
  const t = setup();
  // A path the folder store can read but not archive: with `.processed/` in front it is longer than a path may be.
  const room = 4080 - Buffer.byteLength(join(root, 'inbox/'));
  const folders = Array.from({ length: Math.floor(room / 201) }, () => 'p'.repeat(200));
  const rel = [...folders, 'f'.repeat(room - folders.length * 201 - 5) + '.json'].join('/');
  await mkdir(join(root, 'inbox', ...folders), { recursive: true });
  await copyFile(fixturePath(TRIVY), join(root, 'inbox', rel));
  expect(await polls(t.watcher, 4)).toEqual([{ file: rel, result: expect.objectContaining({ status: 'ingested', findings: REPORT_FINDINGS[TRIVY] }) }]);
  expect(t.system('failed')).toEqual([]);
  expect(t.loud().filter((l) => l.level !== 'info').map((l) => [l.level, l.msg, l.fields.code])).toEqual([
    ['warn', 'inbox file was handled but cannot be moved to .processed/; it stays in the inbox', 'object_key_invalid'],
  ]);
  expect(await readFile(join(root, 'inbox', rel), 'utf8')).toBe(Buffer.from(fixtureBytes(TRIVY)).toString('utf8'));
});
