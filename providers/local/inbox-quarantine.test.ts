import { copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestObject } from '../../functions/storage-ingest/ingest';
import { INVALID_SARIF, ingestDeps } from '../../functions/storage-ingest/ingest.testkit';
import { AppError } from '../../shared/errors';
import type { ObjectStorage } from '../../shared/ports';
import { fixtureBytes, fixturePath } from '../../test/fixtures';
import { inbox } from './inbox';
import type { InboxEntry } from './inbox-files';
import { setAside } from './inbox-quarantine';
import { dirObjects } from './objects-dir';

/**
 * The inbox sets aside only the file it judged: a report saved over it (by an editor, a copy, a
 * scanner's next run) between the poll's stat and the move stays in the inbox and is read on a
 * later poll. Real folder, real folder store.
 */
const TRIVY = 'scanner/trivy-alpine-310.json';
let root: string;
let dir: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'secorch-inbox-quarantine-'));
  dir = join(root, 'inbox');
  await mkdir(dir);
});
afterEach(() => rm(root, { recursive: true, force: true }));

/** Saves over `name` as editors do (a temp file renamed into place), with a later mtime. */
async function saveOver(name: string, body: Uint8Array | string) {
  await writeFile(join(dir, `.${name}.tmp`), body);
  const later = new Date(Date.now() + 60_000);
  await utimes(join(dir, `.${name}.tmp`), later, later);
  await rename(join(dir, `.${name}.tmp`), join(dir, name));
}

const entry = (key: string): InboxEntry => ({ rel: key, key, escaped: key, path: Buffer.from(join(dir, key)) });
const refusal = new AppError('test_refused', 'refused for the test', { status: 400, retryable: false });

describe('setAside', () => {
  const aside = (objects: ObjectStorage) => ({ deps: { ...ingestDeps().deps, objects }, dir, bucket: 'inbox', quarantinePrefix: 'quarantine/', tenant: 'default' });

  test('moves the file the poll judged', async () => {
    await writeFile(join(dir, 'r.json'), 'bad');
    const st = await stat(join(dir, 'r.json'));
    await expect(setAside(aside(dirObjects({ root })), entry('r.json'), st, refusal)).resolves.toBe('quarantine/r.json');
    expect(await readdir(dir)).toEqual(['quarantine']);
    expect(await readFile(join(dir, 'quarantine', 'r.json'), 'utf8')).toBe('bad');
  });

  (process.platform === 'win32' ? test.skip : test)('a file no key can name is renamed into a quarantine folder that is its owner\'s only', async () => {
    await writeFile(join(dir, 'a..b'), 'bad');
    const st = await stat(join(dir, 'a..b'));
    const to = await setAside(aside(dirObjects({ root })), { rel: 'a..b', escaped: 'a..b', path: Buffer.from(join(dir, 'a..b')) }, st, refusal);
    expect(to).toMatch(/^quarantine\/unsafe-name-[0-9a-f]{12}-a\.\.b$/);
    expect(await readFile(join(dir, ...to.split('/')), 'utf8')).toBe('bad');
    expect((await stat(join(dir, 'quarantine'))).mode & 0o777).toBe(0o700);
  });

  test('a second file set aside under the same name goes beside the first, which is kept', async () => {
    const objects = dirObjects({ root });
    await writeFile(join(dir, 'r.json'), 'bad one');
    await expect(setAside(aside(objects), entry('r.json'), await stat(join(dir, 'r.json')), refusal)).resolves.toBe('quarantine/r.json');
    await writeFile(join(dir, 'r.json'), 'bad two, the next night');
    const second = await setAside(aside(objects), entry('r.json'), await stat(join(dir, 'r.json')), refusal);
    expect(second).toMatch(/^quarantine\/r\.json\.[0-9a-f]{12}$/);
    expect(await readFile(join(dir, 'quarantine', 'r.json'), 'utf8')).toBe('bad one');
    expect(await readFile(join(dir, ...second.split('/')), 'utf8')).toBe('bad two, the next night');
  });

  test('a file saved over it after the stat stays, and inbox_file_changed (retryable) says why', async () => {
    await writeFile(join(dir, 'r.json'), 'bad');
    const st = await stat(join(dir, 'r.json'));
    await saveOver('r.json', 'new and good');
    const err = await setAside(aside(dirObjects({ root })), entry('r.json'), st, refusal).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'inbox_file_changed', retryable: true, extra: { file: 'r.json', move: 'changed' } });
    expect(await readdir(dir)).toEqual(['r.json']);
    expect(await readFile(join(dir, 'r.json'), 'utf8')).toBe('new and good');
  });

  test('a file saved over it between the head and the move: the conditional move leaves it', async () => {
    await writeFile(join(dir, 'r.json'), 'bad');
    const st = await stat(join(dir, 'r.json'));
    const objects = dirObjects({ root });
    const move = objects.move.bind(objects);
    objects.move = async (...args) => {
      await saveOver('r.json', 'new and good');
      return move(...args);
    };
    await expect(setAside(aside(objects), entry('r.json'), st, refusal)).rejects.toMatchObject({ code: 'inbox_file_changed', extra: { move: 'changed' } });
    expect(await readdir(dir)).toEqual(['r.json']);
    expect(await readFile(join(dir, 'r.json'), 'utf8')).toBe('new and good');
  });

  test('a file removed meanwhile: inbox_file_changed naming it removed', async () => {
    await writeFile(join(dir, 'r.json'), 'bad');
    const st = await stat(join(dir, 'r.json'));
    await rm(join(dir, 'r.json'));
    await expect(setAside(aside(dirObjects({ root })), entry('r.json'), st, refusal)).rejects.toMatchObject({ code: 'inbox_file_changed', extra: { move: 'absent' }, message: expect.stringContaining('removed') });
  });
});

test('through the inbox: a refused file replaced before it is set aside stays, and the next polls ingest the new report', async () => {
  const t = ingestDeps();
  const objects = dirObjects({ root });
  const head = objects.head.bind(objects);
  let refused = false;
  // The first look at the file refuses it for good; the user saves the fixed report right then.
  objects.head = async (bucket, key) => {
    if (refused) return head(bucket, key);
    refused = true;
    await saveOver('scan.json', fixtureBytes(TRIVY));
    throw refusal;
  };
  const w = inbox({ deps: { ...t.deps, objects }, dir });
  await copyFile(fixturePath('scanner/codeql-action-invalid-sarif.sarif'), join(dir, 'scan.json'));
  const results = [];
  for (let i = 0; i < 5; i++, t.clock.advance(6000)) results.push(...(await w.poll()));
  expect(results).toEqual([
    { file: 'scan.json', error: 'test_refused' },
    { file: 'scan.json', result: expect.objectContaining({ status: 'ingested', findings: 4 }) },
  ]);
  expect(t.findings()).toHaveLength(4);
  // Nothing in quarantine: the new report was read and archived (.secorch-meta: the store's sidecars).
  expect((await readdir(dir)).filter((f) => !f.startsWith('.secorch-'))).toEqual(['.processed']);
  expect(await readdir(join(dir, '.processed'))).toEqual(['scan.json']);
});

describe('setAside, names near the file system\'s 255 bytes', () => {
  const aside = () => ({ deps: { ...ingestDeps().deps, objects: dirObjects({ root }) }, dir, bucket: 'inbox', quarantinePrefix: 'quarantine/', tenant: 'default' });
  const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

  // Before: the second file went to `<name>.<12 hex>`, 13 bytes longer than the name, and every
  // attempt failed with ENAMETOOLONG: the file stayed in the inbox and was retried on every poll.
  test.each([243, 255])('a file name of %i bytes set aside twice: both kept under shortened names, each with its original key beside it', async (length) => {
    const name = `${'n'.repeat(length - 5)}.json`;
    const moved: string[] = [];
    for (const body of ['bad one', 'bad two, the next night']) {
      await writeFile(join(dir, name), body);
      moved.push(await setAside(aside(), entry(name), await stat(join(dir, name)), refusal));
    }
    expect(moved).toEqual([expect.stringMatching(/^quarantine\/n+~[0-9a-f]{32}$/), expect.stringMatching(/^quarantine\/n+~[0-9a-f]{32}\.[0-9a-f]{12}$/)]);
    // (.secorch-meta: the store's sidecars, of the original key files it wrote.)
    expect((await readdir(dir)).filter((f) => !f.startsWith('.secorch-'))).toEqual(['quarantine']);
    const names = await readdir(join(dir, 'quarantine'));
    expect(names.sort()).toEqual(moved.flatMap((k) => [k, `${k}.original.json`]).map((k) => k.slice('quarantine/'.length)).sort());
    expect(names.every((n) => bytes(n) <= 241)).toBe(true);
    const read = (key: string) => readFile(join(dir, ...key.split('/')), 'utf8');
    expect([await read(moved[0]!), await read(moved[1]!)]).toEqual(['bad one', 'bad two, the next night']);
    for (const to of moved) expect(JSON.parse(await read(`${to}.original.json`))).toMatchObject({ bucket: 'inbox', key: name, quarantinedTo: to });
  });
});

test('storage-ingest into the local folder store: a second bad report under a name near 255 bytes is quarantined beside the first', async () => {
  const t = ingestDeps();
  const deps = { ...t.deps, objects: dirObjects({ root }) };
  const name = `${'n'.repeat(244)}.sarif`;
  const ref = { bucket: 'inbox', key: `scans/${name}`, eventTime: '2026-01-01T00:00:00.000Z' };
  await mkdir(join(dir, 'scans'));
  // Dropped into the folder as a scanner would (no sidecar of the store's).
  await copyFile(fixturePath(INVALID_SARIF), join(dir, 'scans', name));
  await expect(ingestObject(ref, deps)).resolves.toMatchObject({ status: 'failed', code: 'report_invalid' });
  await writeFile(join(dir, 'scans', name), 'not a report at all');
  // Before: `<name>.<12 hex>` is 263 bytes, and every attempt failed with ENAMETOOLONG.
  await expect(ingestObject(ref, deps)).resolves.toMatchObject({ status: 'failed', code: 'report_unsupported' });
  const quarantined = join(dir, 'quarantine', 'scans');
  const names = await readdir(quarantined);
  expect(names).toHaveLength(4);
  expect(names.every((n) => Buffer.byteLength(n, 'utf8') <= 241)).toBe(true);
  const read = (n: string) => readFile(join(quarantined, n), 'utf8');
  const reports = await Promise.all(names.filter((n) => !n.endsWith('.original.json')).map(read));
  expect(reports.sort()).toEqual([Buffer.from(fixtureBytes(INVALID_SARIF)).toString('utf8'), 'not a report at all'].sort());
  const originals = await Promise.all(names.filter((n) => n.endsWith('.original.json')).map(async (n) => JSON.parse(await read(n)) as { key: string }));
  expect(originals.map((o) => o.key)).toEqual([ref.key, ref.key]);
  expect(await readdir(join(dir, 'scans'))).toEqual([]);
});
